#include "dispatch/slurm_text.h"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

namespace zhisuan::dispatch::slurm {

std::string Field(const std::string& text, const std::string& key) {
  const std::string needle = key + "=";
  size_t at = 0;
  while ((at = text.find(needle, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == ' ' || text[at - 1] == '\n') {
      const size_t start = at + needle.size();
      const size_t end = text.find_first_of(" \n", start);
      return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    at += needle.size();
  }
  return {};
}

Result<std::string> Checked(const std::vector<std::string>& argv, const CommandResult& r) {
  if (r.exit_code == 0) return r.out;
  std::string err = r.err.empty() ? r.out : r.err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  return Fail(ErrorCode::kIo, fmt::format("slurm: {} exited {}: {}", argv[0], r.exit_code, err));
}

bool Refused(const std::string& err) {
  for (const char* why : {"temporarily unable", "Resource temporarily unavailable", "queue full",
                          "MaxJobCount", "temporarily disabled"}) {
    if (err.find(why) != std::string::npos) return true;
  }
  return false;
}

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 200) line.resize(200);
  return line;
}

namespace {

bool AllDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::vector<std::string> ArrayHandles(const std::string& record, size_t limit) {
  std::vector<std::string> out;
  const std::string array = Field(record, "ArrayJobId"), tasks = Field(record, "ArrayTaskId");
  if (!AllDigits(array) || tasks.empty()) return out;
  std::istringstream in(tasks.substr(0, tasks.find('%')));  // "%N": the array's limit of running tasks
  for (std::string part; std::getline(in, part, ',') && out.size() < limit;) {
    const size_t dash = part.find('-');
    const std::string first = part.substr(0, dash),
                      last = dash == std::string::npos ? first : part.substr(dash + 1);
    if (!AllDigits(first) || !AllDigits(last) || first.size() > 9 || last.size() > 9) continue;
    for (long i = std::atol(first.c_str()), end = std::atol(last.c_str()); i <= end && out.size() < limit;
         ++i) {
      out.push_back(array + "_" + std::to_string(i));
    }
  }
  return out;
}

bool IsJobHandle(const std::string& handle) {
  const size_t underscore = handle.find('_');
  if (underscore == std::string::npos) return AllDigits(handle);
  return AllDigits(handle.substr(0, underscore)) && AllDigits(handle.substr(underscore + 1));
}

}  // namespace zhisuan::dispatch::slurm
