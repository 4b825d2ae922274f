// zhisuan-runner DIR WALLTIME_S -- PROGRAM ARGS...
//
// Runs one job of the local backend so that it outlives the server: detaches (double fork), becomes the
// leader of a new session and process group, records its pid in DIR/runner.pid, runs PROGRAM in DIR with
// stdout and stderr in DIR/stdout and DIR/stderr, enforces the wall-time limit on the whole group (SIGTERM,
// SIGKILL 5 s later), and writes DIR/exit_status ("exit N" or "signal N", plus "timeout") atomically when the
// job ends. SIGTERM to the group (cancel) is passed on to the job the same way.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
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

namespace {

volatile sig_atomic_t g_terminate = 0;
void OnTerm(int) { g_terminate = 1; }

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Writes `text` to DIR/name through a temporary file and a rename, so a reader sees all of it or nothing.
bool WriteAtomically(const std::string& dir, const char* name, const std::string& text) {
  const std::string tmp = dir + "/." + name + ".tmp", path = dir + "/" + name;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool ok =
      ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  return ok && ::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || std::strcmp(argv[3], "--") != 0) {
    std::fprintf(stderr, "usage: zhisuan-runner DIR WALLTIME_S -- PROGRAM ARGS...\n");
    return 2;
  }
  const std::string dir = argv[1];
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // whatever the parent blocked, the job gets every signal
  const double walltime_s = std::atof(argv[2]);
  // Detach: the server reaps this process at once; the grandchild is adopted by init and outlives the server.
  const pid_t first = ::fork();
  if (first < 0) return 1;
  if (first > 0) return 0;
  ::setsid();
  ::signal(SIGHUP, SIG_IGN);
  struct sigaction term {};
  term.sa_handler = OnTerm;
  ::sigaction(SIGTERM, &term, nullptr);
  ::sigaction(SIGINT, &term, nullptr);
  const pid_t group = ::getpid();
  if (!WriteAtomically(dir, "started", std::to_string(Now()) + "\n")) return 1;
  const pid_t job = ::fork();
  if (job < 0) return 1;
  if (job == 0) {
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGHUP, SIG_DFL);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    const int out = ::open((dir + "/stdout").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int err = ::open((dir + "/stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> args(argv + 4, argv + argc);
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "zhisuan-runner: cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  // The pid file comes after the job exists, so a reader that sees it may poll the group.
  if (!WriteAtomically(dir, "runner.pid", std::to_string(group) + "\n")) ::kill(job, SIGKILL);
  const double deadline = Now() + walltime_s;
  bool timed_out = false, terminating = false;
  double kill_at = 0;
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(job, &status, WNOHANG);
    if (done == job) break;
    if (done < 0 && errno != EINTR) break;
    const double now = Now();
    const bool cancel_asked =
        ::access((dir + "/cancel").c_str(), F_OK) == 0;  // asked before our pid was known
    if (!terminating && (g_terminate || cancel_asked || now >= deadline)) {
      timed_out = !g_terminate && !cancel_asked;
      terminating = true;
      kill_at = now + 5;
      ::kill(-group, SIGTERM);  // the job and anything it started; this process ignores it (handler)
    }
    if (terminating && now >= kill_at) {
      ::kill(job, SIGKILL);
      kill_at = now + 3600;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string text = WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                         : "exit " + std::to_string(WEXITSTATUS(status));
  text += "\n" + std::to_string(Now()) + "\n";
  if (timed_out) text += "timeout\n";
  WriteAtomically(dir, "exit_status", text);
  return 0;
}
