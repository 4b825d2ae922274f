// index/analysis.h — what the index says beyond the ranking: its relation to GDP (OLS), province types from
// sub-index profiles (seeded k-means plus a documented labelling rule), and rank stability under weight
// uncertainty.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "index/composite.h"

namespace zhisuan::index {

struct Ols {
  double slope = 0, intercept = 0, r2 = 0;
  size_t n = 0;
};
// y = intercept + slope * x over the pairs where both are finite; nullopt with fewer than 3 pairs or constant
// x.
std::optional<Ols> FitOls(std::span<const double> x, std::span<const double> y);

// y = intercept + sum_j coef_j x_j by least squares (normal equations on centred columns, Gaussian
// elimination with partial pivoting); x is rows x k, row-major, every value finite. nullopt with no more
// rows than k + 1 or collinear columns.
struct MultiOls {
  std::vector<double> coef;
  double intercept = 0, r2 = 0;
  size_t n = 0;
};
std::optional<MultiOls> FitMultiOls(std::span<const double> x, size_t rows, size_t k,
                                    std::span<const double> y);

// Lloyd's k-means from k-means++ seeds, best of `restarts` by inertia; deterministic for a seed.
struct KMeans {
  std::vector<int> label;         // per point
  std::vector<double> centroids;  // k x dims
  double inertia = 0;
};
KMeans Cluster(std::span<const double> points, size_t n, size_t dims, size_t k, uint64_t seed,
               int restarts = 10);

// Province types (seed 004 section 三(四)). Each region's first-level sub-indices are clustered; a cluster is
// labelled by its centroid: S = mean of the supply nodes, D = mean of the demand nodes, g = (S - D) / ((S +
// D) / 2); g > band: supply-driven (供给驱动型); g < -band: demand-pulled (需求拉动型); otherwise coordinated
// (协同发展型).
struct TypeLabel {
  std::string id, zh;
};
struct Typology {
  std::vector<int> cluster;             // per region
  std::vector<double> supply, demand;   // per region
  std::vector<TypeLabel> cluster_type;  // per cluster
  std::vector<double> centroids;        // clusters x first-level nodes
  std::vector<int> first_level;         // node indices, the centroid columns
};
std::optional<Typology> Classify(const IndexSpec& spec, const YearResult& year, uint64_t seed);

// Monte Carlo rank stability. Each draw perturbs every inner node's weights — Dirichlet(concentration x w)
// around them, or (experts mode) the AHP priorities of experts resampled with replacement — and re-ranks
// every region.
struct StabilityOptions {
  int draws = 1000;
  uint64_t seed = 1;
  double concentration = 200;  // Dirichlet alpha_i = concentration * w_i; larger = tighter around the weights
  bool experts = false;
};
struct RankInterval {
  int p5 = 0, p50 = 0, p95 = 0;
  double mean = 0;
};
Result<std::vector<RankInterval>> RankStability(const IndexSpec& spec, const YearResult& year,
                                                const StabilityOptions& options);

}  // namespace zhisuan::index
