#include "index/ahp.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <random>

namespace zhisuan::index {
namespace {

// Random-index tables for n = 1..15. Sources:
//  saaty-1980: T. L. Saaty, The Analytic Hierarchy Process, McGraw-Hill 1980 (500 random matrices per n;
//    the classic 0.58 / 0.90 / 1.12 / 1.24 / 1.32 / 1.41 / 1.45 / 1.49 table, extended to 15).
//  alonso-lamata-2006: J. A. Alonso, M. T. Lamata, "Consistency in the analytic hierarchy process: a new
//  approach",
//    Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems 14(4), 2006, 445-459 (100,000 matrices per
//    n).
//  xu-shubai-1988: 许树柏《实用决策方法——层次分析法原理》, 天津大学出版社 1988 (1,000 matrices per n), the
//  table
//    used by most Chinese AHP texts (0.52 / 0.89 / 1.12 / 1.26 / 1.36 / 1.41 / 1.46 / 1.49 ...).
constexpr std::array<double, 15> kSaaty = {0,    0,    0.58, 0.90, 1.12, 1.24, 1.32, 1.41,
                                           1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59};
constexpr std::array<double, 15> kAlonsoLamata = {0,      0,      0.5247, 0.8816, 1.1086,
                                                  1.2479, 1.3417, 1.4057, 1.4499, 1.4854,
                                                  1.5140, 1.5365, 1.5551, 1.5713, 1.5838};
constexpr std::array<double, 15> kXu = {0,    0,    0.52, 0.89, 1.12, 1.26, 1.36, 1.41,
                                        1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59};

std::vector<double> Normalised(std::vector<double> w) {
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  for (double& x : w) x /= sum;
  return w;
}

std::vector<double> Eigenvector(std::span<const double> a, size_t n) {
  std::vector<double> w(n, 1.0 / static_cast<double>(n)), next(n);
  for (int iter = 0; iter < 10000; ++iter) {
    for (size_t i = 0; i < n; ++i) {
      double s = 0;
      for (size_t j = 0; j < n; ++j) s += a[i * n + j] * w[j];
      next[i] = s;
    }
    next = Normalised(std::move(next));
    double delta = 0;
    for (size_t i = 0; i < n; ++i) delta = std::max(delta, std::abs(next[i] - w[i]));
    std::swap(w, next);
    if (delta < 1e-15) break;
  }
  return w;
}

double LambdaMax(std::span<const double> a, size_t n, const std::vector<double>& w) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    double aw = 0;
    for (size_t j = 0; j < n; ++j) aw += a[i * n + j] * w[j];
    sum += aw / w[i];
  }
  return sum / static_cast<double>(n);
}

}  // namespace

Status CheckPairwise(std::span<const double> a, size_t n) {
  if (a.size() != n * n) {
    return Fail(ErrorCode::kValidation,
                fmt::format("must be {0} x {0} (one row and column per child), got {1} values", n, a.size()));
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const double x = a[i * n + j];
      if (!std::isfinite(x) || x <= 0) {
        return Fail(ErrorCode::kValidation, fmt::format("[{}][{}] = {} must be a positive number", i, j, x));
      }
      if (i == j && std::abs(x - 1) > 1e-9) {
        return Fail(ErrorCode::kValidation,
                    fmt::format("[{0}][{0}] = {1} must be 1 (an item equals itself)", i, x));
      }
      if (j > i && std::abs(x * a[j * n + i] - 1) > 0.01) {
        return Fail(ErrorCode::kValidation,
                    fmt::format("[{0}][{1}] = {2} but [{1}][{0}] = {3}: a pairwise matrix must be reciprocal "
                                "([{1}][{0}] = 1 / [{0}][{1}])",
                                i, j, x, a[j * n + i]));
      }
    }
  }
  return {};
}

std::vector<double> Priorities(std::span<const double> a, size_t n, Priority method) {
  if (n == 1) return {1.0};
  std::vector<double> w(n, 0.0);
  switch (method) {
    case Priority::kEigenvector:
      return Eigenvector(a, n);
    case Priority::kGeometricMean:
      for (size_t i = 0; i < n; ++i) {
        double log_sum = 0;
        for (size_t j = 0; j < n; ++j) log_sum += std::log(a[i * n + j]);
        w[i] = std::exp(log_sum / static_cast<double>(n));
      }
      return Normalised(std::move(w));
    case Priority::kColumnNormalised:
      for (size_t j = 0; j < n; ++j) {
        double col = 0;
        for (size_t i = 0; i < n; ++i) col += a[i * n + j];
        for (size_t i = 0; i < n; ++i) w[i] += a[i * n + j] / col / static_cast<double>(n);
      }
      return Normalised(std::move(w));
  }
  return w;
}

Result<double> RandomIndex(RandomIndexTable table, size_t n) {
  if (n <= 2) return 0.0;
  const std::array<double, 15>& t = table == RandomIndexTable::kSaaty1980          ? kSaaty
                                    : table == RandomIndexTable::kAlonsoLamata2006 ? kAlonsoLamata
                                                                                   : kXu;
  if (n > t.size()) {
    return Fail(
        ErrorCode::kValidation,
        fmt::format("the random-index table {} stops at n = {}; split the {} children into sub-groups",
                    RandomIndexName(table), t.size(), n));
  }
  return t[n - 1];
}

Result<AhpOutcome> Evaluate(std::span<const double> a, size_t n, Priority method, RandomIndexTable table) {
  AhpOutcome out;
  out.weights = Priorities(a, n, method);
  Result<double> ri = RandomIndex(table, n);
  if (!ri) return std::unexpected(ri.error());
  out.ri = *ri;
  if (n <= 2) {
    out.lambda_max = static_cast<double>(n);
    return out;
  }
  out.lambda_max = LambdaMax(a, n, out.weights);
  out.ci = std::max(0.0, (out.lambda_max - static_cast<double>(n)) / static_cast<double>(n - 1));
  out.cr = out.ci / out.ri;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      out.worst.push_back(
          {static_cast<int>(i), static_cast<int>(j), a[i * n + j], out.weights[i] / out.weights[j]});
    }
  }
  std::stable_sort(out.worst.begin(), out.worst.end(), [](const Judgement& x, const Judgement& y) {
    return std::abs(std::log(x.given / x.implied)) > std::abs(std::log(y.given / y.implied));
  });
  if (out.worst.size() > 3) out.worst.resize(3);
  return out;
}

std::vector<double> AggregateJudgements(const std::vector<std::vector<double>>& matrices, size_t n) {
  std::vector<double> g(n * n, 0.0);
  for (const std::vector<double>& m : matrices) {
    for (size_t k = 0; k < n * n; ++k) g[k] += std::log(m[k]);
  }
  for (double& x : g) x = std::exp(x / static_cast<double>(matrices.size()));
  return g;
}

Result<AhpOutcome> EvaluateAhp(const Ahp& ahp, size_t n) {
  if (ahp.matrices.size() == 1 || ahp.group == GroupRule::kJudgements) {
    const std::vector<double> m =
        ahp.matrices.size() == 1 ? ahp.matrices[0] : AggregateJudgements(ahp.matrices, n);
    return Evaluate(m, n, ahp.priority, ahp.random_index);
  }
  AhpOutcome group;
  std::vector<double> log_sum(n, 0.0);
  for (const std::vector<double>& m : ahp.matrices) {
    Result<AhpOutcome> one = Evaluate(m, n, ahp.priority, ahp.random_index);
    if (!one) return one;
    for (size_t i = 0; i < n; ++i) log_sum[i] += std::log(one->weights[i]);
    if (group.weights.empty() || one->cr > group.cr) group = *one;
  }
  for (double& x : log_sum) x = std::exp(x / static_cast<double>(ahp.matrices.size()));
  group.weights = Normalised(std::move(log_sum));
  return group;
}

double EstimateRandomIndex(size_t n, int samples, uint64_t seed) {
  static constexpr std::array<double, 17> kScale = {
      1.0 / 9, 1.0 / 8, 1.0 / 7, 1.0 / 6, 1.0 / 5, 1.0 / 4, 1.0 / 3, 1.0 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, kScale.size() - 1);
  std::vector<double> a(n * n, 1.0);
  double ci_sum = 0;
  for (int s = 0; s < samples; ++s) {
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n; ++j) {
        a[i * n + j] = kScale[pick(rng)];
        a[j * n + i] = 1.0 / a[i * n + j];
      }
    }
    const std::vector<double> w = Eigenvector(a, n);
    ci_sum += (LambdaMax(a, n, w) - static_cast<double>(n)) / static_cast<double>(n - 1);
  }
  return ci_sum / samples;
}

}  // namespace zhisuan::index
