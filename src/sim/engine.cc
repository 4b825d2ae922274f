#include "sim/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "schedule/scheduler.h"
#include "sim/event_queue.h"

namespace zhisuan::sim {
namespace {

using placement::Candidate;
using placement::CenterInfo;
using placement::PoolShare;
using schedule::Ticket;

// What the simulator keeps of a job beside the scheduler core's slot (indexed by the same ticket): the few
// fields of its spec the metrics read, and its run. The spec itself is not kept (jobs are read into one
// reused TraceJob); the simulator never asks placement for explanations, so the core's PreparedJob has no
// spec.
struct SimJob {
  double deadline_h = std::numeric_limits<double>::infinity();  // after arrival, from the spec
  double arrival_s = 0;  // on the simulated clock (the trace's arrival over the time scale)
  double start_s = 0;
  double finish_s = 0;
  int64_t ordinal = 0;      // in arrival order
  uint32_t tenant = 0;      // the core's
  uint32_t generation = 0;  // bumped when a run ends or is killed, so a stale finish event is recognised
  bool has_slo = false;
  bool east_data = false;  // the job's data lives outside the western hubs (or nowhere named)
  bool live = false;       // running
};

// Mean and order statistics; selection instead of a sort (ten million floats per metric in the big runs).
Distribution Summarise(std::vector<float>& v) {
  Distribution d;
  if (v.empty()) return d;
  double sum = 0;
  for (double x : v) sum += x;
  d.mean = sum / static_cast<double>(v.size());
  // Ascending p, so each selection only needs the part above the previous one.
  auto from = v.begin();
  auto q = [&](double p) {
    const auto at = v.begin() + static_cast<std::ptrdiff_t>(std::min(
                                    v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size()))));
    std::nth_element(from, at, v.end());
    from = at;
    return static_cast<double>(*at);
  };
  d.p50 = q(0.50);
  d.p95 = q(0.95);
  d.p99 = q(0.99);
  return d;
}

class Engine {
 public:
  Engine(const Registry& registry, const SimOptions& o, std::unique_ptr<placement::Policy> policy)
      : registry_(registry),
        o_(o),
        core_(placement::Snapshot::Build(registry), std::move(policy),
              {.objective = o.objective, .max_pending_tries = o.max_pending_tries}),
        snapshot_(core_.snapshot()) {
    for (const Hub& h : registry.hubs()) result_.hub_ids.push_back(h.id);
    result_.hub_ids.push_back("none");
    total_by_hub_.assign(result_.hub_ids.size(), 0);
    busy_by_hub_.assign(result_.hub_ids.size(), 0);
    busy_by_center_.assign(snapshot_.centers().size(), 0);
    total_by_center_.assign(snapshot_.centers().size(), 0);
    busy_integral_.assign(snapshot_.centers().size(), 0);
    last_change_.assign(snapshot_.centers().size(), 0);
    for (const auto& c : snapshot_.centers()) result_.center_ids.push_back(c.id);
    west_province_.assign(snapshot_.provinces().size(), 0);
    for (size_t p = 0; p < snapshot_.provinces().size(); ++p) {
      const Hub* hub = registry.HubOfProvince(snapshot_.provinces()[p]);
      west_province_[p] = hub != nullptr && hub->west;
    }
    for (const auto& p : snapshot_.pools()) {
      total_by_center_[p.center] += p.devices;
      total_by_hub_[HubSlot(p.center)] += p.devices;
    }
  }

  Result<SimResult> Run(JobSource& source) {
    failures_ = o_.failures;
    for (size_t i = 0; i < failures_.size(); ++i) {
      const int32_t c = snapshot_.CenterIndex(failures_[i].center);
      if (c == placement::kNone) {
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("fail: unknown center '{}'", failures_[i].center));
      }
      Push(failures_[i].at_s, EventKind::kCenterDown, i);
    }
    if (o_.random_mtbf_h > 0) {
      for (const CenterInfo& c : snapshot_.centers()) ScheduleRandomFailure(c.id, 0);
    }
    // Arrivals are pulled from the source one ahead, so a streaming source never sits in memory, into one
    // TraceJob whose storage (the job before's) the source reuses.
    TraceJob incoming;
    bool next = source.Next(incoming);
    double last_arrival = 0;
    if (o_.sample_interval_s > 0) Push(0, EventKind::kSample, 0);
    while (true) {
      const bool have_event = !events_.empty();
      if (next && (!have_event || incoming.arrival_s / o_.time_scale <= events_.top().t_s)) {
        const double t = incoming.arrival_s / o_.time_scale;
        if (t < last_arrival) {
          return Fail(ErrorCode::kInvalidArgument,
                      fmt::format("trace: arrivals go back in time at job '{}'", incoming.job.name));
        }
        last_arrival = t;
        result_.last_arrival_h = t / 3600.0;
        Advance(t);
        ++result_.events;
        Arrive(incoming.job, t);
        core_.PrefetchNewJob();  // while the source reads the next job
        next = source.Next(incoming);
        continue;
      }
      if (!have_event) break;
      const Event e = events_.Pop();
      PrefetchNextRun();  // the next event's running job, while this one is handled
      // Samples and random failures repeat forever: once the trace is done and the network idle, they stop.
      const bool repeating =
          e.kind == EventKind::kSample || (e.kind != EventKind::kFinish && e.ref >= o_.failures.size());
      if (repeating && !next && core_.running_jobs() == 0 && core_.waiting() == 0) continue;
      Advance(e.t_s);
      ++result_.events;
      switch (e.kind) {
        case EventKind::kFinish:
          Finish(e.ref);
          break;
        case EventKind::kCenterDown:
          Down(e.ref);
          break;
        case EventKind::kCenterUp:
          Up(e.ref);
          break;
        case EventKind::kSample:
          SampleNow();
          break;
        case EventKind::kWake:
          if (e.t_s == wake_at_) wake_at_ = std::numeric_limits<double>::infinity();
          Schedule();
          break;
      }
    }
    return Finalise();
  }

 private:
  size_t HubSlot(uint32_t center) const {
    const int32_t h = snapshot_.centers()[center].hub;
    return h == placement::kNone ? result_.hub_ids.size() - 1 : static_cast<size_t>(h);
  }

  void Push(double t, EventKind kind, uint64_t ref) { events_.Push(t, kind, ref); }

  void PrefetchNextRun() const {
    if (events_.empty() || events_.top().kind != EventKind::kFinish) return;
    const Ticket t = static_cast<Ticket>(events_.top().ref & 0xffffffffu);
    __builtin_prefetch(&jobs_[t]);
    core_.PrefetchJob(t);
  }

  void Advance(double t) { now_ = std::max(now_, t); }
  double Epoch() const { return o_.start_epoch_s + now_; }

  // Busy devices of a center change: integrate the old count up to now first (for the mean busy share).
  void ChangeBusy(uint32_t center, int64_t delta) {
    busy_integral_[center] += (now_ - last_change_[center]) * static_cast<double>(busy_by_center_[center]);
    last_change_[center] = now_;
    busy_by_center_[center] += delta;
    busy_by_hub_[HubSlot(center)] += delta;
  }

  void Arrive(const Job& job, double t) {
    ++result_.jobs;
    if (job.latency_slo_ms) ++result_.slo_jobs;
    const Ticket id = core_.NewJob();
    schedule::JobSpec& spec = core_.job(id);
    if (!placement::Prepare(snapshot_, job, o_.start_epoch_s + t, spec.prepared)) {
      ++result_.unplaceable;  // e.g. a reference device without a peak at the job's precision
      core_.Discard(id);
      return;
    }
    spec.prepared.job = nullptr;  // `job` is the reader's, and is overwritten by the next one
    spec.priority = job.priority;
    spec.submitted_s = o_.start_epoch_s + t;
    spec.tenant = core_.Tenant(job.tenant);
    if (spec.tenant >= tenant_sums_.size()) tenant_sums_.resize(spec.tenant + 1);
    if (id >= jobs_.size()) jobs_.resize(id + 1);
    SimJob& sim = jobs_[id];
    sim.arrival_s = t;
    sim.ordinal = result_.jobs - 1;
    sim.tenant = spec.tenant;
    sim.deadline_h = job.deadline_h.value_or(std::numeric_limits<double>::infinity());
    sim.has_slo = job.latency_slo_ms.has_value();
    sim.live = false;
    core_.Submit(id);
    Schedule();
  }

  // One pass of the scheduler core: its starts begin to run; a job no center could ever run is rejected
  // rather than queued forever.
  void Schedule() {
    core_.Pass(Epoch(), pass_);
    for (Ticket t : pass_.starts) Start(t);
    for (Ticket t : pass_.never) {
      ++result_.unplaceable;
      if (jobs_[t].has_slo) ++result_.slo_misses;
      core_.End(t);
    }
    // Jobs held for a cheaper period: pass again when the first is due.
    if (core_.held_jobs() > 0) {
      const double due = core_.next_wake_s() - o_.start_epoch_s;
      if (due < wake_at_) {
        wake_at_ = std::max(due, now_);
        Push(wake_at_, EventKind::kWake, 0);
      }
    }
  }

  void Start(Ticket id) {
    const Candidate& c = core_.candidate(id);
    SimJob& run = jobs_[id];
    run.start_s = now_;
    run.finish_s = now_ + c.finish_h * 3600.0;
    const int32_t data = core_.job(id).prepared.data_province;
    run.east_data = data == placement::kNone || !west_province_[static_cast<size_t>(data)];
    run.live = true;
    ForShares(c,
              [&](uint32_t pool, int64_t devices) { ChangeBusy(snapshot_.pools()[pool].center, devices); });
    Push(run.finish_s, EventKind::kFinish, (static_cast<uint64_t>(run.generation) << 32) | id);
  }

  template <typename F>
  static void ForShares(const Candidate& c, F f) {
    if (c.split.empty()) {
      f(c.pool, c.devices);
    } else {
      for (const PoolShare& s : c.split) f(s.pool, s.devices);
    }
  }

  // The run's devices stop counting as busy; its finish event, if still queued, is stale from now.
  void StopRun(Ticket id) {
    SimJob& run = jobs_[id];
    ForShares(core_.candidate(id),
              [&](uint32_t pool, int64_t devices) { ChangeBusy(snapshot_.pools()[pool].center, -devices); });
    run.live = false;
    ++run.generation;
  }

  void Finish(uint64_t ref) {
    const Ticket id = static_cast<Ticket>(ref & 0xffffffffu);
    if (!jobs_[id].live || jobs_[id].generation != static_cast<uint32_t>(ref >> 32))
      return;  // killed earlier
    const SimJob& run = jobs_[id];
    const Candidate& c = core_.candidate(id);
    ++result_.completed;
    result_.price_cny += c.price_cny;
    result_.transfer_fee_cny += c.transfer_fee_cny;
    result_.energy_kwh += c.energy_kwh;
    result_.energy_cny += c.energy_cny;
    result_.carbon_t += c.carbon_kg / 1000.0;
    result_.device_hours += c.device_hours;
    const bool west = IsWest(c.center);
    if (west) {
      west_dh_ += c.device_hours;
      west_kwh_ += c.energy_kwh;
      west_cost_ += c.price_cny + c.transfer_fee_cny;
    }
    if (run.east_data) {
      ++east_data_jobs_;
      if (west) ++east_data_to_west_;
    }
    const double delay_h = (run.start_s - run.arrival_s) / 3600.0;
    const double jct_h = (now_ - run.arrival_s) / 3600.0;
    delays_.push_back(static_cast<float>(delay_h));
    jcts_.push_back(static_cast<float>(jct_h));
    if (jct_h > run.deadline_h + 1e-9) ++result_.deadline_misses;
    if (o_.on_finish) o_.on_finish({run.ordinal, &c, o_.start_epoch_s + run.start_s, Epoch()});
    auto& [run_sum, jct_sum] = tenant_sums_[run.tenant];
    run_sum += c.run_h;
    jct_sum += std::max(jct_h, 1e-12);
    StopRun(id);
    core_.End(id);  // last: the candidate is the core's
    Schedule();
  }

  bool IsWest(uint32_t center) const {
    const int32_t h = snapshot_.centers()[center].hub;
    return h != placement::kNone && registry_.hubs()[static_cast<size_t>(h)].west;
  }

  // The next random failure of `center` after `after_s`, with its repair time drawn now.
  void ScheduleRandomFailure(const std::string& center, double after_s) {
    Failure f;
    f.center = center;
    f.at_s = after_s + std::exponential_distribution<double>(1.0 / (o_.random_mtbf_h * 3600.0))(failure_rng_);
    f.duration_s = std::exponential_distribution<double>(1.0 / (o_.random_mttr_h * 3600.0))(failure_rng_);
    failures_.push_back(f);
    Push(f.at_s, EventKind::kCenterDown, failures_.size() - 1);
  }

  void Down(uint64_t f) {
    const Failure failure = failures_[f];
    const uint32_t center = static_cast<uint32_t>(snapshot_.CenterIndex(failure.center));
    core_.SetCenterState(center, CenterState::kDown);
    for (Ticket id = 0; id < jobs_.size(); ++id) {
      const SimJob& run = jobs_[id];
      if (!run.live || core_.candidate(id).center != center) continue;
      // The work done so far is lost; the job goes back to the queue. Its energy and carbon were spent; its
      // price is not billed to the tenant (the live service bills the run that finishes), it is the lost
      // work's price, the operators' loss.
      const Candidate& c = core_.candidate(id);
      const double fraction = (now_ - run.start_s) / std::max(1e-9, run.finish_s - run.start_s);
      result_.lost_price_cny += c.price_cny * fraction;
      result_.energy_kwh += c.energy_kwh * fraction;
      result_.energy_cny += c.energy_cny * fraction;
      result_.carbon_t += c.carbon_kg * fraction / 1000.0;
      StopRun(id);
      core_.Requeue(id);
      ++result_.moved_by_failures;
    }
    // Jobs waiting on the failed center's pools, and the moved ones, look for a place again.
    Schedule();
    if (std::isfinite(failure.duration_s)) Push(now_ + failure.duration_s, EventKind::kCenterUp, f);
  }

  void Up(uint64_t f) {
    const uint32_t center = static_cast<uint32_t>(snapshot_.CenterIndex(failures_[f].center));
    core_.SetCenterState(center, CenterState::kUp);
    if (f >= o_.failures.size()) ScheduleRandomFailure(failures_[f].center, now_);
    Schedule();
  }

  void SampleNow() {
    Sample s;
    s.t_h = now_ / 3600.0;
    int64_t busy = 0, total = 0;
    for (size_t h = 0; h < busy_by_hub_.size(); ++h) {
      s.hub_utilisation.push_back(total_by_hub_[h] > 0 ? static_cast<double>(busy_by_hub_[h]) /
                                                             static_cast<double>(total_by_hub_[h])
                                                       : 0.0);
      busy += busy_by_hub_[h];
      total += total_by_hub_[h];
    }
    s.busy_share = total > 0 ? static_cast<double>(busy) / static_cast<double>(total) : 0.0;
    s.center_utilisation.reserve(busy_by_center_.size());
    for (size_t c = 0; c < busy_by_center_.size(); ++c) {
      s.center_utilisation.push_back(total_by_center_[c] > 0
                                         ? static_cast<float>(static_cast<double>(busy_by_center_[c]) /
                                                              static_cast<double>(total_by_center_[c]))
                                         : 0.0f);
    }
    s.running = core_.running_jobs();
    s.pending = core_.waiting();
    result_.samples.push_back(std::move(s));
    // A trace stretched over many hours (a small time scale) would sample without bound: past kMaxSamples,
    // every other sample is dropped and the interval doubles, so the series keeps its shape in bounded
    // memory.
    if (result_.samples.size() > kMaxSamples) {
      size_t kept = 0;
      for (size_t i = 0; i < result_.samples.size(); i += 2)
        result_.samples[kept++] = std::move(result_.samples[i]);
      result_.samples.resize(kept);
      sample_interval_s_ *= 2;
    }
    Push(now_ + sample_interval_s_, EventKind::kSample, 0);
  }

  Result<SimResult> Finalise() {
    result_.policy = o_.policy;
    result_.pending_at_end = core_.waiting();
    result_.tenant_cost_cny = result_.price_cny + result_.transfer_fee_cny;
    result_.queue_delay_h = Summarise(delays_);
    result_.jct_h = Summarise(jcts_);
    // Summed in tenant-name order, so the figure does not depend on the order tenants first arrived in.
    std::vector<std::pair<std::string_view, uint32_t>> tenants;
    for (uint32_t t = 0; t < tenant_sums_.size(); ++t) tenants.emplace_back(core_.TenantName(t), t);
    std::ranges::sort(tenants);
    double sum = 0, sum_sq = 0;
    size_t counted = 0;
    for (const auto& [name, t] : tenants) {
      const auto& [run_sum, jct_sum] = tenant_sums_[t];
      if (jct_sum == 0) continue;  // no job of this tenant completed
      const double x = run_sum / jct_sum;
      sum += x;
      sum_sq += x * x;
      ++counted;
    }
    result_.fairness_jain = counted == 0 ? 0.0 : sum * sum / (static_cast<double>(counted) * sum_sq);
    result_.west_device_hours_share = result_.device_hours > 0 ? west_dh_ / result_.device_hours : 0;
    result_.west_energy_share = result_.energy_kwh > 0 ? west_kwh_ / result_.energy_kwh : 0;
    result_.west_cost_share = result_.tenant_cost_cny > 0 ? west_cost_ / result_.tenant_cost_cny : 0;
    result_.east_data_jobs_to_west_share =
        east_data_jobs_ > 0 ? static_cast<double>(east_data_to_west_) / static_cast<double>(east_data_jobs_)
                            : 0;
    result_.makespan_h = now_ / 3600.0;
    for (size_t c = 0; c < busy_integral_.size(); ++c) {
      busy_integral_[c] += (now_ - last_change_[c]) * static_cast<double>(busy_by_center_[c]);
      result_.center_utilisation.push_back(now_ > 0 && total_by_center_[c] > 0
                                               ? busy_integral_[c] /
                                                     (now_ * static_cast<double>(total_by_center_[c]))
                                               : 0.0);
    }
    return std::move(result_);
  }

  const Registry& registry_;
  const SimOptions& o_;
  static constexpr size_t kMaxSamples = 20000;
  double sample_interval_s_ = o_.sample_interval_s;  // doubles each time the samples are thinned
  std::vector<Failure> failures_;  // scheduled ones first, then random ones as they are drawn
  std::mt19937_64 failure_rng_{o_.seed ^ 0x5DEECE66Dull};
  schedule::Scheduler core_;
  const placement::Snapshot& snapshot_;  // the core's
  schedule::Scheduler::PassResult pass_;
  EventQueue events_;
  double now_ = 0;
  double wake_at_ = std::numeric_limits<double>::infinity();  // the kWake event pushed, simulated seconds
  std::vector<SimJob> jobs_;                                  // by ticket
  std::vector<int64_t> busy_by_center_, total_by_center_, busy_by_hub_, total_by_hub_;
  std::vector<double> busy_integral_, last_change_;
  std::vector<float> delays_, jcts_;
  std::vector<std::pair<double, double>>
      tenant_sums_;                  // per core tenant: (sum of run h, sum of JCT h) of completed jobs
  std::vector<char> west_province_;  // per snapshot province: in a western hub
  double west_dh_ = 0, west_kwh_ = 0, west_cost_ = 0;
  int64_t east_data_jobs_ = 0, east_data_to_west_ = 0;
  SimResult result_;
};

}  // namespace

Result<SimResult> Simulate(const Registry& registry, JobSource& source, const SimOptions& options) {
  if (!(options.time_scale > 0)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("time-scale: must be > 0 (got {})", options.time_scale));
  }
  auto policy = placement::MakePolicy(options.policy, options.seed);
  if (!policy) return std::unexpected(policy.error());
  Engine engine(registry, options, std::move(*policy));
  return engine.Run(source);
}

}  // namespace zhisuan::sim
