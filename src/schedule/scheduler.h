// schedule/scheduler.h — the scheduler core that both the live service (lifecycle) and the simulator (sim)
// run: no clock, no threads, no store, no I/O. It owns the waiting jobs and the devices of the running ones
// over a placement::Snapshot, and answers Pass(now) with the jobs that start now, in order.
//
// Rules, the same wherever it runs:
//   - a job that can start now on the policy's choice starts (gang jobs take all their devices or none);
//   - a job whose best choice is a busy pool waits in that pool's queue: highest priority first, then first
//     come first served, and nobody behind the head starts on that pool before it (no starvation);
//   - a job with no candidate at all waits in the pending list and is retried when devices free or a center
//     comes back; one that no center could run even on an idle network is reported `never`;
//   - a start that would take a tenant past its quota of an accelerator waits until the tenant frees devices
//     or the quota changes;
//   - a tenant with a minimum domestic share (seed 004:1289-1293: domestic procurement ratios) starts a job
//   on
//     foreign accelerators only if its running devices stay at least that share domestic; otherwise the job
//     is placed on domestic accelerators only, and when none can run it, it waits for its tenant (as over a
//     quota);
//   - a job's closed centers (that failed it, or run no jobs of its tenant) are out of reach for it;
//   - a requeued job (its center failed or lost it) is placed again like a new one, without the never check;
//   - a job whose best choice starts later on purpose (time shifting: a cheaper time-of-use period before its
//     deadline, placement::Candidate::shift_h) is held until then, in no pool's queue and holding no devices,
//     and is placed again at its time.
// Work is event-driven: a pass looks only at what changed since the last (arrivals, pools that freed devices,
// centers that came back, tenants under quota that freed devices), so a pass costs O(changes), not
// O(waiting).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "placement/policy.h"
#include "schedule/slots.h"
#include "util/id_index.h"

namespace zhisuan::schedule {

using Ticket = uint32_t;  // the core's handle of a job, valid from NewJob to End; reused afterwards
inline constexpr Ticket kNoTicket = UINT32_MAX;

struct JobSpec {
  placement::PreparedJob prepared;
  int priority = 0;
  double submitted_s = 0;        // seconds since the epoch: equal priorities go oldest first
  uint32_t tenant = 0;           // from Scheduler::Tenant
  uint64_t tag = 0;              // the caller's id of the job
  std::vector<uint32_t> closed;  // snapshot centers the job may not use
};

// Why a job waits. kNoCandidate carries placement's reason code (placement::Reject) in the explanation.
enum class Wait : uint8_t { kNotWaiting, kArriving, kDevicesBusy, kQuota, kNoCandidate, kTimeShift };

struct Explanation {
  Wait wait = Wait::kNotWaiting;
  std::string code;    // stable, for programs: devices_busy, quota, or placement's code (center_state, ...)
  std::string reason;  // in words, naming the center, pool or quota
  int32_t pool = placement::kNone;  // devices_busy: the pool whose queue the job is in
  int64_t position = 0;             // devices_busy: 1 = next to start on that pool
  int64_t queued_ahead = 0;         // devices_busy: devices wanted by the jobs ahead of it
  double expected_start_h = 0;      // devices_busy: when the policy expected the devices, at queueing;
                                    // time_shift: the hours from the explanation's time to the held start
};

struct SchedulerOptions {
  placement::Objective objective;
  int max_pending_tries = 64;  // jobs without a candidate retried per change of capacity
  int max_pending_misses = 8;  // ... and no further after this many in a row still find none
};

class Scheduler {
 public:
  Scheduler(placement::Snapshot snapshot, std::unique_ptr<placement::Policy> policy,
            SchedulerOptions options);

  const placement::Snapshot& snapshot() const { return snapshot_; }
  const placement::Policy& policy() const { return *policy_; }
  uint32_t Tenant(std::string_view name);
  const std::string& TenantName(uint32_t tenant) const { return tenant_names_[tenant]; }

  // A slot for a new job, with the storage its last occupant left: fill job(ticket), then Submit or
  // Adopt it, or Discard it.
  Ticket NewJob();
  JobSpec& job(Ticket t) { return slots_[t].spec; }
  const JobSpec& job(Ticket t) const { return slots_[t].spec; }
  void Discard(Ticket t);
  // The job waits to be placed at the next pass.
  void Submit(Ticket t);
  // The job already runs on `running` (a restart re-attaching to its backend): its devices are taken until
  // `release_at_s`.
  void Adopt(Ticket t, placement::Candidate running, double release_at_s);
  // The job leaves: out of its queue when it waits, its devices back when it runs. The ticket is freed.
  void End(Ticket t);
  // A running job must be placed again (its center failed, lost or refused it): its devices come back, and
  // `exclude` (when not kNone) is closed to it.
  void Requeue(Ticket t, int32_t exclude = placement::kNone);

  void SetCenterState(uint32_t center, CenterState state);
  // At most `max` devices of `accelerator` held by `tenant` at once; a negative max removes the quota.
  void SetQuota(uint32_t tenant, uint32_t accelerator, int64_t max);
  void ClearQuotas();
  // The smallest share (0-1) of the tenant's running devices that must be domestic; 0 removes the rule.
  void SetMinDomesticShare(uint32_t tenant, double share);

  struct PassResult {
    std::vector<Ticket> starts;  // in the order they started; candidate(t) says where
    std::vector<Ticket> waits;   // considered in this pass and still waiting (Explain says why)
    std::vector<Ticket> never;   // no center could run them even on an idle network: End them
  };
  // Places whatever changed since the last pass at `now_s` (seconds since the epoch). `out` is cleared.
  void Pass(double now_s, PassResult& out);

  bool running(Ticket t) const { return slots_[t].where == Where::kRunning; }
  // In a pool's queue: its explanation (its position) changes without a pass.
  bool queued(Ticket t) const { return slots_[t].where == Where::kPool; }
  const placement::Candidate& candidate(Ticket t) const { return slots_[t].candidate; }
  // Placed on domestic accelerators only because a foreign start would have taken its tenant under its
  // minimum domestic share: the share it keeps, else 0.
  double domestic_share_kept(Ticket t) const {
    return slots_[t].share_forced ? min_domestic_[slots_[t].tenant] : 0.0;
  }
  double release_at(Ticket t) const { return slots_[t].release_at_s; }
  // Why a waiting job waits, with its place in its pool's queue. For a job with no candidate, placement is
  // run again with reasons (not free: meant for a person reading one job).
  Explanation Explain(Ticket t, double now_s);
  int64_t waiting() const { return waiting_; }
  // Jobs in a pool's queue, and the oldest of them (kNoTicket when none).
  size_t queue_length(uint32_t pool) const { return pool_queue_[pool].size(); }
  Ticket queue_head(uint32_t pool) const {
    return pool_queue_[pool].empty() ? kNoTicket : pool_queue_[pool].front();
  }
  // Jobs waiting with no candidate, and over their tenant's quota.
  size_t pending_jobs() const { return pending_.size(); }
  size_t quota_jobs() const {
    size_t n = 0;
    for (const auto& q : quota_wait_) n += q.size();
    return n;
  }
  int64_t running_jobs() const { return running_; }
  // Jobs held for a later start (time shifting), and the time the first of them is due (seconds since the
  // epoch; infinity when none): an event-driven caller passes again then.
  size_t held_jobs() const { return held_count_; }
  double next_wake_s() const;
  int64_t held(uint32_t tenant, uint32_t accelerator) const;
  // Cache hints for an event-driven caller (the simulator): the slot NewJob reuses next, and a job's slot.
  void PrefetchNewJob() const {
    if (const Slot* s = slots_.Next()) {
      __builtin_prefetch(&s->spec.prepared, 1);
      __builtin_prefetch(s->spec.prepared.models.data(), 1);
      __builtin_prefetch(s->spec.prepared.model_slot.data(), 1);
    }
  }
  void PrefetchJob(Ticket t) const {
    const char* at = reinterpret_cast<const char*>(&slots_[t]);
    for (size_t line = 0; line < offsetof(Slot, spec); line += 64) __builtin_prefetch(at + line);
  }

 private:
  enum class Where : uint8_t { kFree, kNew, kArriving, kPool, kPending, kQuota, kRunning, kNever, kHeld };
  // Hot fields first: a finish reads the header and the candidate (prefetched together), not the spec.
  struct Slot {
    Where where = Where::kFree;
    bool requeued = false;
    bool share_wait = false;          // kQuota: waits for its tenant's domestic share, not a quota
    bool share_forced = false;        // placed on domestic accelerators only, for its tenant's domestic share
    int32_t pool = placement::kNone;  // kPool: the queue it is in
    uint32_t tenant = 0;              // spec.tenant, beside the fields a finish reads
    float expected_start_h = 0;
    double release_at_s = 0;         // running: when its devices come back; held: when it is due
    placement::Candidate candidate;  // running: where; quota: the start it was refused
    JobSpec spec;
  };
  enum class Outcome { kStarted, kQueued, kQuota, kNoCandidate, kHeld };
  static bool Waits(Where w);

  Outcome TryStart(Ticket t, double now_s);
  void ExplainNoCandidate(Slot& s, placement::Snapshot& on, double now_s, Explanation& e);
  std::optional<placement::Candidate> Choose(Slot& s, placement::Snapshot& on, double now_s);
  void Start(Ticket t, double now_s);
  void Enqueue(Ticket t, Outcome outcome);
  void Settle(Ticket t, Outcome o, PassResult& out);
  template <typename F>
  auto WithClosed(const Slot& s, placement::Snapshot& on, F f);
  void Unqueue(Ticket t);
  void Release(Ticket t);  // a running job's devices back
  void RetryPool(uint32_t pool, double now_s, PassResult& out);
  void RetryPending(double now_s, PassResult& out);
  void RetryQuota(uint32_t tenant, double now_s, PassResult& out);
  void WakeHeld(double now_s, PassResult& out);
  void MarkPool(uint32_t pool);
  int64_t& Held(uint32_t tenant, uint32_t accelerator);
  int64_t Quota(uint32_t tenant, uint32_t accelerator) const;
  // Whether starting `c` keeps the tenant's running devices at its minimum domestic share (domestic and all
  // devices it would hold after the start).
  bool KeepsDomesticShare(uint32_t tenant, const placement::Candidate& c, int64_t* domestic, int64_t* total);
  std::optional<placement::Candidate> ChooseDomestic(Slot& s, double now_s);
  template <typename List>
  void InsertByPriority(List& list, Ticket t);

  placement::Snapshot snapshot_;
  placement::Snapshot empty_;  // every device free, every center up: the never test
  std::unique_ptr<placement::Policy> policy_;
  SchedulerOptions options_;
  placement::PlaceOptions place_;
  Slots<Slot> slots_;
  std::vector<std::deque<Ticket>> pool_queue_;
  std::vector<Ticket> pending_;
  std::vector<std::vector<Ticket>> quota_wait_;  // per tenant
  std::vector<Ticket> arriving_;
  // Held jobs (time shifting) by due time, a min-heap of (due, ticket); an entry whose slot is no longer held
  // at that time is stale and skipped.
  std::vector<std::pair<double, Ticket>> due_;
  size_t held_count_ = 0;  // live entries of due_
  std::vector<uint32_t> dirty_pools_;
  std::vector<char> pool_dirty_;
  std::vector<uint32_t> dirty_tenants_;
  bool retry_pending_ = false;
  std::vector<std::pair<Ticket, Outcome>> moved_;
  int64_t waiting_ = 0, running_ = 0;
  IdIndex tenant_ids_;
  std::vector<std::string> tenant_names_;
  std::vector<int64_t> held_;   // tenant x accelerator
  std::vector<int64_t> quota_;  // tenant x accelerator, < 0: none
  bool any_quota_ = false;
  std::vector<double> min_domestic_;  // per tenant, 0: none
  bool any_min_domestic_ = false;
};

}  // namespace zhisuan::schedule
