#include "index/weights.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace zhisuan::index {
namespace {

std::vector<double> NormaliseOrEqual(std::vector<double> w) {
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  if (!(sum > 0)) return std::vector<double>(w.size(), 1.0 / static_cast<double>(w.size()));
  for (double& x : w) x /= sum;
  return w;
}

double Mean(std::span<const double> x, size_t rows, size_t cols, size_t j) {
  double s = 0;
  for (size_t i = 0; i < rows; ++i) s += x[i * cols + j];
  return s / static_cast<double>(rows);
}

double Sd(std::span<const double> x, size_t rows, size_t cols, size_t j, double mean) {
  double s = 0;
  for (size_t i = 0; i < rows; ++i) s += (x[i * cols + j] - mean) * (x[i * cols + j] - mean);
  return std::sqrt(s / static_cast<double>(rows));
}

}  // namespace

ColumnStats Describe(std::span<const double> column) {
  ColumnStats s;
  if (column.empty()) return s;
  const auto [lo, hi] = std::minmax_element(column.begin(), column.end());
  s.lo = *lo;
  s.hi = *hi;
  s.mean = std::accumulate(column.begin(), column.end(), 0.0) / static_cast<double>(column.size());
  double ss = 0, sq = 0;
  for (double x : column) {
    ss += (x - s.mean) * (x - s.mean);
    sq += x * x;
  }
  s.sd = std::sqrt(ss / static_cast<double>(column.size()));
  s.norm = std::sqrt(sq);
  return s;
}

Result<std::vector<double>> Standardise(std::span<const double> column, Direction direction,
                                        Standardisation method, bool rescale, double scale,
                                        const std::optional<Thresholds>& thresholds,
                                        const ColumnStats* reference) {
  const size_t n = column.size();
  std::vector<double> out(n, 0.0);
  if (n == 0) return out;
  if (thresholds && (method == Standardisation::kEfficacy || method == Standardisation::kMinMax)) {
    // Fixed references: the same formula for benefit and cost (x_h < x_s for a cost indicator).
    const double xs = thresholds->satisfactory, span = thresholds->excellent - thresholds->satisfactory;
    for (size_t i = 0; i < n; ++i) {
      const double u = (column[i] - xs) / span;
      out[i] = method == Standardisation::kMinMax ? u * scale : (0.6 + 0.4 * u) * scale;
    }
    return out;
  }
  const ColumnStats own = reference != nullptr ? ColumnStats{} : Describe(column);
  const ColumnStats& ref = reference != nullptr ? *reference : own;
  const double lo = ref.lo, hi = ref.hi, range = hi - lo;
  const bool benefit = direction == Direction::kBenefit;
  switch (method) {
    case Standardisation::kMinMax:
    case Standardisation::kEfficacy:
      for (size_t i = 0; i < n; ++i) {
        const double u = range > 0 ? (benefit ? column[i] - lo : hi - column[i]) / range : 1.0;
        out[i] = method == Standardisation::kMinMax ? u * scale : (0.6 + 0.4 * u) * scale;
      }
      break;
    case Standardisation::kZScore:
      for (size_t i = 0; i < n; ++i)
        out[i] = ref.sd > 0 ? (benefit ? 1 : -1) * (column[i] - ref.mean) / ref.sd : 0.0;
      break;
    case Standardisation::kVector:
      for (size_t i = 0; i < n; ++i) {
        const double u = ref.norm > 0 ? column[i] / ref.norm : 0.0;
        out[i] = (benefit ? u : 1 - u) * scale;
      }
      break;
    case Standardisation::kShareOfMax: {
      // The column's own smallest value decides whether it can be scored, whatever the reference.
      const double own_lo = *std::min_element(column.begin(), column.end());
      if (benefit ? std::min(lo, own_lo) < 0 : std::min(lo, own_lo) <= 0) {
        return Fail(ErrorCode::kValidation,
                    fmt::format("share-of-max needs {} values (smallest is {})",
                                benefit ? "non-negative" : "positive (a cost indicator divides by them)",
                                std::min(lo, own_lo)));
      }
      for (size_t i = 0; i < n; ++i)
        out[i] = (benefit ? (hi > 0 ? column[i] / hi : 1.0) : lo / column[i]) * scale;
      break;
    }
  }
  if (rescale) {
    // Onto 0..scale by the range of the reference's scores (the column's own when there is no reference):
    // the reference's extremes standardise to that range's ends.
    std::vector<double> ends = out;
    if (reference != nullptr) {
      const double extremes[] = {reference->lo, reference->hi};
      Result<std::vector<double>> e =
          Standardise(extremes, direction, method, false, scale, std::nullopt, reference);
      if (!e) return e;
      ends = std::move(*e);
    }
    const auto [a, b] = std::minmax_element(ends.begin(), ends.end());
    const double olo = *a, orange = *b - *a;
    for (double& x : out) x = orange > 0 ? (x - olo) / orange * scale : scale;
  }
  return out;
}

std::vector<double> EntropyWeights(std::span<const double> x, size_t rows, size_t cols) {
  std::vector<double> d(cols, 0.0);
  if (rows < 2) return NormaliseOrEqual(d);
  const double k = 1.0 / std::log(static_cast<double>(rows));
  for (size_t j = 0; j < cols; ++j) {
    double sum = 0;
    for (size_t i = 0; i < rows; ++i) sum += x[i * cols + j];
    if (!(sum > 0)) continue;  // no information
    double h = 0;
    for (size_t i = 0; i < rows; ++i) {
      const double p = x[i * cols + j] / sum;
      if (p > 0) h -= p * std::log(p);
    }
    d[j] = std::max(0.0, 1.0 - k * h);
  }
  return NormaliseOrEqual(d);
}

std::vector<double> CriticWeights(std::span<const double> x, size_t rows, size_t cols) {
  std::vector<double> z(rows * cols, 0.0), sd(cols, 0.0), mean(cols, 0.0);
  for (size_t j = 0; j < cols; ++j) {
    double lo = x[j], hi = x[j];
    for (size_t i = 0; i < rows; ++i) {
      lo = std::min(lo, x[i * cols + j]);
      hi = std::max(hi, x[i * cols + j]);
    }
    for (size_t i = 0; i < rows; ++i) z[i * cols + j] = hi > lo ? (x[i * cols + j] - lo) / (hi - lo) : 0.0;
    mean[j] = Mean(z, rows, cols, j);
    sd[j] = Sd(z, rows, cols, j, mean[j]);
  }
  std::vector<double> c(cols, 0.0);
  for (size_t j = 0; j < cols; ++j) {
    if (sd[j] == 0) continue;
    double conflict = 0;
    for (size_t k = 0; k < cols; ++k) {
      double r = 0;
      if (sd[k] > 0) {
        double cov = 0;
        for (size_t i = 0; i < rows; ++i) cov += (z[i * cols + j] - mean[j]) * (z[i * cols + k] - mean[k]);
        r = cov / static_cast<double>(rows) / (sd[j] * sd[k]);
      }
      conflict += 1 - r;
    }
    c[j] = sd[j] * conflict;
  }
  return NormaliseOrEqual(c);
}

std::vector<double> VariationWeights(std::span<const double> x, size_t rows, size_t cols) {
  std::vector<double> v(cols, 0.0);
  for (size_t j = 0; j < cols; ++j) {
    const double mean = Mean(x, rows, cols, j);
    if (mean != 0) v[j] = Sd(x, rows, cols, j, mean) / std::abs(mean);
  }
  return NormaliseOrEqual(v);
}

}  // namespace zhisuan::index
