// dispatch/local_backend.h — runs a center's jobs as local processes through zhisuan-runner: one working
// directory per job under `root` (named by the job's name), the program run from an argv array (never a
// shell), its own process group, stdout and stderr in files, the wall-time limit enforced, cancel = SIGTERM
// to the group. The runner writes its pid and the exit status to files, so a restarted server re-attaches to
// running jobs.
#pragma once

#include <filesystem>
#include <string>

#include "dispatch/backend.h"

namespace zhisuan::dispatch {

class LocalBackend final : public Backend {
 public:
  LocalBackend(std::filesystem::path root, std::filesystem::path runner);
  std::string_view kind() const override { return "local"; }
  Result<std::string> Submit(const DispatchRequest& request) override;
  Result<std::optional<std::string>> Find(const std::string& name) override;
  Result<RunStatus> Poll(const std::string& handle) override;
  Status Cancel(const std::string& handle) override;
  Status Ping() override;
  Result<std::string> Logs(const std::string& handle, size_t max_bytes) override;

  // zhisuan-runner next to the running executable.
  static std::filesystem::path DefaultRunner();

 private:
  Result<std::filesystem::path> DirOf(const std::string& handle) const;
  std::filesystem::path root_, runner_;
};

}  // namespace zhisuan::dispatch
