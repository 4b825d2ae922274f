// The local backend with real processes (through the real zhisuan-runner), the sim backend, and the Slurm
// batch script's quoting. The Slurm backend against real clusters is tested in tests/ (it needs slurmctld and
// munge).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "dispatch/cgroup.h"
#include "dispatch/local_backend.h"
#include "dispatch/process.h"
#include "dispatch/sim_backend.h"
#include "dispatch/slurm_backend.h"
#include "testing/fixtures.h"

namespace zhisuan::dispatch {
namespace {

const std::filesystem::path kRunner = std::filesystem::path(ZHISUAN_BINARY_DIR) / "zhisuan-runner";
// Jobs as the test's own user, as a single-user lab allows; TenantUsers tests map real users.
const TenantUsers kServiceUser{{}, true};

RunStatus WaitDone(Backend& b, const std::string& handle, double timeout_s = 20) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < until) {
    Result<RunStatus> s = b.Poll(handle);
    EXPECT_TRUE(s) << s.error().message;
    if (!s) return {};
    if (s->state != RunState::kQueued && s->state != RunState::kRunning) return *s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "job " << handle << " did not finish";
  return {};
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(LocalBackend, RunsAnArgvWithItsEnvironmentAndCapturesOutput) {
  testing::TempDir dir;
  LocalBackend b(dir.path(), kRunner, kServiceUser);
  ASSERT_TRUE(b.Ping());
  DispatchRequest r{.job_id = 7,
                    .name = "job-7",
                    .tenant = "acme",
                    .command = {"/bin/sh", "-c",
                                "echo job=$ZHISUAN_JOB_ID devices=$ZHISUAN_DEVICES "
                                "visible=$ZHISUAN_VISIBLE_DEVICES token=$ZHISUAN_TOKEN; pwd; echo oops >&2"},
                    .devices = 2,
                    .device_ids = {0, 1},
                    .walltime_s = 30,
                    .modelled_run_s = 1};
  ::setenv("ZHISUAN_TOKEN", "server-secret", 1);  // the server's own settings must not reach the job
  Result<std::string> h = b.Submit(r);
  ::unsetenv("ZHISUAN_TOKEN");
  ASSERT_TRUE(h) << h.error().message;
  const RunStatus s = WaitDone(b, *h);
  EXPECT_EQ(s.state, RunState::kSucceeded) << s.detail;
  EXPECT_EQ(s.exit_code, 0);
  ASSERT_TRUE(s.started_at && s.finished_at);
  EXPECT_LE(*s.started_at, *s.finished_at);
  const std::string logs = *b.Logs(*h, 4096);
  EXPECT_NE(logs.find("job=7 devices=2 visible=0,1 token=\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find((dir.path() / "job-7" / "work").string()), std::string::npos)
      << logs;  // its own working directory
  EXPECT_NE(logs.find("oops"), std::string::npos);
  // Submitting the same job again returns the same run, it does not start a second one.
  EXPECT_EQ(*b.Submit(r), *h);
}

TEST(LocalBackend, ArgumentsAreNeverAShell) {
  testing::TempDir dir;
  LocalBackend b(dir.path(), kRunner, kServiceUser);
  const std::string marker = (dir.path() / "pwned").string();
  DispatchRequest r{.job_id = 1,
                    .name = "job-1",
                    .command = {"/bin/echo", "$(touch " + marker + ")", "; touch " + marker},
                    .walltime_s = 30};
  const std::string h = *b.Submit(r);
  EXPECT_EQ(WaitDone(b, h).state, RunState::kSucceeded);
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_NE(b.Logs(h, 4096)->find("$(touch"), std::string::npos);
}

TEST(LocalBackend, FailureWallTimeAndCancel) {
  testing::TempDir dir;
  LocalBackend b(dir.path(), kRunner, kServiceUser);
  const std::string fail =
      *b.Submit({.job_id = 1, .name = "job-1", .command = {"/bin/sh", "-c", "exit 3"}, .walltime_s = 30});
  const RunStatus f = WaitDone(b, fail);
  EXPECT_EQ(f.state, RunState::kFailed);
  EXPECT_EQ(f.exit_code, 3);
  const std::string slow =
      *b.Submit({.job_id = 2, .name = "job-2", .command = {"/bin/sleep", "30"}, .walltime_s = 0.5});
  const RunStatus t = WaitDone(b, slow);
  EXPECT_EQ(t.state, RunState::kFailed);
  EXPECT_EQ(t.detail, "wall-time limit reached");
  // Cancel kills the whole process group, including what the job started.
  const std::string tree = *b.Submit({.job_id = 3,
                                      .name = "job-3",
                                      .command = {"/bin/sh", "-c", "sleep 30 & echo $! > child; wait"},
                                      .walltime_s = 60});
  for (int i = 0; i < 200 && !std::filesystem::exists(dir.path() / "job-3" / "work" / "child"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(b.Poll(tree)->state, RunState::kRunning);
  ASSERT_TRUE(b.Cancel(tree));
  EXPECT_EQ(WaitDone(b, tree).state, RunState::kCancelled);
  const pid_t child = static_cast<pid_t>(std::atol(ReadAll(dir.path() / "job-3" / "work" / "child").c_str()));
  ASSERT_GT(child, 0);
  for (int i = 0; i < 100 && ::kill(child, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(::kill(child, 0), 0) << "the job's child survived the cancel";
}

// A server blocks SIGTERM in its threads; a job it starts must still be cancellable.
TEST(LocalBackend, CancelWorksFromAThreadThatBlocksSigterm) {
  testing::TempDir dir;
  LocalBackend b(dir.path(), kRunner, kServiceUser);
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  const std::string h =
      *b.Submit({.job_id = 4, .name = "job-4", .command = {"/bin/sleep", "60"}, .walltime_s = 120});
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  for (int i = 0; i < 200 && b.Poll(h)->state != RunState::kRunning; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(b.Cancel(h));
  EXPECT_EQ(WaitDone(b, h, 10).state, RunState::kCancelled);
}

TEST(LocalBackend, ANewBackendReattachesToARunningJob) {
  testing::TempDir dir;
  std::string handle;
  {
    LocalBackend first(dir.path(), kRunner, kServiceUser);
    handle = *first.Submit({.job_id = 5,
                            .name = "job-5",
                            .command = {"/bin/sh", "-c", "sleep 0.5; echo done"},
                            .walltime_s = 30});
  }
  LocalBackend second(dir.path(), kRunner, kServiceUser);  // as after a server restart
  const Result<std::optional<std::string>> found = second.Find("job-5");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ(**found, handle);
  EXPECT_FALSE(second.Find("job-6")->has_value());
  EXPECT_FALSE(second.Find("../job-5"));
  EXPECT_EQ(WaitDone(second, handle).state, RunState::kSucceeded);
  EXPECT_FALSE(second.Poll("local:../x"));
  EXPECT_FALSE(second.Submit({.job_id = 9, .name = "job-9"}));  // no command
}

// Regression: a local job ran twice after kill -9 (the `spawned` marker came after the runner started, and
// recovery looked only at it). Now however many runners start for one launch, one runs the job.
TEST(LocalBackend, ManyRunnersForOneLaunchRunTheJobOnce) {
  testing::TempDir dir;
  LocalBackend b(dir.path(), kRunner, kServiceUser);
  const std::string h = *b.Submit({.job_id = 8,
                                   .name = "job-8",
                                   .command = {"/bin/sh", "-c", "echo ran >> runs; sleep 0.3"},
                                   .walltime_s = 30});
  // As a restarted server would, again and again, while the first runner is still starting or running.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(*b.Submit({.job_id = 8, .name = "job-8", .command = {"/bin/true"}, .walltime_s = 30}), h);
    ASSERT_EQ(std::system((kRunner.string() + " " + (dir.path() / "job-8").string()).c_str()), 0);
  }
  EXPECT_EQ(WaitDone(b, h).state, RunState::kSucceeded);
  EXPECT_EQ(ReadAll(dir.path() / "job-8" / "work" / "runs"), "ran\n");
}

// The server died after the launch record was durable and before any runner existed: the next server finds
// the launch, and Poll starts the runner after the grace period; the job runs once.
TEST(LocalBackend, ALaunchNoRunnerClaimedIsStartedByTheNextServer) {
  testing::TempDir dir;
  LocalBackend broken(dir.path(), dir.path() / "no-such-runner", kServiceUser);
  EXPECT_FALSE(broken.Submit(
      {.job_id = 9, .name = "job-9", .command = {"/bin/sh", "-c", "echo ran >> runs"}, .walltime_s = 30}));
  LocalBackend next(dir.path(), kRunner, kServiceUser);
  const Result<std::optional<std::string>> found = next.Find("job-9");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ(next.Poll(**found)->state,
            RunState::kQueued);  // within the grace period: a runner may be starting
  EXPECT_EQ(WaitDone(next, **found, LocalBackend::kClaimGraceS + 20).state, RunState::kSucceeded);
  EXPECT_EQ(ReadAll(dir.path() / "job-9" / "work" / "runs"), "ran\n");
}

// What the job can write does not steer the server: a planted link is not followed by the log reader, and the
// runner's claim (not a file in the job's directory) names the process that cancel signals.
TEST(LocalBackend, LogsDoNotFollowLinksAndCancelSignalsOnlyTheRunner) {
  testing::TempDir dir;
  LocalBackend b(dir.path(), kRunner, kServiceUser);
  const std::string h = *b.Submit({.job_id = 10,
                                   .name = "job-10",
                                   .command = {"/bin/sh", "-c", "echo 1 > runner.pid; sleep 30"},
                                   .walltime_s = 60});
  for (int i = 0; i < 200 && b.Poll(h)->state != RunState::kRunning; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::filesystem::remove(dir.path() / "job-10" / "stdout");
  std::filesystem::create_symlink("/etc/passwd", dir.path() / "job-10" / "stdout");
  EXPECT_EQ(b.Logs(h, 4096)->find("root:"), std::string::npos);
  ASSERT_TRUE(b.Cancel(h));
  EXPECT_EQ(WaitDone(b, h, 15).state, RunState::kCancelled);
}

// A system user for the tests, created if missing (the test command runs as root, which starting jobs as
// other users needs).
UnixUser TestUser(const std::string& name) {
  if (!ResolveUnixUser(name, "")) {
    const std::string add =
        "useradd --system --no-create-home --shell /usr/sbin/nologin " + name + " 2>/dev/null";
    EXPECT_EQ(std::system(add.c_str()), 0) << add;
  }
  Result<UnixUser> user = ResolveUnixUser(name, "");
  EXPECT_TRUE(user) << user.error().message;
  return user ? *user : UnixUser{};
}

// Regression (issue 12): a tenant's job ran as uid 0, read other tenants' outputs and the database, and wrote
// the files that decide what the server does. Now it runs as its tenant's user with no supplementary groups,
// in a work directory only that user can enter, and the job's directory around it is the service's.
TEST(LocalBackend, TenantsJobsRunAsTheirUsersAndReachNothingElse) {
  if (::geteuid() != 0) GTEST_SKIP() << "starting jobs as other users needs root";
  const UnixUser a = TestUser("zstest-a"), b = TestUser("zstest-b");
  testing::TempDir dir;
  std::filesystem::permissions(dir.path(),
                               std::filesystem::perms::owner_all | std::filesystem::perms::others_exec);
  const std::string secret = (dir.path() / "z.db").string();
  std::ofstream(secret) << "tokens\n";
  std::filesystem::permissions(secret,
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  LocalBackend backend(dir.path() / "local", kRunner, TenantUsers{{{"acme", a}, {"zeta", b}}, false});
  const std::string first = *backend.Submit({.job_id = 1,
                                             .name = "job-1",
                                             .tenant = "acme",
                                             .command = {"/bin/sh", "-c", "echo secret > mine; sleep 1"},
                                             .walltime_s = 30});
  const std::string probe =
      "id -u > uid; id -G > groups; "
      "cat ../claim > claim 2>&1 || echo denied > claim; "
      "echo 'exit 0' > ../exit_status 2>/dev/null || echo denied > status; "
      "cat " +
      (dir.path() / "local" / "job-1" / "work" / "mine").string() +
      " > other 2>&1 || echo denied > other; "
      "cat " +
      secret + " > db 2>&1 || echo denied > db";
  const std::string second = *backend.Submit({.job_id = 2,
                                              .name = "job-2",
                                              .tenant = "zeta",
                                              .command = {"/bin/sh", "-c", probe},
                                              .walltime_s = 30});
  EXPECT_EQ(WaitDone(backend, second).state, RunState::kSucceeded);
  EXPECT_EQ(WaitDone(backend, first).state, RunState::kSucceeded);
  const std::filesystem::path work = dir.path() / "local" / "job-2" / "work";
  EXPECT_EQ(ReadAll(work / "uid"), std::to_string(b.uid) + "\n");
  EXPECT_EQ(ReadAll(work / "groups"), std::to_string(b.gid) + "\n");  // no supplementary groups
  EXPECT_EQ(ReadAll(work / "claim"), "denied\n");
  EXPECT_EQ(ReadAll(work / "status"), "denied\n");
  EXPECT_EQ(ReadAll(work / "other"), "denied\n");
  EXPECT_EQ(ReadAll(work / "db"), "denied\n");
  // A tenant without a user cannot run local jobs at all.
  Result<std::string> refused =
      backend.Submit({.job_id = 3, .name = "job-3", .tenant = "nobody-mapped", .command = {"/bin/true"}});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("has no Unix user"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "local" / "job-3" / "launch"));
  EXPECT_FALSE(ResolveUnixUser("root", ""));  // never root
}

// Regression (issue 12): children started with setsid, or ignoring SIGTERM, survived cancel and the wall-time
// limit. The job's cgroup takes all of them.
TEST(LocalBackend, CancelEndsEveryProcessOfTheJobEvenOutsideItsGroup) {
  if (JobCgroupRoot().empty())  // where the runner falls back to the process group
    GTEST_SKIP() << "no writable cgroup2 hierarchy with cgroup.kill: the process group is the fallback";
  testing::TempDir dir;
  LocalBackend b(dir.path(), kRunner, kServiceUser);
  const std::string h = *b.Submit(
      {.job_id = 4,
       .name = "job-4",
       .command = {"/bin/sh", "-c", "setsid sleep 300 & echo $! > escaped; trap '' TERM; sleep 300 & wait"},
       .walltime_s = 60});
  const std::filesystem::path pid_file = dir.path() / "job-4" / "work" / "escaped";
  for (int i = 0; i < 300 && ReadAll(pid_file).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const pid_t escaped = static_cast<pid_t>(std::atol(ReadAll(pid_file).c_str()));
  ASSERT_GT(escaped, 1);
  ASSERT_EQ(::kill(escaped, 0), 0);
  ASSERT_TRUE(b.Cancel(h));
  EXPECT_EQ(WaitDone(b, h, 20).state, RunState::kCancelled);
  for (int i = 0; i < 100 && ::kill(escaped, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(::kill(escaped, 0), 0) << "a setsid child survived the cancel";
}

// Regression (CI, session 4): the cgroup was named after the job directory only, so two backends on one host
// (two data directories, two tests side by side) shared "job-1"'s cgroup, and the first to finish killed the
// other's job (exit 137 instead of its own code).
TEST(LocalBackend, JobsOfTwoBackendsWithTheSameNamesDoNotShareACgroup) {
  testing::TempDir one, two;
  LocalBackend a(one.path(), kRunner, kServiceUser), b(two.path(), kRunner, kServiceUser);
  const std::string slow = *a.Submit({.job_id = 1,
                                      .name = "job-1",
                                      .command = {"/bin/sh", "-c", "touch started; sleep 1; exit 5"},
                                      .walltime_s = 30});
  for (int i = 0; i < 300 && !std::filesystem::exists(one.path() / "job-1" / "work" / "started"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::string quick =
      *b.Submit({.job_id = 1, .name = "job-1", .command = {"/bin/true"}, .walltime_s = 30});
  EXPECT_EQ(WaitDone(b, quick).state, RunState::kSucceeded);
  const RunStatus s = WaitDone(a, slow);
  EXPECT_EQ(s.state, RunState::kFailed);
  EXPECT_EQ(s.exit_code, 5) << "the other backend's job ended this one";
}

// Issue 12: a local job is held to its memory_gb (cgroup v2 memory.max, or the v1 memory hierarchy of a
// hybrid host): past it the kernel kills the job, below it the job runs.
TEST(LocalBackend, AJobIsHeldToItsMemoryLimit) {
  if (::access("/sys/fs/cgroup/memory", W_OK) != 0 && JobCgroupRoot().empty())
    GTEST_SKIP() << "no cgroup memory controller the runner may use";
  testing::TempDir dir;
  LocalBackend b(dir.path(), kRunner, kServiceUser);
  const std::vector<std::string> grab = {"/usr/bin/python3", "-c", "b = bytearray(200 << 20); print('kept')"};
  const std::string over =
      *b.Submit({.job_id = 1, .name = "job-1", .command = grab, .walltime_s = 60, .memory_gb = 0.05});
  const std::string under =
      *b.Submit({.job_id = 2, .name = "job-2", .command = grab, .walltime_s = 60, .memory_gb = 1});
  const RunStatus o = WaitDone(b, over, 30), u = WaitDone(b, under, 30);
  const std::string logs = *b.Logs(over, 4096);
  if (logs.find("cannot hold the job to its memory_gb") != std::string::npos)
    GTEST_SKIP() << "the runner could not set the limit here: " << logs;
  EXPECT_EQ(o.state, RunState::kFailed) << o.detail;
  EXPECT_EQ(o.exit_code, 128 + SIGKILL) << logs;
  EXPECT_EQ(logs.find("kept"), std::string::npos) << logs;
  EXPECT_EQ(u.state, RunState::kSucceeded) << u.detail << *b.Logs(under, 4096);
}

TEST(SimBackend, FinishesAfterTheModelledTimeTimesTheFactor) {
  double now = 1000;
  SimBackend b(0.01, [&] { return now; });
  const std::string h = *b.Submit({.job_id = 1, .name = "job-1", .modelled_run_s = 3600});
  EXPECT_EQ(b.Poll(h)->state, RunState::kRunning);
  now += 35;
  EXPECT_EQ(b.Poll(h)->state, RunState::kRunning);
  now += 1;
  const RunStatus s = *b.Poll(h);
  EXPECT_EQ(s.state, RunState::kSucceeded);
  EXPECT_DOUBLE_EQ(*s.finished_at - *s.started_at, 36);
  EXPECT_DOUBLE_EQ(b.time_scale(), 100);  // 36 s of wall time account as the modelled hour
  const std::string c = *b.Submit({.job_id = 2, .name = "job-2", .modelled_run_s = 3600});
  ASSERT_TRUE(b.Cancel(c));
  EXPECT_EQ(b.Poll(c)->state, RunState::kCancelled);
  EXPECT_FALSE(b.Poll("sim-garbage"));
}

TEST(SlurmBackend, BatchScriptQuotesEveryUserValue) {
  SlurmBackend b({.slurm_conf = "/x/slurm.conf", .spool = "/spool"});
  const std::string script = b.BatchScript({.job_id = 4,
                                            .name = "zhisuan-ab12-4",
                                            .command = {"/bin/echo", "it's $(rm -rf /)", "`id`", "a b"},
                                            .devices = 2,
                                            .device_ids = {0, 1},
                                            .walltime_s = 90,
                                            .memory_gb = 2});
  EXPECT_NE(script.find("exec '/bin/echo' 'it'\\''s $(rm -rf /)' '`id`' 'a b'\n"), std::string::npos)
      << script;
  EXPECT_NE(script.find("#SBATCH --job-name=zhisuan-ab12-4\n"), std::string::npos);
  EXPECT_NE(script.find("#SBATCH --time=2\n"), std::string::npos);
  EXPECT_NE(script.find("#SBATCH --cpus-per-task=2\n"), std::string::npos);
  EXPECT_NE(script.find("#SBATCH --mem=2048M\n"), std::string::npos);
  // Running the quoted words through a real shell gives back the arguments exactly.
  const Result<CommandResult> echo = RunCommand(
      {"/bin/sh", "-c", "printf '%s|' " + ShellQuote("it's $(id)") + " " + ShellQuote("`id`")}, {}, 5);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->out, "it's $(id)|`id`|");
}

// sbatch sleeps and retries for up to two minutes when the cluster is full; the backend gives up on it at
// once.
TEST(RunCommand, GivesUpWhenTheErrorOutputSaysSo) {
  const Result<CommandResult> r = RunCommand(
      {"/bin/sh", "-c", "echo 'sbatch: error: queue full, sleeping and retrying' >&2; sleep 60; echo late"},
      {}, 30, "sleeping and retrying");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->gave_up);
  EXPECT_EQ(r->exit_code, 128 + SIGKILL);
  EXPECT_EQ(r->out, "");
  const Result<CommandResult> quiet = RunCommand({"/bin/sh", "-c", "echo fine >&2"}, {}, 5, "retrying");
  ASSERT_TRUE(quiet);
  EXPECT_FALSE(quiet->gave_up);
  EXPECT_EQ(quiet->exit_code, 0);
  EXPECT_FALSE(RunCommand({"/bin/sleep", "5"}, {}, 0.2, "retrying"));  // the time-out stays an error
}

}  // namespace
}  // namespace zhisuan::dispatch
