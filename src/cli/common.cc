#include "cli/common.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

namespace zhisuan::cli {

int Report(const Error& error) {
  fmt::print(stderr, "zhisuan: error: {}\n", error.message);
  return ExitCode(error.code);
}

Result<std::string> ReadInput(const std::string& path, std::string_view what) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIo, fmt::format("{}: cannot read {}", path, what));
  text << in.rdbuf();
  return text.str();
}

}  // namespace zhisuan::cli
