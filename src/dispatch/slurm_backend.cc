#include "dispatch/slurm_backend.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "dispatch/process.h"

namespace zhisuan::dispatch {
namespace {

// "KEY=value" from scontrol's or jobcomp's "A=b C=d" text.
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

// A command's output, or its failure with what it said.
Result<std::string> Checked(const std::vector<std::string>& argv, const CommandResult& r) {
  if (r.exit_code == 0) return r.out;
  std::string err = r.err.empty() ? r.out : r.err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  return Fail(ErrorCode::kIo, fmt::format("slurm: {} exited {}: {}", argv[0], r.exit_code, err));
}

// Whether sbatch's error output says the cluster cannot take a job now but may later (its own retries ran
// out): MaxJobCount reached, or the controller is busy.
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
  return Checked(argv, *r);
}

std::string SlurmBackend::BatchScript(const DispatchRequest& r) const {
  const std::filesystem::path dir = JobDir(r.name);
  const int64_t minutes = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(r.walltime_s / 60)));
  std::string devices;
  for (int id : r.device_ids) {
    if (!devices.empty()) devices += ',';
    devices += std::to_string(id);
  }
  std::string script = "#!/bin/sh\n";
  script += fmt::format("#SBATCH --job-name={}\n", r.name);
  script += fmt::format("#SBATCH --output={}\n#SBATCH --error={}\n", (dir / "stdout").string(),
                        (dir / "stderr").string());
  script += fmt::format("#SBATCH --chdir={}\n", dir.string());
  script +=
      fmt::format("#SBATCH --ntasks=1\n#SBATCH --cpus-per-task={}\n#SBATCH --time={}\n", r.devices, minutes);
  if (!o_.partition.empty()) script += fmt::format("#SBATCH --partition={}\n", o_.partition);
  script += fmt::format("export ZHISUAN_JOB_ID={}\nexport ZHISUAN_DEVICES={}\n", r.job_id, r.devices);
  script += fmt::format("export ZHISUAN_VISIBLE_DEVICES={0}\nexport CUDA_VISIBLE_DEVICES={0}\n",
                        ShellQuote(devices));
  script += "exec";
  for (const std::string& arg : r.command) {
    script += ' ';
    script += ShellQuote(arg);
  }
  return script + "\n";
}

Result<std::string> SlurmBackend::Submit(const DispatchRequest& r) {
  if (r.command.empty()) {
    return Fail(ErrorCode::kValidation, "command: a job for a Slurm center needs a command (an argv array)");
  }
  for (const std::string& arg : r.command) {
    if (arg.find('\n') != std::string::npos || arg.find('\0') != std::string::npos) {
      return Fail(ErrorCode::kValidation,
                  "command: arguments for a Slurm center must not contain line breaks");
    }
  }
  for (char c : r.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("slurm: '{}' is not a job name", r.name));
    }
  }
  if (r.name.empty()) return Fail(ErrorCode::kInvalidArgument, "slurm: a job needs a name");
  std::optional<UnixUser> user;
  if (auto it = o_.users.by_tenant.find(r.tenant); it != o_.users.by_tenant.end()) {
    user = it->second;
  } else if (!o_.users.allow_service_user) {
    return Fail(
        ErrorCode::kValidation,
        fmt::format("tenant '{}' has no Unix user for Slurm centers (the backends file's tenants: {}: "
                    "{{user: NAME}}); jobs never run as the service's user",
                    r.tenant, r.tenant.empty() ? "TENANT" : r.tenant));
  }
  const std::filesystem::path dir = JobDir(r.name);
  std::error_code ec;
  // The job's directory is made before sbatch runs: without it no earlier attempt can have submitted the job,
  // and the lookup by name (a squeue per job) is skipped.
  if (std::filesystem::exists(dir, ec)) {
    Result<std::optional<std::string>> found = Find(r.name);
    if (!found) return std::unexpected(found.error());
    if (found->has_value()) return **found;
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(ErrorCode::kIo, fmt::format("slurm: cannot create {}: {}", dir.string(), ec.message()));
  const std::filesystem::path script = dir / "job.sh";
  std::ofstream(script) << BatchScript(r);
  std::vector<std::string> sbatch = {"sbatch", "--parsable"};
  if (user) {
    // The job's output directory is its user's; Slurm starts the job as that user (owner in squeue).
    if (::chown(dir.c_str(), user->uid, user->gid) != 0) {
      return Fail(ErrorCode::kIo, fmt::format("slurm: cannot give {} to user {}: {}", dir.string(),
                                              user->name, std::strerror(errno)));
    }
    sbatch.push_back(fmt::format("--uid={}", user->uid));
    sbatch.push_back(fmt::format("--gid={}", user->gid));
    if (!user->account.empty()) sbatch.push_back("--account=" + user->account);
  }
  sbatch.push_back(script.string());
  // When the cluster is full (MaxJobCount) or busy, sbatch says so and sleeps and retries for up to two
  // minutes by itself: give up on it at once, so that the service keeps the job placed and decides when to
  // try again, and the other submission lanes are not held.
  Result<CommandResult> ran = RunCommand(sbatch, {"SLURM_CONF=" + o_.slurm_conf.string()},
                                         o_.command_timeout_s, "sleeping and retrying");
  if (!ran) return Fail(ErrorCode::kIo, fmt::format("slurm: {}", ran.error().message));
  if (ran->gave_up || (ran->exit_code != 0 && Refused(ran->err))) {
    std::filesystem::remove_all(dir, ec);  // not submitted: the next attempt needs no lookup by name
    return Fail(ErrorCode::kRateLimited,
                fmt::format("slurm: the cluster refuses new jobs for now ({})", FirstLine(ran->err)));
  }
  Result<std::string> out = Checked(sbatch, *ran);
  if (!out) return std::unexpected(out.error());
  const std::string id = out->substr(0, out->find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    return Fail(ErrorCode::kIo, fmt::format("slurm: sbatch answered '{}'", *out));
  }
  std::ofstream(dir / "slurm_job_id") << id << "\n";
  return id;
}

Result<std::optional<std::string>> SlurmBackend::Find(const std::string& name) {
  std::ifstream recorded(JobDir(name) / "slurm_job_id");
  std::string id;
  if (recorded >> id && !id.empty()) return std::optional<std::string>(id);
  // Submitted, but the server died before recording the id: the job name finds it while Slurm knows it.
  Result<std::string> out = Run({"squeue", "-h", "-n", name, "-o", "%i"});
  if (!out) return std::unexpected(out.error());
  std::istringstream in(*out);
  if (in >> id) return std::optional<std::string>(id);
  if (!o_.jobcomp.empty()) {
    std::ifstream comp(o_.jobcomp);
    const std::string needle = fmt::format("Name={} ", name);
    for (std::string line; std::getline(comp, line);) {
      if ((line + " ").find(needle) != std::string::npos)
        return std::optional<std::string>(Field(line, "JobId"));
    }
  }
  return std::optional<std::string>();
}

Result<RunStatus> SlurmBackend::Poll(const std::string& handle) {
  if (handle.empty() || handle.find_first_not_of("0123456789") != std::string::npos) {
    return Fail(ErrorCode::kNotFound, fmt::format("slurm: no job '{}'", handle));
  }
  Result<std::string> out = Run({"scontrol", "-o", "show", "job", handle});
  if (out) {
    const std::string exit = Field(*out, "ExitCode");
    RunStatus s = FromSlurm(Field(*out, "JobState"), exit.substr(0, exit.find(':')));
    s.started_at = SlurmTime(Field(*out, "StartTime"));
    if (s.state != RunState::kQueued && s.state != RunState::kRunning)
      s.finished_at = SlurmTime(Field(*out, "EndTime"));
    if (s.state == RunState::kQueued) s.started_at.reset();
    return s;
  }
  if (!o_.jobcomp.empty()) {
    std::ifstream comp(o_.jobcomp);
    for (std::string line; std::getline(comp, line);) {
      if (Field(line, "JobId") == handle) {
        const std::string exit = Field(line, "ExitCode");
        RunStatus s = FromSlurm(Field(line, "JobState"), exit.substr(0, exit.find(':')));
        s.started_at = SlurmTime(Field(line, "StartTime"));
        s.finished_at = SlurmTime(Field(line, "EndTime"));
        return s;
      }
    }
  }
  if (out.error().message.find("Invalid job id") != std::string::npos) {
    RunStatus s;
    s.state = RunState::kLost;
    s.detail = "Slurm no longer knows the job";
    return s;
  }
  return std::unexpected(out.error());
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

}  // namespace

std::map<std::string, Result<RunStatus>> SlurmBackend::PollMany(const std::vector<std::string>& handles) {
  std::map<std::string, Result<RunStatus>> out;
  if (handles.empty()) return out;
  Result<std::string> all = Run({"scontrol", "-o", "show", "job"});
  if (!all) {
    for (const std::string& h : handles) out.emplace(h, std::unexpected(all.error()));
    return out;
  }
  std::map<std::string, const std::string*> wanted;
  for (const std::string& h : handles) wanted.emplace(h, nullptr);
  std::vector<std::string> lines;
  std::istringstream in(*all);
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  for (const std::string& line : lines) {
    auto it = wanted.find(Field(line, "JobId"));
    if (it != wanted.end()) out.emplace(it->first, StatusOf(line, false));
  }
  if (out.size() < handles.size() && !o_.jobcomp.empty()) {
    std::ifstream comp(o_.jobcomp);
    for (std::string line; std::getline(comp, line);) {
      const std::string id = Field(line, "JobId");
      if (wanted.contains(id) && !out.contains(id)) out.emplace(id, StatusOf(line, true));
    }
  }
  for (const std::string& h : handles) {
    if (out.contains(h)) continue;
    RunStatus s;
    s.state = RunState::kLost;
    s.detail = "Slurm no longer knows the job";
    out.emplace(h, s);
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
  // The job directory is found by the id recorded at submission.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(o_.spool, ec)) {
    std::ifstream id_file(entry.path() / "slurm_job_id");
    std::string id;
    if (!(id_file >> id) || id != handle) continue;
    std::string text;
    for (const char* name : {"stdout", "stderr"}) {
      std::ifstream in(entry.path() / name, std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      std::string body = s.str();
      if (body.size() > max_bytes) body = body.substr(body.size() - max_bytes);
      text += fmt::format("--- {}\n{}", name, body);
    }
    return text;
  }
  return Fail(ErrorCode::kNotFound, fmt::format("slurm: no job '{}' in {}", handle, o_.spool.string()));
}

}  // namespace zhisuan::dispatch
