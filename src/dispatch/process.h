// dispatch/process.h — running a command (argv, never a shell) with extra environment, capturing its output.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace zhisuan::dispatch {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out, err;
  bool gave_up = false;  // killed because its error output said `give_up_on` (see RunCommand)
};

// This process's environment without the variables `set` assigns ("NAME=value") or whose names start with
// `drop_prefix` (when not empty), followed by `set`.
std::vector<std::string> Environment(const std::vector<std::string>& set, std::string_view drop_prefix = {});

// Runs `argv` with the current environment plus `env` ("NAME=value"), killing it after `timeout_s` (an
// error). When `give_up_on` is not empty and appears in its error output, it is killed at once and the result
// says `gave_up`: for a command that would otherwise sleep and retry by itself (sbatch when the cluster is
// full), so the caller decides when to try again.
Result<CommandResult> RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                 double timeout_s, std::string_view give_up_on = {});

}  // namespace zhisuan::dispatch
