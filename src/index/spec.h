// index/spec.h — an indicator system: a tree of any depth whose leaves are measured indicators and whose
// nodes say how their children are weighted. The CAICT compute development index 3.0 ships as
// data/index/caict-3.0.yaml.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace zhisuan::index {

enum class Direction { kBenefit, kCost };

// How a leaf's raw values become comparable scores (all results oriented so that larger is better).
enum class Standardisation {
  kMinMax,      // (x - min) / (max - min), x 100
  kZScore,      // (x - mean) / sd (population sd); unbounded unless the leaf asks to be rescaled
  kVector,      // x / ||x||_2, x 100 (cost: 1 - x / ||x||_2)
  kShareOfMax,  // x / max, x 100 (cost: min / x); needs positive values
  kEfficacy,    // 60 + 40 (x - min) / (max - min): the efficacy-coefficient method, range 60-100
};

// Fixed reference values of a leaf instead of the data's min and max: the satisfactory value x_s and the
// excellent value x_h (x_h > x_s for a benefit indicator, x_h < x_s for a cost one). Efficacy gives
// 60 + 40 (x - x_s) / (x_h - x_s), which falls below 60 under the satisfactory value and above 100 past the
// excellent one; min-max gives 100 (x - x_s) / (x_h - x_s). Scores are then comparable across years and data
// sets.
struct Thresholds {
  double satisfactory = 0;
  double excellent = 0;
};

// How AHP turns a pairwise matrix into priorities.
enum class Priority { kEigenvector, kGeometricMean, kColumnNormalised };

// The published random-index tables for the consistency ratio (see ahp.h for values and sources).
enum class RandomIndexTable { kSaaty1980, kAlonsoLamata2006, kXuShubai1988 };

enum class GroupRule {
  kJudgements,  // AIJ: element-wise geometric mean of the experts' matrices, then priorities
  kPriorities,  // AIP: each expert's priorities, then their normalised geometric mean
};

enum class WeightMethod { kEqual, kFixed, kAhp, kEntropy, kCritic, kVariation, kCombined };

struct Ahp {
  std::vector<std::string> experts;           // names, one per matrix
  std::vector<std::vector<double>> matrices;  // n x n, row-major, one per expert
  GroupRule group = GroupRule::kJudgements;
  Priority priority = Priority::kEigenvector;
  RandomIndexTable random_index = RandomIndexTable::kSaaty1980;
  double max_cr = 0.1;
};

// How one node weights its children.
struct Weighting {
  WeightMethod method = WeightMethod::kEqual;
  std::vector<double> fixed;  // kFixed: one per child, normalised to sum 1
  Ahp ahp;                    // kAhp
  // kCombined: subjective (equal, fixed or ahp) x objective (entropy, critic or variation).
  std::shared_ptr<const Weighting> subjective;
  WeightMethod objective = WeightMethod::kEntropy;
  bool linear = false;  // false: w = ws*wo / sum(ws*wo); true: w = alpha*ws + (1-alpha)*wo
  double alpha = 0.5;

  bool objective_based() const;  // depends on the data (entropy, critic, variation, combined)
};

struct Node {
  std::string id;
  std::string name_zh, name_en;
  int parent = -1;
  int depth = 0;
  std::vector<int> children;  // indices into IndexSpec::nodes
  // Leaves only.
  std::string unit;
  Direction direction = Direction::kBenefit;
  Standardisation standardisation = Standardisation::kMinMax;
  bool rescale = false;                  // map the standardised column linearly onto 0..scale
  std::optional<Thresholds> thresholds;  // efficacy and min-max only
  int leaf_index = -1;                   // position among IndexSpec::leaves
  // Inner nodes only.
  Weighting weighting;

  bool leaf() const { return children.empty(); }
};

struct Tier {
  std::string name;
  double min = 0;  // a region's index >= min puts it in this tier (tiers sorted by min, highest first)
};

// A column of the data that is not an indicator, e.g. GDP for the regression.
struct Covariate {
  std::string id, name_zh, name_en, unit;
  std::optional<double> published_slope;  // a published effect of one index point, in `unit`
  std::string published_source;           // where it is published (e.g. "seed 004:1145-1149")
};

// The rule that labels province types from first-level sub-indices (seed 004 section 三(四)).
struct TypologyRule {
  std::vector<std::string> supply;  // node ids whose mean is the supply side (e.g. scale, industry)
  std::vector<std::string> demand;  // node ids whose mean is the demand side (e.g. application)
  double band = 0.15;               // |supply - demand| / mean(supply, demand) <= band: coordinated
  int clusters = 3;
};

struct IndexSpec {
  std::string id, name_zh, name_en, source;
  double scale = 100;       // standardised leaf scores run 0..scale
  std::vector<Node> nodes;  // nodes[0] is the root; pre-order
  std::vector<int> leaves;  // node indices of the leaves, in pre-order
  std::vector<Tier> tiers;  // highest first
  std::vector<Covariate> covariates;
  TypologyRule typology;

  int Find(const std::string& id) const;  // node index, or -1
  const Node& root() const { return nodes.front(); }
};

// Parses a spec document (YAML or JSON). Every problem is reported as "file:line: field.path: problem".
Result<IndexSpec> ParseSpec(const std::string& file, const std::string& content);

// Applies a weights file: a map from node id to a weighting, replacing those nodes' weightings.
Status ApplyWeights(IndexSpec& spec, const std::string& file, const std::string& content);

std::string_view DirectionName(Direction d);
std::string_view StandardisationName(Standardisation s);
std::string_view WeightMethodName(WeightMethod m);
std::string_view PriorityName(Priority p);
std::string_view RandomIndexName(RandomIndexTable t);

}  // namespace zhisuan::index
