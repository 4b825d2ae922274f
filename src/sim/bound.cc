#include "sim/bound.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "placement/evaluate.h"

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

namespace {

constexpr int kCandidates = 8;
constexpr int kBuckets = 64;
constexpr int kIterations = 120;

struct Option {
  uint32_t pool = 0;
  float device_hours = 0;  // the job's devices x its run on the pool's model
  double cost = 0;         // tenant cost: price + transfer fee
};

struct Released {
  int bucket = 0;    // of its arrival
  int options = 0;   // used entries of `option`
  double floor = 0;  // the cost of its cheapest pool not kept (infinity when none)
  Option option[kCandidates];
};

}  // namespace

Result<TimeIndexedBound> ComputeTimeIndexedBound(const Registry& registry, JobSource& source,
                                                 const SimOptions& options, double horizon_h,
                                                 double upper_cny) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const placement::Snapshot empty = placement::Snapshot::Build(registry);
  placement::Objective cost;
  cost.kind = placement::ObjectiveKind::kCost;
  TimeIndexedBound out;
  out.horizon_h = horizon_h;
  out.buckets = kBuckets;
  if (!(horizon_h > 0)) return out;
  const double width_h = horizon_h / kBuckets;

  // Each job's cheapest pools on the idle network (no premium: nothing is busy), and the floor.
  std::vector<Released> jobs;
  TraceJob t;
  placement::PreparedJob prepared;
  std::vector<Option> all;
  while (source.Next(t)) {
    const double arrival_s = t.arrival_s / options.time_scale;
    const double now_s = options.start_epoch_s + arrival_s;
    if (!placement::Prepare(empty, t.job, now_s, prepared)) continue;
    const placement::Evaluator ev(empty, prepared, cost, now_s, false);
    all.clear();
    for (uint32_t c = 0; c < empty.centers().size(); ++c) {
      if (ev.CheckCenter(c, nullptr) != placement::Reject::kOk) continue;
      const placement::CenterInfo& center = empty.centers()[c];
      for (uint32_t p = center.first_pool; p < center.first_pool + center.pool_count; ++p) {
        const placement::Evaluation e = ev.EvaluatePool(p);
        if (e.reject != placement::Reject::kOk) continue;
        all.push_back({p, static_cast<float>(e.candidate.device_hours),
                       e.candidate.price_cny + e.candidate.transfer_fee_cny});
      }
    }
    // A job that may be split over a center's pools: a split costs at least its own cost, which stands as a
    // floor that uses no capacity (a relaxation, so still a bound).
    double split_floor = kInf;
    if (!prepared.gang) {
      for (uint32_t c = 0; c < empty.centers().size(); ++c) {
        const placement::Evaluation e = ev.EvaluateCenter(c);
        if (e.reject == placement::Reject::kOk && !e.candidate.split.empty()) {
          split_floor = std::min(split_floor, e.candidate.price_cny + e.candidate.transfer_fee_cny);
        }
      }
    }
    if (all.empty() && split_floor == kInf) continue;  // unplaceable: no policy pays for it either
    const size_t keep = std::min<size_t>(kCandidates, all.size());
    std::ranges::partial_sort(all, all.begin() + static_cast<std::ptrdiff_t>(keep), {}, &Option::cost);
    Released r;
    r.bucket = std::clamp(static_cast<int>(arrival_s / 3600.0 / width_h), 0, kBuckets - 1);
    r.options = static_cast<int>(keep);
    std::copy_n(all.begin(), keep, r.option);
    r.floor = split_floor;
    for (size_t i = keep; i < all.size(); ++i) r.floor = std::min(r.floor, all[i].cost);
    jobs.push_back(r);
  }

  // Capacity of pool p over [t_k, horizon]: its devices x (horizon - t_k) device-hours.
  const size_t pools = empty.pools().size();
  std::vector<double> lambda(pools * kBuckets, 0.0);  // per device-hour, pool-major
  std::vector<double> price(pools * kBuckets, 0.0);   // sum of lambda over boundaries at or before a bucket
  std::vector<double> used(pools * kBuckets, 0.0);    // chosen work released in each bucket
  std::vector<double> gradient(pools * kBuckets, 0.0);
  auto capacity = [&](size_t p, int k) {
    return empty.pools()[p].in_service
               ? static_cast<double>(empty.pools()[p].devices) * (horizon_h - k * width_h)
               : 0.0;
  };
  double theta = 1.0;
  int since_better = 0;
  out.tenant_cost_cny = -kInf;
  for (int it = 0; it < kIterations; ++it) {
    for (size_t p = 0; p < pools; ++p) {
      double running = 0;
      for (int k = 0; k < kBuckets; ++k) price[p * kBuckets + k] = (running += lambda[p * kBuckets + k]);
    }
    std::ranges::fill(used, 0.0);
    double value = 0;
    for (const Released& j : jobs) {
      double best = j.floor;
      const Option* chosen = nullptr;
      for (int i = 0; i < j.options; ++i) {
        const Option& o = j.option[i];
        const double priced = o.cost + o.device_hours * price[o.pool * kBuckets + j.bucket];
        if (priced < best) {
          best = priced;
          chosen = &o;
        }
      }
      value += best;
      if (chosen != nullptr) used[chosen->pool * kBuckets + j.bucket] += chosen->device_hours;
    }
    double norm = 0;
    out.max_violation = 0;
    for (size_t p = 0; p < pools; ++p) {
      double later = 0;  // work released at or after bucket k
      for (int k = kBuckets - 1; k >= 0; --k) {
        later += used[p * kBuckets + k];
        const double g = later - capacity(p, k);
        value -= lambda[p * kBuckets + k] * capacity(p, k);
        // Projected: a multiplier at 0 whose constraint is slack stays at 0 and adds nothing to the step.
        gradient[p * kBuckets + k] = lambda[p * kBuckets + k] > 0 || g > 0 ? g : 0.0;
        norm += gradient[p * kBuckets + k] * gradient[p * kBuckets + k];
        out.max_violation = std::max(out.max_violation, g);
      }
    }
    out.iterations = it + 1;
    if (value > out.tenant_cost_cny) {
      out.tenant_cost_cny = value;
      since_better = 0;
    } else if (++since_better >= 8) {
      theta /= 2;
      since_better = 0;
    }
    if (norm == 0 || !(upper_cny > out.tenant_cost_cny)) break;  // feasible at lambda: nothing to raise
    const double step = theta * (upper_cny - value) / norm;
    for (size_t i = 0; i < lambda.size(); ++i) lambda[i] = std::max(0.0, lambda[i] + step * gradient[i]);
  }
  return out;
}

}  // namespace zhisuan::sim
