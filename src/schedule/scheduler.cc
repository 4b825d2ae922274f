#include "schedule/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace zhisuan::schedule {

using placement::Candidate;
using placement::kNone;
using placement::PoolShare;

namespace {

template <typename F>
void ForShares(const Candidate& c, F f) {
  if (c.split.empty()) {
    f(c.pool, c.devices);
  } else {
    for (const PoolShare& s : c.split) f(s.pool, s.devices);
  }
}

}  // namespace

bool Scheduler::Waits(Where w) {
  return w == Where::kArriving || w == Where::kPool || w == Where::kPending || w == Where::kQuota ||
         w == Where::kHeld;
}

Scheduler::Scheduler(placement::Snapshot snapshot, std::unique_ptr<placement::Policy> policy,
                     SchedulerOptions options)
    : snapshot_(std::move(snapshot)), empty_(snapshot_), policy_(std::move(policy)), options_(options) {
  place_.objective = options_.objective;
  place_.top_k = 1;
  place_.explain = false;
  for (uint32_t p = 0; p < empty_.pools().size(); ++p) empty_.SetPoolState(p, empty_.pools()[p].devices, {});
  for (uint32_t c = 0; c < empty_.centers().size(); ++c) empty_.SetCenterState(c, CenterState::kUp);
  pool_queue_.resize(snapshot_.pools().size());
  pool_dirty_.assign(snapshot_.pools().size(), 0);
}

uint32_t Scheduler::Tenant(std::string_view name) {
  int32_t t = tenant_ids_.Find(name);
  if (t >= 0) return static_cast<uint32_t>(t);
  t = static_cast<int32_t>(tenant_names_.size());
  tenant_ids_.Add(name, t);
  tenant_names_.emplace_back(name);
  quota_wait_.emplace_back();
  const size_t models = snapshot_.accelerators().size();
  held_.resize(held_.size() + models, 0);
  quota_.resize(quota_.size() + models, -1);
  min_domestic_.push_back(0);
  return static_cast<uint32_t>(t);
}

int64_t& Scheduler::Held(uint32_t tenant, uint32_t accelerator) {
  return held_[static_cast<size_t>(tenant) * snapshot_.accelerators().size() + accelerator];
}

int64_t Scheduler::held(uint32_t tenant, uint32_t accelerator) const {
  return held_[static_cast<size_t>(tenant) * snapshot_.accelerators().size() + accelerator];
}

int64_t Scheduler::Quota(uint32_t tenant, uint32_t accelerator) const {
  return quota_[static_cast<size_t>(tenant) * snapshot_.accelerators().size() + accelerator];
}

void Scheduler::SetQuota(uint32_t tenant, uint32_t accelerator, int64_t max) {
  int64_t& q = quota_[static_cast<size_t>(tenant) * snapshot_.accelerators().size() + accelerator];
  if (q == max) return;
  q = max;
  any_quota_ = std::ranges::any_of(quota_, [](int64_t v) { return v >= 0; });
  dirty_tenants_.push_back(tenant);
}

void Scheduler::ClearQuotas() {
  const size_t models = snapshot_.accelerators().size();
  for (size_t i = 0; i < quota_.size(); ++i) {
    if (quota_[i] < 0) continue;
    quota_[i] = -1;
    dirty_tenants_.push_back(static_cast<uint32_t>(i / models));
  }
  any_quota_ = false;
}

void Scheduler::SetMinDomesticShare(uint32_t tenant, double share) {
  if (min_domestic_[tenant] == share) return;
  min_domestic_[tenant] = share;
  any_min_domestic_ = std::ranges::any_of(min_domestic_, [](double v) { return v > 0; });
  dirty_tenants_.push_back(tenant);
}

bool Scheduler::KeepsDomesticShare(uint32_t tenant, const Candidate& c, int64_t* domestic, int64_t* total) {
  int64_t dom = 0, all = 0, add_dom = 0, add_all = 0;
  const size_t models = snapshot_.accelerators().size();
  for (size_t a = 0; a < models; ++a) {
    const int64_t h = held_[static_cast<size_t>(tenant) * models + a];
    all += h;
    if (snapshot_.accelerators()[a].domestic) dom += h;
  }
  ForShares(c, [&](uint32_t pool, int64_t devices) {
    add_all += devices;
    if (snapshot_.accelerators()[snapshot_.pools()[pool].accelerator].domestic) add_dom += devices;
  });
  if (domestic != nullptr) *domestic = dom;
  if (total != nullptr) *total = all;
  if (add_dom == add_all) return true;  // all domestic: the share can only rise
  return static_cast<double>(dom + add_dom) >= min_domestic_[tenant] * static_cast<double>(all + add_all);
}

// The policy's choice among the job's domestic models only (its other models put back afterwards).
std::optional<Candidate> Scheduler::ChooseDomestic(Slot& s, double now_s) {
  placement::PreparedJob& p = s.spec.prepared;
  std::vector<placement::JobModel> all = p.models;
  const std::vector<int32_t> slots = p.model_slot;
  p.models.clear();
  for (const placement::JobModel& m : all) {
    if (snapshot_.accelerators()[m.accelerator].domestic) {
      p.model_slot[m.accelerator] = static_cast<int32_t>(p.models.size());
      p.models.push_back(m);
    } else {
      p.model_slot[m.accelerator] = kNone;
    }
  }
  std::optional<Candidate> chosen;
  if (!p.models.empty()) chosen = Choose(s, snapshot_, now_s);
  p.models = std::move(all);
  p.model_slot = slots;
  return chosen;
}

Ticket Scheduler::NewJob() {
  const Ticket t = slots_.Acquire();
  Slot& s = slots_[t];
  s.spec.closed.clear();
  s.spec.priority = 0;
  s.spec.tag = 0;
  s.candidate.split.clear();
  s.requeued = false;
  s.pool = kNone;
  s.where = Where::kNew;
  return t;
}

void Scheduler::Discard(Ticket t) {
  slots_[t].where = Where::kFree;
  slots_.Release(t);
}

void Scheduler::Submit(Ticket t) {
  slots_[t].tenant = slots_[t].spec.tenant;
  slots_[t].where = Where::kArriving;
  arriving_.push_back(t);
  ++waiting_;
}

void Scheduler::Adopt(Ticket t, Candidate running, double release_at_s) {
  Slot& s = slots_[t];
  s.tenant = s.spec.tenant;
  s.candidate = std::move(running);
  s.release_at_s = release_at_s;
  s.where = Where::kRunning;
  ++running_;
  ForShares(s.candidate, [&](uint32_t pool, int64_t devices) {
    snapshot_.Allocate(pool, devices, release_at_s);
    Held(s.spec.tenant, snapshot_.pools()[pool].accelerator) += devices;
  });
}

void Scheduler::End(Ticket t) {
  Slot& s = slots_[t];
  if (s.where == Where::kRunning) {
    Release(t);
    --running_;
    retry_pending_ = true;
  } else if (Waits(s.where)) {
    Unqueue(t);
    --waiting_;
  }
  s.where = Where::kFree;
  slots_.Release(t);
}

void Scheduler::Requeue(Ticket t, int32_t exclude) {
  Slot& s = slots_[t];
  if (s.where == Where::kRunning) {
    Release(t);
    --running_;
    if (snapshot_.centers()[s.candidate.center].state == CenterState::kUp) retry_pending_ = true;
  } else if (Waits(s.where)) {
    Unqueue(t);
    --waiting_;
  }
  if (exclude != kNone &&
      std::ranges::find(s.spec.closed, static_cast<uint32_t>(exclude)) == s.spec.closed.end())
    s.spec.closed.push_back(static_cast<uint32_t>(exclude));
  s.requeued = true;
  s.where = Where::kArriving;
  arriving_.push_back(t);
  ++waiting_;
}

void Scheduler::Release(Ticket t) {
  Slot& s = slots_[t];
  ForShares(s.candidate, [&](uint32_t pool, int64_t devices) {
    snapshot_.Free(pool, devices, s.release_at_s);
    Held(s.tenant, snapshot_.pools()[pool].accelerator) -= devices;
    MarkPool(pool);
  });
  if (!quota_wait_[s.tenant].empty()) dirty_tenants_.push_back(s.tenant);
}

void Scheduler::MarkPool(uint32_t pool) {
  if (pool_dirty_[pool]) return;
  pool_dirty_[pool] = 1;
  dirty_pools_.push_back(pool);
}

void Scheduler::SetCenterState(uint32_t center, CenterState state) {
  const CenterState was = snapshot_.centers()[center].state;
  if (was == state) return;
  snapshot_.SetCenterState(center, state);
  const placement::CenterInfo& c = snapshot_.centers()[center];
  for (uint32_t p = c.first_pool; p < c.first_pool + c.pool_count; ++p) MarkPool(p);
  if (state == CenterState::kUp) retry_pending_ = true;
}

// Highest priority first, then arrival order.
template <typename List>
void Scheduler::InsertByPriority(List& list, Ticket t) {
  const int priority = slots_[t].spec.priority;
  if (list.empty() || slots_[list.back()].spec.priority >= priority) {
    list.push_back(t);  // the common case: no priorities, arrival order
    return;
  }
  list.insert(std::upper_bound(list.begin(), list.end(), priority,
                               [&](int p, Ticket j) { return p > slots_[j].spec.priority; }),
              t);
}

void Scheduler::Enqueue(Ticket t, Outcome outcome) {
  Slot& s = slots_[t];
  switch (outcome) {
    case Outcome::kQueued:
      s.where = Where::kPool;
      InsertByPriority(pool_queue_[static_cast<size_t>(s.pool)], t);
      snapshot_.Queue(static_cast<uint32_t>(s.pool), s.spec.prepared.devices);
      return;
    case Outcome::kQuota:
      s.where = Where::kQuota;
      InsertByPriority(quota_wait_[s.spec.tenant], t);
      return;
    case Outcome::kNoCandidate:
      s.where = Where::kPending;
      InsertByPriority(pending_, t);
      return;
    case Outcome::kHeld:
      s.where = Where::kHeld;
      due_.emplace_back(s.release_at_s, t);
      std::ranges::push_heap(due_, std::greater<>{});
      ++held_count_;
      return;
    case Outcome::kStarted:
      return;
  }
}

void Scheduler::Unqueue(Ticket t) {
  Slot& s = slots_[t];
  auto drop = [t](auto& list) {
    if (auto it = std::ranges::find(list, t); it != list.end()) list.erase(it);
  };
  switch (s.where) {
    case Where::kPool:
      drop(pool_queue_[static_cast<size_t>(s.pool)]);
      snapshot_.Queue(static_cast<uint32_t>(s.pool), -s.spec.prepared.devices);
      break;
    case Where::kPending:
      drop(pending_);
      break;
    case Where::kQuota:
      drop(quota_wait_[s.spec.tenant]);
      break;
    case Where::kArriving:
      drop(arriving_);
      break;
    case Where::kHeld:
      --held_count_;  // its heap entry goes stale
      break;
    default:
      break;
  }
  s.pool = kNone;
}

double Scheduler::next_wake_s() const {
  auto live = [&](const std::pair<double, Ticket>& e) {
    return slots_[e.second].where == Where::kHeld && slots_[e.second].release_at_s == e.first;
  };
  if (held_count_ == 0) return std::numeric_limits<double>::infinity();
  if (live(due_.front())) return due_.front().first;
  // A stale top (a held job was ended): the earliest live entry; stale ones are popped at their time.
  double first = std::numeric_limits<double>::infinity();
  for (const auto& e : due_) {
    if (live(e)) first = std::min(first, e.first);
  }
  return first;
}

// Held jobs whose time has come are placed again, as arrivals are: at their time the cheaper period is now,
// so they start (or wait like any job when their devices were taken meanwhile).
void Scheduler::WakeHeld(double now_s, PassResult& out) {
  while (!due_.empty() && due_.front().first <= now_s) {
    const auto [due, t] = due_.front();
    std::ranges::pop_heap(due_, std::greater<>{});
    due_.pop_back();
    Slot& s = slots_[t];
    if (s.where != Where::kHeld || s.release_at_s != due) continue;  // stale
    --held_count_;
    s.where = Where::kArriving;  // out of every list while it is tried
    const Outcome o = TryStart(t, now_s);
    Settle(t, o, out);
  }
}

// Runs `f` on `on` with the job's closed centers down, and puts their states back.
template <typename F>
auto Scheduler::WithClosed(const Slot& s, placement::Snapshot& on, F f) {
  if (s.spec.closed.empty()) return f();
  std::vector<CenterState> was;
  was.reserve(s.spec.closed.size());
  for (uint32_t c : s.spec.closed) {
    was.push_back(on.centers()[c].state);
    on.SetCenterState(c, CenterState::kDown);
  }
  auto result = f();
  for (size_t i = s.spec.closed.size(); i-- > 0;) on.SetCenterState(s.spec.closed[i], was[i]);
  return result;
}

// The policy's choice for the job on `on`, with the job's closed centers out of reach.
std::optional<Candidate> Scheduler::Choose(Slot& s, placement::Snapshot& on, double now_s) {
  place_.now_s = now_s;
  return WithClosed(s, on, [&] { return policy_->Choose(on, s.spec.prepared, place_); });
}

Scheduler::Outcome Scheduler::TryStart(Ticket t, double now_s) {
  Slot& s = slots_[t];
  placement::PreparedJob& prepared = s.spec.prepared;
  std::optional<Candidate> chosen = Choose(s, snapshot_, now_s);
  if (!chosen && std::isfinite(prepared.deadline_at_s)) {
    // Once waiting has made the deadline unreachable anywhere, the job runs best effort (its miss shows).
    double fastest_h = std::numeric_limits<double>::infinity();
    for (const placement::JobModel& m : prepared.models) fastest_h = std::min(fastest_h, m.run_h);
    if (now_s + fastest_h * 3600.0 > prepared.deadline_at_s) {
      prepared.deadline_at_s = std::numeric_limits<double>::infinity();
      chosen = Choose(s, snapshot_, now_s);
    }
  }
  if (!chosen) return Outcome::kNoCandidate;
  s.share_wait = false;
  s.share_forced = false;
  if (any_min_domestic_ && min_domestic_[s.spec.tenant] > 0 &&
      !KeepsDomesticShare(s.spec.tenant, *chosen, nullptr, nullptr)) {
    // A foreign start would take the tenant under its domestic share: domestic accelerators only, or wait for
    // the tenant (its share rises as its foreign jobs end).
    std::optional<Candidate> domestic = ChooseDomestic(s, now_s);
    if (!domestic) {
      s.candidate = std::move(*chosen);
      s.share_wait = true;
      return Outcome::kQuota;
    }
    chosen = std::move(domestic);
    s.share_forced = true;
  }
  if (any_quota_) {
    // Over its quota a job waits for its tenant, not in a pool's queue (where it would hold others back).
    const int64_t quota = Quota(s.spec.tenant, chosen->accelerator);
    if (quota >= 0 && Held(s.spec.tenant, chosen->accelerator) + chosen->devices > quota) {
      s.candidate = std::move(*chosen);
      return Outcome::kQuota;
    }
  }
  if (chosen->shift_h > 0) {  // devices are free, but a later start costs less (time shifting)
    s.release_at_s = now_s + chosen->shift_h * 3600.0;
    s.candidate = std::move(*chosen);
    return Outcome::kHeld;
  }
  if (chosen->start_h > 0) {  // the policy prefers to wait for a busy pool
    s.pool = static_cast<int32_t>(chosen->pool);
    s.expected_start_h = static_cast<float>(chosen->start_h);
    return Outcome::kQueued;
  }
  s.candidate = std::move(*chosen);
  Start(t, now_s);
  return Outcome::kStarted;
}

void Scheduler::Start(Ticket t, double now_s) {
  Slot& s = slots_[t];
  s.release_at_s = now_s + s.candidate.finish_h * 3600.0;
  s.where = Where::kRunning;
  s.pool = kNone;
  ++running_;
  ForShares(s.candidate, [&](uint32_t pool, int64_t devices) {
    snapshot_.Allocate(pool, devices, s.release_at_s);
    Held(s.tenant, snapshot_.pools()[pool].accelerator) += devices;
  });
  // A start can raise the tenant's domestic share: its jobs waiting on the share are tried again.
  if (any_min_domestic_ && min_domestic_[s.tenant] > 0 && !quota_wait_[s.tenant].empty())
    dirty_tenants_.push_back(s.tenant);
}

// A job TryStart did not leave where it was: counted as started, or waiting where `o` says.
void Scheduler::Settle(Ticket t, Outcome o, PassResult& out) {
  if (o == Outcome::kStarted) {
    --waiting_;
    out.starts.push_back(t);
    return;
  }
  Enqueue(t, o);
  out.waits.push_back(t);
}

// Retries the jobs waiting on `pool` in queue order, stopping at the first that still has to wait for it: the
// queue is first come first served per pool, and a release costs O(started + 1).
void Scheduler::RetryPool(uint32_t pool, double now_s, PassResult& out) {
  std::deque<Ticket>& queue = pool_queue_[pool];
  size_t done = 0;
  while (done < queue.size()) {
    const Ticket t = queue[done];
    const int64_t devices = slots_[t].spec.prepared.devices;
    // The head is first in line: while it is re-placed, nothing queued on this pool is ahead of it.
    const int64_t queued = snapshot_.pools()[pool].queued_devices;
    snapshot_.Queue(pool, -queued);
    slots_[t].pool = kNone;
    const Outcome o = TryStart(t, now_s);
    snapshot_.Queue(pool, queued - devices);
    if (o == Outcome::kStarted) {
      ++done;
      --waiting_;
      out.starts.push_back(t);
      continue;
    }
    if (o == Outcome::kQueued && slots_[t].pool == static_cast<int32_t>(pool)) {
      snapshot_.Queue(pool, devices);  // still this pool's head: the rest wait behind it
      out.waits.push_back(t);
      break;
    }
    ++done;  // it now prefers another pool, has no candidate, or meets its quota: it waits there
    moved_.emplace_back(t, o);
  }
  queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(done));
  for (const auto& [t, o] : moved_) Settle(t, o, out);  // none started: they wait elsewhere
  moved_.clear();
}

// Retries jobs that had no candidate at all, highest priority first: at most max_pending_tries of them, and
// no further after max_pending_misses in a row still find none (the capacity that freed is taken).
void Scheduler::RetryPending(double now_s, PassResult& out) {
  size_t i = 0;
  int tries = 0, misses = 0;
  while (i < pending_.size() && tries < options_.max_pending_tries && misses < options_.max_pending_misses) {
    const Ticket t = pending_[i];
    ++tries;
    const Outcome o = TryStart(t, now_s);
    if (o == Outcome::kNoCandidate) {
      ++i;
      ++misses;
      out.waits.push_back(t);
      continue;
    }
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    misses = 0;
    Settle(t, o, out);
  }
}

void Scheduler::RetryQuota(uint32_t tenant, double now_s, PassResult& out) {
  std::vector<Ticket> waiting;
  waiting.swap(quota_wait_[tenant]);
  for (Ticket t : waiting) Settle(t, TryStart(t, now_s), out);
}

void Scheduler::Pass(double now_s, PassResult& out) {
  out.starts.clear();
  out.waits.clear();
  out.never.clear();
  // Pools that freed devices or changed state first: their queues were there before any arrival.
  std::vector<uint32_t> pools;
  pools.swap(dirty_pools_);
  for (uint32_t p : pools) {
    pool_dirty_[p] = 0;
    RetryPool(p, now_s, out);
  }
  pools.clear();
  if (dirty_pools_.empty()) dirty_pools_.swap(pools);  // keep the storage
  if (!due_.empty()) WakeHeld(now_s, out);
  if (!arriving_.empty()) {
    std::vector<Ticket> arrivals;
    arrivals.swap(arriving_);
    if (arrivals.size() > 1) {
      std::ranges::stable_sort(arrivals, [&](Ticket a, Ticket b) {
        const JobSpec &x = slots_[a].spec, &y = slots_[b].spec;
        if (x.priority != y.priority) return x.priority > y.priority;
        return x.submitted_s < y.submitted_s;
      });
    }
    for (Ticket t : arrivals) {
      Slot& s = slots_[t];
      const Outcome o = TryStart(t, now_s);
      // A new job no pool could ever take, even with the whole network free, is not queued forever.
      if (o == Outcome::kNoCandidate && !s.requeued && !Choose(s, empty_, now_s)) {
        --waiting_;
        s.where = Where::kNever;  // out of every list; the caller Ends it
        out.never.push_back(t);
        continue;
      }
      Settle(t, o, out);
    }
    arrivals.clear();
    if (arriving_.empty()) arriving_.swap(arrivals);
  }
  if (!dirty_tenants_.empty()) {
    std::vector<uint32_t> tenants;
    tenants.swap(dirty_tenants_);
    std::ranges::sort(tenants);
    tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
    for (uint32_t tenant : tenants) RetryQuota(tenant, now_s, out);
  }
  if (retry_pending_) {
    retry_pending_ = false;
    RetryPending(now_s, out);
  }
}

// Why no center takes the job on `on`: placement again, with reasons.
void Scheduler::ExplainNoCandidate(Slot& s, placement::Snapshot& on, double now_s, Explanation& e) {
  placement::PlaceOptions o = place_;
  o.explain = true;
  o.now_s = now_s;
  const placement::Decision d = WithClosed(s, on, [&] { return policy_->Place(on, s.spec.prepared, o); });
  // The telling reason: one that is not the job's own residency or model choice ruling a center out, nor
  // capacity that is not in service.
  const placement::Rejection* telling = d.rejections.empty() ? nullptr : &d.rejections.front();
  for (const placement::Rejection& r : d.rejections) {
    if (!placement::NotWhatItWaitsFor(r.code)) {
      telling = &r;
      break;
    }
  }
  e.code = telling == nullptr ? "no_center" : std::string(placement::Name(telling->code));
  e.reason = telling == nullptr ? "no center can run it now"
                                : fmt::format("no center can run it now; e.g. {}: {}",
                                              on.centers()[telling->center].id, telling->reason);
  if (telling == nullptr && !s.spec.prepared.no_model_reason.empty())
    e.reason += ": " + s.spec.prepared.no_model_reason;
  if (!s.spec.closed.empty()) {
    e.reason += fmt::format(" ({} closed to it: centers that failed it or do not run tenant '{}''s jobs)",
                            s.spec.closed.size(), tenant_names_[s.spec.tenant]);
  }
}

Explanation Scheduler::Explain(Ticket t, double now_s) {
  Slot& s = slots_[t];
  Explanation e;
  switch (s.where) {
    case Where::kArriving:
      e.wait = Wait::kArriving;
      e.code = "arriving";
      e.reason = "not placed yet: the scheduler takes it at its next pass";
      return e;
    case Where::kPool: {
      const std::deque<Ticket>& queue = pool_queue_[static_cast<size_t>(s.pool)];
      for (Ticket other : queue) {
        ++e.position;
        if (other == t) break;
        e.queued_ahead += slots_[other].spec.prepared.devices;
      }
      const placement::PoolInfo& pool = snapshot_.pools()[static_cast<size_t>(s.pool)];
      e.wait = Wait::kDevicesBusy;
      e.code = "devices_busy";
      e.pool = s.pool;
      e.expected_start_h = s.expected_start_h;
      e.reason = fmt::format(
          "waiting for {} {} devices at {}, the best choice: number {} in its queue ({} devices wanted ahead "
          "of it; {} of {} free now); expected to start in {:.2f} h",
          s.spec.prepared.devices, snapshot_.accelerators()[pool.accelerator].id,
          snapshot_.centers()[pool.center].id, e.position, e.queued_ahead, pool.free_devices, pool.devices,
          s.expected_start_h);
      return e;
    }
    case Where::kQuota: {
      const uint32_t a = s.candidate.accelerator;
      e.wait = Wait::kQuota;
      if (s.share_wait) {
        int64_t domestic = 0, total = 0;
        KeepsDomesticShare(s.spec.tenant, s.candidate, &domestic, &total);
        const int64_t after = total + s.candidate.devices;
        e.code = "domestic_share";
        e.reason = fmt::format(
            "domestic share: tenant '{}' must keep at least {:.0f}% of its running devices on domestic "
            "accelerators; it runs {} domestic of {}, and the best start ({} {} at {}) would leave {} of {} "
            "({:.0f}%); no domestic accelerator can run the job, so it waits until the tenant's share allows "
            "it",
            tenant_names_[s.spec.tenant], 100 * min_domestic_[s.spec.tenant], domestic, total,
            s.candidate.devices, snapshot_.accelerators()[a].id, snapshot_.centers()[s.candidate.center].id,
            domestic, after,
            after > 0 ? 100.0 * static_cast<double>(domestic) / static_cast<double>(after) : 0.0);
        return e;
      }
      e.code = "quota";
      e.reason = fmt::format("quota: tenant '{}' holds {} of its {} {} devices and needs {} more",
                             tenant_names_[s.spec.tenant], Held(s.spec.tenant, a), Quota(s.spec.tenant, a),
                             snapshot_.accelerators()[a].id, s.candidate.devices);
      return e;
    }
    case Where::kPending:
      e.wait = Wait::kNoCandidate;
      ExplainNoCandidate(s, snapshot_, now_s, e);
      return e;
    case Where::kHeld: {
      const placement::Candidate& c = s.candidate;
      e.wait = Wait::kTimeShift;
      e.code = "time_shift";
      e.pool = static_cast<int32_t>(c.pool);
      e.expected_start_h = std::max(0.0, (s.release_at_s - now_s) / 3600.0);
      e.reason = fmt::format(
          "held on purpose: starts in {:.2f} h at {} ({} {}), in a cheaper time-of-use period, which lowers "
          "its "
          "cost by {:.2f} CNY and still meets its deadline; its devices are free now",
          e.expected_start_h, snapshot_.centers()[c.center].id, c.devices,
          snapshot_.accelerators()[c.accelerator].id, c.shift_saving_cny);
      return e;
    }
    case Where::kNever:
      e.wait = Wait::kNoCandidate;
      ExplainNoCandidate(s, empty_, now_s, e);
      e.reason.replace(0, std::string_view("no center can run it now").size(),
                       "no center could run it even with the whole network free");
      return e;
    default:
      return e;
  }
}

}  // namespace zhisuan::schedule
