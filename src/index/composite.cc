#include "index/composite.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "index/weights.h"

namespace zhisuan::index {
namespace {

// The children's scores of one node as a regions x children matrix.
std::vector<double> ChildMatrix(const YearResult& y, const Node& node) {
  const size_t rows = y.regions.size(), cols = node.children.size();
  std::vector<double> m(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) m[r * cols + c] = y.Score(r, static_cast<size_t>(node.children[c]));
  }
  return m;
}

std::vector<double> Objective(WeightMethod method, std::span<const double> m, size_t rows, size_t cols) {
  switch (method) {
    case WeightMethod::kCritic:
      return CriticWeights(m, rows, cols);
    case WeightMethod::kVariation:
      return VariationWeights(m, rows, cols);
    default:
      return EntropyWeights(m, rows, cols);
  }
}

Result<std::vector<double>> NodeWeights(const Weighting& w, const YearResult& y, const Node& node,
                                        std::optional<AhpOutcome>& ahp) {
  const size_t n = node.children.size();
  switch (w.method) {
    case WeightMethod::kEqual:
      return std::vector<double>(n, 1.0 / static_cast<double>(n));
    case WeightMethod::kFixed:
      return w.fixed;
    case WeightMethod::kAhp: {
      Result<AhpOutcome> out = EvaluateAhp(w.ahp, n);
      if (!out) return std::unexpected(out.error());
      ahp = *out;
      return out->weights;
    }
    case WeightMethod::kEntropy:
    case WeightMethod::kCritic:
    case WeightMethod::kVariation: {
      const std::vector<double> m = ChildMatrix(y, node);
      for (double x : m) {
        if (x < 0 && w.method == WeightMethod::kEntropy) {
          return Fail(
              ErrorCode::kValidation,
              "entropy weights need non-negative child scores; a z-score child must set rescale: true");
        }
      }
      return Objective(w.method, m, y.regions.size(), n);
    }
    case WeightMethod::kCombined: {
      Result<std::vector<double>> ws = NodeWeights(*w.subjective, y, node, ahp);
      if (!ws) return ws;
      Weighting objective;
      objective.method = w.objective;
      std::optional<AhpOutcome> unused;
      Result<std::vector<double>> wo = NodeWeights(objective, y, node, unused);
      if (!wo) return wo;
      std::vector<double> out(n);
      for (size_t i = 0; i < n; ++i)
        out[i] = w.linear ? w.alpha * (*ws)[i] + (1 - w.alpha) * (*wo)[i] : (*ws)[i] * (*wo)[i];
      const double sum = std::accumulate(out.begin(), out.end(), 0.0);
      if (!(sum > 0)) return *ws;  // the objective part has no information: keep the subjective weights
      for (double& x : out) x /= sum;
      return out;
    }
  }
  return std::vector<double>(n, 1.0 / static_cast<double>(n));
}

}  // namespace

int YearResult::Find(const std::string& region) const {
  for (size_t i = 0; i < regions.size(); ++i) {
    if (regions[i] == region) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> RankDescending(std::span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] > values[b]; });
  std::vector<int> rank(values.size(), 0);
  for (size_t k = 0; k < order.size(); ++k) {
    rank[order[k]] =
        k > 0 && values[order[k]] == values[order[k - 1]] ? rank[order[k - 1]] : static_cast<int>(k + 1);
  }
  return rank;
}

namespace {

// The base year of a comparable computation: each leaf's reference statistics and every node's weights.
struct Base {
  std::vector<ColumnStats> leaf;  // per leaf
  const YearResult* year = nullptr;
};

Result<YearResult> ComputeYear(const IndexSpec& spec, const YearData& d, const Base* base) {
  YearResult y;
  y.year = d.year;
  y.regions = d.regions;
  const size_t nn = spec.nodes.size(), nl = spec.leaves.size();
  y.node_count = nn;
  const size_t rows = d.regions.size();
  y.scores.assign(rows * nn, 0.0);
  y.local.assign(nn, 1.0);
  y.global.assign(nn, 1.0);
  y.ahp.assign(nn, std::nullopt);
  if (base != nullptr) y.base_year = base->year->year;
  // Leaves.
  std::vector<double> column(rows);
  for (size_t l = 0; l < nl; ++l) {
    const Node& leaf = spec.nodes[static_cast<size_t>(spec.leaves[l])];
    for (size_t r = 0; r < rows; ++r) column[r] = d.values[r * nl + l];
    Result<std::vector<double>> s =
        Standardise(column, leaf.direction, leaf.standardisation, leaf.rescale, spec.scale, leaf.thresholds,
                    base != nullptr ? &base->leaf[l] : nullptr);
    if (!s) return Fail(ErrorCode::kValidation, fmt::format("{} {}: {}", leaf.id, d.year, s.error().message));
    for (size_t r = 0; r < rows; ++r) y.scores[r * nn + static_cast<size_t>(spec.leaves[l])] = (*s)[r];
  }
  // Inner nodes bottom-up: pre-order reversed visits every child before its parent. A comparable year
  // keeps the base year's weights (objective weights would otherwise move with each year's data).
  for (size_t k = nn; k-- > 0;) {
    const Node& node = spec.nodes[k];
    if (node.leaf()) continue;
    std::vector<double> w(node.children.size());
    if (base != nullptr) {
      for (size_t c = 0; c < w.size(); ++c) w[c] = base->year->local[static_cast<size_t>(node.children[c])];
      y.ahp[k] = base->year->ahp[k];
    } else {
      Result<std::vector<double>> own = NodeWeights(node.weighting, y, node, y.ahp[k]);
      if (!own)
        return Fail(ErrorCode::kValidation,
                    fmt::format("{}.weighting {}: {}", node.id, d.year, own.error().message));
      w = std::move(*own);
    }
    for (size_t c = 0; c < node.children.size(); ++c) y.local[static_cast<size_t>(node.children[c])] = w[c];
    for (size_t r = 0; r < rows; ++r) {
      double s = 0;
      for (size_t c = 0; c < node.children.size(); ++c)
        s += w[c] * y.scores[r * nn + static_cast<size_t>(node.children[c])];
      y.scores[r * nn + k] = s;
    }
  }
  for (size_t k = 1; k < nn; ++k)
    y.global[k] = y.global[static_cast<size_t>(spec.nodes[k].parent)] * y.local[k];
  std::vector<double> composite(rows);
  for (size_t r = 0; r < rows; ++r) composite[r] = y.Composite(r);
  y.rank = RankDescending(composite);
  y.tier.assign(rows, -1);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t t = 0; t < spec.tiers.size() && y.tier[r] < 0; ++t) {
      if (composite[r] >= spec.tiers[t].min) y.tier[r] = static_cast<int>(t);
    }
  }
  // Alternatives over the leaves with their global weights.
  std::vector<double> raw(rows * nl), scored(rows * nl), weights(nl);
  std::vector<Direction> directions(nl);
  for (size_t l = 0; l < nl; ++l) {
    const size_t node = static_cast<size_t>(spec.leaves[l]);
    weights[l] = y.global[node];
    directions[l] = spec.nodes[node].direction;
    for (size_t r = 0; r < rows; ++r) {
      raw[r * nl + l] = d.values[r * nl + l];
      scored[r * nl + l] = y.scores[r * nn + node];
    }
  }
  y.topsis = Topsis(raw, rows, nl, weights, directions);
  y.grey = GreyRelational(scored, rows, nl, weights);
  return y;
}

}  // namespace

Result<std::vector<YearResult>> Compute(const IndexSpec& spec, const Dataset& data,
                                        std::optional<int> base_year) {
  std::vector<YearResult> out;
  if (!base_year) {
    for (const YearData& d : data.years) {
      Result<YearResult> y = ComputeYear(spec, d, nullptr);
      if (!y) return std::unexpected(y.error());
      out.push_back(std::move(*y));
    }
    return out;
  }
  const YearData* b = nullptr;
  std::string have;
  for (const YearData& d : data.years) {
    if (d.year == *base_year) b = &d;
    have += fmt::format("{}{}", have.empty() ? "" : ", ", d.year);
  }
  if (b == nullptr)
    return Fail(ErrorCode::kValidation,
                fmt::format("base_year: {} is not in the data (it has {})", *base_year, have));
  Result<YearResult> own = ComputeYear(spec, *b, nullptr);  // the base year's weights
  if (!own) return std::unexpected(own.error());
  Base base;
  base.year = &*own;
  const size_t nl = spec.leaves.size();
  std::vector<double> column(b->regions.size());
  for (size_t l = 0; l < nl; ++l) {
    for (size_t r = 0; r < column.size(); ++r) column[r] = b->values[r * nl + l];
    base.leaf.push_back(Describe(column));
  }
  for (const YearData& d : data.years) {
    Result<YearResult> y = ComputeYear(spec, d, &base);
    if (!y) return std::unexpected(y.error());
    out.push_back(std::move(*y));
  }
  return out;
}

std::vector<Contribution> Explain(const IndexSpec& spec, const YearResult& y, size_t a, size_t b) {
  std::vector<Contribution> out;
  for (int leaf : spec.leaves) {
    Contribution c;
    c.node = leaf;
    int up = leaf;
    while (spec.nodes[static_cast<size_t>(up)].depth > 1) up = spec.nodes[static_cast<size_t>(up)].parent;
    c.first_level = up;
    c.weight = y.global[static_cast<size_t>(leaf)];
    c.score_a = y.Score(a, static_cast<size_t>(leaf));
    c.score_b = y.Score(b, static_cast<size_t>(leaf));
    c.contribution = c.weight * (c.score_a - c.score_b);
    out.push_back(c);
  }
  std::stable_sort(out.begin(), out.end(), [](const Contribution& x, const Contribution& z) {
    return std::abs(x.contribution) > std::abs(z.contribution);
  });
  return out;
}

std::vector<double> Topsis(std::span<const double> x, size_t rows, size_t cols,
                           std::span<const double> weights, std::span<const Direction> directions,
                           TopsisNormalisation normalisation) {
  std::vector<double> v(rows * cols, 0.0), best(cols), worst(cols);
  for (size_t j = 0; j < cols; ++j) {
    double ss = 0, xlo = x[j], xhi = x[j];
    for (size_t i = 0; i < rows; ++i) {
      ss += x[i * cols + j] * x[i * cols + j];
      xlo = std::min(xlo, x[i * cols + j]);
      xhi = std::max(xhi, x[i * cols + j]);
    }
    const double norm = std::sqrt(ss);
    const bool benefit = directions[j] == Direction::kBenefit;
    for (size_t i = 0; i < rows; ++i) {
      const double xi = x[i * cols + j];
      if (normalisation == TopsisNormalisation::kVector) {
        v[i * cols + j] = norm > 0 ? weights[j] * xi / norm : 0.0;
      } else {  // oriented: larger is better afterwards
        v[i * cols + j] = xhi > xlo ? weights[j] * (benefit ? xi - xlo : xhi - xi) / (xhi - xlo) : weights[j];
      }
    }
    const bool larger_better = benefit || normalisation == TopsisNormalisation::kMinMax;
    double lo = v[j], hi = v[j];
    for (size_t i = 0; i < rows; ++i) {
      lo = std::min(lo, v[i * cols + j]);
      hi = std::max(hi, v[i * cols + j]);
    }
    best[j] = larger_better ? hi : lo;
    worst[j] = larger_better ? lo : hi;
  }
  std::vector<double> closeness(rows, 0.0);
  for (size_t i = 0; i < rows; ++i) {
    double dp = 0, dm = 0;
    for (size_t j = 0; j < cols; ++j) {
      dp += (v[i * cols + j] - best[j]) * (v[i * cols + j] - best[j]);
      dm += (v[i * cols + j] - worst[j]) * (v[i * cols + j] - worst[j]);
    }
    dp = std::sqrt(dp);
    dm = std::sqrt(dm);
    closeness[i] = dp + dm > 0 ? dm / (dp + dm) : 0.5;
  }
  return closeness;
}

std::vector<double> GreyRelational(std::span<const double> x, size_t rows, size_t cols,
                                   std::span<const double> weights, double rho) {
  std::vector<double> delta(rows * cols);
  double dmin = 0, dmax = 0;
  bool first = true;
  for (size_t j = 0; j < cols; ++j) {
    double ideal = x[j];
    for (size_t i = 0; i < rows; ++i) ideal = std::max(ideal, x[i * cols + j]);
    for (size_t i = 0; i < rows; ++i) {
      const double d = std::abs(ideal - x[i * cols + j]);
      delta[i * cols + j] = d;
      dmin = first ? d : std::min(dmin, d);
      dmax = first ? d : std::max(dmax, d);
      first = false;
    }
  }
  std::vector<double> grade(rows, 0.0);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) {
      const double xi = dmax > 0 ? (dmin + rho * dmax) / (delta[i * cols + j] + rho * dmax) : 1.0;
      grade[i] += weights[j] * xi;
    }
  }
  return grade;
}

}  // namespace zhisuan::index
