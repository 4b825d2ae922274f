#include "dispatch/slurm_backend.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "dispatch/job_files.h"
#include "dispatch/process.h"
#include "dispatch/slurm_text.h"

namespace zhisuan::dispatch {
namespace {

using slurm::Field;

// Slurm's local time "2026-11-22T04:50:01" as seconds since the epoch (nullopt for Unknown/None).
std::optional<double> SlurmTime(const std::string& text) {
  std::tm tm{};
  if (text.empty() || text == "Unknown" || text == "None") return std::nullopt;
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  tm.tm_isdst = -1;
  return static_cast<double>(std::mktime(&tm));
}

RunStatus FromSlurm(const std::string& state_in, const std::string& exit_code) {
  RunStatus s;
  const std::string state = state_in.substr(0, state_in.find_first_of(" +"));
  if (state == "PENDING" || state == "CONFIGURING" || state == "REQUEUED" || state == "SUSPENDED" ||
      state == "REQUEUE_HOLD" || state == "RESV_DEL_HOLD") {
    s.state = RunState::kQueued;
  } else if (state == "RUNNING" || state == "COMPLETING" || state == "STAGE_OUT") {
    s.state = RunState::kRunning;
  } else if (state == "COMPLETED") {
    s.state = RunState::kSucceeded;
  } else if (state == "CANCELLED") {
    s.state = RunState::kCancelled;
  } else {
    s.state = RunState::kFailed;  // FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL, DEADLINE, PREEMPTED
  }
  if (!exit_code.empty()) s.exit_code = std::atoi(exit_code.c_str());
  s.detail = "slurm " + state + (exit_code.empty() ? "" : " exit " + exit_code);
  return s;
}

}  // namespace

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

Result<std::string> SlurmBackend::Run(const std::vector<std::string>& argv) const {
  Result<CommandResult> r = RunCommand(argv, {"SLURM_CONF=" + o_.slurm_conf.string()}, o_.command_timeout_s);
  if (!r) return Fail(ErrorCode::kIo, fmt::format("slurm: {}", r.error().message));
  return slurm::Checked(argv, *r);
}

namespace {

RunStatus StatusOf(const std::string& record, bool from_jobcomp) {
  const std::string exit = Field(record, "ExitCode");
  RunStatus s = FromSlurm(Field(record, "JobState"), exit.substr(0, exit.find(':')));
  s.started_at = SlurmTime(Field(record, "StartTime"));
  if (from_jobcomp || (s.state != RunState::kQueued && s.state != RunState::kRunning))
    s.finished_at = SlurmTime(Field(record, "EndTime"));
  if (s.state == RunState::kQueued) s.started_at.reset();
  return s;
}

// The handles a scontrol or jobcomp record answers for: its job id, and for a job array the tasks it stands
// for.
std::vector<std::string> Keys(const std::string& record) {
  std::vector<std::string> keys = slurm::ArrayHandles(record);
  keys.push_back(Field(record, "JobId"));
  return keys;
}

RunStatus Lost() {
  RunStatus s;
  s.state = RunState::kLost;
  s.detail = "Slurm no longer knows the job";
  return s;
}

}  // namespace

Result<RunStatus> SlurmBackend::Poll(const std::string& handle) {
  if (!slurm::IsJobHandle(handle))
    return Fail(ErrorCode::kNotFound, fmt::format("slurm: no job '{}'", handle));
  std::map<std::string, Result<RunStatus>> answers = PollMany({handle});
  return answers.at(handle);
}

std::map<std::string, Result<RunStatus>> SlurmBackend::PollMany(const std::vector<std::string>& handles) {
  std::map<std::string, Result<RunStatus>> out;
  if (handles.empty()) return out;
  // One job: ask for it alone (scontrol answers an array task with its own record or its array's pending
  // one).
  std::vector<std::string> query = {"scontrol", "-o", "show", "job"};
  if (handles.size() == 1) query.push_back(handles.front());
  Result<std::string> all = Run(query);
  const bool unknown =
      !all && handles.size() == 1 && all.error().message.find("Invalid job id") != std::string::npos;
  if (!all && !unknown) {
    for (const std::string& h : handles) out.emplace(h, std::unexpected(all.error()));
    return out;
  }
  std::set<std::string> wanted(handles.begin(), handles.end());
  std::istringstream in(all ? *all : std::string());
  for (std::string line; std::getline(in, line);) {
    for (const std::string& key : Keys(line)) {
      if (wanted.contains(key)) out.emplace(key, StatusOf(line, false));
    }
  }
  if (out.size() < handles.size() && !o_.jobcomp.empty()) {
    std::ifstream comp(o_.jobcomp);
    for (std::string line; std::getline(comp, line);) {
      for (const std::string& key : Keys(line)) {
        if (wanted.contains(key) && !out.contains(key)) out.emplace(key, StatusOf(line, true));
      }
    }
  }
  for (const std::string& h : handles) {
    if (!out.contains(h)) out.emplace(h, Lost());
  }
  return out;
}

Status SlurmBackend::Cancel(const std::string& handle) {
  if (Result<std::string> out = Run({"scancel", handle}); !out) return std::unexpected(out.error());
  return {};
}

Status SlurmBackend::Ping() {
  Result<std::string> out = Run({"scontrol", "ping"});
  if (!out) return std::unexpected(out.error());
  if (out->find("is UP") == std::string::npos && out->find(" UP") == std::string::npos) {
    return Fail(ErrorCode::kIo, fmt::format("slurm: controller down: {}", *out));
  }
  return {};
}

Result<std::string> SlurmBackend::Logs(const std::string& handle, size_t max_bytes) {
  // The job's directory is found from the id recorded at submission (files of the service's); the output is
  // read from the job's own directory without following links.
  auto recorded = [](const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string word;
    in >> word;
    return word;
  };
  if (!slurm::IsJobHandle(handle))
    return Fail(ErrorCode::kNotFound, fmt::format("slurm: no job '{}'", handle));
  const std::string name = recorded(o_.spool / kIdsDir / handle);
  if (!name.empty() && name.find('/') == std::string::npos &&
      recorded(JobDir(name) / "slurm_job_id") == handle) {
    const std::filesystem::path work = JobDir(name) / "work";
    return "--- stdout\n" + Tail(work / "stdout", max_bytes) + "--- stderr\n" +
           Tail(work / "stderr", max_bytes);
  }
  return Fail(ErrorCode::kNotFound, fmt::format("slurm: no job '{}' in {}", handle, o_.spool.string()));
}

}  // namespace zhisuan::dispatch
