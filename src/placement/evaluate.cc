#include "placement/evaluate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "accounting/run_cost.h"
#include "model/enums.h"

namespace zhisuan::placement {
namespace {

std::string JoinIds(const std::vector<std::string>& ids) { return fmt::format("{}", fmt::join(ids, ", ")); }

}  // namespace

double Score(const Candidate& c, const Objective& o) {
  switch (o.kind) {
    case ObjectiveKind::kCost:
      return c.price_cny + c.transfer_fee_cny + c.scarcity_cny;
    case ObjectiveKind::kEnergy:
      return c.energy_kwh;
    case ObjectiveKind::kCarbon:
      return c.carbon_kg;
    case ObjectiveKind::kTime:
      return c.finish_h;
    case ObjectiveKind::kWeighted:
      return c.price_cny + c.transfer_fee_cny + c.scarcity_cny + o.energy_weight * c.energy_cny +
             c.carbon_kg / 1000.0 * o.carbon_price_cny_per_t + o.time_value_cny_per_h * c.finish_h;
  }
  return 0;
}

Evaluator::Evaluator(const Snapshot& snapshot, const PreparedJob& job, const Objective& objective,
                     double now_s, bool with_reasons)
    : snapshot_(snapshot),
      job_(job),
      objective_(objective),
      now_s_(now_s),
      local_start_h_(accounting::LocalHours(now_s, snapshot.params().utc_offset_h)),
      with_reasons_(with_reasons && job.job != nullptr) {}

std::string Evaluator::ModelName(uint32_t accelerator) const {
  return snapshot_.accelerators()[accelerator].id;
}

Reject Evaluator::CheckCenter(uint32_t center, std::string* reason) const {
  const CenterInfo& c = snapshot_.centers()[center];
  const Job* job = job_.job;
  if (job == nullptr) reason = nullptr;  // no spec to explain from
  if (!c.in_service) {
    if (reason) {
      *reason = fmt::format("center is {}{}, not in service", Name(c.status),
                            c.status_since.empty() ? "" : fmt::format(" (since {})", c.status_since));
    }
    return Reject::kNotInService;
  }
  if (c.state != CenterState::kUp) {
    if (reason)
      *reason = fmt::format("center is {}", c.state == CenterState::kDraining ? "draining" : "down");
    return Reject::kCenterState;
  }
  if (!job_.residency.empty() && !job_.residency[static_cast<size_t>(c.province)]) {
    if (reason) {
      std::vector<std::string> allowed = job->residency_provinces;
      for (const std::string& h : job->residency_hubs) allowed.push_back("hub " + h);
      *reason = fmt::format("{} not in residency [{}]",
                            snapshot_.provinces()[static_cast<size_t>(c.province)], JoinIds(allowed));
    }
    return Reject::kResidency;
  }
  if (job_.latency_slo_ms && job_.user_province != kNone) {
    const double rtt = snapshot_.RttMs(job_.user_province, c.province);
    if (rtt > *job_.latency_slo_ms) {
      if (reason) {
        *reason =
            fmt::format("RTT {:.1f} ms from {} > SLO {} ms", rtt, job->user_province, *job->latency_slo_ms);
      }
      return Reject::kLatency;
    }
  }
  if (job_.models.empty()) {
    if (reason) *reason = job_.no_model_reason;
    return Reject::kNoModel;
  }
  return Reject::kOk;
}

Evaluation Evaluator::EvaluatePool(uint32_t pool_id) const {
  Evaluation e;
  const PoolInfo& pool = snapshot_.pools()[pool_id];
  const CenterInfo& center = snapshot_.centers()[pool.center];
  const int32_t slot = job_.model_slot[pool.accelerator];
  if (slot == kNone) {
    e.reject = Reject::kNoModel;
    if (with_reasons_) {
      const Job& job = *job_.job;
      e.reason = job.accelerator.domestic && !snapshot_.accelerators()[pool.accelerator].domestic
                     ? fmt::format("no pool of a domestic accelerator ({} is not domestic)",
                                   ModelName(pool.accelerator))
                 : job.accelerator.models.empty()
                     ? fmt::format("no pool with a model meeting the job's minimums ({} does not)",
                                   ModelName(pool.accelerator))
                     : fmt::format("no pool of an allowed model [{}] ({} is not)",
                                   JoinIds(job.accelerator.models), ModelName(pool.accelerator));
    }
    return e;
  }
  if (!pool.in_service) {  // after the model check: an eligible pool that does not run yet says so
    e.reject = Reject::kNotInService;
    if (with_reasons_) {
      e.reason =
          fmt::format("pool of {} is {}, not in service", ModelName(pool.accelerator), Name(pool.status));
    }
    return e;
  }
  const JobModel& model = job_.models[static_cast<size_t>(slot)];
  if (pool.devices < job_.devices) {
    e.reject = Reject::kTooSmall;
    if (with_reasons_) {
      e.reason = fmt::format("no pool with {} {} (largest has {})", job_.devices, ModelName(pool.accelerator),
                             pool.devices);
    }
    return e;
  }
  // When do enough devices come free?
  double start_h = 0;
  if (const int64_t short_by = job_.devices - (pool.free_devices - pool.queued_devices); short_by > 0) {
    const std::optional<double> at_s = pool.releases.When(short_by);
    start_h = at_s ? std::max(0.0, (*at_s - now_s_) / 3600.0) : -1.0;
  }
  Candidate& c = e.candidate;
  c.center = pool.center;
  c.pool = pool_id;
  c.accelerator = pool.accelerator;
  c.devices = job_.devices;
  c.start_h = start_h;
  c.run_h = model.run_h;
  AddTransfer(c, center);
  const bool has_deadline = std::isfinite(job_.deadline_at_s);
  const double deadline_h = has_deadline ? (job_.deadline_at_s - now_s_) / 3600.0 : 0.0;
  const double wait_limit = has_deadline ? deadline_h : max_wait_h();
  if (start_h < 0 || (!has_deadline && start_h > wait_limit)) {
    e.reject = Reject::kBusy;
    if (with_reasons_) {
      e.reason = start_h < 0
                     ? fmt::format("no pool with {} free {} ({} free, no release known)", job_.devices,
                                   ModelName(pool.accelerator), pool.free_devices)
                     : fmt::format("no pool with {} free {} (earliest start in {:.1f} h > max wait {} h)",
                                   job_.devices, ModelName(pool.accelerator), start_h, wait_limit);
    }
    return e;
  }
  c.finish_h = std::max(c.start_h, c.transfer_h) + c.run_h;
  if (has_deadline && c.finish_h > deadline_h) {
    e.reject = Reject::kDeadline;
    if (with_reasons_) {
      e.reason = fmt::format("estimated finish {:.1f} h > deadline {:.4g} h (on {} {})", c.finish_h,
                             deadline_h, job_.devices, ModelName(pool.accelerator));
    }
    return e;
  }
  Price(c, center);
  if (has_deadline) Shift(c, center, deadline_h);
  return e;
}

void Evaluator::Shift(Candidate& c, const CenterInfo& center, double deadline_h) const {
  if (objective_.kind != ObjectiveKind::kWeighted || !(objective_.energy_weight > 0) || c.start_h > 0 ||
      center.tou == kNone) {
    return;
  }
  constexpr double kMinShiftH = 1.0 / 60;  // a minute: a boundary this close is the present one
  constexpr double kMinSavingCny = 0.01;   // a fen
  const double ready_h = c.transfer_h;     // the run could start once its data is there
  const double local_h = std::fmod(local_start_h_ + ready_h, 24.0);
  Candidate best = c;
  for (const TouPeriod& period : snapshot_.tou_tables()[static_cast<size_t>(center.tou)]) {
    double wait_h = std::fmod(static_cast<double>(period.start_hour) - local_h + 48.0, 24.0);
    if (wait_h < kMinShiftH) continue;
    const double start_h = ready_h + wait_h;
    if (start_h + c.run_h > deadline_h) continue;
    Candidate later = c;
    later.start_h = start_h;
    later.finish_h = start_h + c.run_h;
    Price(later, center);
    if (later.score < best.score - kMinSavingCny) best = later;
  }
  if (best.start_h > c.start_h) {
    best.shift_h = best.start_h;
    best.shift_saving_cny = c.score - best.score;
    c = best;
  }
}

void Evaluator::AddTransfer(Candidate& c, const CenterInfo& center) const {
  if (job_.data_province == kNone || job_.data_gb <= 0 || job_.data_province == center.province) return;
  const double gbps = std::min(center.uplink_gbps, snapshot_.params().inter_province_gbps);
  c.transfer_gb = job_.data_gb;
  c.transfer_h = job_.data_gb * 8.0 / gbps / 3600.0;
  c.transfer_fee_cny = job_.data_gb * snapshot_.params().transfer_fee_cny_per_gb;
}

void Evaluator::Price(Candidate& c, const CenterInfo& center) const {
  auto run_of = [&](uint32_t pool, int64_t devices) {
    const PoolInfo& p = snapshot_.pools()[pool];
    return accounting::PoolRun{devices, p.energy_kwh_per_device_hour, p.price_cny_per_device_hour,
                               p.carbon_kg_per_device_hour};
  };
  const accounting::Tariff tariff{
      center.tariff_cny_per_kwh,
      center.tou == kNone ? nullptr : &snapshot_.tou_tables()[static_cast<size_t>(center.tou)]};
  const double local_start_h = local_start_h_ + std::max(c.start_h, c.transfer_h);
  accounting::RunCost cost;
  if (c.split.empty()) {
    const accounting::PoolRun one = run_of(c.pool, c.devices);
    cost = accounting::CostOfRun({&one, 1}, c.run_h, local_start_h, tariff, c.transfer_fee_cny);
  } else {
    std::vector<accounting::PoolRun> runs;
    for (const PoolShare& share : c.split) runs.push_back(run_of(share.pool, share.devices));
    cost = accounting::CostOfRun(runs, c.run_h, local_start_h, tariff, c.transfer_fee_cny);
  }
  c.device_hours = cost.device_hours;
  c.energy_kwh = cost.energy_kwh;
  c.price_cny = cost.price_cny;
  c.carbon_kg = cost.carbon_kg;
  c.energy_cny = cost.energy_cny;
  c.scarcity_cny = 0;
  if (objective_.kind == ObjectiveKind::kCost || objective_.kind == ObjectiveKind::kWeighted) {
    auto premium = [&](uint32_t pool, int64_t devices) {
      return snapshot_.pools()[pool].scarcity_cny_per_device_hour * static_cast<double>(devices) * c.run_h;
    };
    if (c.split.empty()) {
      c.scarcity_cny = premium(c.pool, c.devices);
    } else {
      for (const PoolShare& share : c.split) c.scarcity_cny += premium(share.pool, share.devices);
    }
  }
  const int32_t from = job_.user_province != kNone ? job_.user_province : job_.data_province;
  c.rtt_ms = from == kNone ? 0 : snapshot_.RttMs(from, center.province);
  c.score = Score(c, objective_);
}

std::optional<Candidate> Evaluator::Split(const CenterInfo& center) const {
  struct Option {
    double cost_per_tflops;
    uint32_t pool;
    double eff;
  };
  std::vector<Option> options;
  for (uint32_t p = center.first_pool; p < center.first_pool + center.pool_count; ++p) {
    const PoolInfo& pool = snapshot_.pools()[p];
    const int32_t slot = job_.model_slot[pool.accelerator];
    if (slot == kNone || pool.free_devices <= 0) continue;
    const double eff = job_.models[static_cast<size_t>(slot)].effective_tflops;
    options.push_back({pool.price_cny_per_device_hour / eff, p, eff});
  }
  if (options.size() < 2) return std::nullopt;
  std::ranges::sort(options, {}, &Option::cost_per_tflops);
  Candidate c;
  int64_t left = job_.devices;
  double throughput = 0;
  for (const Option& o : options) {
    if (left == 0) break;
    const int64_t take = std::min(left, snapshot_.pools()[o.pool].free_devices);
    c.split.push_back({o.pool, take});
    throughput += static_cast<double>(take) * o.eff;
    left -= take;
  }
  if (left > 0 || c.split.size() < 2) return std::nullopt;
  const PoolInfo& first = snapshot_.pools()[c.split.front().pool];
  c.center = first.center;
  c.pool = c.split.front().pool;
  c.accelerator = first.accelerator;
  c.devices = job_.devices;
  c.run_h = job_.work_tflop_h / throughput;
  AddTransfer(c, center);
  c.finish_h = c.transfer_h + c.run_h;
  if (std::isfinite(job_.deadline_at_s) && c.finish_h > (job_.deadline_at_s - now_s_) / 3600.0)
    return std::nullopt;
  Price(c, center);
  return c;
}

Evaluation Evaluator::EvaluateCenter(uint32_t center_id) const {
  Evaluation best;
  std::string* reason = with_reasons_ ? &best.reason : nullptr;
  best.reject = CheckCenter(center_id, reason);
  if (best.reject != Reject::kOk) return best;
  const CenterInfo& c = snapshot_.centers()[center_id];
  bool found = false;
  bool any = false;
  best.reject = Reject::kNoModel;
  for (uint32_t p = c.first_pool; p < c.first_pool + c.pool_count; ++p) {
    Evaluation e = EvaluatePool(p);
    if (e.reject == Reject::kOk) {
      if (!found || Better(e.candidate, best.candidate)) best = std::move(e);
      found = true;
    } else if (!found && (!any || e.reject > best.reject)) {
      best = std::move(e);
    }
    any = true;
  }
  if (!job_.gang) {
    if (std::optional<Candidate> split = Split(c); split && (!found || Better(*split, best.candidate))) {
      best.reject = Reject::kOk;
      best.reason.clear();
      best.candidate = std::move(*split);
      found = true;
    }
  }
  if (c.pool_count == 0 && with_reasons_) best.reason = "center has no pools";
  if (!found && best.reject == Reject::kNoModel && with_reasons_ && c.pool_count > 1) {
    // Name every model the center has, not just the last pool's.
    std::vector<std::string> has;
    bool any_domestic = false;
    for (uint32_t p = c.first_pool; p < c.first_pool + c.pool_count; ++p) {
      has.push_back(ModelName(snapshot_.pools()[p].accelerator));
      any_domestic = any_domestic || snapshot_.accelerators()[snapshot_.pools()[p].accelerator].domestic;
    }
    const Job& job = *job_.job;
    best.reason = job.accelerator.domestic && !any_domestic
                      ? fmt::format("no pool of a domestic accelerator (has {}, none domestic)", JoinIds(has))
                  : job.accelerator.models.empty()
                      ? fmt::format("no pool with a model meeting the job's minimums (has {})", JoinIds(has))
                      : fmt::format("no pool of an allowed model [{}] (has {})",
                                    JoinIds(job.accelerator.models), JoinIds(has));
  }
  return best;
}

}  // namespace zhisuan::placement
