// The Slurm backend against real single-node clusters started by scripts/slurm.sh (the CTest fixture sets
// ZHISUAN_SLURM_DIR). Two clusters, as two centers: a job runs on the one it is sent to.
#include "dispatch/slurm_backend.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "testing/fixtures.h"

namespace zhisuan::dispatch {
namespace {

std::filesystem::path SlurmDir() {
  const char* dir = std::getenv("ZHISUAN_SLURM_DIR");
  return dir == nullptr ? std::filesystem::path() : std::filesystem::path(dir);
}

// `users` empty: jobs as the test's own user (a single-user lab).
SlurmBackend Cluster(const std::string& name, std::map<std::string, UnixUser> users = {}) {
  const std::filesystem::path c = SlurmDir() / name;
  return SlurmBackend({.slurm_conf = c / "slurm.conf",
                       .spool = c / "jobs",
                       .jobcomp = c / "jobcomp.txt",
                       .users = TenantUsers{users, users.empty()}});
}

RunStatus WaitDone(Backend& b, const std::string& handle) {
  for (int i = 0; i < 600; ++i) {
    Result<RunStatus> s = b.Poll(handle);
    EXPECT_TRUE(s) << s.error().message;
    if (!s) return {};
    if (s->state != RunState::kQueued && s->state != RunState::kRunning) return *s;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "Slurm job " << handle << " did not finish";
  return {};
}

class SlurmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(SlurmDir().empty()) << "ZHISUAN_SLURM_DIR is not set (run through ctest)";
  }
  // Job ids unique per run: the clusters may outlive one test binary.
  int64_t NextId() {
    return 1000000 + (std::chrono::steady_clock::now().time_since_epoch().count() / 1000) % 1000000000;
  }
};

TEST_F(SlurmTest, RunsTracksAndReportsAJob) {
  SlurmBackend east = Cluster("east");
  ASSERT_TRUE(east.Ping()) << east.Ping().error().message;
  const int64_t id = NextId();
  DispatchRequest r{
      .job_id = id,
      .name = fmt::format("zhisuan-test-{}", id),
      .tenant = "acme",
      .command = {"/bin/sh", "-c", "echo job=$ZHISUAN_JOB_ID on $SLURM_CLUSTER_NAME; echo 'it'\"'\"'s' $1",
                  "sh", "$(id)"},
      .devices = 1,
      .device_ids = {0},
      .walltime_s = 120};
  Result<std::string> h = east.Submit(r);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(*east.Submit(r), *h);  // the same job is not submitted twice
  const RunStatus s = WaitDone(east, *h);
  EXPECT_EQ(s.state, RunState::kSucceeded) << s.detail;
  EXPECT_EQ(s.exit_code, 0);
  const std::string logs = *east.Logs(*h, 4096);
  EXPECT_NE(logs.find(fmt::format("job={} on east", id)), std::string::npos) << logs;
  EXPECT_NE(logs.find("it's $(id)"), std::string::npos) << logs;  // the argument arrived literally
  // A fresh backend (after a restart) finds the submission by the job id.
  SlurmBackend again = Cluster("east");
  EXPECT_EQ(**again.Find(r.name), *h);
  // The other cluster does not know the job.
  SlurmBackend west = Cluster("west");
  EXPECT_FALSE(west.Find(r.name)->has_value());
}

TEST_F(SlurmTest, FailureAndCancel) {
  SlurmBackend west = Cluster("west");
  const std::string fail = *west.Submit({.job_id = 1,
                                         .name = fmt::format("zhisuan-test-{}", NextId()),
                                         .command = {"/bin/sh", "-c", "exit 4"},
                                         .walltime_s = 60});
  const RunStatus f = WaitDone(west, fail);
  EXPECT_EQ(f.state, RunState::kFailed);
  EXPECT_EQ(f.exit_code, 4);
  const std::string slow = *west.Submit({.job_id = 2,
                                         .name = fmt::format("zhisuan-test-{}", NextId()),
                                         .command = {"/bin/sleep", "300"},
                                         .walltime_s = 600});
  for (int i = 0; i < 100 && west.Poll(slow)->state != RunState::kRunning; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(west.Cancel(slow));
  EXPECT_EQ(WaitDone(west, slow).state, RunState::kCancelled);
}

// Issue 12: tracking costs one scontrol per cluster per poll, however many jobs; finished jobs keep their
// real state and exit code.
TEST_F(SlurmTest, PollManyAnswersForEveryJobWithOneQuery) {
  SlurmBackend west = Cluster("west");  // not south: e2e.lifecycle kills south to test a dead cluster
  std::vector<std::string> handles;
  for (int k = 0; k < 6; ++k) {
    Result<std::string> h = west.Submit({.job_id = k,
                                         .name = fmt::format("zhisuan-test-{}", NextId()),
                                         .command = {"/bin/sh", "-c", fmt::format("exit {}", k % 3)},
                                         .walltime_s = 60});
    ASSERT_TRUE(h) << h.error().message;
    handles.push_back(*h);
  }
  handles.push_back("999999999");  // never submitted: lost, not an error of the whole poll
  std::map<std::string, Result<RunStatus>> answers;
  for (int i = 0; i < 300; ++i) {
    answers = west.PollMany(handles);
    bool open = false;
    for (const auto& [h, s] : answers)
      open = open || (s && (s->state == RunState::kQueued || s->state == RunState::kRunning));
    if (!open) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(answers.size(), handles.size());
  for (int k = 0; k < 6; ++k) {
    const Result<RunStatus>& s = answers.at(handles[static_cast<size_t>(k)]);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->state, k % 3 == 0 ? RunState::kSucceeded : RunState::kFailed) << k;
    EXPECT_EQ(s->exit_code, k % 3) << k;
    EXPECT_TRUE(s->finished_at.has_value());
  }
  EXPECT_EQ(answers.at("999999999")->state, RunState::kLost);
}

// Issue 12: a tenant's Slurm job runs as its mapped user (squeue's owner, and `id -u` inside), never as root;
// an unmapped tenant cannot submit.
TEST_F(SlurmTest, ATenantsJobRunsAsItsUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "sbatch --uid needs root (or the cluster's SlurmUser)";
  if (!ResolveUnixUser("zstest-a", "")) {
    ASSERT_EQ(std::system("useradd --system --no-create-home --shell /usr/sbin/nologin zstest-a"), 0);
  }
  UnixUser user = *ResolveUnixUser("zstest-a", "");
  user.account = "physics";  // charged to the tenant's Slurm account
  SlurmBackend east = Cluster("east", {{"acme", user}});
  const std::string name = fmt::format("zhisuan-test-{}", NextId());
  Result<std::string> h = east.Submit({.job_id = 1,
                                       .name = name,
                                       .tenant = "acme",
                                       .command = {"/bin/sh", "-c", "id -u; sleep 1"},
                                       .walltime_s = 60});
  ASSERT_TRUE(h) << h.error().message;
  const std::string conf = "SLURM_CONF=" + (SlurmDir() / "east" / "slurm.conf").string();
  const std::string owner_cmd =
      conf + " squeue -h -j " + *h + " -o '%u %a' > " + (SlurmDir() / "owner.txt").string();
  ASSERT_EQ(std::system(owner_cmd.c_str()), 0);
  std::ifstream owner_file(SlurmDir() / "owner.txt");
  std::string owner, account;
  owner_file >> owner >> account;
  EXPECT_EQ(owner, "zstest-a");
  EXPECT_EQ(account, "physics");
  EXPECT_EQ(WaitDone(east, *h).state, RunState::kSucceeded);
  EXPECT_NE(east.Logs(*h, 4096)->find(std::to_string(user.uid) + "\n"), std::string::npos)
      << *east.Logs(*h, 4096);
  Result<std::string> refused = east.Submit({.job_id = 2,
                                             .name = fmt::format("zhisuan-test-{}", NextId()),
                                             .tenant = "zeta",
                                             .command = {"/bin/true"},
                                             .walltime_s = 60});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("has no Unix user"), std::string::npos);
}

// Issue 12: a full cluster (MaxJobCount: the fixture's "tight" cluster holds 3 jobs) refuses at once instead
// of holding the submission in sbatch's own two-minute retry loop; the refusal says so, leaves nothing
// behind, and the same job is taken once the cluster has room. Nothing is submitted twice.
TEST_F(SlurmTest, AFullClusterRefusesAtOnceAndTakesTheJobLater) {
  SlurmBackend tight = Cluster("tight");
  std::vector<std::string> accepted;
  std::optional<DispatchRequest> refused;
  Error why;
  for (int k = 0; k < 12 && !refused; ++k) {
    DispatchRequest r{.job_id = k,
                      .name = fmt::format("zhisuan-test-{}", NextId()),
                      .command = {"/bin/sleep", "2"},
                      .walltime_s = 60};
    Result<std::string> h = tight.Submit(r);
    if (h) {
      accepted.push_back(*h);
    } else {
      refused = r;
      why = h.error();
    }
  }
  ASSERT_TRUE(refused) << "the cluster took 12 jobs: is MaxJobCount=3 set on the fixture's tight cluster?";
  EXPECT_EQ(why.code, ErrorCode::kRateLimited) << why.message;
  EXPECT_NE(why.message.find("refuses new jobs for now"), std::string::npos) << why.message;
  EXPECT_NE(why.message.find("temporarily unable"), std::string::npos) << why.message;
  EXPECT_FALSE(std::filesystem::exists(SlurmDir() / "tight" / "jobs" / refused->name));
  EXPECT_FALSE(tight.Find(refused->name)->has_value());
  Result<std::string> later = Fail(ErrorCode::kRateLimited, "not tried");
  for (int i = 0; i < 120 && !later && later.error().code == ErrorCode::kRateLimited; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    later = tight.Submit(*refused);
  }
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ(WaitDone(tight, *later).state, RunState::kSucceeded);
  const std::string count = "grep -c 'Name=" + refused->name + " ' " +
                            (SlurmDir() / "tight" / "jobcomp.txt").string() + " > " +
                            (SlurmDir() / "count.txt").string();
  ASSERT_EQ(std::system(count.c_str()), 0);
  std::ifstream counted(SlurmDir() / "count.txt");
  int n = 0;
  counted >> n;
  EXPECT_EQ(n, 1) << "the refused job ran " << n << " times";
  for (const std::string& h : accepted) EXPECT_EQ(WaitDone(tight, h).state, RunState::kSucceeded);
}

// Issue 12: jobs dispatched together that share a shape go as one job array (one sbatch); each task runs its
// own job in its own directory, is tracked, logged, found again after a restart (even when the server died
// before recording the ids) and cancelled on its own; submitting the same jobs again submits nothing.
TEST_F(SlurmTest, JobsDispatchedTogetherGoAsOneArray) {
  SlurmBackend west = Cluster("west");
  std::vector<DispatchRequest> rs;
  for (int k = 0; k < 5; ++k) {
    rs.push_back(
        {.job_id = 100 + k,
         .name = fmt::format("zhisuan-test-{}", NextId()),
         .command = {"/bin/sh", "-c", fmt::format("echo job=$ZHISUAN_JOB_ID in $(pwd); exit {}", k % 3)},
         .walltime_s = 60});
  }
  rs.push_back({.job_id = 105,  // another shape: a job of its own
                .name = fmt::format("zhisuan-test-{}", NextId()),
                .command = {"/bin/sh", "-c", "sleep 300"},
                .devices = 2,
                .walltime_s = 600});
  std::vector<Result<std::string>> handles = west.SubmitMany(rs);
  ASSERT_EQ(handles.size(), rs.size());
  for (const Result<std::string>& h : handles) ASSERT_TRUE(h) << h.error().message;
  const std::string array = handles[0]->substr(0, handles[0]->find('_'));
  for (int k = 0; k < 5; ++k) EXPECT_EQ(*handles[static_cast<size_t>(k)], fmt::format("{}_{}", array, k));
  EXPECT_EQ(handles[5]->find('_'), std::string::npos) << *handles[5];
  // Again, and through a fresh backend (a restart): the same handles, nothing submitted twice.
  std::vector<Result<std::string>> again = west.SubmitMany(rs);
  for (size_t i = 0; i < rs.size(); ++i) EXPECT_EQ(*again[i], *handles[i]);
  std::filesystem::remove(SlurmDir() / "west" / "jobs" / rs[2].name /
                          "slurm_job_id");  // died before recording
  SlurmBackend restarted = Cluster("west");
  EXPECT_EQ(**restarted.Find(rs[2].name), *handles[2]);
  ASSERT_TRUE(west.Cancel(*handles[5]));
  for (int k = 0; k < 5; ++k) {
    const RunStatus s = WaitDone(west, *handles[static_cast<size_t>(k)]);
    EXPECT_EQ(s.state, k % 3 == 0 ? RunState::kSucceeded : RunState::kFailed) << k << " " << s.detail;
    EXPECT_EQ(s.exit_code, k % 3) << k;
    const Result<std::string> logs_or = west.Logs(*handles[static_cast<size_t>(k)], 4096);
    ASSERT_TRUE(logs_or) << logs_or.error().message;
    const std::string& logs = *logs_or;
    EXPECT_NE(logs.find(fmt::format(
                  "job={} in {}", 100 + k,
                  (SlurmDir() / "west" / "jobs" / rs[static_cast<size_t>(k)].name / "work").string())),
              std::string::npos)
        << logs;
  }
  EXPECT_EQ(WaitDone(west, *handles[5]).state, RunState::kCancelled);
  std::vector<std::string> all;
  for (const Result<std::string>& h : handles) all.push_back(*h);
  for (const auto& [h, s] : west.PollMany(all)) EXPECT_NE(s->state, RunState::kLost) << h;
}

// Issue 12: the job's output directory is its user's, so the job can replace its stdout with a link to a host
// file; the logs endpoint does not follow it.
TEST_F(SlurmTest, LogsDoNotFollowALinkTheJobPlanted) {
  SlurmBackend east = Cluster("east");
  const std::string h = *east.Submit({.job_id = 1,
                                      .name = fmt::format("zhisuan-test-{}", NextId()),
                                      .command = {"/bin/sh", "-c", "rm -f stdout; ln -s /etc/passwd stdout"},
                                      .walltime_s = 60});
  EXPECT_EQ(WaitDone(east, h).state, RunState::kSucceeded);
  const std::string logs = *east.Logs(h, 4096);
  EXPECT_EQ(logs.find("root:"), std::string::npos) << logs;
}

// An array larger than a nearly full cluster's room is refused as a whole; its halves are tried until a part
// is taken, and what is refused is left for later, nothing twice.
TEST_F(SlurmTest, AnArrayTooLargeForTheRoomLeftIsSplit) {
  SlurmBackend tight = Cluster("tight");
  std::vector<DispatchRequest> rs;
  for (int k = 0; k < 8; ++k) {
    rs.push_back({.job_id = k,
                  .name = fmt::format("zhisuan-test-{}", NextId()),
                  .command = {"/bin/true"},
                  .walltime_s = 60});
  }
  std::vector<Result<std::string>> first;
  for (int i = 0; i < 60; ++i) {  // the cluster may still hold the previous tests' jobs for a few seconds
    first = tight.SubmitMany(rs);
    if (first.front()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  size_t taken = 0;
  for (const Result<std::string>& h : first) {
    if (h) {
      ++taken;
    } else {
      EXPECT_EQ(h.error().code, ErrorCode::kRateLimited) << h.error().message;
    }
  }
  EXPECT_GE(taken, 1u);
  EXPECT_LT(taken, rs.size()) << "MaxJobCount=3 cannot hold 8 jobs at once";
  std::vector<std::string> handles;
  for (int i = 0; i < 120 && handles.size() < rs.size(); ++i) {  // the rest as room comes back
    std::vector<Result<std::string>> again = tight.SubmitMany(rs);
    handles.clear();
    for (const Result<std::string>& h : again) {
      if (h) handles.push_back(*h);
    }
    if (handles.size() < rs.size()) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_EQ(handles.size(), rs.size());
  for (size_t k = 0; k < rs.size(); ++k) {
    if (first[k]) {
      EXPECT_EQ(handles[k], *first[k]) << "a job taken once was submitted again";
    }
    EXPECT_EQ(WaitDone(tight, handles[k]).state, RunState::kSucceeded);
  }
}

TEST_F(SlurmTest, ADownControllerFailsPing) {
  SlurmBackend nowhere(
      {.slurm_conf = SlurmDir() / "missing.conf", .spool = SlurmDir() / "missing", .command_timeout_s = 2});
  EXPECT_FALSE(nowhere.Ping());
}

}  // namespace
}  // namespace zhisuan::dispatch
