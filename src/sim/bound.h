// sim/bound.h — the offline lower bound on tenant cost: every job at its cheapest feasible pool with full
// knowledge of the trace, no queueing order, no capacity over time. When no pool's demanded device-hours
// exceed its devices over the trace's horizon, capacity does not bind and this is exactly the optimum of the
// LP relaxation of the whole trace's assignment; otherwise it is a weaker, still valid, lower bound (and says
// so).
#pragma once

#include <cstdint>

#include "sim/engine.h"

namespace zhisuan::sim {

struct Bound {
  double tenant_cost_cny = 0;
  int64_t jobs = 0;
  int64_t unplaceable = 0;
  int64_t binding_pools = 0;  // pools whose bound assignment exceeds their device-hours over the horizon
  double horizon_h = 0;
};

Result<Bound> OfflineBound(const Registry& registry, JobSource& source, const SimOptions& options);

}  // namespace zhisuan::sim
