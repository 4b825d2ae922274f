#include "dispatch/local_backend.h"

#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

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
  for (int id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
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

Result<std::filesystem::path> LocalBackend::DirOf(const std::string& handle) const {
  int64_t id = 0;
  if (!handle.starts_with("local-")) return Fail(ErrorCode::kNotFound, fmt::format("local: no job '{}'", handle));
  auto [ptr, ec] = std::from_chars(handle.data() + 6, handle.data() + handle.size(), id);
  if (ec != std::errc() || ptr != handle.data() + handle.size()) {
    return Fail(ErrorCode::kNotFound, fmt::format("local: no job '{}'", handle));
  }
  return root_ / fmt::format("job-{}", id);
}

Result<std::optional<std::string>> LocalBackend::Find(int64_t job_id) {
  const std::filesystem::path dir = root_ / fmt::format("job-{}", job_id);
  std::error_code ec;
  if (!std::filesystem::exists(dir / "spawned", ec)) return std::optional<std::string>();
  // A runner spawned just before a crash writes its pid within milliseconds.
  for (int i = 0; i < 100 && !std::filesystem::exists(dir / "runner.pid", ec) &&
                  !std::filesystem::exists(dir / "exit_status", ec);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::optional<std::string>(fmt::format("local-{}", job_id));
}

Result<std::string> LocalBackend::Submit(const DispatchRequest& r) {
  if (r.command.empty()) {
    return Fail(ErrorCode::kValidation, "command: a job for a local center needs a command (an argv array)");
  }
  if (Result<std::optional<std::string>> found = Find(r.job_id); found && found->has_value()) return **found;
  const std::filesystem::path dir = root_ / fmt::format("job-{}", r.job_id);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(ErrorCode::kIo, fmt::format("local: cannot create {}: {}", dir.string(), ec.message()));
  std::vector<std::string> args = {runner_.string(), dir.string(), fmt::format("{:.3f}", r.walltime_s), "--"};
  args.insert(args.end(), r.command.begin(), r.command.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view kv(*e);
    if (kv.starts_with("ZHISUAN_") || kv.starts_with("CUDA_VISIBLE_DEVICES=")) continue;
    env_strings.emplace_back(kv);
  }
  env_strings.push_back(fmt::format("ZHISUAN_JOB_ID={}", r.job_id));
  env_strings.push_back(fmt::format("ZHISUAN_TENANT={}", r.tenant));
  env_strings.push_back(fmt::format("ZHISUAN_DEVICES={}", r.devices));
  env_strings.push_back(fmt::format("ZHISUAN_VISIBLE_DEVICES={}", Join(r.device_ids)));
  env_strings.push_back(fmt::format("CUDA_VISIBLE_DEVICES={}", Join(r.device_ids)));
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  if (const int rc = ::posix_spawn(&pid, runner_.c_str(), nullptr, nullptr, argv.data(), envp.data()); rc != 0) {
    return Fail(ErrorCode::kIo, fmt::format("local: cannot start {}: {}", runner_.string(), std::strerror(rc)));
  }
  int status = 0;
  ::waitpid(pid, &status, 0);  // the runner's first process exits at once after detaching
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Fail(ErrorCode::kIo, fmt::format("local: {} failed to start the job", runner_.string()));
  }
  std::ofstream(dir / "spawned") << "1\n";
  return fmt::format("local-{}", r.job_id);
}

Result<RunStatus> LocalBackend::Poll(const std::string& handle) {
  Result<std::filesystem::path> dir = DirOf(handle);
  if (!dir) return std::unexpected(dir.error());
  RunStatus s;
  if (std::optional<std::string> started = ReadSmall(*dir / "started")) s.started_at = std::atof(started->c_str());
  if (std::optional<std::string> exit = ReadSmall(*dir / "exit_status")) {
    std::istringstream in(*exit);
    std::string how, flag;
    int code = 0;
    double at = 0;
    in >> how >> code >> at >> flag;
    s.finished_at = at;
    std::error_code ec;
    const bool cancelled = std::filesystem::exists(*dir / "cancel", ec);
    if (how == "exit") s.exit_code = code;
    else s.exit_code = 128 + code;
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
  return "--- stdout\n" + Tail(*dir / "stdout", max_bytes) + "--- stderr\n" + Tail(*dir / "stderr", max_bytes);
}

}  // namespace zhisuan::dispatch
