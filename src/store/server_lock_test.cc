#include "store/server_lock.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/fixtures.h"

namespace zhisuan {
namespace {

// Regression: two servers on one SQLite file both ran the jobs (10 of 10 jobs got two `succeeded` events).
TEST(ServerLock, ASecondServerIsRefusedWithTheHolderNamed) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "z.db").string();
  Result<std::unique_ptr<ServerLock>> first = ServerLock::Acquire(db);
  ASSERT_TRUE(first) << first.error().message;
  // flock locks belong to the open file description: a second open in this process conflicts as a second
  // process would.
  Result<std::unique_ptr<ServerLock>> second = ServerLock::Acquire(db);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  EXPECT_NE(second.error().message.find(fmt::format("pid {} on host", ::getpid())), std::string::npos)
      << second.error().message;
  first->reset();
  EXPECT_TRUE(ServerLock::Acquire(db));
}

TEST(ServerLock, TheLockDiesWithItsHolder) {
  testing::TempDir dir;
  const std::string db = (dir.path() / "z.db").string();
  const pid_t child = ::fork();
  if (child == 0) {
    auto lock = ServerLock::Acquire(db);
    ::_exit(lock ? 0 : 1);  // exits holding it: the kernel releases it
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(ServerLock::Acquire(db));
}

}  // namespace
}  // namespace zhisuan
