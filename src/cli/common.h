// cli/common.h — what every command shares: reporting an error with its exit code, and reading an input file.
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace zhisuan::cli {

// Prints "zhisuan: error: MESSAGE" to stderr; returns the exit code of the error.
int Report(const Error& error);

// The whole file at `path` ("-" reads standard input); `what` names it in the error ("job spec").
Result<std::string> ReadInput(const std::string& path, std::string_view what);

}  // namespace zhisuan::cli
