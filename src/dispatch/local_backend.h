// dispatch/local_backend.h — runs a center's jobs as local processes through zhisuan-runner: one directory
// per job under `root` (named by the job's name, owned by the service) with the job's working directory
// `work` inside, the program run from an argv array (never a shell) with an environment built from scratch,
// its own process group, stdout and stderr in files, the wall-time limit enforced, cancel = SIGTERM to the
// runner.
//
// Exactly once: Submit first writes the launch record durably (dispatch/launch.h), then starts the runner;
// the runner claims the job by an exclusive create. Starting a runner again is therefore always safe, and a
// restarted server decides from the runner's own record (claim, exit_status), never from a marker it wrote
// itself after the fact. A launch that no runner claimed within a grace period is started again by Poll.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "dispatch/backend.h"

namespace zhisuan::dispatch {

// The Unix identity of a tenant's local jobs.
struct UnixUser {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string account;  // the Slurm account its jobs are charged to (sbatch --account); empty: its default
};

// Which user runs each tenant's jobs. A tenant without one cannot run local jobs, unless
// `allow_service_user` (a single-user lab): then its jobs run as the server's own user, root included.
struct TenantUsers {
  std::map<std::string, UnixUser> by_tenant;
  bool allow_service_user = false;
  // Whether jobs of `tenant` may run at all (mapped, or the lab allows the service's user).
  bool Runs(const std::string& tenant) const { return allow_service_user || by_tenant.contains(tenant); }
};

// Resolves `user` (and `group`, or the user's primary group when empty) on this host; kNotFound naming it.
Result<UnixUser> ResolveUnixUser(const std::string& user, const std::string& group);

class LocalBackend final : public Backend {
 public:
  LocalBackend(std::filesystem::path root, std::filesystem::path runner, TenantUsers users);
  std::string_view kind() const override { return "local"; }
  bool Runs(const std::string& tenant) const override { return users_.Runs(tenant); }
  Result<std::string> Submit(const DispatchRequest& request) override;
  Result<std::optional<std::string>> Find(const std::string& name) override;
  Result<RunStatus> Poll(const std::string& handle) override;
  Status Cancel(const std::string& handle) override;
  Status Ping() override;
  Result<std::string> Logs(const std::string& handle, size_t max_bytes) override;

  // zhisuan-runner next to the running executable.
  static std::filesystem::path DefaultRunner();

  // Seconds a launch may stay unclaimed before Poll starts its runner again (a server killed between writing
  // the launch and starting the runner).
  static constexpr double kClaimGraceS = 5;

 private:
  Result<std::filesystem::path> DirOf(const std::string& handle) const;
  // Starts zhisuan-runner for `dir` and waits for its first process (which detaches at once).
  Status StartRunner(const std::filesystem::path& dir);
  // The runner's pid from its claim when that process is alive and is the runner of `dir`; 0 otherwise.
  pid_t LiveRunner(const std::filesystem::path& dir) const;
  std::filesystem::path root_, runner_;
  TenantUsers users_;
  std::mutex mu_;
  std::map<std::string, double>
      started_;  // GUARDED_BY(mu_): job name -> when this process last started a runner
};

}  // namespace zhisuan::dispatch
