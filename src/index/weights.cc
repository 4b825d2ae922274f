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

Result<std::vector<double>> Standardise(std::span<const double> column, Direction direction,
                                        Standardisation method, bool rescale, double scale,
                                        const std::optional<Thresholds>& thresholds) {
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
  const auto [lo_it, hi_it] = std::minmax_element(column.begin(), column.end());
  const double lo = *lo_it, hi = *hi_it, range = hi - lo;
  const bool benefit = direction == Direction::kBenefit;
  switch (method) {
    case Standardisation::kMinMax:
    case Standardisation::kEfficacy:
      for (size_t i = 0; i < n; ++i) {
        const double u = range > 0 ? (benefit ? column[i] - lo : hi - column[i]) / range : 1.0;
        out[i] = method == Standardisation::kMinMax ? u * scale : (0.6 + 0.4 * u) * scale;
      }
      break;
    case Standardisation::kZScore: {
      const double mean = std::accumulate(column.begin(), column.end(), 0.0) / static_cast<double>(n);
      double ss = 0;
      for (double x : column) ss += (x - mean) * (x - mean);
      const double sd = std::sqrt(ss / static_cast<double>(n));
      for (size_t i = 0; i < n; ++i) out[i] = sd > 0 ? (benefit ? 1 : -1) * (column[i] - mean) / sd : 0.0;
      break;
    }
    case Standardisation::kVector: {
      double ss = 0;
      for (double x : column) ss += x * x;
      const double norm = std::sqrt(ss);
      for (size_t i = 0; i < n; ++i) {
        const double u = norm > 0 ? column[i] / norm : 0.0;
        out[i] = (benefit ? u : 1 - u) * scale;
      }
      break;
    }
    case Standardisation::kShareOfMax:
      if (benefit ? lo < 0 : lo <= 0) {
        return Fail(
            ErrorCode::kValidation,
            fmt::format("share-of-max needs {} values (smallest is {})",
                        benefit ? "non-negative" : "positive (a cost indicator divides by them)", lo));
      }
      for (size_t i = 0; i < n; ++i)
        out[i] = (benefit ? (hi > 0 ? column[i] / hi : 1.0) : lo / column[i]) * scale;
      break;
  }
  if (rescale) {
    const auto [a, b] = std::minmax_element(out.begin(), out.end());
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
