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
      d2[i] = std::min(
          d2[i], Dist2(p.subspan(i * dims, dims), std::span(km.centroids).subspan((c - 1) * dims, dims)));
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
      for (size_t d = 0; d < dims; ++d)
        km.centroids[c * dims + d] = sum[c * dims + d] / static_cast<double>(count[c]);
    }
  }
  km.inertia = 0;
  for (size_t i = 0; i < n; ++i) {
    km.inertia += Dist2(p.subspan(i * dims, dims),
                        std::span(km.centroids).subspan(static_cast<size_t>(km.label[i]) * dims, dims));
  }
  return km;
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

std::optional<MultiOls> FitMultiOls(std::span<const double> x, size_t rows, size_t k,
                                    std::span<const double> y) {
  if (k == 0 || rows <= k + 1) return std::nullopt;
  const double n = static_cast<double>(rows);
  std::vector<double> mean(k, 0.0);
  double my = 0;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < k; ++j) mean[j] += x[i * k + j] / n;
    my += y[i] / n;
  }
  // [X'X | X'y] on centred columns, k x (k + 1).
  std::vector<double> a(k * (k + 1), 0.0);
  double syy = 0;
  for (size_t i = 0; i < rows; ++i) {
    const double dy = y[i] - my;
    syy += dy * dy;
    for (size_t p = 0; p < k; ++p) {
      const double dp = x[i * k + p] - mean[p];
      for (size_t q = 0; q < k; ++q) a[p * (k + 1) + q] += dp * (x[i * k + q] - mean[q]);
      a[p * (k + 1) + k] += dp * dy;
    }
  }
  double scale = 0;
  for (size_t p = 0; p < k; ++p) scale = std::max(scale, std::abs(a[p * (k + 1) + p]));
  if (!(scale > 0)) return std::nullopt;
  for (size_t c = 0; c < k; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < k; ++r) {
      if (std::abs(a[r * (k + 1) + c]) > std::abs(a[pivot * (k + 1) + c])) pivot = r;
    }
    if (std::abs(a[pivot * (k + 1) + c]) <= 1e-10 * scale) return std::nullopt;  // collinear
    for (size_t q = 0; q <= k; ++q) std::swap(a[c * (k + 1) + q], a[pivot * (k + 1) + q]);
    for (size_t r = 0; r < k; ++r) {
      if (r == c) continue;
      const double f = a[r * (k + 1) + c] / a[c * (k + 1) + c];
      for (size_t q = c; q <= k; ++q) a[r * (k + 1) + q] -= f * a[c * (k + 1) + q];
    }
  }
  MultiOls o;
  o.n = rows;
  o.coef.resize(k);
  o.intercept = my;
  for (size_t j = 0; j < k; ++j) {
    o.coef[j] = a[j * (k + 1) + k] / a[j * (k + 1) + j];
    o.intercept -= o.coef[j] * mean[j];
  }
  double sse = 0;
  for (size_t i = 0; i < rows; ++i) {
    double fit = o.intercept;
    for (size_t j = 0; j < k; ++j) fit += o.coef[j] * x[i * k + j];
    sse += (y[i] - fit) * (y[i] - fit);
  }
  o.r2 = syy > 0 ? std::max(0.0, 1.0 - sse / syy) : 1.0;
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
    for (size_t d = 0; d < dims; ++d)
      points[r * dims + d] = year.Score(r, static_cast<size_t>(t.first_level[d]));
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
    if (gap > spec.typology.band)
      t.cluster_type.push_back({"supply-driven", "供给驱动型"});
    else if (gap < -spec.typology.band)
      t.cluster_type.push_back({"demand-pulled", "需求拉动型"});
    else
      t.cluster_type.push_back({"coordinated", "协同发展型"});
  }
  return t;
}

}  // namespace zhisuan::index
