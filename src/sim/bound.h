// sim/bound.h — the offline lower bound on tenant cost: every job at its cheapest feasible pool with full
// knowledge of the trace, no queueing order, no capacity over time. When no pool's demanded device-hours
// exceed its devices over the trace's horizon, capacity does not bind and this is exactly the optimum of the
// LP relaxation of the whole trace's assignment; otherwise it is a weaker, still valid, lower bound (and says
// so).
#pragma once

#include <cstdint>
#include <optional>

#include "sim/engine.h"

namespace zhisuan::sim {

// A bound that stays a bound when capacity binds: the time-indexed relaxation (every pool's devices over
// time, each job released at its arrival, preemption and splitting allowed), priced by Lagrangian relaxation.
// For schedules that finish by `horizon_h`, in every bucket boundary t the work of the jobs that arrive at or
// after t must fit in each pool's device-hours over [t, horizon]; pricing those constraints with multipliers
// lambda >= 0 gives, for any lambda, a lower bound on every such schedule's tenant cost (weak duality), which
// a projected subgradient method raises. Each job keeps its `kCandidates` cheapest pools and, for all the
// others, the next cheapest cost as a floor (still a lower bound, as a pool's priced cost is never below its
// cost).
struct TimeIndexedBound {
  double tenant_cost_cny = 0;  // the best lower bound found; never below the static one's assignment when
                               // capacity does not bind (lambda = 0 is the first iterate)
  double horizon_h = 0;        // valid for schedules that finish by then (hours after the first arrival)
  int buckets = 0;
  int iterations = 0;
  double max_violation = 0;  // of the last iterate's assignment, device-hours over a pool's capacity
};

struct Bound {
  double tenant_cost_cny = 0;
  int64_t jobs = 0;
  int64_t unplaceable = 0;
  int64_t binding_pools = 0;  // pools whose bound assignment exceeds their device-hours over the horizon
  double horizon_h = 0;
  std::optional<TimeIndexedBound> time_indexed;  // when computed (after the policies ran: it needs a horizon)
};

Result<Bound> OfflineBound(const Registry& registry, JobSource& source, const SimOptions& options);

// The time-indexed bound over `source` for schedules finishing by `horizon_h`; `upper_cny` (a known
// schedule's cost, e.g. the cheapest policy's) sizes the subgradient steps.
Result<TimeIndexedBound> ComputeTimeIndexedBound(const Registry& registry, JobSource& source,
                                                 const SimOptions& options, double horizon_h,
                                                 double upper_cny);

}  // namespace zhisuan::sim
