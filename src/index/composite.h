// index/composite.h — from standardised indicators to sub-indices, the composite index, ranks and tiers; the
// explanation of one region against another; TOPSIS and grey relational analysis as alternative aggregations.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "index/ahp.h"
#include "index/dataset.h"

namespace zhisuan::index {

struct YearResult {
  int year = 0;
  int base_year = 0;  // 0: standardised on its own data; else on that year's references and weights
  std::vector<std::string> regions;
  size_t node_count = 0;
  std::vector<double> scores;  // regions x spec.nodes: standardised leaves, weighted sums above them
  std::vector<double> local;   // per node: its weight among its siblings (root 1)
  std::vector<double> global;  // per node: the product of local weights up to the root
  std::vector<std::optional<AhpOutcome>> ahp;  // per node, for AHP-weighted nodes
  std::vector<int> rank;       // per region, 1 = highest composite (ties share the better rank)
  std::vector<int> tier;       // per region: index into spec.tiers, -1 below every tier
  std::vector<double> topsis;  // per region: closeness to the ideal, 0..1
  std::vector<double> grey;    // per region: grey relational grade, 0..1

  double Score(size_t region, size_t node) const { return scores[region * node_count + node]; }
  double Composite(size_t region) const { return scores[region * node_count]; }
  int Find(const std::string& region) const;  // index or -1
};

// Computes every year of the data. Errors name the node and year (e.g. an indicator that share-of-max cannot
// score). Each year is standardised on its own data, or, with `base_year`, every year on the base year's
// references (each leaf's min, max, mean, sd and norm) and with the base year's weights, so that a region's
// index in two years can be compared and the change means something (fixed thresholds stay fixed).
Result<std::vector<YearResult>> Compute(const IndexSpec& spec, const Dataset& data,
                                        std::optional<int> base_year = std::nullopt);

// One leaf's part in the difference between regions a and b: global weight x (score_a - score_b). The parts
// sum to the composite difference exactly.
struct Contribution {
  int node = 0;         // the leaf
  int first_level = 0;  // the first-level node above it
  double weight = 0, score_a = 0, score_b = 0, contribution = 0;
};
std::vector<Contribution> Explain(const IndexSpec& spec, const YearResult& year, size_t a, size_t b);

// Ranks (1 = best) of `values` in descending order; ties share the better rank.
std::vector<int> RankDescending(std::span<const double> values);

// TOPSIS (Hwang and Yoon 1981) over a raw decision matrix rows x cols: vector normalisation (or linear
// min-max with cost columns reversed, as in Opricovic and Tzeng 2004), weights, ideal and anti-ideal by
// direction, closeness d- / (d+ + d-).
enum class TopsisNormalisation { kVector, kMinMax };
std::vector<double> Topsis(std::span<const double> x, size_t rows, size_t cols,
                           std::span<const double> weights, std::span<const Direction> directions,
                           TopsisNormalisation normalisation = TopsisNormalisation::kVector);

// Grey relational grade (Deng 1982) of already benefit-oriented scores against the ideal (the column maxima),
// with distinguishing coefficient rho: xi = (dmin + rho dmax) / (d + rho dmax), grade = sum_j w_j xi_j.
std::vector<double> GreyRelational(std::span<const double> x, size_t rows, size_t cols,
                                   std::span<const double> weights, double rho = 0.5);

}  // namespace zhisuan::index
