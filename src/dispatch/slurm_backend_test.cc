// The Slurm backend against real single-node clusters started by scripts/slurm.sh (the CTest fixture sets
// ZHISUAN_SLURM_DIR). Two clusters, as two centers: a job runs on the one it is sent to.
#include "dispatch/slurm_backend.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

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

SlurmBackend Cluster(const std::string& name) {
  const std::filesystem::path c = SlurmDir() / name;
  return SlurmBackend({.slurm_conf = c / "slurm.conf", .spool = c / "jobs", .jobcomp = c / "jobcomp.txt"});
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

TEST_F(SlurmTest, ADownControllerFailsPing) {
  SlurmBackend nowhere(
      {.slurm_conf = SlurmDir() / "missing.conf", .spool = SlurmDir() / "missing", .command_timeout_s = 2});
  EXPECT_FALSE(nowhere.Ping());
}

}  // namespace
}  // namespace zhisuan::dispatch
