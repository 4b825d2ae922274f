// lifecycle/service.h — the job lifecycle: tenants submit jobs; the service places them on a snapshot of the
// network at the lowest cost under quotas, dispatches them to their centers' backends, tracks them to the
// end, accounts for what they used, and survives a crash of its own process.
//
// Every transition is committed to the store before it is acted on: a job is `placed` (durably) before it is
// submitted to a backend, and on restart a placed job is first looked up on its backend (by job id) so that
// it is never submitted twice. Submissions are committed in groups (one transaction per batch) by a committer
// thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "lifecycle/auth.h"
#include "lifecycle/backends.h"
#include "model/job.h"
#include "placement/policy.h"
#include "schedule/scheduler.h"
#include "store/job_store.h"
#include "store/leader_lease.h"
#include "util/log.h"

namespace zhisuan::lifecycle {

struct ServiceOptions {
  std::string policy = "lowest-cost";
  placement::Objective objective;
  double tick_s = 0.02;               // the loop's period when nothing wakes it
  double poll_interval_s = 0.2;       // how often a dispatched or running job is polled
  double health_interval_s = 1.0;     // how often each real backend is pinged
  double backend_timeout_s = 5.0;     // a backend failing this long marks its center down
  int max_attempts = 3;               // placements of one job before it fails
  size_t max_batch = 1024;            // submissions per group commit
  double integrity_interval_s = 300;  // how often the store is checked for corruption (PRAGMA quick_check)
  double sample_interval_s = 30;      // how often each center's busy and queued devices are sampled
  size_t samples_kept = 2880;         // samples kept in memory (24 h at 30 s)
  std::shared_ptr<Log> log = Log::Null();
  // Tenant limits where an operator set none (zhisuan tenant set): the highest priority a tenant may give its
  // jobs, its submissions per second (a token bucket, burst twice the rate; 0: no limit) and its unfinished
  // jobs (0: no limit).
  int64_t default_max_priority = 0;
  double default_submissions_per_s = 2000;
  int64_t default_max_pending = 100'000;
  // Replicas on one PostgreSQL database. With a lease, this service leads only while it holds the lease
  // (store/leader_lease.h): then it schedules, dispatches and tracks jobs; otherwise it answers the API from
  // the database, commits submissions, and hands cancels to the leader. Without one it leads alone (SQLite).
  std::shared_ptr<LeaderLease> lease;
  std::string replica_id;          // unique per process: host-pid-random
  double lease_s = 3;              // a lease lasts this long; it is renewed every quarter of it
  double pickup_interval_s = 0.1;  // how often a leader looks for jobs and cancels other replicas took
  // Called once (on the lease thread) when another replica has taken the lease from this one: the process
  // should exit; a supervisor restarts it as a follower.
  std::function<void()> on_lost_lease;
};

// Which replica leads, as this one knows it.
struct Leadership {
  bool replicated = false;  // false: one server on SQLite, leading alone
  bool leading = false;
  std::string replica_id;
  int64_t epoch = 0;
  std::string leader, leader_address;  // the holder's replica id and address
  double leader_since = 0;             // when it took over (database clock)
  std::string problem;                 // why the lease could not be read or renewed, or empty
};

// Whether the store takes commits. Degraded while a commit fails (transitions wait in memory and are retried
// with back-off) or the last integrity check found corruption.
struct StoreHealth {
  bool ok = true;
  std::string problem;       // the last failure, when not ok
  double failing_since = 0;  // when the failures began (seconds since the epoch)
  size_t unsaved = 0;        // transitions waiting for the store
};

class JobService {
 public:
  static Result<std::unique_ptr<JobService>> Create(const Registry& registry, JobStore& store,
                                                    BackendMap backends, ServiceOptions options,
                                                    std::function<double()> now);
  ~JobService();
  JobService(const JobService&) = delete;
  JobService& operator=(const JobService&) = delete;

  // Reconciles with the store and the backends, then starts the committer and the scheduling loop.
  Status Start();
  void Stop();

  // The caller a token names, from `remote_address`: kUnauthenticated when the token is unknown, expired or
  // revoked, kPermissionDenied when the tenant's allow-list does not hold the address. Revocations and limit
  // changes take effect at once: by API at the call, from another process (zhisuan token revoke) within a
  // tick.
  Result<Principal> Authenticate(const std::string& token, const std::string& remote_address = "");

  // Operators only. A new token is returned once; the store keeps its hash.
  struct CreatedToken {
    std::string token;
    TokenInfo info;
  };
  Result<CreatedToken> CreateToken(const Principal& who, const std::string& tenant, const std::string& role,
                                   std::optional<double> expires_in_s, const std::string& label);
  Result<std::vector<TokenInfo>> Tokens(const Principal& who, const std::string& tenant);
  Result<TokenInfo> RevokeToken(const Principal& who, const std::string& id);
  Status SetTenantLimits(const Principal& who, const std::string& tenant, const TenantLimits& limits);
  // The limits in force for `tenant` (its own where set, else the defaults).
  TenantLimits LimitsOf(const std::string& tenant);

  // Accepts a job spec (YAML or JSON) once it is durably stored. The same (tenant, key) returns the same job
  // with `created` false.
  struct Submission {
    JobRecord job;
    bool created = true;
  };
  Result<Submission> Submit(const Principal& who, std::string_view spec, const std::string& idempotency_key);
  Result<JobRecord> Get(const Principal& who, int64_t id);
  Result<std::vector<JobEvent>> History(const Principal& who, int64_t id);
  Result<std::vector<JobRecord>> List(const Principal& who, JobFilter filter);
  Result<JobRecord> Cancel(const Principal& who, int64_t id);
  Result<std::string> Logs(const Principal& who, int64_t id);
  // Finished work grouped by tenant, center or accelerator: an operator's of every tenant or of `tenant`; a
  // tenant's of its own jobs only (another tenant named is kPermissionDenied).
  Result<std::vector<UsageRow>> Usage(const Principal& who, UsageBy by, double from, double to,
                                      std::string tenant = "");
  // Operators only: usage by tenant and center together, with every tenant's settings (sector, home
  // province), for the supervisor's demand statistics.
  struct Demand {
    std::vector<UsageRow> uses;
    std::map<std::string, TenantLimits> tenants;
  };
  Result<Demand> DemandOf(const Principal& who, double from, double to);
  // Operators only: a drained center takes no new jobs; its running jobs finish.
  Status SetDrained(const Principal& who, const std::string& center, bool drained);
  // For tests and the dashboard: the state of every center (up, draining, down).
  std::map<std::string, std::string> CenterStates();
  StoreHealth Health();
  Leadership Leader();
  // Where this replica answers, written into the lease for the others (and shown by health).
  void SetAdvertise(const std::string& address);
  // Records a state-changing call in the append-only audit log (submissions are recorded with the job, in its
  // transaction). A failure to record is logged; the call's own result stands.
  void Audit(const Principal& who, std::string_view action, std::string_view target, const Status& result,
             std::string_view detail = "");
  // Operators only.
  Result<std::vector<AuditEntry>> AuditLog(const Principal& who, const AuditFilter& filter);
  static Actor ActorOf(const Principal& who);
  // The scheduler's and the store's state for Prometheus (text format): jobs by state and by tenant (the 20
  // tenants with most unfinished jobs, the rest as "other"), devices busy, free and queued for per center,
  // center state, backend health, jobs waiting per pool and the oldest wait, pass and commit durations, and
  // what finished jobs have used and been billed. The family by tenant only `with_tenants` (for operators:
  // tenants' names and load are not public).
  std::string MetricsText(bool with_tenants);
  // Passes the scheduling loop has completed (each: schedule, dispatch, poll); for /metrics and for tests
  // that step a clock and wait for the loop to catch up.
  uint64_t LoopPasses() const { return loop_passes_.load(); }
  // Runs `fn` on the live snapshot (devices busy and booked, drained and down centers, as the scheduler sees
  // them now) under the scheduler's lock: quotes are made on it. Keep `fn` short. On a replica that does not
  // lead: the leader's load as it last wrote it (live_load.cc), within about a second.
  void WithLiveSnapshot(const std::function<void(const placement::Snapshot&)>& fn);
  // Busy and queued devices of one center (snapshot index) or of all (center < 0) at each sample since
  // `since`, oldest first, as the loop sampled the live snapshot every sample_interval_s (samples_kept of
  // them kept). Under a lock of its own: reading history never waits for the scheduler.
  // With the power the busy devices draw (kW: devices x TDP x host overhead x PUE, as placement models it)
  // and the carbon it emits (kg CO2 per hour at the center's grid factor, less its contracted green power).
  struct Series {
    std::vector<double> at;
    std::vector<int64_t> busy, queued;
    std::vector<double> power_kw, carbon_kg_per_h;
  };
  Series History(int32_t center, double since);

 private:
  struct Live;
  struct Pending;
  JobService(const Registry& registry, JobStore& store, BackendMap backends, ServiceOptions options,
             std::function<double()> now, std::unique_ptr<placement::Policy> policy);
  const placement::Snapshot& snapshot() const { return core_.snapshot(); }

  void CommitLoop();
  void MainLoop();
  // Loads unfinished jobs, quotas and drained centers, re-attaches to dispatched jobs, and starts the
  // scheduling loop: at start without a lease, or when this replica takes the lease.
  Status Lead();
  void LeaseLoop();
  // True while this service may act on backends: it leads alone, or holds a lease that has not lapsed.
  bool MayAct() const;
  // The leader's pickup: pending jobs other replicas accepted, and the cancels they were asked.
  void PickUp(bool full);
  // A cancel a follower recorded, carried out by the leader.
  void CancelRequested();
  void Schedule();
  void Dispatch();
  void PollJobs();
  void CheckHealth();
  void ReloadQuotas();
  void TakeSample();

  // Under mu_: hand a waiting job to the scheduler core (prepared against the network; its excluded centers
  // and those that do not run its tenant's jobs closed to it); false when it cannot be prepared.
  Status Enter(Live& live);
  // Under mu_: take a job's devices as its decision says (after a restart); false when its center or pool is
  // gone.
  bool Restore(Live& live);
  // Under mu_: the job leaves the scheduler core (its devices back, out of its queue).
  void Release(Live& live);
  // Under mu_: the job's device ids (ZHISUAN_VISIBLE_DEVICES) free again, its shares forgotten.
  void FreeDeviceIds(Live& live);
  // Under mu_: the job's center failed, lost or refused it: it is placed again elsewhere (that center closed
  // to it), or fails once it has used its attempts. Sets state and message; the caller commits.
  void PlaceAgain(Live& live, const std::string& why);
  // Under mu_: the core's reason for a waiting job, into its record (not a transition).
  void Explain(Live& live, double now);
  dispatch::DispatchRequest Request(const Live& live) const;
  void Account(Live& live, const dispatch::RunStatus& status, double time_scale);
  // What a step that changes jobs and commits them holds: the commit order (save_mu_), then the state (mu_).
  // Persist lets go of the state while the store commits, so that reads and quotes never wait for a commit;
  // the commit order keeps every other writer (the loop's steps, a cancel) out until the commit is done and
  // published, so transitions reach the store in the order they were made.
  struct Writer {
    std::unique_lock<std::mutex> order, state;
  };
  Writer Write();
  // Commits `transitions` after any that earlier failed, then publishes them to the readers' view. On
  // failure, with `keep` the transitions stay in memory and are retried with back-off (the caller has acted
  // on them); without it they are dropped and the caller undoes them. `transitions` is empty afterwards.
  Status Persist(Writer& w, std::vector<Transition>& transitions, bool keep = true);
  // Under a Writer: drops finished jobs from memory once nothing about them waits for the store.
  void Prune();
  // Under mu_: the job as committed, into the readers' view (Publish), or its scheduler's word on why it
  // waits (ShowWaiting: not stored; kept only while the view's record is in the same state).
  void Publish(JobRecord rec);
  void ShowWaiting(const Live& live);
  void CheckStore();
  Result<JobRecord> Owned(const Principal& who, int64_t id);
  // The job's name on its backend: zhisuan-INSTANCE-ID.
  std::string JobName(int64_t id) const { return "zhisuan-" + instance_ + "-" + std::to_string(id); }

  const Registry& registry_;
  JobStore& store_;
  BackendMap backends_;
  ServiceOptions options_;
  std::function<double()> now_;
  std::string instance_;  // the database's instance id

  // Replicas (live_load.cc): the leader writes its live load for the others about once a second while it
  // changes; a follower reads it, at most twice a second when asked, into a copy of its snapshot.
  void PublishLoad();
  void RefreshLoad();
  std::string published_load_;  // the loop's: what it wrote last
  std::mutex load_mu_;
  std::optional<placement::Snapshot> follower_live_;  // GUARDED_BY(load_mu_)
  double load_read_at_ = -1, load_at_ = 0;  // GUARDED_BY(load_mu_): when read (steady), written (db)

  std::mutex save_mu_;  // the commit order: see Writer
  // Readers of the live snapshot (quotes, /api/v1/live, the network's totals: public, and on 10,000 centers an
  // explained quote holds mu_ for ~6-10 ms) take mu_ one at a time: however many ask at once, the scheduler
  // waits for at most one of them. Taken before mu_, never while holding it.
  std::mutex reader_mu_;
  std::mutex mu_;
  std::condition_variable wake_;
  // What GET answers for the jobs in live_: each as the store has it (published after its commit, so a reader
  // never sees a transition that is still being committed, or one that failed and was undone), with the
  // scheduler's latest reason while it waits. Under a lock of its own, held only to copy: a read never waits
  // for the scheduler or the store. A job not here is read from the store.
  struct Shown {
    std::shared_ptr<const JobRecord> rec;
    std::string waiting, message;  // the scheduler's word while rec->state is `explained_state`
    int64_t queue_position = 0;
    std::optional<JobState> explained_state;
  };
  std::mutex view_mu_;
  std::unordered_map<int64_t, Shown> view_;  // GUARDED_BY(view_mu_)
  // The scheduler core (schedule/): waiting jobs, queues, quotas and the devices of placed and running jobs,
  // on the live snapshot. The simulator runs the same core.
  schedule::Scheduler core_;
  schedule::Scheduler::PassResult pass_;
  std::map<int64_t, std::unique_ptr<Live>> live_;                  // unfinished jobs
  std::vector<int64_t> arrived_;                                   // jobs to hand to the core
  std::vector<std::vector<char>> device_used_;                     // per snapshot pool (small pools only)
  std::map<std::pair<std::string, std::string>, int64_t> quotas_;  // (tenant, accelerator) -> max devices
  std::map<std::string, double> domestic_shares_;                  // tenant -> minimum domestic share
  std::map<std::string, double> failing_since_;                    // center -> first failed ping
  struct Sample {
    double at = 0;
    std::vector<int32_t> busy, queued;  // per snapshot center
    std::vector<float> power_kw;        // per snapshot center; its carbon is power x carbon_per_kwh_
  };
  std::vector<double> carbon_per_kwh_;  // per snapshot center: kg CO2 per kWh drawn (fixed with the snapshot)
  // Samples in the database (live_load.cc): the leader writes each, a starting service reads those it keeps.
  void SaveSample(const Sample& s);
  void LoadSamples();
  double last_saved_sample_ = 0;  // the sampling thread's
  std::mutex sample_mu_;
  std::deque<Sample> samples_;  // GUARDED_BY(sample_mu_)
  // Backends that refused new jobs for now (a full Slurm queue): their placed jobs wait until `until`.
  struct Refusal {
    double until = 0, backoff_s = 0;
  };
  std::map<const dispatch::Backend*, Refusal> refusing_;
  std::map<const dispatch::Backend*, double> next_backend_poll_;  // when each backend is asked again
  int64_t poll_cursor_ = 0;                                       // the job the last poll stopped at
  // Per tenant, under mu_: the snapshot's centers whose backend may not run its jobs (no Unix user there),
  // and whether any center may. Backends are fixed for the service's life: computed once per tenant.
  struct Reach {
    std::vector<uint32_t> closed;
    bool anywhere = false;
  };
  std::mutex reach_mu_;
  std::map<std::string, Reach> reach_;  // GUARDED_BY(reach_mu_)
  const Reach& ReachOf(const std::string& tenant);
  std::set<std::string> drained_, down_;
  // Under token_mu_: the token rows of `id` as the store has them (a miss caches an empty list too).
  // A token as presented, once the store has answered for it (valid, expired, revoked or unknown).
  struct CachedToken {
    std::string token;
    bool known = false;
    Principal who;
    std::optional<double> expires_at;
    bool revoked = false;
  };
  struct Bucket {
    double tokens = 0;
    double last = 0;  // alone: when it was last refilled; replicated: when to ask the database again
  };
  // Reloads tokens and limits when the store says they changed (any process); the main loop calls it.
  void ReloadAuth(bool force);
  // Under mu_: forgets finished jobs from memory and from their tenant's count.
  void Forget(std::map<int64_t, std::unique_ptr<Live>>::iterator it);
  Status Admit(const Principal& who, const Job& job);
  Status TakeSharedToken(const std::string& tenant, double rate, double burst, double now,
                         const Error& refused);

  std::mutex token_mu_;
  // GUARDED_BY(token_mu_): keyed by a hash of the token under a per-process random key, so that where a
  // lookup ends tells nothing about any token; the token itself is then compared in constant time. Hashing
  // with SHA-256 (the store's key) on every request cost 7% of the CPU under load, so it runs only on a miss.
  std::unordered_map<uint64_t, std::vector<CachedToken>> token_cache_;
  uint64_t token_key_ = 0;
  std::map<std::string, TenantLimits> limits_;    // GUARDED_BY(token_mu_)
  std::map<std::string, Bucket> submit_buckets_;  // GUARDED_BY(token_mu_): per tenant
  std::atomic<int64_t> auth_version_{-1};  // the main loop's (a follower's lease thread's), and API calls'
  // Per tenant; changed under mu_ and count_mu_, read under either (Admit takes count_mu_ only).
  std::mutex count_mu_;
  std::map<std::string, int64_t> unfinished_;
  // A follower's: per tenant, when its unfinished jobs were counted in the store, and the count since.
  std::map<std::string, std::pair<double, int64_t>> follower_counts_;  // GUARDED_BY(count_mu_)
  void Count(const std::string& tenant) {
    std::lock_guard lock(count_mu_);
    ++unfinished_[tenant];
  }
  bool stopping_ = false;
  std::vector<Transition> unsaved_;  // GUARDED_BY(mu_): acted on, not yet committed
  size_t retrying_ = 0;              // GUARDED_BY(mu_): of those, being committed again now
  double retry_at_ = 0, backoff_s_ = 0;
  StoreHealth store_health_;  // GUARDED_BY(mu_)
  std::string corruption_;    // GUARDED_BY(mu_): what the last integrity check found, or empty
  bool more_ = false;         // the last pass left work for the next one
  std::atomic<uint64_t> loop_passes_{0};
  // GUARDED_BY(mu_): for /metrics.
  std::map<JobState, uint64_t> finished_;  // jobs that ended, by state
  double pass_seconds_sum_ = 0, pass_seconds_max_ = 0, commit_seconds_sum_ = 0, commit_seconds_max_ = 0;
  uint64_t passes_ = 0, commits_ = 0;
  double energy_kwh_total_ = 0, carbon_kg_total_ = 0, device_hours_total_ = 0;
  int64_t billed_fen_total_ = 0;

  // Leadership (see ServiceOptions::lease).
  std::atomic<bool> leading_{false};
  std::atomic<bool> fenced_{false};           // another replica took over: this one acts no more
  std::atomic<double> lease_valid_until_{0};  // steady-clock seconds: past it, no backend is touched
  std::mutex lease_mu_;
  Leadership leadership_;  // GUARDED_BY(lease_mu_)
  std::string advertise_;  // GUARDED_BY(lease_mu_)
  std::condition_variable lease_wake_;
  std::thread lease_thread_;
  int64_t pickup_after_ = 0;             // the loop's: the highest pending id picked up
  std::deque<int64_t> forgotten_order_;  // GUARDED_BY(mu_): recently finished ids, oldest first
  std::set<int64_t> forgotten_;          // GUARDED_BY(mu_)

  // Jobs the committer accepted, for the loop to take into live_ (the committer never waits for mu_, which
  // the loop holds through a pass).
  std::mutex inbox_mu_;
  std::vector<std::unique_ptr<Live>> inbox_;  // GUARDED_BY(inbox_mu_)
  // Under mu_: the inbox into live_ and arrived_.
  void TakeInbox();

  std::mutex commit_mu_;
  std::condition_variable commit_wake_;
  std::deque<std::unique_ptr<Pending>> commit_queue_;

  std::thread committer_, loop_;
};

}  // namespace zhisuan::lifecycle
