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
  int max_concurrent_submits() const override { return 4; }
  Status Cancel(const std::string& handle) override;
  Status Ping() override;
  Result<std::string> Logs(const std::string& handle, size_t max_bytes) override;

  // The batch script for a request (exposed for the injection tests).
  std::string BatchScript(const DispatchRequest& request) const;

 private:
  Result<std::string> Run(const std::vector<std::string>& argv) const;
  std::filesystem::path JobDir(const std::string& name) const { return o_.spool / name; }
  SlurmOptions o_;
};

// 'text' with every ' written as '\'' — safe as one word in a POSIX shell.
std::string ShellQuote(const std::string& text);

}  // namespace zhisuan::dispatch
