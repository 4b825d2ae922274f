// dispatch/process.h — running a command (argv, never a shell) with extra environment, capturing its output.
#pragma once

#include <string>
#include <vector>

#include "util/error.h"

namespace zhisuan::dispatch {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out, err;
};

// Runs `argv` with the current environment plus `env` ("NAME=value"), killing it after `timeout_s`.
Result<CommandResult> RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                 double timeout_s);

}  // namespace zhisuan::dispatch
