#include "sim/bound.h"

#include <algorithm>

namespace zhisuan::sim {

Result<Bound> OfflineBound(const Registry& registry, JobSource& source, const SimOptions& options) {
  const placement::Snapshot empty = placement::Snapshot::Build(registry);
  auto policy = placement::MakePolicy("lowest-cost");
  if (!policy) return std::unexpected(policy.error());
  placement::PlaceOptions o;
  o.objective.kind = placement::ObjectiveKind::kCost;
  Bound b;
  std::vector<double> demand_dh(empty.pools().size(), 0.0);
  double horizon_s = 0;
  TraceJob t;
  placement::PreparedJob prepared;
  while (source.Next(t)) {
    ++b.jobs;
    const double arrival = t.arrival_s / options.time_scale;
    o.now_s = options.start_epoch_s + arrival;
    const bool ok = placement::Prepare(empty, t.job, o.now_s, prepared).has_value();
    const std::optional<placement::Candidate> chosen =
        ok ? (*policy)->Choose(empty, prepared, o) : std::nullopt;
    if (!chosen) {
      ++b.unplaceable;
      continue;
    }
    b.tenant_cost_cny += chosen->price_cny + chosen->transfer_fee_cny;
    horizon_s = std::max(horizon_s, arrival + chosen->finish_h * 3600.0);
    if (chosen->split.empty()) {
      demand_dh[chosen->pool] += chosen->device_hours;
    } else {
      for (const placement::PoolShare& s : chosen->split) {
        demand_dh[s.pool] += static_cast<double>(s.devices) * chosen->run_h;
      }
    }
  }
  b.horizon_h = horizon_s / 3600.0;
  for (size_t p = 0; p < demand_dh.size(); ++p) {
    if (demand_dh[p] > static_cast<double>(empty.pools()[p].devices) * b.horizon_h) ++b.binding_pools;
  }
  return b;
}

}  // namespace zhisuan::sim
