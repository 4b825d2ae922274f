#include "index/spec.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <set>

#include "index/ahp.h"
#include "model/yaml_field.h"

namespace zhisuan::index {
namespace {

constexpr double kMaxDouble = std::numeric_limits<double>::max();

template <typename E, size_t N>
std::optional<E> Choose(const YamlField& f, std::string_view key,
                        const std::pair<std::string_view, E> (&names)[N], E fallback) {
  if (!f.Has(key)) return fallback;
  const std::optional<std::string> text = f.String(key);
  if (!text) return std::nullopt;
  std::string known;
  for (const auto& [name, value] : names) {
    if (name == *text) return value;
    known += (known.empty() ? "" : ", ") + std::string(name);
  }
  f.Child(key).Error(fmt::format("'{}' is not one of: {}", *text, known));
  return std::nullopt;
}

constexpr std::pair<std::string_view, Direction> kDirections[] = {{"benefit", Direction::kBenefit},
                                                                  {"cost", Direction::kCost}};
constexpr std::pair<std::string_view, Standardisation> kStandardisations[] = {
    {"min-max", Standardisation::kMinMax},
    {"z-score", Standardisation::kZScore},
    {"vector", Standardisation::kVector},
    {"share-of-max", Standardisation::kShareOfMax},
    {"efficacy", Standardisation::kEfficacy}};
constexpr std::pair<std::string_view, WeightMethod> kMethods[] = {
    {"equal", WeightMethod::kEqual},      {"fixed", WeightMethod::kFixed},
    {"ahp", WeightMethod::kAhp},          {"entropy", WeightMethod::kEntropy},
    {"critic", WeightMethod::kCritic},    {"variation", WeightMethod::kVariation},
    {"combined", WeightMethod::kCombined}};
constexpr std::pair<std::string_view, Priority> kPriorities[] = {
    {"eigenvector", Priority::kEigenvector},
    {"geometric-mean", Priority::kGeometricMean},
    {"column-normalised", Priority::kColumnNormalised}};
constexpr std::pair<std::string_view, RandomIndexTable> kTables[] = {
    {"saaty-1980", RandomIndexTable::kSaaty1980},
    {"alonso-lamata-2006", RandomIndexTable::kAlonsoLamata2006},
    {"xu-shubai-1988", RandomIndexTable::kXuShubai1988}};
constexpr std::pair<std::string_view, GroupRule> kGroupRules[] = {{"judgements", GroupRule::kJudgements},
                                                                  {"priorities", GroupRule::kPriorities}};

template <typename E, size_t N>
std::string_view NameOf(E value, const std::pair<std::string_view, E> (&names)[N]) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "?";
}

// A matrix element: a number or a fraction "1/3".
std::optional<double> ReadJudgement(const YamlField& f) {
  const std::optional<std::string> text = f.Scalar();
  if (!text) {
    f.Error("must be a number or a fraction such as 1/3");
    return std::nullopt;
  }
  const size_t slash = text->find('/');
  try {
    size_t used = 0;
    if (slash == std::string::npos) {
      const double x = std::stod(*text, &used);
      if (used == text->size() && std::isfinite(x)) return x;
    } else {
      const std::string num = text->substr(0, slash), den = text->substr(slash + 1);
      size_t used_den = 0;
      const double n = std::stod(num, &used), d = std::stod(den, &used_den);
      if (used == num.size() && used_den == den.size() && d != 0 && std::isfinite(n / d)) return n / d;
    }
  } catch (const std::exception&) {
  }
  f.Error(fmt::format("'{}' is not a number or a fraction such as 1/3", *text));
  return std::nullopt;
}

std::optional<std::vector<double>> ReadMatrix(const YamlField& f, size_t n) {
  std::vector<double> m;
  const std::vector<YamlField> rows = f.Elements();
  if (rows.empty()) return std::nullopt;
  bool ok = true;
  if (rows.size() != n) {
    f.Error(fmt::format("has {} rows but the node has {} children (one row and column per child, in order)",
                        rows.size(), n));
    return std::nullopt;
  }
  for (const YamlField& row : rows) {
    const std::vector<YamlField> cells = row.Elements();
    if (cells.size() != n) {
      row.Error(fmt::format("has {} values; it must have {} (one per child)", cells.size(), n));
      ok = false;
      continue;
    }
    for (const YamlField& cell : cells) {
      const std::optional<double> x = ReadJudgement(cell);
      ok = ok && x.has_value();
      m.push_back(x.value_or(1.0));
    }
  }
  if (!ok) return std::nullopt;
  if (Status s = CheckPairwise(m, n); !s) {
    f.Error(s.error().message);
    return std::nullopt;
  }
  return m;
}

// Consistency is a property of the judgements alone, so it is checked when the spec is read, where the error
// can name the file, the line and the children involved.
void CheckConsistency(const YamlField& f, const Weighting& w, const std::vector<std::string>& child_ids) {
  const Ahp& ahp = w.ahp;
  const size_t n = child_ids.size();
  for (size_t e = 0; e < ahp.matrices.size(); ++e) {
    Result<AhpOutcome> out = Evaluate(ahp.matrices[e], n, ahp.priority, ahp.random_index);
    if (!out) {
      f.Error(out.error().message);
      return;
    }
    if (out->cr <= ahp.max_cr) continue;
    std::string worst;
    for (const Judgement& j : out->worst) {
      worst += fmt::format("{}{} vs {} is judged {:.3g} but the priorities imply {:.3g}",
                           worst.empty() ? "" : "; ", child_ids[j.i], child_ids[j.j], j.given, j.implied);
    }
    const std::string who = ahp.matrices.size() > 1 ? fmt::format("expert '{}': ", ahp.experts[e]) : "";
    f.Error(fmt::format(
        "{}inconsistent judgements: consistency ratio {:.3f} exceeds {} (lambda_max {:.4f}, CI {:.4f}, "
        "RI {} from {}); the most inconsistent: {}",
        who, out->cr, ahp.max_cr, out->lambda_max, out->ci, out->ri, RandomIndexName(ahp.random_index),
        worst));
  }
}

std::optional<Weighting> ReadWeighting(const YamlField& f, const std::vector<std::string>& child_ids,
                                       bool nested = false) {
  Weighting w;
  if (!f.ExpectMap({"method", "weights", "matrix", "experts", "group", "priority", "random_index", "max_cr",
                    "subjective", "objective", "rule", "alpha"})) {
    return std::nullopt;
  }
  const std::optional<WeightMethod> method = Choose(f, "method", kMethods, WeightMethod::kEqual);
  if (!method) return std::nullopt;
  if (!f.Has("method")) f.Child("method").Error("is required");
  w.method = *method;
  const size_t n = child_ids.size();
  switch (w.method) {
    case WeightMethod::kEqual:
    case WeightMethod::kEntropy:
    case WeightMethod::kCritic:
    case WeightMethod::kVariation:
      break;
    case WeightMethod::kFixed: {
      const YamlField weights = f.Child("weights");
      if (!weights.IsMap()) {
        weights.Error("is required: a map from each child id to its weight");
        return std::nullopt;
      }
      w.fixed.assign(n, -1.0);
      for (const auto& [key, value] : weights.Entries()) {
        size_t k = 0;
        while (k < n && child_ids[k] != key) ++k;
        if (k == n) {
          value.Error(fmt::format("'{}' is not a child of this node", key));
          continue;
        }
        w.fixed[k] = weights.OptNumber(key, 0, kMaxDouble).value_or(0.0);
      }
      double sum = 0;
      for (size_t k = 0; k < n; ++k) {
        if (w.fixed[k] < 0) weights.Error(fmt::format("has no weight for child '{}'", child_ids[k]));
        sum += std::max(0.0, w.fixed[k]);
      }
      if (sum <= 0) {
        weights.Error("must not all be zero");
        return std::nullopt;
      }
      for (double& x : w.fixed) x = std::max(0.0, x) / sum;
      break;
    }
    case WeightMethod::kAhp: {
      Ahp& ahp = w.ahp;
      const auto priority = Choose(f, "priority", kPriorities, Priority::kEigenvector);
      const auto table = Choose(f, "random_index", kTables, RandomIndexTable::kSaaty1980);
      const auto group = Choose(f, "group", kGroupRules, GroupRule::kJudgements);
      if (!priority || !table || !group) return std::nullopt;
      ahp.priority = *priority;
      ahp.random_index = *table;
      ahp.group = *group;
      ahp.max_cr = f.OptNumber("max_cr", 0, 1).value_or(0.1);
      if (f.Has("matrix") == f.Has("experts")) {
        f.Error("an ahp weighting needs exactly one of 'matrix' (one expert) or 'experts' (a group)");
        return std::nullopt;
      }
      if (f.Has("matrix")) {
        std::optional<std::vector<double>> m = ReadMatrix(f.Child("matrix"), n);
        if (!m) return std::nullopt;
        ahp.experts.push_back("expert");
        ahp.matrices.push_back(std::move(*m));
      } else {
        for (const YamlField& e : f.Items("experts")) {
          e.ExpectMap({"name", "matrix"});
          const std::optional<std::string> name = e.String("name");
          std::optional<std::vector<double>> m = ReadMatrix(e.Child("matrix"), n);
          if (!name || !m) return std::nullopt;
          ahp.experts.push_back(*name);
          ahp.matrices.push_back(std::move(*m));
        }
        if (ahp.matrices.empty()) {
          f.Child("experts").Error("must list at least one expert");
          return std::nullopt;
        }
      }
      CheckConsistency(f, w, child_ids);
      break;
    }
    case WeightMethod::kCombined: {
      if (nested) {
        f.Child("method").Error("a combined weighting cannot nest another combined one");
        return std::nullopt;
      }
      const std::optional<Weighting> sub = ReadWeighting(f.Child("subjective"), child_ids, true);
      if (!sub) return std::nullopt;
      if (sub->objective_based()) {
        f.Child("subjective.method").Error("must be equal, fixed or ahp (a subjective method)");
        return std::nullopt;
      }
      w.subjective = std::make_shared<const Weighting>(*sub);
      const auto objective = Choose(f, "objective", kMethods, WeightMethod::kEntropy);
      if (!objective) return std::nullopt;
      if (*objective != WeightMethod::kEntropy && *objective != WeightMethod::kCritic &&
          *objective != WeightMethod::kVariation) {
        f.Child("objective").Error("must be entropy, critic or variation");
        return std::nullopt;
      }
      w.objective = *objective;
      const std::string rule = f.OptString("rule", "product");
      if (rule != "product" && rule != "linear") {
        f.Child("rule").Error(fmt::format("'{}' is not one of: product, linear", rule));
        return std::nullopt;
      }
      w.linear = rule == "linear";
      w.alpha = f.OptNumber("alpha", 0, 1).value_or(0.5);
      break;
    }
  }
  return w;
}

struct Reader {
  IndexSpec& spec;
  std::set<std::string> ids;

  void ReadNames(const YamlField& f, Node& node) {
    const YamlField name = f.Child("name");
    if (name.IsMap()) {
      name.ExpectMap({"zh", "en"});
      node.name_zh = name.String("zh").value_or("");
      node.name_en = name.String("en").value_or("");
    } else {
      name.Error("is required: {zh: ..., en: ...}");
    }
  }

  void ReadThresholds(const YamlField& f, Node& node) {
    if (!f.Has("thresholds")) return;
    const YamlField t = f.Child("thresholds");
    if (!t.ExpectMap({"satisfactory", "excellent"})) return;
    const std::optional<double> xs = t.Number("satisfactory", -1e300, 1e300);
    const std::optional<double> xh = t.Number("excellent", -1e300, 1e300);
    if (!xs || !xh) return;
    if (node.standardisation != Standardisation::kEfficacy &&
        node.standardisation != Standardisation::kMinMax) {
      t.Error("apply to the efficacy and min-max standardisations only");
      return;
    }
    const bool benefit = node.direction == Direction::kBenefit;
    if (benefit ? !(*xh > *xs) : !(*xh < *xs)) {
      t.Error(fmt::format("excellent ({}) must be {} than satisfactory ({}) for a {} indicator", *xh,
                          benefit ? "greater" : "less", *xs, benefit ? "benefit" : "cost"));
      return;
    }
    node.thresholds = Thresholds{*xs, *xh};
  }

  void ReadNode(const YamlField& f, int parent, int depth) {
    if (!f.ExpectMap({"id", "name", "weighting", "children", "unit", "direction", "standardise", "rescale",
                      "thresholds"}))
      return;
    const int index = static_cast<int>(spec.nodes.size());
    spec.nodes.emplace_back();
    {
      Node& node = spec.nodes.back();
      node.parent = parent;
      node.depth = depth;
      node.id = f.Id("id").value_or("");
      if (!node.id.empty() && !ids.insert(node.id).second) {
        f.Child("id").Error(fmt::format("duplicate id '{}'", node.id));
      }
      ReadNames(f, node);
    }
    if (parent >= 0) spec.nodes[static_cast<size_t>(parent)].children.push_back(index);
    if (!f.Has("children")) {
      Node& node = spec.nodes[static_cast<size_t>(index)];
      if (f.Has("weighting")) f.Child("weighting").Error("a leaf indicator has no children to weight");
      node.unit = f.String("unit").value_or("");
      node.direction = Choose(f, "direction", kDirections, Direction::kBenefit).value_or(Direction::kBenefit);
      if (!f.Has("direction")) f.Child("direction").Error("is required (benefit or cost)");
      node.standardisation = Choose(f, "standardise", kStandardisations, Standardisation::kMinMax)
                                 .value_or(Standardisation::kMinMax);
      node.rescale = f.Bool("rescale", false);
      ReadThresholds(f, node);
      node.leaf_index = static_cast<int>(spec.leaves.size());
      spec.leaves.push_back(index);
      return;
    }
    for (std::string_view leaf_key : {"unit", "direction", "standardise", "rescale", "thresholds"}) {
      if (f.Has(leaf_key))
        f.Child(leaf_key).Error("belongs to leaf indicators only (this node has children)");
    }
    const std::vector<YamlField> children = f.Items("children");
    if (children.empty()) f.Child("children").Error("must list at least one child");
    for (const YamlField& c : children) ReadNode(c, index, depth + 1);
    std::vector<std::string> child_ids;
    for (int c : spec.nodes[static_cast<size_t>(index)].children)
      child_ids.push_back(spec.nodes[static_cast<size_t>(c)].id);
    if (f.Has("weighting")) {
      if (std::optional<Weighting> w = ReadWeighting(f.Child("weighting"), child_ids)) {
        spec.nodes[static_cast<size_t>(index)].weighting = std::move(*w);
      }
    } else if (child_ids.size() > 1) {
      f.Child("weighting").Error("is required for a node with several children (e.g. {method: equal})");
    }
  }
};

Status Finish(const Diagnostics& diag) {
  if (diag.empty()) return {};
  return Fail(ErrorCode::kValidation, diag.Join());
}

}  // namespace

bool Weighting::objective_based() const {
  return method == WeightMethod::kEntropy || method == WeightMethod::kCritic ||
         method == WeightMethod::kVariation || method == WeightMethod::kCombined;
}

int IndexSpec::Find(const std::string& node_id) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].id == node_id) return static_cast<int>(i);
  }
  return -1;
}

Result<IndexSpec> ParseSpec(const std::string& file, const std::string& content) {
  Diagnostics diag;
  std::optional<YAML::Node> doc = ParseYaml(file, content, diag);
  if (!doc) return Fail(ErrorCode::kParse, diag.Join());
  IndexSpec spec;
  const YamlField top(*doc, &file, "", &diag);
  if (!top.ExpectMap({"id", "name", "source", "scale", "tiers", "covariates", "typology", "root"})) {
    return Fail(ErrorCode::kValidation, diag.Join());
  }
  spec.id = top.Id("id").value_or("");
  spec.source = top.OptString("source");
  spec.scale = top.OptNumber("scale", 1e-9, kMaxDouble).value_or(100);
  Reader reader{spec, {}};
  Node names;
  reader.ReadNames(top, names);
  spec.name_zh = names.name_zh;
  spec.name_en = names.name_en;
  for (const YamlField& t : top.Items("tiers", false)) {
    t.ExpectMap({"name", "min"});
    spec.tiers.push_back(
        {t.String("name").value_or(""), t.Number("min", -kMaxDouble, kMaxDouble).value_or(0)});
  }
  std::stable_sort(spec.tiers.begin(), spec.tiers.end(),
                   [](const Tier& a, const Tier& b) { return a.min > b.min; });
  reader.ReadNode(top.Child("root"), -1, 0);
  if (!spec.nodes.empty() && spec.nodes.front().leaf())
    top.Child("root").Error("must have children (indicators)");
  for (const YamlField& c : top.Items("covariates", false)) {
    c.ExpectMap({"id", "name", "unit", "published"});
    Node n;
    n.id = c.Id("id").value_or("");
    reader.ReadNames(c, n);
    if (!n.id.empty() && !reader.ids.insert(n.id).second)
      c.Child("id").Error(fmt::format("duplicate id '{}'", n.id));
    Covariate v{n.id, n.name_zh, n.name_en, c.String("unit").value_or(""), std::nullopt, ""};
    if (c.Has("published")) {
      const YamlField p = c.Child("published");
      p.ExpectMap({"slope", "source"});
      v.published_slope = p.Number("slope", -kMaxDouble, kMaxDouble);
      v.published_source = p.String("source").value_or("");
    }
    spec.covariates.push_back(std::move(v));
  }
  if (top.Has("typology")) {
    const YamlField t = top.Child("typology");
    t.ExpectMap({"supply", "demand", "band", "clusters"});
    spec.typology.supply = t.StringList("supply");
    spec.typology.demand = t.StringList("demand");
    spec.typology.band = t.OptNumber("band", 0, 10).value_or(0.15);
    spec.typology.clusters = static_cast<int>(t.OptInteger("clusters", 1, 50).value_or(3));
    for (const auto* list : {&spec.typology.supply, &spec.typology.demand}) {
      for (const std::string& id : *list) {
        const int k = spec.Find(id);
        if (k < 0)
          t.Error(fmt::format("'{}' is not a node of the indicator tree", id));
        else if (spec.nodes[static_cast<size_t>(k)].depth != 1)
          t.Error(fmt::format("'{}' is not a first-level node", id));
      }
    }
  }
  if (Status s = Finish(diag); !s) return std::unexpected(s.error());
  return spec;
}

Status ApplyWeights(IndexSpec& spec, const std::string& file, const std::string& content) {
  Diagnostics diag;
  std::optional<YAML::Node> doc = ParseYaml(file, content, diag);
  if (!doc) return Fail(ErrorCode::kParse, diag.Join());
  const YamlField top(*doc, &file, "", &diag);
  if (!top.IsMap()) {
    top.Error("must be a map from node id to its weighting");
    return Finish(diag);
  }
  for (const auto& [id, field] : top.Entries()) {
    const int k = spec.Find(id);
    if (k < 0 || spec.nodes[static_cast<size_t>(k)].leaf()) {
      field.Error(fmt::format("'{}' is not an inner node of indicator system '{}'", id, spec.id));
      continue;
    }
    std::vector<std::string> child_ids;
    for (int c : spec.nodes[static_cast<size_t>(k)].children)
      child_ids.push_back(spec.nodes[static_cast<size_t>(c)].id);
    if (std::optional<Weighting> w = ReadWeighting(field, child_ids))
      spec.nodes[static_cast<size_t>(k)].weighting = *w;
  }
  return Finish(diag);
}

std::string_view DirectionName(Direction d) { return NameOf(d, kDirections); }
std::string_view StandardisationName(Standardisation s) { return NameOf(s, kStandardisations); }
std::string_view WeightMethodName(WeightMethod m) { return NameOf(m, kMethods); }
std::string_view PriorityName(Priority p) { return NameOf(p, kPriorities); }
std::string_view RandomIndexName(RandomIndexTable t) { return NameOf(t, kTables); }

}  // namespace zhisuan::index
