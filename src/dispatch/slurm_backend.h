// dispatch/slurm_backend.h — one center = one Slurm cluster, addressed by its own slurm.conf (SLURM_CONF).
// Jobs go in with sbatch from a generated batch script in which every user value is single-quoted (no shell
// injection), are tracked with squeue and scontrol (and the jobcomp/filetxt record when configured), and
// cancelled with scancel. A Slurm job carries the job's name (zhisuan-INSTANCE-ID), so a restarted server
// finds an earlier submission instead of repeating it.
#pragma once

#include <filesystem>
#include <string>

#include "dispatch/backend.h"
#include "dispatch/local_backend.h"

namespace zhisuan::dispatch {

struct SlurmOptions {
  std::filesystem::path slurm_conf;    // the cluster's slurm.conf
  std::filesystem::path spool;         // where batch scripts and job output go (job-ID/)
  std::filesystem::path jobcomp = {};  // the cluster's JobCompLoc file, if it keeps one (optional)
  std::string partition = "";          // empty: the default partition
  double command_timeout_s = 10;
  // Whose jobs run as whom: sbatch --uid/--gid (the server runs as root or the cluster's SlurmUser).
  TenantUsers users = {};
};

class SlurmBackend final : public Backend {
 public:
  explicit SlurmBackend(SlurmOptions options) : o_(std::move(options)) {}
  std::string_view kind() const override { return "slurm"; }
  bool Runs(const std::string& tenant) const override { return o_.users.Runs(tenant); }
  Result<std::string> Submit(const DispatchRequest& request) override;
  Result<std::optional<std::string>> Find(const std::string& name) override;
  Result<RunStatus> Poll(const std::string& handle) override;
  // One `scontrol -o show job` for the whole cluster (finished jobs stay listed for MinJobAge), and one read
  // of the jobcomp file for those that have left it.
  std::map<std::string, Result<RunStatus>> PollMany(const std::vector<std::string>& handles) override;
  // Jobs that share a user, an account, CPUs and a time limit go as one job array (up to kMaxArrayTasks
  // each); up to kSubmitLanes sbatch at once.
  std::vector<Result<std::string>> SubmitMany(const std::vector<DispatchRequest>& requests) override;
  static constexpr size_t kMaxArrayTasks = 1000;  // Slurm's default MaxArraySize is 1001
  static constexpr size_t kSubmitLanes = 4;
  Status Cancel(const std::string& handle) override;
  Status Ping() override;
  Result<std::string> Logs(const std::string& handle, size_t max_bytes) override;

  // The batch script for a request, and for an array of them named `batch` (exposed for the injection tests).
  std::string BatchScript(const DispatchRequest& request) const;
  std::string ArrayScript(const std::string& batch,
                          const std::vector<const DispatchRequest*>& requests) const;

 private:
  std::string Header(const std::string& name, const DispatchRequest& shape) const;
  std::string TaskLines(const DispatchRequest& request) const;  // the job's environment and its argv
  Status Check(const DispatchRequest& request) const;
  const UnixUser* UserOf(const std::string& tenant) const;  // null: the service's own user
  Status MakeJobDir(const std::filesystem::path& dir, const UnixUser* user) const;
  std::vector<std::string> Sbatch(const UnixUser* user, const std::filesystem::path& script) const;
  Result<std::string> RunSbatch(const std::vector<std::string>& sbatch,
                                const std::vector<std::filesystem::path>& dirs) const;
  Result<std::string> SubmitOne(const DispatchRequest& request) const;
  void Record(const std::string& name, const std::string& handle) const;
  static constexpr const char* kIdsDir = ".ids";  // SPOOL/.ids/HANDLE: the job's name
  std::vector<Result<std::string>> SubmitArray(const std::vector<const DispatchRequest*>& requests) const;
  std::vector<Result<std::string>> SubmitSplitting(const std::vector<const DispatchRequest*>& requests) const;
  Result<std::string> Run(const std::vector<std::string>& argv) const;
  std::filesystem::path JobDir(const std::string& name) const { return o_.spool / name; }
  SlurmOptions o_;
};

// 'text' with every ' written as '\'' — safe as one word in a POSIX shell.
std::string ShellQuote(const std::string& text);

}  // namespace zhisuan::dispatch
