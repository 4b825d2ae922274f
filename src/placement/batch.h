// placement/batch.h — placing a batch of queued jobs jointly against the devices free now.
//
// The LP relaxation of the assignment (each job wholly to one pool, pools' free devices as capacity) is a
// transportation problem in device units, solved exactly by min-cost flow (LEMON's network simplex); its
// optimum bounds every assignment from below. The flow is rounded to whole-job assignments (integral jobs
// kept, split jobs placed cheapest-first in the residual capacity), and the result is compared with the
// greedy baseline: the better of the two is returned, so batch-optimal is never worse than greedy. Every job
// is placed whole in one pool here, gang or not. Jobs that cannot be placed now stay unassigned; each costs a
// penalty larger than any placement, so placing more jobs always wins.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "placement/policy.h"

namespace zhisuan::placement {

struct BatchResult {
  std::vector<std::optional<Candidate>> assignment;  // per job, in input order
  int64_t placed = 0;
  double total_score = 0;      // sum of the placed jobs' scores
  double penalized_score = 0;  // total_score + penalty x unassigned jobs
  double penalty_per_job = 0;
  double lp_bound = 0;  // the relaxation's optimum of penalized_score (<= any assignment's)
  std::string method;   // "lp-rounding" or "greedy"
};

// Jobs are taken in order of priority (highest first), then input order, by the greedy baseline.
BatchResult PlaceGreedy(const Snapshot& snapshot, const std::vector<PreparedJob>& jobs,
                        const PlaceOptions& options);

BatchResult PlaceBatchOptimal(const Snapshot& snapshot, const std::vector<PreparedJob>& jobs,
                              const PlaceOptions& options);

}  // namespace zhisuan::placement
