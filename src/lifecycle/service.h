// lifecycle/service.h — the job lifecycle: tenants submit jobs; the service places them on a snapshot of the
// network at the lowest cost under quotas, dispatches them to their centers' backends, tracks them to the
// end, accounts for what they used, and survives a crash of its own process.
//
// Every transition is committed to the store before it is acted on: a job is `placed` (durably) before it is
// submitted to a backend, and on restart a placed job is first looked up on its backend (by job id) so that
// it is never submitted twice. Submissions are committed in groups (one transaction per batch) by a committer
// thread.
#pragma once

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
#include <vector>

#include "lifecycle/auth.h"
#include "lifecycle/backends.h"
#include "model/job.h"
#include "placement/policy.h"
#include "store/job_store.h"

namespace zhisuan::lifecycle {

struct ServiceOptions {
  std::string policy = "lowest-cost";
  placement::Objective objective;
  double tick_s = 0.02;            // the loop's period when nothing wakes it
  double poll_interval_s = 0.2;    // how often a dispatched or running job is polled
  double health_interval_s = 1.0;  // how often each real backend is pinged
  double backend_timeout_s = 5.0;  // a backend failing this long marks its center down
  int max_attempts = 3;            // placements of one job before it fails
  size_t max_batch = 1024;         // submissions per group commit
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

  std::optional<Principal> Authenticate(const std::string& token);

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
  Result<std::vector<UsageRow>> Usage(const Principal& who, bool by_tenant, double from, double to);
  // Operators only: a drained center takes no new jobs; its running jobs finish.
  Status SetDrained(const Principal& who, const std::string& center, bool drained);
  // For tests and the dashboard: the state of every center (up, draining, down).
  std::map<std::string, std::string> CenterStates();

 private:
  struct Live;
  struct Pending;
  JobService(const Registry& registry, JobStore& store, BackendMap backends, ServiceOptions options,
             std::function<double()> now, std::unique_ptr<placement::Policy> policy);

  void CommitLoop();
  void MainLoop();
  void Schedule();
  void Dispatch();
  void PollJobs();
  void CheckHealth();
  void ReloadQuotas();

  // Under mu_: take a job's devices as its decision says (after a restart); false when its center or pool is
  // gone.
  bool Restore(Live& live);
  // Under mu_: give back a job's devices; compute its accounting when it ran.
  void Release(Live& live);
  dispatch::DispatchRequest Request(const Live& live) const;
  void Account(Live& live, const dispatch::RunStatus& status, double time_scale);
  Status Persist(std::vector<Transition>& transitions);
  Result<JobRecord> Owned(const Principal& who, int64_t id);
  // The job's name on its backend: zhisuan-INSTANCE-ID.
  std::string JobName(int64_t id) const { return "zhisuan-" + instance_ + "-" + std::to_string(id); }

  const Registry& registry_;
  JobStore& store_;
  BackendMap backends_;
  ServiceOptions options_;
  std::function<double()> now_;
  std::unique_ptr<placement::Policy> policy_;
  std::string instance_;  // the database's instance id

  std::mutex mu_;
  std::condition_variable wake_;
  placement::Snapshot snapshot_;
  std::map<int64_t, std::unique_ptr<Live>> live_;                  // unfinished jobs
  std::vector<std::vector<char>> device_used_;                     // per snapshot pool (small pools only)
  std::map<std::pair<std::string, std::string>, int64_t> held_;    // (tenant, accelerator) -> devices held
  std::map<std::pair<std::string, std::string>, int64_t> quotas_;  // (tenant, accelerator) -> max devices
  std::map<std::string, double> failing_since_;                    // center -> first failed ping
  std::set<std::string> drained_, down_;
  std::mutex token_mu_;
  std::map<std::string, Principal> token_cache_;  // token as presented -> its principal
  bool stopping_ = false;
  bool more_ = false;                 // the last pass left work for the next one
  uint64_t capacity_generation_ = 0;  // bumped when devices free, a center comes back, or quotas change

  std::mutex commit_mu_;
  std::condition_variable commit_wake_;
  std::deque<std::unique_ptr<Pending>> commit_queue_;

  std::thread committer_, loop_;
};

}  // namespace zhisuan::lifecycle
