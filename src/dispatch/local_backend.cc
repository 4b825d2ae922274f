#include "dispatch/local_backend.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "dispatch/job_files.h"
#include "dispatch/launch.h"

namespace zhisuan::dispatch {
namespace {

// Reads a small file of a job's directory; never follows a symbolic link, never reads past 64 KB.
std::optional<std::string> ReadSmall(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  std::string out;
  char chunk[4096];
  ssize_t n = 0;
  while (out.size() < (64u << 10) && (n = ::read(fd, chunk, sizeof chunk)) > 0)
    out.append(chunk, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

// Writes DIR/name through a temporary file, fsync and rename, then syncs DIR: durable before the caller acts.
Status WriteDurably(const std::filesystem::path& dir, const char* name, const std::string& text) {
  const std::filesystem::path tmp = dir / (std::string(".") + name + ".tmp");
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return Fail(ErrorCode::kIo,
                fmt::format("local: cannot write {}: {}", tmp.string(), std::strerror(errno)));
  size_t done = 0;
  bool ok = true;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), (dir / name).c_str()) != 0) {
    return Fail(ErrorCode::kIo,
                fmt::format("local: cannot write {}: {}", (dir / name).string(), std::strerror(errno)));
  }
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
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

LocalBackend::LocalBackend(std::filesystem::path root, std::filesystem::path runner, TenantUsers users)
    : root_(std::move(root)), runner_(std::move(runner)), users_(std::move(users)) {}

Result<UnixUser> ResolveUnixUser(const std::string& user, const std::string& group) {
  std::vector<char> buffer(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwnam_r(user.c_str(), &pw, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
    return Fail(ErrorCode::kNotFound, fmt::format("user: '{}' is not a user of this host", user));
  }
  UnixUser out{user, found->pw_uid, found->pw_gid, {}};
  if (out.uid == 0) {
    return Fail(ErrorCode::kValidation,
                fmt::format("user: '{}' is root; tenants' jobs never run as root", user));
  }
  if (!group.empty()) {
    ::group gr{};
    ::group* g = nullptr;
    if (::getgrnam_r(group.c_str(), &gr, buffer.data(), buffer.size(), &g) != 0 || g == nullptr) {
      return Fail(ErrorCode::kNotFound, fmt::format("group: '{}' is not a group of this host", group));
    }
    out.gid = g->gr_gid;
  }
  if (out.gid == 0) {
    return Fail(ErrorCode::kValidation,
                fmt::format("group: the group of '{}' is root's; choose another", user));
  }
  return out;
}

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
  std::error_code ec;
  if (!std::filesystem::exists(root_ / name / kLaunchFile, ec)) return std::optional<std::string>();
  return std::optional<std::string>("local:" + name);
}

Status LocalBackend::StartRunner(const std::filesystem::path& dir) {
  std::vector<std::string> args = {runner_.string(), dir.string()};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The runner needs nothing from the server's environment (the job's own is in the launch record).
  std::string path = "PATH=/usr/local/bin:/usr/bin:/bin";
  std::vector<char*> envp = {path.data(), nullptr};
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
  if (spawned != 0) {
    return Fail(ErrorCode::kIo,
                fmt::format("local: cannot start {}: {}", runner_.string(), std::strerror(spawned)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Fail(ErrorCode::kIo, fmt::format("local: {} failed to start the job", runner_.string()));
  }
  return {};
}

Result<std::string> LocalBackend::Submit(const DispatchRequest& r) {
  if (r.command.empty()) {
    return Fail(ErrorCode::kValidation, "command: a job for a local center needs a command (an argv array)");
  }
  if (!ValidName(r.name))
    return Fail(ErrorCode::kInvalidArgument, fmt::format("local: '{}' is not a job name", r.name));
  const std::filesystem::path dir = root_ / r.name;
  const std::string handle = "local:" + r.name;
  std::error_code ec;
  if (!std::filesystem::exists(dir / kLaunchFile, ec)) {
    std::optional<UnixUser> user;
    if (auto it = users_.by_tenant.find(r.tenant); it != users_.by_tenant.end()) {
      user = it->second;
    } else if (!users_.allow_service_user) {
      return Fail(
          ErrorCode::kValidation,
          fmt::format("tenant '{}' has no Unix user for local centers (the backends file's tenants: {}: "
                      "{{user: NAME}}); jobs never run as the service's user",
                      r.tenant, r.tenant.empty() ? "TENANT" : r.tenant));
    }
    std::filesystem::create_directories(dir / kWorkDir, ec);
    if (ec)
      return Fail(ErrorCode::kIo, fmt::format("local: cannot create {}: {}", dir.string(), ec.message()));
    // The job's directory is the service's: others may pass through it to work/ (0711) but read or write
    // nothing in it. work/ is the job user's alone.
    using std::filesystem::perms;
    std::filesystem::permissions(dir, perms::owner_all | perms::group_exec | perms::others_exec, ec);
    std::filesystem::permissions(dir / kWorkDir, perms::owner_all, ec);
    // zhisuan-runner gives work/ to the job's user (it holds the privilege; the server need not).
    // The job's environment is built from scratch: nothing of the server's (its tokens, say) reaches it.
    Launch launch;
    launch.walltime_s = r.walltime_s > 0 ? r.walltime_s : 3600;
    if (user) {
      launch.uid = user->uid;
      launch.gid = user->gid;
    }
    launch.argv = r.command;
    launch.memory_bytes = static_cast<int64_t>(std::ceil(r.memory_gb * 1024 * 1024 * 1024));
    const std::string work = (dir / kWorkDir).string();
    launch.env = {"PATH=/usr/local/bin:/usr/bin:/bin",
                  "HOME=" + work,
                  "TMPDIR=" + work,
                  "LANG=C.UTF-8",
                  "USER=" + (user ? user->name : std::string("zhisuan")),
                  fmt::format("ZHISUAN_JOB_ID={}", r.job_id),
                  fmt::format("ZHISUAN_TENANT={}", r.tenant),
                  fmt::format("ZHISUAN_DEVICES={}", r.devices),
                  fmt::format("ZHISUAN_VISIBLE_DEVICES={}", Join(r.device_ids)),
                  fmt::format("CUDA_VISIBLE_DEVICES={}", Join(r.device_ids))};
    if (Status s = WriteDurably(dir, kLaunchFile, EncodeLaunch(launch)); !s)
      return std::unexpected(s.error());
  }
  if (std::filesystem::exists(dir / kClaimFile, ec)) return handle;  // a runner has it already
  {
    std::lock_guard lock(mu_);
    started_[r.name] = Now();
  }
  if (Status s = StartRunner(dir); !s) return std::unexpected(s.error());
  return handle;
}

pid_t LocalBackend::LiveRunner(const std::filesystem::path& dir) const {
  std::optional<std::string> claim = ReadSmall(dir / kClaimFile);
  if (!claim) return 0;
  const pid_t pid = static_cast<pid_t>(std::atol(claim->c_str()));
  if (pid <= 1) return 0;
  // The pid must still be the runner of this directory (not a process that reused the number):
  // /proc/PID/cmdline is "RUNNER\0DIR\0".
  std::optional<std::string> cmdline =
      ReadSmall(std::filesystem::path("/proc") / std::to_string(pid) / "cmdline");
  if (!cmdline) return 0;
  const size_t first = cmdline->find('\0');
  if (first == std::string::npos) return 0;
  const std::string arg = cmdline->substr(first + 1, cmdline->find('\0', first + 1) - first - 1);
  return arg == dir.string() ? pid : 0;
}

Result<RunStatus> LocalBackend::Poll(const std::string& handle) {
  Result<std::filesystem::path> dir = DirOf(handle);
  if (!dir) return std::unexpected(dir.error());
  RunStatus s;
  if (std::optional<std::string> claim = ReadSmall(*dir / kClaimFile)) {
    std::istringstream in(*claim);
    long pid = 0;
    double at = 0;
    if (in >> pid >> at) s.started_at = at;
  }
  if (std::optional<std::string> exit = ReadSmall(*dir / kExitFile)) {
    std::istringstream in(*exit);
    std::string how, flag;
    int code = 0;
    double at = 0;
    in >> how >> code >> at >> flag;
    s.finished_at = at;
    std::error_code ec;
    const bool cancelled = flag == "cancelled" || std::filesystem::exists(*dir / kCancelFile, ec);
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
    } else if (flag == "setup-failed") {
      s.state = RunState::kFailed;
      s.detail = "the runner could not set up the job's user (its logs say why)";
    } else if (flag == "launch-failed") {
      s.state = RunState::kLost;
      s.detail = "the runner could not record its claim";
    } else {
      s.state = how == "exit" && code == 0 ? RunState::kSucceeded : RunState::kFailed;
      s.detail = fmt::format("{} {}", how, code);
    }
    return s;
  }
  std::error_code ec;
  if (!std::filesystem::exists(*dir / kClaimFile, ec)) {
    if (!std::filesystem::exists(*dir / kLaunchFile, ec)) {
      return Fail(ErrorCode::kNotFound, fmt::format("local: no job '{}'", handle));
    }
    // Launched but not claimed: a runner is starting, or none was ever started (the server died between the
    // launch record and the runner). After the grace period, start one: the claim keeps it to one run.
    const std::string name = handle.substr(6);
    const double now = Now();
    double last = 0;
    {
      std::lock_guard lock(mu_);
      last = started_[name];
    }
    const auto written = std::filesystem::last_write_time(*dir / kLaunchFile, ec);
    const double age_s =
        ec ? 0
           : std::chrono::duration<double>(std::filesystem::file_time_type::clock::now() - written).count();
    if (age_s > kClaimGraceS && now - last > kClaimGraceS) {
      {
        std::lock_guard lock(mu_);
        started_[name] = now;
      }
      if (Status started = StartRunner(*dir); !started) return std::unexpected(started.error());
    }
    s.state = RunState::kQueued;
    return s;
  }
  {
    std::lock_guard lock(mu_);
    started_.erase(handle.substr(6));  // claimed: the restart bookkeeping for it is done
  }
  if (LiveRunner(*dir) > 0) {
    s.state = RunState::kRunning;
    return s;
  }
  // The runner writes the exit status before it exits; a last look closes the race.
  if (ReadSmall(*dir / kExitFile)) return Poll(handle);
  s.state = RunState::kLost;
  s.detail = "the runner died without an exit status";
  return s;
}

Status LocalBackend::Cancel(const std::string& handle) {
  Result<std::filesystem::path> dir = DirOf(handle);
  if (!dir) return std::unexpected(dir.error());
  if (Status s = WriteDurably(*dir, kCancelFile, "1\n"); !s) return s;
  // Only a process verified to be this job's runner is signalled; it ends the job's whole group.
  if (const pid_t pid = LiveRunner(*dir); pid > 1) ::kill(pid, SIGTERM);
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
  return "--- stdout\n" + Tail(*dir / kStdoutFile, max_bytes) + "--- stderr\n" +
         Tail(*dir / kStderrFile, max_bytes);
}

}  // namespace zhisuan::dispatch
