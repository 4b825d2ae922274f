#include "dispatch/local_backend.h"

#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "dispatch/process.h"

namespace zhisuan::dispatch {
namespace {

std::optional<std::string> ReadSmall(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tail(const std::filesystem::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const auto size = static_cast<size_t>(in.tellg());
  const size_t from = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string out(size - from, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

std::string Join(const std::vector<int>& ids) {
  std::string out;
  for (int id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

}  // namespace

LocalBackend::LocalBackend(std::filesystem::path root, std::filesystem::path runner)
    : root_(std::move(root)), runner_(std::move(runner)) {}

std::filesystem::path LocalBackend::DefaultRunner() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("zhisuan-runner") : self.parent_path() / "zhisuan-runner";
}

namespace {

// A job name is a directory name: letters, digits, '-' and '_' only.
bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

Result<std::filesystem::path> LocalBackend::DirOf(const std::string& handle) const {
  if (!handle.starts_with("local:") || !ValidName(std::string_view(handle).substr(6))) {
    return Fail(ErrorCode::kNotFound, fmt::format("local: no job '{}'", handle));
  }
  return root_ / handle.substr(6);
}

Result<std::optional<std::string>> LocalBackend::Find(const std::string& name) {
  if (!ValidName(name))
    return Fail(ErrorCode::kInvalidArgument, fmt::format("local: '{}' is not a job name", name));
  const std::filesystem::path dir = root_ / name;
  std::error_code ec;
  if (!std::filesystem::exists(dir / "spawned", ec)) return std::optional<std::string>();
  // A runner spawned just before a crash writes its pid within milliseconds.
  for (int i = 0; i < 100 && !std::filesystem::exists(dir / "runner.pid", ec) &&
                  !std::filesystem::exists(dir / "exit_status", ec);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::optional<std::string>("local:" + name);
}

Result<std::string> LocalBackend::Submit(const DispatchRequest& r) {
  if (r.command.empty()) {
    return Fail(ErrorCode::kValidation, "command: a job for a local center needs a command (an argv array)");
  }
  Result<std::optional<std::string>> found = Find(r.name);
  if (!found) return std::unexpected(found.error());
  if (found->has_value()) return **found;
  const std::filesystem::path dir = root_ / r.name;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(ErrorCode::kIo, fmt::format("local: cannot create {}: {}", dir.string(), ec.message()));
  std::vector<std::string> args = {runner_.string(), dir.string(), fmt::format("{:.3f}", r.walltime_s), "--"};
  args.insert(args.end(), r.command.begin(), r.command.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The server's own ZHISUAN_* settings (a token, say) never reach a job.
  std::vector<std::string> env_strings =
      Environment({fmt::format("ZHISUAN_JOB_ID={}", r.job_id), fmt::format("ZHISUAN_TENANT={}", r.tenant),
                   fmt::format("ZHISUAN_DEVICES={}", r.devices),
                   fmt::format("ZHISUAN_VISIBLE_DEVICES={}", Join(r.device_ids)),
                   fmt::format("CUDA_VISIBLE_DEVICES={}", Join(r.device_ids))},
                  "ZHISUAN_");
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  // The server blocks SIGTERM and SIGINT in its threads (a waiter takes them); the job must not inherit that.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, runner_.c_str(), nullptr, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  if (const int rc = spawned; rc != 0) {
    return Fail(ErrorCode::kIo,
                fmt::format("local: cannot start {}: {}", runner_.string(), std::strerror(rc)));
  }
  int status = 0;
  ::waitpid(pid, &status, 0);  // the runner's first process exits at once after detaching
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Fail(ErrorCode::kIo, fmt::format("local: {} failed to start the job", runner_.string()));
  }
  std::ofstream(dir / "spawned") << "1\n";
  return "local:" + r.name;
}

Result<RunStatus> LocalBackend::Poll(const std::string& handle) {
  Result<std::filesystem::path> dir = DirOf(handle);
  if (!dir) return std::unexpected(dir.error());
  RunStatus s;
  if (std::optional<std::string> started = ReadSmall(*dir / "started"))
    s.started_at = std::atof(started->c_str());
  if (std::optional<std::string> exit = ReadSmall(*dir / "exit_status")) {
    std::istringstream in(*exit);
    std::string how, flag;
    int code = 0;
    double at = 0;
    in >> how >> code >> at >> flag;
    s.finished_at = at;
    std::error_code ec;
    const bool cancelled = std::filesystem::exists(*dir / "cancel", ec);
    if (how == "exit")
      s.exit_code = code;
    else
      s.exit_code = 128 + code;
    if (cancelled) {
      s.state = RunState::kCancelled;
      s.detail = "cancelled";
    } else if (flag == "timeout") {
      s.state = RunState::kFailed;
      s.detail = "wall-time limit reached";
    } else {
      s.state = how == "exit" && code == 0 ? RunState::kSucceeded : RunState::kFailed;
      s.detail = fmt::format("{} {}", how, code);
    }
    return s;
  }
  std::optional<std::string> pid_text = ReadSmall(*dir / "runner.pid");
  if (!pid_text) {
    std::error_code ec;
    if (!std::filesystem::exists(*dir / "spawned", ec) && !std::filesystem::exists(*dir, ec)) {
      return Fail(ErrorCode::kNotFound, fmt::format("local: no job '{}'", handle));
    }
    s.state = RunState::kQueued;
    return s;
  }
  const pid_t pid = static_cast<pid_t>(std::atol(pid_text->c_str()));
  if (pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM)) {
    s.state = RunState::kRunning;
    return s;
  }
  // The runner writes the exit status before it exits; a last look closes the race.
  if (ReadSmall(*dir / "exit_status")) return Poll(handle);
  s.state = RunState::kLost;
  s.detail = "the runner died without an exit status";
  return s;
}

Status LocalBackend::Cancel(const std::string& handle) {
  Result<std::filesystem::path> dir = DirOf(handle);
  if (!dir) return std::unexpected(dir.error());
  std::ofstream(*dir / "cancel") << "1\n";
  if (std::optional<std::string> pid_text = ReadSmall(*dir / "runner.pid")) {
    const pid_t pid = static_cast<pid_t>(std::atol(pid_text->c_str()));
    if (pid > 0) ::kill(-pid, SIGTERM);
  }
  return {};
}

Status LocalBackend::Ping() {
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) return Fail(ErrorCode::kIo, fmt::format("local: {}: {}", root_.string(), ec.message()));
  if (::access(runner_.c_str(), X_OK) != 0) {
    return Fail(ErrorCode::kIo, fmt::format("local: {} is not executable", runner_.string()));
  }
  return {};
}

Result<std::string> LocalBackend::Logs(const std::string& handle, size_t max_bytes) {
  Result<std::filesystem::path> dir = DirOf(handle);
  if (!dir) return std::unexpected(dir.error());
  return "--- stdout\n" + Tail(*dir / "stdout", max_bytes) + "--- stderr\n" +
         Tail(*dir / "stderr", max_bytes);
}

}  // namespace zhisuan::dispatch
