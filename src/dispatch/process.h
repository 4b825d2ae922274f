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
};

// This process's environment without the variables `set` assigns ("NAME=value") or whose names start with
// `drop_prefix` (when not empty), followed by `set`.
std::vector<std::string> Environment(const std::vector<std::string>& set, std::string_view drop_prefix = {});

// Runs `argv` with the current environment plus `env` ("NAME=value"), killing it after `timeout_s`.
Result<CommandResult> RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                 double timeout_s);

}  // namespace zhisuan::dispatch
