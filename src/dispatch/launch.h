// dispatch/launch.h — the launch record of a local job: what the runner runs (argv, environment, wall time),
// written durably by the server before any process exists, read by zhisuan-runner. NUL-separated fields, so
// arguments may hold any byte but NUL (the job spec's loader refuses NUL).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zhisuan::dispatch {

struct Launch {
  double walltime_s = 0;
  // The Unix identity the job runs as (the runner drops to it: groups cleared, no new privileges); -1: the
  // runner's own (only where the operator allowed jobs as the service's user).
  int64_t uid = -1;
  int64_t gid = -1;
  int64_t memory_bytes = 0;  // the job's memory limit; 0: none
  std::vector<std::string> argv;
  std::vector<std::string> env;  // NAME=value: the job's whole environment
};

std::string EncodeLaunch(const Launch& launch);
// nullopt when `bytes` is not a complete launch record.
std::optional<Launch> DecodeLaunch(std::string_view bytes);

// The file names of a local job's directory, which the service owns: the job's working directory is kWork
// below it, and nothing else in it is the job's to write.
inline constexpr const char* kLaunchFile = "launch";     // the intent, before the runner exists
inline constexpr const char* kClaimFile = "claim";       // created exclusively by the one runner that runs it
inline constexpr const char* kExitFile = "exit_status";  // written by the runner when the job ends
inline constexpr const char* kCancelFile = "cancel";     // written by the server to cancel
inline constexpr const char* kStdoutFile = "stdout";
inline constexpr const char* kStderrFile = "stderr";
inline constexpr const char* kWorkDir = "work";

}  // namespace zhisuan::dispatch
