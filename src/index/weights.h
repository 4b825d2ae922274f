// index/weights.h — standardisation of indicator columns and objective weights from data. A matrix here is
// rows (regions) x cols (indicators), row-major.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "index/spec.h"

namespace zhisuan::index {

// Standardises one column of raw values into scores where larger is better: min-max, vector and share-of-max
// give 0..scale, efficacy 0.6*scale..scale, z-score a mean-0 sd-1 score (0..scale when `rescale`). A constant
// column carries no information: every region gets the top score (z-score: 0). Share-of-max needs positive
// values for a cost indicator and non-negative ones for a benefit indicator; the error says so.
// With `thresholds` (efficacy and min-max), the reference values are the fixed ones, not the column's; with
// `reference`, another column's (a base year's), so that scores of different years can be compared.
struct ColumnStats {
  double lo = 0, hi = 0, mean = 0, sd = 0, norm = 0;  // sd: population; norm: Euclidean
};
ColumnStats Describe(std::span<const double> column);

Result<std::vector<double>> Standardise(std::span<const double> column, Direction direction,
                                        Standardisation method, bool rescale, double scale,
                                        const std::optional<Thresholds>& thresholds = std::nullopt,
                                        const ColumnStats* reference = nullptr);

// Entropy weights (Shannon): p_ij = x_ij / sum_i x_ij, e_j = -sum_i p_ij ln p_ij / ln m, w_j ∝ 1 - e_j. Needs
// x >= 0; 0 ln 0 = 0; an all-zero column has e_j = 1 (no information). Equal weights when no column carries
// information.
std::vector<double> EntropyWeights(std::span<const double> x, size_t rows, size_t cols);

// CRITIC (Diakoulaki, Mavrotas, Papayannakis 1995): columns min-max normalised, C_j = sd_j * sum_k (1 -
// r_jk), w_j ∝ C_j. A constant column has sd 0 and correlation 0 with every other column.
std::vector<double> CriticWeights(std::span<const double> x, size_t rows, size_t cols);

// Coefficient of variation: w_j ∝ sd_j / |mean_j| (0 for a zero-mean column).
std::vector<double> VariationWeights(std::span<const double> x, size_t rows, size_t cols);

}  // namespace zhisuan::index
