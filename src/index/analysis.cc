#include "index/analysis.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace zhisuan::index {
namespace {

double Dist2(std::span<const double> a, std::span<const double> b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

KMeans LloydOnce(std::span<const double> p, size_t n, size_t dims, size_t k, std::mt19937_64& rng) {
  KMeans km;
  km.centroids.assign(k * dims, 0.0);
  km.label.assign(n, 0);
  // k-means++ seeding.
  std::vector<double> d2(n, std::numeric_limits<double>::max());
  size_t first = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  std::copy_n(p.begin() + static_cast<std::ptrdiff_t>(first * dims), dims, km.centroids.begin());
  for (size_t c = 1; c < k; ++c) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      d2[i] = std::min(d2[i], Dist2(p.subspan(i * dims, dims), std::span(km.centroids).subspan((c - 1) * dims, dims)));
      total += d2[i];
    }
    size_t pick = 0;
    if (total > 0) {
      double u = std::uniform_real_distribution<double>(0, total)(rng);
      while (pick + 1 < n && u >= d2[pick]) u -= d2[pick++];
    }
    std::copy_n(p.begin() + static_cast<std::ptrdiff_t>(pick * dims), dims,
                km.centroids.begin() + static_cast<std::ptrdiff_t>(c * dims));
  }
  for (int iter = 0; iter < 100; ++iter) {
    bool changed = false;
    for (size_t i = 0; i < n; ++i) {
      int best = 0;
      double bd = std::numeric_limits<double>::max();
      for (size_t c = 0; c < k; ++c) {
        const double d = Dist2(p.subspan(i * dims, dims), std::span(km.centroids).subspan(c * dims, dims));
        if (d < bd) bd = d, best = static_cast<int>(c);
      }
      changed = changed || km.label[i] != best || iter == 0;
      km.label[i] = best;
    }
    if (!changed) break;
    std::vector<double> sum(k * dims, 0.0);
    std::vector<size_t> count(k, 0);
    for (size_t i = 0; i < n; ++i) {
      const size_t c = static_cast<size_t>(km.label[i]);
      ++count[c];
      for (size_t d = 0; d < dims; ++d) sum[c * dims + d] += p[i * dims + d];
    }
    for (size_t c = 0; c < k; ++c) {
      if (count[c] == 0) continue;  // an empty cluster keeps its centroid
      for (size_t d = 0; d < dims; ++d) km.centroids[c * dims + d] = sum[c * dims + d] / static_cast<double>(count[c]);
    }
  }
  km.inertia = 0;
  for (size_t i = 0; i < n; ++i) {
    km.inertia += Dist2(p.subspan(i * dims, dims),
                        std::span(km.centroids).subspan(static_cast<size_t>(km.label[i]) * dims, dims));
  }
  return km;
}

std::vector<double> Dirichlet(std::span<const double> mean, double concentration, std::mt19937_64& rng) {
  std::vector<double> g(mean.size());
  double sum = 0;
  for (size_t i = 0; i < mean.size(); ++i) {
    const double alpha = std::max(1e-6, concentration * mean[i]);
    g[i] = std::gamma_distribution<double>(alpha, 1.0)(rng);
    sum += g[i];
  }
  for (double& x : g) x = sum > 0 ? x / sum : 1.0 / static_cast<double>(g.size());
  return g;
}

// Ranks of one draw's composites, written into `rank` (1 = best). Sorting keys carry the region index in their low
// bits, so equal composites are ordered by region and the result is deterministic.
void RankInto(std::span<const double> composite, std::vector<std::pair<double, uint32_t>>& keys, std::span<uint32_t> rank) {
  for (size_t r = 0; r < composite.size(); ++r) keys[r] = {-composite[r], static_cast<uint32_t>(r)};
  std::sort(keys.begin(), keys.end());
  for (size_t k = 0; k < keys.size(); ++k) rank[keys[k].second] = static_cast<uint32_t>(k + 1);
}

}  // namespace

std::optional<Ols> FitOls(std::span<const double> x, std::span<const double> y) {
  double sx = 0, sy = 0;
  size_t n = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isfinite(x[i]) && std::isfinite(y[i])) sx += x[i], sy += y[i], ++n;
  }
  if (n < 3) return std::nullopt;
  const double mx = sx / static_cast<double>(n), my = sy / static_cast<double>(n);
  double sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0) return std::nullopt;
  Ols o;
  o.n = n;
  o.slope = sxy / sxx;
  o.intercept = my - o.slope * mx;
  o.r2 = syy > 0 ? sxy * sxy / (sxx * syy) : 1.0;
  return o;
}

KMeans Cluster(std::span<const double> points, size_t n, size_t dims, size_t k, uint64_t seed, int restarts) {
  std::mt19937_64 rng(seed);
  k = std::min(k, n);
  KMeans best;
  for (int r = 0; r < restarts; ++r) {
    KMeans km = LloydOnce(points, n, dims, k, rng);
    if (r == 0 || km.inertia < best.inertia - 1e-12) best = std::move(km);
  }
  return best;
}

std::optional<Typology> Classify(const IndexSpec& spec, const YearResult& year, uint64_t seed) {
  const Node& root = spec.root();
  const size_t n = year.regions.size();
  if (spec.typology.supply.empty() || spec.typology.demand.empty() || n < 2) return std::nullopt;
  Typology t;
  t.first_level = root.children;
  const size_t dims = t.first_level.size();
  std::vector<double> points(n * dims);
  for (size_t r = 0; r < n; ++r) {
    for (size_t d = 0; d < dims; ++d) points[r * dims + d] = year.Score(r, static_cast<size_t>(t.first_level[d]));
  }
  const KMeans km = Cluster(points, n, dims, static_cast<size_t>(spec.typology.clusters), seed);
  t.cluster = km.label;
  t.centroids = km.centroids;
  auto side = [&](std::span<const double> profile, const std::vector<std::string>& ids) {
    double s = 0;
    for (const std::string& id : ids) {
      const auto it = std::find(t.first_level.begin(), t.first_level.end(), spec.Find(id));
      s += profile[static_cast<size_t>(it - t.first_level.begin())];
    }
    return s / static_cast<double>(ids.size());
  };
  for (size_t r = 0; r < n; ++r) {
    t.supply.push_back(side(std::span(points).subspan(r * dims, dims), spec.typology.supply));
    t.demand.push_back(side(std::span(points).subspan(r * dims, dims), spec.typology.demand));
  }
  const size_t k = km.centroids.size() / dims;
  for (size_t c = 0; c < k; ++c) {
    const std::span<const double> centroid = std::span(km.centroids).subspan(c * dims, dims);
    const double s = side(centroid, spec.typology.supply), d = side(centroid, spec.typology.demand);
    const double mid = (s + d) / 2, gap = mid > 0 ? (s - d) / mid : 0.0;
    if (gap > spec.typology.band) t.cluster_type.push_back({"supply-driven", "供给驱动型"});
    else if (gap < -spec.typology.band) t.cluster_type.push_back({"demand-pulled", "需求拉动型"});
    else t.cluster_type.push_back({"coordinated", "协同发展型"});
  }
  return t;
}

Result<std::vector<RankInterval>> RankStability(const IndexSpec& spec, const YearResult& year,
                                                const StabilityOptions& options) {
  const size_t n = year.regions.size(), nl = spec.leaves.size(), nn = spec.nodes.size();
  if (options.draws < 1) return Fail(ErrorCode::kInvalidArgument, "draws: must be at least 1");
  if (!(options.concentration > 0)) return Fail(ErrorCode::kInvalidArgument, "concentration: must be positive");
  // Leaf scores transposed (leaves x regions) so that one draw's composites are a sum of scaled rows.
  std::vector<double> st(nl * n);
  for (size_t l = 0; l < nl; ++l) {
    for (size_t r = 0; r < n; ++r) st[l * n + r] = year.Score(r, static_cast<size_t>(spec.leaves[l]));
  }
  std::mt19937_64 rng(options.seed);
  // Draws are processed in blocks: the composites of kBlock draws at once reuse each row of scores kBlock times.
  constexpr size_t kBlock = 8;
  std::vector<double> local(nn), global(nn), gw(kBlock * nl), comp(kBlock * n);
  std::vector<uint32_t> ranks(static_cast<size_t>(options.draws) * n);  // draw-major
  std::vector<std::pair<double, uint32_t>> keys(n);
  for (size_t start = 0; start < static_cast<size_t>(options.draws); start += kBlock) {
    const size_t block = std::min(kBlock, static_cast<size_t>(options.draws) - start);
    for (size_t b = 0; b < block; ++b) {
      local = year.local;
      for (size_t k = 0; k < nn; ++k) {
        const Node& node = spec.nodes[k];
        if (node.children.size() < 2) continue;
        std::vector<double> w;
        if (options.experts) {
          const Weighting& wt = node.weighting.method == WeightMethod::kCombined ? *node.weighting.subjective : node.weighting;
          if (wt.method != WeightMethod::kAhp || wt.ahp.matrices.size() < 2) continue;
          Ahp resampled = wt.ahp;
          std::uniform_int_distribution<size_t> pick(0, wt.ahp.matrices.size() - 1);
          for (auto& m : resampled.matrices) m = wt.ahp.matrices[pick(rng)];
          Result<AhpOutcome> out = EvaluateAhp(resampled, node.children.size());
          if (!out) return std::unexpected(out.error());
          w = out->weights;
        } else {
          std::vector<double> mean;
          for (int c : node.children) mean.push_back(year.local[static_cast<size_t>(c)]);
          w = Dirichlet(mean, options.concentration, rng);
        }
        for (size_t c = 0; c < node.children.size(); ++c) local[static_cast<size_t>(node.children[c])] = w[c];
      }
      global[0] = 1;
      for (size_t k = 1; k < nn; ++k) global[k] = global[static_cast<size_t>(spec.nodes[k].parent)] * local[k];
      for (size_t l = 0; l < nl; ++l) gw[b * nl + l] = global[static_cast<size_t>(spec.leaves[l])];
    }
    std::fill(comp.begin(), comp.end(), 0.0);
    for (size_t l = 0; l < nl; ++l) {
      const double* row = &st[l * n];
      for (size_t b = 0; b < block; ++b) {
        const double w = gw[b * nl + l];
        double* out = &comp[b * n];
        for (size_t r = 0; r < n; ++r) out[r] += w * row[r];
      }
    }
    for (size_t b = 0; b < block; ++b) {
      RankInto(std::span(comp).subspan(b * n, n), keys, std::span(ranks).subspan((start + b) * n, n));
    }
  }
  std::vector<RankInterval> out(n);
  std::vector<uint32_t> mine(static_cast<size_t>(options.draws));
  for (size_t r = 0; r < n; ++r) {
    double sum = 0;
    for (size_t d = 0; d < mine.size(); ++d) {
      mine[d] = ranks[d * n + r];
      sum += mine[d];
    }
    auto pct = [&](double q) {
      const size_t at = static_cast<size_t>(std::floor(q * static_cast<double>(mine.size() - 1) + 0.5));
      std::nth_element(mine.begin(), mine.begin() + static_cast<std::ptrdiff_t>(at), mine.end());
      return static_cast<int>(mine[at]);
    };
    out[r].p5 = pct(0.05);
    out[r].p50 = pct(0.50);
    out[r].p95 = pct(0.95);
    out[r].mean = sum / static_cast<double>(mine.size());
  }
  return out;
}

}  // namespace zhisuan::index
