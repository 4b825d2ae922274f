// zhisuan-runner DIR
//
// Runs one job of the local backend so that it outlives the server, and runs it at most once however often it
// is started. DIR is the job's directory, which the service owns; DIR/launch (written durably by the server
// before this process exists) says what to run. The runner detaches (double fork), becomes the leader of a
// new session and process group, and claims the job by creating DIR/claim exclusively: a second runner for
// the same DIR (a server that restarted before it knew the first had started) finds the claim and exits
// without running anything. The claim holds the runner's pid. The job runs in DIR/work with exactly the
// launch's environment, stdout and stderr in DIR/stdout and DIR/stderr; the wall-time limit is enforced on
// the whole job's process group (SIGTERM, SIGKILL 5 s later), and DIR/exit_status ("exit N" or "signal N",
// the time, and "timeout" or "cancelled") is written atomically when the job ends. SIGTERM to the runner, or
// DIR/cancel, cancels the job the same way.
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "dispatch/cgroup.h"
#include "dispatch/launch.h"

namespace {

using zhisuan::dispatch::kCancelFile;
using zhisuan::dispatch::kClaimFile;
using zhisuan::dispatch::kExitFile;

volatile sig_atomic_t g_terminate = 0;
void OnTerm(int) { g_terminate = 1; }

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void SyncDir(int dir_fd) { ::fsync(dir_fd); }

// Writes `text` to DIR/name through a temporary file and a rename, so a reader sees all of it or nothing.
bool WriteAtomically(int dir_fd, const char* name, const std::string& text) {
  const std::string tmp = std::string(".") + name + ".tmp";
  ::unlinkat(dir_fd, tmp.c_str(), 0);
  const int fd = ::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return false;
  const bool ok = WriteAll(fd, text) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::renameat(dir_fd, tmp.c_str(), dir_fd, name) != 0) return false;
  SyncDir(dir_fd);
  return true;
}

std::string ReadLaunch(int dir_fd) {
  const int fd = ::openat(dir_fd, zhisuan::dispatch::kLaunchFile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return {};
  std::string bytes;
  char chunk[8192];
  ssize_t n = 0;
  while ((n = ::read(fd, chunk, sizeof chunk)) > 0 && bytes.size() < (16u << 20)) bytes.append(chunk, n);
  ::close(fd);
  return bytes;
}

bool Exists(int dir_fd, const char* name) {
  return ::faccessat(dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

// Gives DIR/work (a directory, never a link) to the job's user. Root can; a service user needs this binary
// installed with CAP_CHOWN (docs/jobs.md: running the server as a service user).
bool GiveWorkDir(int dir_fd, uid_t uid, gid_t gid) {
  struct stat st {};
  return ::fstatat(dir_fd, zhisuan::dispatch::kWorkDir, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISDIR(st.st_mode) &&
         ::fchownat(dir_fd, zhisuan::dispatch::kWorkDir, uid, gid, AT_SYMLINK_NOFOLLOW) == 0;
}

// Drops every capability this process holds. After setuid from a service user with file capabilities the
// permitted set survives (no uid was 0); it must not reach the job.
bool DropCapabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  return ::syscall(SYS_capset, &header, data) == 0;
}

// Appends a line to DIR/stderr, the job's error output (what the tenant reads through the logs).
void Explain(int dir_fd, const std::string& line) {
  const int fd = ::openat(dir_fd, zhisuan::dispatch::kStderrFile,
                          O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  WriteAll(fd, line + "\n");
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: zhisuan-runner DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dir_fd < 0) {
    std::fprintf(stderr, "zhisuan-runner: cannot open %s: %s\n", dir.c_str(), std::strerror(errno));
    return 3;
  }
  const std::optional<zhisuan::dispatch::Launch> launch = zhisuan::dispatch::DecodeLaunch(ReadLaunch(dir_fd));
  if (!launch) {
    std::fprintf(stderr, "zhisuan-runner: %s/launch is missing or incomplete\n", dir.c_str());
    return 3;
  }
  // SIGTERM and SIGINT wait (blocked) until the handler that ends the job as cancelled is installed: a cancel
  // sent as soon as the claim names this process must not kill it before it can say so. Regression: a cancel
  // in that window left the job "lost" (LocalBackend.CancelWorksFromAThreadThatBlocksSigterm, now and then).
  sigset_t term_only;
  sigemptyset(&term_only);
  sigaddset(&term_only, SIGTERM);
  sigaddset(&term_only, SIGINT);
  ::sigprocmask(SIG_SETMASK, &term_only, nullptr);
  // Detach: the server reaps this process at once; the grandchild is adopted by init and outlives the server.
  const pid_t first = ::fork();
  if (first < 0) return 1;
  if (first > 0) return 0;
  ::setsid();
  const pid_t group = ::getpid();
  // The claim: exactly one runner gets past this line for a job directory.
  const int claim = ::openat(dir_fd, kClaimFile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (claim < 0) return errno == EEXIST ? 0 : 1;
  const std::string claimed = std::to_string(group) + " " + std::to_string(Now()) + "\n";
  const bool recorded = WriteAll(claim, claimed) && ::fsync(claim) == 0;
  ::close(claim);
  SyncDir(dir_fd);
  if (!recorded) {
    WriteAtomically(dir_fd, kExitFile, "signal 9\n" + std::to_string(Now()) + "\nlaunch-failed\n");
    return 1;
  }
  if (Exists(dir_fd, kCancelFile)) {  // cancelled before it started: it never runs
    WriteAtomically(dir_fd, kExitFile, "signal 15\n" + std::to_string(Now()) + "\ncancelled\n");
    return 0;
  }
  if (launch->uid >= 0) {
    const auto uid = static_cast<uid_t>(launch->uid);
    const auto gid = static_cast<gid_t>(launch->gid);
    std::string why;
    if (uid == 0 || gid == 0) {
      why = "zhisuan-runner: a job never runs as root";
    } else if (!GiveWorkDir(dir_fd, uid, gid)) {
      why = "zhisuan-runner: cannot give the job's work directory to uid " + std::to_string(uid) + ": " +
            std::strerror(errno) +
            " (a server that is not root needs zhisuan-runner installed with file capabilities; see "
            "docs/jobs.md)";
    }
    if (!why.empty()) {
      Explain(dir_fd, why);
      WriteAtomically(dir_fd, kExitFile, "exit 126\n" + std::to_string(Now()) + "\nsetup-failed\n");
      return 1;
    }
  }
  ::signal(SIGHUP, SIG_IGN);
  struct sigaction term {};
  term.sa_handler = OnTerm;
  ::sigaction(SIGTERM, &term, nullptr);
  ::sigaction(SIGINT, &term, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // a SIGTERM held meanwhile is handled now; the job gets every
                                               // signal, whatever the server blocked
  // Everything the child needs is prepared before the fork (no allocation between fork and exec).
  const std::string work = dir + "/" + zhisuan::dispatch::kWorkDir;
  const size_t slash = dir.find_last_of('/');
  // Named after the job directory and this runner's pid: jobs of other backends on this host (another data
  // directory, a test running next to this one) have the same directory names, never a live runner's pid.
  const std::string cgroup = zhisuan::dispatch::MakeJobCgroup(
      (slash == std::string::npos ? dir : dir.substr(slash + 1)) + "." + std::to_string(group));
  const std::string cgroup_procs = cgroup.empty() ? std::string() : cgroup + "/cgroup.procs";
  std::string memory_cgroup;
  if (launch->memory_bytes > 0) {
    bool enforced = false;
    memory_cgroup = zhisuan::dispatch::LimitJobMemory(
        cgroup, (slash == std::string::npos ? dir : dir.substr(slash + 1)) + "." + std::to_string(group),
        launch->memory_bytes, enforced);
    if (!enforced) {
      Explain(dir_fd,
              "zhisuan-runner: this host cannot hold the job to its memory_gb (no cgroup memory controller "
              "the runner may use): it runs without that limit");
    }
  }
  const std::string memory_procs = memory_cgroup.empty() ? std::string() : memory_cgroup + "/cgroup.procs";
  std::vector<char*> args;
  for (const std::string& a : launch->argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (const std::string& e : launch->env) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  const pid_t job = ::fork();
  if (job < 0) return 1;
  if (job == 0) {
    ::setpgid(0, 0);  // the job's own group: the runner signals all of it and stays out of it
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGHUP, SIG_DFL);
    const int out =
        ::openat(dir_fd, zhisuan::dispatch::kStdoutFile, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
    const int err =
        ::openat(dir_fd, zhisuan::dispatch::kStderrFile, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600);
    const int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0) ::_exit(126);
    if (!memory_procs.empty()) {  // the memory limit of a hybrid host's v1 hierarchy; it must hold
      const int procs = ::open(memory_procs.c_str(), O_WRONLY | O_CLOEXEC);
      if (procs < 0 || ::write(procs, "0", 1) != 1) ::_exit(126);
      ::close(procs);
    }
    if (!cgroup_procs.empty()) {
      // Into the job's cgroup before anything of the job runs. A service user may create the directory
      // without being allowed to move processes (no delegation of the common ancestor): the process group
      // then remains the job's only container, as on a host without cgroup2.
      const int procs = ::open(cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
      if (procs >= 0) {
        [[maybe_unused]] const ssize_t n = ::write(procs, "0", 1);
        ::close(procs);
      }
    }
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    // Limits of the job: no core files (they could hold others' data read before the drop), a bounded number
    // of open files.
    const rlimit no_core{0, 0}, files{4096, 4096};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::setrlimit(RLIMIT_NOFILE, &files);
    if (launch->uid >= 0) {
      // Drop to the tenant's user for good: supplementary groups cleared, then the group, then the user; and
      // no way back up through a setuid program.
      const auto gid = static_cast<gid_t>(launch->gid), uid = static_cast<uid_t>(launch->uid);
      if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0 || !DropCapabilities() ||
          ::getuid() != uid || ::geteuid() != uid || ::setuid(0) == 0) {
        [[maybe_unused]] const ssize_t n = ::write(2, "zhisuan-runner: cannot drop to the job's user\n", 46);
        ::_exit(126);
      }
    }
    if (::chdir(work.c_str()) != 0) {  // as the job's user: work/ is its alone
      [[maybe_unused]] const ssize_t n =
          ::write(2, "zhisuan-runner: cannot enter the job's work directory\n", 54);
      ::_exit(126);
    }
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    ::execvpe(args[0], args.data(), env.data());
    const char* why = std::strerror(errno);
    [[maybe_unused]] ssize_t n = ::write(2, "zhisuan-runner: cannot run ", 27);
    n = ::write(2, args[0], std::strlen(args[0]));
    n = ::write(2, ": ", 2);
    n = ::write(2, why, std::strlen(why));
    n = ::write(2, "\n", 1);
    ::_exit(127);
  }
  ::setpgid(job, job);  // also here, so the group exists before the first signal whichever runs first
  const double deadline = Now() + launch->walltime_s;
  bool timed_out = false, cancelled = false, terminating = false;
  double kill_at = 0;
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(job, &status, WNOHANG);
    if (done == job) break;
    if (done < 0 && errno != EINTR) break;
    const double now = Now();
    const bool cancel_asked = Exists(dir_fd, kCancelFile);
    if (!terminating && (g_terminate || cancel_asked || now >= deadline)) {
      cancelled = g_terminate || cancel_asked;
      timed_out = !cancelled;
      terminating = true;
      kill_at = now + 5;
      ::kill(-job, SIGTERM);  // the job and anything it started in its group
    }
    if (terminating && now >= kill_at) {
      ::kill(-job, SIGKILL);
      zhisuan::dispatch::KillJobCgroup(cgroup);
      kill_at = now + 3600;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Whatever the job left behind (a daemon it started with setsid, a child that ignored SIGTERM) ends with
  // it.
  zhisuan::dispatch::KillJobCgroup(cgroup);
  zhisuan::dispatch::RemoveJobCgroup(cgroup);
  zhisuan::dispatch::RemoveJobCgroup(memory_cgroup);
  std::string text = WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                         : "exit " + std::to_string(WEXITSTATUS(status));
  text += "\n" + std::to_string(Now()) + "\n";
  if (timed_out) text += "timeout\n";
  if (cancelled) text += "cancelled\n";
  WriteAtomically(dir_fd, kExitFile, text);
  return 0;
}
