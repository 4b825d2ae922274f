// index/ahp.h — the analytic hierarchy process: priorities from a pairwise comparison matrix, its
// consistency, and group aggregation. Matrices are n x n, row-major; a[i][j] says how much more important
// item i is than item j.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "index/spec.h"

namespace zhisuan::index {

// A judgement that the priorities contradict most: the matrix says a[i][j] = given, the priorities imply w_i
// / w_j.
struct Judgement {
  int i = 0, j = 0;
  double given = 0, implied = 0;
};

struct AhpOutcome {
  std::vector<double> weights;   // normalised to sum 1
  double lambda_max = 0;         // estimated as the mean of (A w)_i / w_i for every priority method
  double ci = 0;                 // (lambda_max - n) / (n - 1)
  double ri = 0;                 // random index of the selected table for this n
  double cr = 0;                 // ci / ri (0 when n <= 2)
  std::vector<Judgement> worst;  // up to three judgements ordered by |ln(given / implied)|, the largest first
};

// Checks that `a` is n x n, positive, finite, with ones on the diagonal and reciprocal to within 1%; the
// message names the first bad element as "[i][j]".
Status CheckPairwise(std::span<const double> a, size_t n);

std::vector<double> Priorities(std::span<const double> a, size_t n, Priority method);

// The random index for an n x n matrix in `table`; 0 for n <= 2; an error when the table stops before n.
Result<double> RandomIndex(RandomIndexTable table, size_t n);

// Priorities, lambda_max, CI, RI, CR and the most inconsistent judgements of one matrix (already checked).
Result<AhpOutcome> Evaluate(std::span<const double> a, size_t n, Priority method, RandomIndexTable table);

// Element-wise geometric mean of several experts' matrices (AIJ); the result is again reciprocal.
std::vector<double> AggregateJudgements(const std::vector<std::vector<double>>& matrices, size_t n);

// The priorities of an Ahp spec: one expert, or a group by its rule. With kPriorities the consistency figures
// are those of the aggregated-judgement matrix' worst expert (the largest CR), since the group has no single
// matrix.
Result<AhpOutcome> EvaluateAhp(const Ahp& ahp, size_t n);

// Estimates the random index by Monte Carlo: the mean CI of `samples` random reciprocal matrices whose upper
// triangle is drawn uniformly from Saaty's 17 values {1/9, ..., 1/2, 1, 2, ..., 9}.
double EstimateRandomIndex(size_t n, int samples, uint64_t seed);

}  // namespace zhisuan::index
