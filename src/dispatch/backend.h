// dispatch/backend.h — where a center's jobs really run. One interface; a center chooses its backend (sim,
// local, slurm). Every call is idempotent by the job's name so that a restarted server can reconcile: Find()
// tells whether an earlier process already submitted a job, and its handle is re-attached instead of
// submitting it twice.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace zhisuan::dispatch {

struct DispatchRequest {
  int64_t job_id = 0;
  std::string name = "";  // unique on the backend: zhisuan-INSTANCE-ID (directories, Slurm job names)
  std::string tenant = "";
  std::vector<std::string> command = {};  // argv; empty for sim
  int64_t devices = 1;
  std::vector<int> device_ids = {};  // the devices of the pool this job holds (ZHISUAN_VISIBLE_DEVICES)
  double walltime_s = 3600;
  double memory_gb = 0;       // the job's host memory limit; 0: none
  double modelled_run_s = 0;  // the placement's run-time estimate
};

enum class RunState { kQueued, kRunning, kSucceeded, kFailed, kCancelled, kLost };
std::string_view Name(RunState s);

struct RunStatus {
  RunState state = RunState::kQueued;
  std::optional<int> exit_code = std::nullopt;
  std::optional<double> started_at = std::nullopt;  // seconds since the Unix epoch, as the backend saw them
  std::optional<double> finished_at = std::nullopt;
  std::string detail = "";
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view kind() const = 0;
  // Whether the backend may run jobs of `tenant` at all (real backends need a Unix user for it).
  virtual bool Runs(const std::string& tenant) const {
    (void)tenant;
    return true;
  }
  // Starts the job; returns the backend's handle. Submitting a job id that was already submitted returns the
  // existing handle.
  virtual Result<std::string> Submit(const DispatchRequest& request) = 0;
  // The handle of an earlier submission of the job named `name`, if any (recovery after a crash).
  virtual Result<std::optional<std::string>> Find(const std::string& name) = 0;
  virtual Result<RunStatus> Poll(const std::string& handle) = 0;
  // The status of each of `handles` (a handle the backend cannot answer for is left out, to be polled again).
  // Backends that can answer for all their jobs at once override this, so tracking costs one query per
  // backend per poll, not one per job.
  virtual std::map<std::string, Result<RunStatus>> PollMany(const std::vector<std::string>& handles) {
    std::map<std::string, Result<RunStatus>> out;
    for (const std::string& h : handles) out.emplace(h, Poll(h));
    return out;
  }
  // Submits each of `requests` with Submit's promise, answering in order. Once the backend refuses a job for
  // now (kRateLimited: a full queue) the rest are not tried and answer kRateLimited too. Backends that start
  // many jobs with one call to their engine override it (Slurm: job arrays).
  virtual std::vector<Result<std::string>> SubmitMany(const std::vector<DispatchRequest>& requests) {
    std::vector<Result<std::string>> out;
    for (const DispatchRequest& r : requests) {
      if (!out.empty() && !out.back() && out.back().error().code == ErrorCode::kRateLimited) {
        out.push_back(std::unexpected(Error{ErrorCode::kRateLimited, kNotTried}));
      } else {
        out.push_back(Submit(r));
      }
    }
    return out;
  }
  // The message of a job SubmitMany did not try because the backend refused one before it.
  static constexpr const char* kNotTried = "not tried: the center refused a job before it";
  virtual Status Cancel(const std::string& handle) = 0;
  // Whether the backend answers at all (a center whose backend stops answering is marked down).
  virtual Status Ping() = 0;
  // The job's stdout and stderr (the last `max_bytes` of each).
  virtual Result<std::string> Logs(const std::string& handle, size_t max_bytes) = 0;
  // Accounted hours per wall-clock hour: 1 for real backends; the sim backend runs faster than the model.
  virtual double time_scale() const { return 1.0; }
  // Submission has no effect outside this process and the job starts at once (sim): the service may then
  // commit placed, dispatched and running in one transaction instead of one each.
  virtual bool instant() const { return false; }
};

}  // namespace zhisuan::dispatch
