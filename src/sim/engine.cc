#include "sim/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <random>

#include "sim/event_queue.h"
#include "schedule/slots.h"
#include "util/id_index.h"

namespace zhisuan::sim {
namespace {

using placement::Candidate;
using placement::CenterInfo;
using placement::PoolShare;

// A job in the system, from arrival to finish: its preparation and the few fields of its spec the engine
// reads. The spec itself is not kept (jobs are read into one reused TraceJob); the simulator never asks
// placement for explanations, so the PreparedJob has no spec to point at. Slots are reused with their
// storage.
struct JobSlot {
  placement::PreparedJob prepared;
  double deadline_h = std::numeric_limits<double>::infinity();  // after arrival, from the spec
  bool has_slo = false;
  double arrival_s = 0;  // on the simulated clock (the trace's arrival over the time scale)
  uint32_t tenant = 0;   // interned
  int priority = 0;      // the spec's, next to the other fields the queues read
  int moved = 0;
};

// A started job: its placement and, copied from its JobSlot at the start, what its finish needs (so a finish
// does not touch the job's larger slot).
struct Running {
  uint32_t job = 0;  // slot
  uint32_t tenant = 0;
  Candidate c;
  double arrival_s = 0;
  double start_s = 0;
  double finish_s = 0;
  double deadline_h = std::numeric_limits<double>::infinity();  // after arrival, from the spec
  bool east_data = false;   // the job's data lives outside the western hubs (or nowhere named)
  uint32_t generation = 0;  // bumped on reuse, so a stale finish event is recognised
  bool live = false;
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
  Engine(const Registry& registry, const SimOptions& o)
      : registry_(registry), o_(o), snapshot_(placement::Snapshot::Build(registry)), empty_(snapshot_) {
    popts_.objective = o.objective;
    popts_.top_k = 1;
    popts_.explain = false;
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
    waiting_on_pool_.resize(snapshot_.pools().size());
    for (const auto& p : snapshot_.pools()) {
      total_by_center_[p.center] += p.devices;
      total_by_hub_[HubSlot(p.center)] += p.devices;
    }
  }

  Result<SimResult> Run(JobSource& source) {
    auto policy = placement::MakePolicy(o_.policy, o_.seed);
    if (!policy) return std::unexpected(policy.error());
    policy_ = std::move(*policy);
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
        Advance(t);
        ++result_.events;
        Arrive(incoming.job, t);
        PrefetchNextSlot();  // while the source reads the next job
        next = source.Next(incoming);
        continue;
      }
      if (!have_event) break;
      const Event e = events_.Pop();
      PrefetchNextRun();  // the next event's running job, while this one is handled
      // Samples and random failures repeat forever: once the trace is done and the network idle, they stop.
      const bool repeating =
          e.kind == EventKind::kSample || (e.kind != EventKind::kFinish && e.ref >= o_.failures.size());
      if (repeating && !next && running_count_ == 0 && pending_count_ == 0) continue;
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

  // Slots are reused last-freed first and were last touched when their job started, hours of simulated time
  // earlier: fetching them ahead hides most of that miss.
  void PrefetchNextSlot() const {
    if (const JobSlot* slot = jobs_.Next()) {
      __builtin_prefetch(&slot->prepared, 1);
      __builtin_prefetch(slot->prepared.models.data(), 1);
      __builtin_prefetch(slot->prepared.model_slot.data(), 1);
    }
  }
  void PrefetchNextRun() const {
    if (events_.empty() || events_.top().kind != EventKind::kFinish) return;
    const Running& run = running_[static_cast<uint32_t>(events_.top().ref & 0xffffffffu)];
    __builtin_prefetch(&run);
    __builtin_prefetch(reinterpret_cast<const char*>(&run) + 64);
    __builtin_prefetch(reinterpret_cast<const char*>(&run) + 128);
  }

  void Advance(double t) { now_ = std::max(now_, t); }

  // Busy devices of a center change: integrate the old count up to now first (for the mean busy share).
  void ChangeBusy(uint32_t center, int64_t delta) {
    busy_integral_[center] += (now_ - last_change_[center]) * static_cast<double>(busy_by_center_[center]);
    last_change_[center] = now_;
    busy_by_center_[center] += delta;
    busy_by_hub_[HubSlot(center)] += delta;
  }

  // A slot for `job`, arriving at `t`, prepared against the snapshot; nullopt (counted) when it cannot be.
  std::optional<uint32_t> Admit(const Job& job, double t) {
    const uint32_t id = jobs_.Acquire();
    JobSlot& slot = jobs_[id];
    if (!placement::Prepare(snapshot_, job, o_.start_epoch_s + t, slot.prepared)) {
      ++result_.unplaceable;  // e.g. a reference device without a peak at the job's precision
      DropJob(id);
      return std::nullopt;
    }
    slot.prepared.job = nullptr;  // `job` is the reader's, and is overwritten by the next one
    slot.arrival_s = t;
    slot.priority = job.priority;
    slot.deadline_h = job.deadline_h.value_or(std::numeric_limits<double>::infinity());
    slot.has_slo = job.latency_slo_ms.has_value();
    slot.moved = 0;
    int32_t tenant = tenant_ids_.Find(job.tenant);
    if (tenant < 0) {
      tenant = static_cast<int32_t>(tenant_names_.size());
      tenant_ids_.Add(job.tenant, tenant);
      tenant_names_.push_back(job.tenant);
      tenant_sums_.emplace_back(0.0, 0.0);
    }
    slot.tenant = static_cast<uint32_t>(tenant);
    return id;
  }

  // The slot keeps its storage for the next job.
  void DropJob(uint32_t id) { jobs_.Release(id); }

  void Arrive(const Job& job, double t) {
    ++result_.jobs;
    if (job.latency_slo_ms) ++result_.slo_jobs;
    const std::optional<uint32_t> admitted = Admit(job, t);
    if (!admitted) return;
    const uint32_t id = *admitted;
    int32_t wait_pool = placement::kNone;
    if (TryStart(id, &wait_pool)) return;
    // A job no pool could ever take, even with the whole network free, is rejected rather than queued
    // forever.
    popts_.now_s = o_.start_epoch_s + t;
    if (wait_pool == placement::kNone && !policy_->Choose(empty_, jobs_[id].prepared, popts_)) {
      ++result_.unplaceable;
      if (jobs_[id].has_slo) ++result_.slo_misses;
      DropJob(id);
      return;
    }
    Enqueue(id, wait_pool);
  }

  // Highest priority first, then arrival order.
  template <typename List>
  void InsertByPriority(List& list, uint32_t id) {
    const int priority = jobs_[id].priority;
    if (list.empty() || jobs_[list.back()].priority >= priority) {
      list.push_back(id);  // the common case: no priorities, arrival order
      return;
    }
    list.insert(std::upper_bound(list.begin(), list.end(), priority,
                                 [&](int p, uint32_t j) { return p > jobs_[j].priority; }),
                id);
  }

  // Starts the job if a candidate can start now. Otherwise it waits: on the busy pool the policy chose (it is
  // retried when that pool frees devices), or, with no candidate at all, in the general pending list.
  void Schedule(uint32_t id) {
    int32_t wait_pool = placement::kNone;
    if (!TryStart(id, &wait_pool)) Enqueue(id, wait_pool);
  }

  void Enqueue(uint32_t id, int32_t wait_pool) {
    ++pending_count_;
    if (wait_pool != placement::kNone) {
      InsertByPriority(waiting_on_pool_[static_cast<size_t>(wait_pool)], id);
      snapshot_.Queue(static_cast<uint32_t>(wait_pool), jobs_[id].prepared.devices);
      return;
    }
    InsertByPriority(pending_, id);
  }

  // Retries the jobs waiting on `pool` in queue order after it freed devices, stopping at the first that
  // still has to wait for it: the queue is first-come first-served per pool, and a release costs O(started +
  // 1).
  void RetryPool(uint32_t pool) {
    std::deque<uint32_t>& waiting = waiting_on_pool_[pool];
    size_t done = 0;
    while (done < waiting.size()) {
      const uint32_t id = waiting[done];
      const int64_t devices = jobs_[id].prepared.devices;
      // The head is first in line: while it is re-placed, nothing queued on this pool is ahead of it (the
      // jobs behind it, and its own devices, do not delay its start here).
      const int64_t queued = snapshot_.pools()[pool].queued_devices;
      snapshot_.Queue(pool, -queued);
      int32_t wait_pool = placement::kNone;
      const bool started = TryStart(id, &wait_pool);
      snapshot_.Queue(pool, queued - devices);
      if (started) {
        ++done;
        --pending_count_;
        continue;
      }
      if (wait_pool == static_cast<int32_t>(pool)) {  // still this pool's head: the rest wait behind it
        snapshot_.Queue(pool, devices);
        break;
      }
      ++done;  // it now prefers another pool, or has no candidate: queue it there
      --pending_count_;
      moved_queue_.push_back({id, wait_pool});
    }
    waiting.erase(waiting.begin(), waiting.begin() + static_cast<std::ptrdiff_t>(done));
    for (const auto& [id, wait_pool] : moved_queue_) Enqueue(id, wait_pool);
    moved_queue_.clear();
  }

  bool TryStart(uint32_t id, int32_t* wait_pool = nullptr) {
    popts_.now_s = o_.start_epoch_s + now_;
    placement::PreparedJob& prepared = jobs_[id].prepared;
    std::optional<Candidate> chosen = policy_->Choose(snapshot_, prepared, popts_);
    if (!chosen && std::isfinite(prepared.deadline_at_s)) {
      // Once waiting has made the deadline unreachable anywhere, the job runs best-effort; its miss is
      // counted.
      double fastest_h = std::numeric_limits<double>::infinity();
      for (const placement::JobModel& m : prepared.models) fastest_h = std::min(fastest_h, m.run_h);
      if (popts_.now_s + fastest_h * 3600.0 > prepared.deadline_at_s) {
        prepared.deadline_at_s = std::numeric_limits<double>::infinity();
        chosen = policy_->Choose(snapshot_, prepared, popts_);
      }
    }
    if (!chosen) return false;
    if (chosen->start_h > 0) {  // the policy prefers to wait for a busy pool
      if (wait_pool) *wait_pool = static_cast<int32_t>(chosen->pool);
      return false;
    }
    Start(id, *chosen);
    return true;
  }

  void Start(uint32_t id, const Candidate& c) {
    const double finish = now_ + c.finish_h * 3600.0;
    const uint32_t r = running_.Acquire();
    Running& run = running_[r];
    const JobSlot& w = jobs_[id];
    run.job = id;
    run.tenant = w.tenant;
    run.c = c;
    run.arrival_s = w.arrival_s;
    run.start_s = now_;
    run.finish_s = finish;
    run.deadline_h = w.deadline_h;
    const int32_t data = w.prepared.data_province;
    run.east_data = data == placement::kNone || !west_province_[static_cast<size_t>(data)];
    run.live = true;
    ++running_count_;
    ForShares(c, [&](uint32_t pool, int64_t devices) {
      snapshot_.Allocate(pool, devices, o_.start_epoch_s + finish);
      ChangeBusy(snapshot_.pools()[pool].center, devices);
    });
    Push(finish, EventKind::kFinish, (static_cast<uint64_t>(run.generation) << 32) | r);
  }

  template <typename F>
  static void ForShares(const Candidate& c, F f) {
    if (c.split.empty()) {
      f(c.pool, c.devices);
    } else {
      for (const PoolShare& s : c.split) f(s.pool, s.devices);
    }
  }

  // Gives the run's devices back and frees its slot.
  void Release(uint32_t r) {
    Running& run = running_[r];
    ForShares(run.c, [&](uint32_t pool, int64_t devices) {
      snapshot_.Free(pool, devices, o_.start_epoch_s + run.finish_s);
      ChangeBusy(snapshot_.pools()[pool].center, -devices);
    });
    run.live = false;
    ++run.generation;
    running_.Release(r);
    --running_count_;
  }

  void Finish(uint64_t ref) {
    const uint32_t r = static_cast<uint32_t>(ref & 0xffffffffu);
    if (!running_[r].live || running_[r].generation != static_cast<uint32_t>(ref >> 32))
      return;  // killed earlier
    const Running& run = running_[r];
    const Candidate& c = run.c;
    ++result_.completed;
    freed_pools_.clear();
    ForShares(c, [&](uint32_t pool, int64_t) { freed_pools_.push_back(pool); });
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
    auto& [run_sum, jct_sum] = tenant_sums_[run.tenant];
    run_sum += c.run_h;
    jct_sum += std::max(jct_h, 1e-12);
    DropJob(run.job);
    Release(r);  // last: `run` refers to the slot
    for (uint32_t pool : freed_pools_) RetryPool(pool);
    RetryPending();
  }

  bool IsWest(uint32_t center) const {
    const int32_t h = snapshot_.centers()[center].hub;
    return h != placement::kNone && registry_.hubs()[static_cast<size_t>(h)].west;
  }

  // Retries jobs that had no candidate at all, highest priority first: at most max_pending_tries of them, and
  // no further after 8 in a row still find none (the capacity that freed is taken).
  void RetryPending() {
    size_t i = 0;
    int tries = 0, misses = 0;
    while (i < pending_.size() && tries < o_.max_pending_tries && misses < 8) {
      const uint32_t id = pending_[i];
      ++tries;
      int32_t wait_pool = placement::kNone;
      if (TryStart(id, &wait_pool)) {
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
        --pending_count_;
        misses = 0;
      } else if (wait_pool != placement::kNone) {
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
        --pending_count_;
        Enqueue(id, wait_pool);
        misses = 0;
      } else {
        ++i;
        ++misses;
      }
    }
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
    snapshot_.SetCenterState(center, CenterState::kDown);
    for (uint32_t r = 0; r < running_.size(); ++r) {
      const Running& run = running_[r];
      if (!run.live || run.c.center != center) continue;
      // The work done so far is lost and paid for; the job goes back to the queue.
      const double fraction = (now_ - run.start_s) / std::max(1e-9, run.finish_s - run.start_s);
      result_.price_cny += run.c.price_cny * fraction;
      result_.energy_kwh += run.c.energy_kwh * fraction;
      result_.energy_cny += run.c.energy_cny * fraction;
      result_.carbon_t += run.c.carbon_kg * fraction / 1000.0;
      const uint32_t job = run.job;
      Release(r);
      ++result_.moved_by_failures;
      ++jobs_[job].moved;
      moved_.push_back(job);
    }
    // Jobs waiting on the failed center's pools, and the moved ones, look for a place again.
    const CenterInfo& info = snapshot_.centers()[center];
    for (uint32_t p = info.first_pool; p < info.first_pool + info.pool_count; ++p) RetryPool(p);
    for (uint32_t job : moved_) Schedule(job);
    moved_.clear();
    if (std::isfinite(failure.duration_s)) Push(now_ + failure.duration_s, EventKind::kCenterUp, f);
  }

  void Up(uint64_t f) {
    const uint32_t center = static_cast<uint32_t>(snapshot_.CenterIndex(failures_[f].center));
    snapshot_.SetCenterState(center, CenterState::kUp);
    if (f >= o_.failures.size()) ScheduleRandomFailure(failures_[f].center, now_);
    const CenterInfo& info = snapshot_.centers()[center];
    for (uint32_t p = info.first_pool; p < info.first_pool + info.pool_count; ++p) RetryPool(p);
    RetryPending();
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
    s.running = running_count_;
    s.pending = pending_count_;
    result_.samples.push_back(std::move(s));
    Push(now_ + o_.sample_interval_s, EventKind::kSample, 0);
  }

  Result<SimResult> Finalise() {
    result_.policy = o_.policy;
    result_.pending_at_end = pending_count_;
    result_.tenant_cost_cny = result_.price_cny + result_.transfer_fee_cny;
    result_.queue_delay_h = Summarise(delays_);
    result_.jct_h = Summarise(jcts_);
    // Summed in tenant-name order, so the figure does not depend on the order tenants first arrived in.
    std::vector<std::pair<std::string_view, uint32_t>> tenants;
    for (uint32_t t = 0; t < tenant_names_.size(); ++t) tenants.emplace_back(tenant_names_[t], t);
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
  std::vector<Failure> failures_;  // scheduled ones first, then random ones as they are drawn
  std::mt19937_64 failure_rng_{o_.seed ^ 0x5DEECE66Dull};
  placement::Snapshot snapshot_;
  const placement::Snapshot empty_;  // the network with every device free: the unplaceable test
  placement::PlaceOptions popts_;
  std::unique_ptr<placement::Policy> policy_;
  EventQueue events_;
  double now_ = 0;
  Slots<JobSlot> jobs_;
  Slots<Running> running_;
  int64_t running_count_ = 0;
  std::vector<uint32_t> pending_;                      // jobs with no candidate now
  std::vector<std::deque<uint32_t>> waiting_on_pool_;  // jobs waiting for a busy pool the policy chose
  int64_t pending_count_ = 0;                          // both kinds
  std::vector<uint32_t> freed_pools_, moved_;
  std::vector<std::pair<uint32_t, int32_t>> moved_queue_;
  std::vector<int64_t> busy_by_center_, total_by_center_, busy_by_hub_, total_by_hub_;
  std::vector<double> busy_integral_, last_change_;
  std::vector<float> delays_, jcts_;
  IdIndex tenant_ids_;
  std::vector<std::string> tenant_names_;
  std::vector<std::pair<double, double>>
      tenant_sums_;                  // per tenant: (sum of run h, sum of JCT h) of completed jobs
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
  Engine engine(registry, options);
  return engine.Run(source);
}

}  // namespace zhisuan::sim
