// A SQLite platform copied into PostgreSQL (zhisuan migrate): every row, the ids and the instance kept, ids
// going on after the copied ones, and never into a database that holds a platform.
#include "store/migrate.h"

#include <gtest/gtest.h>

#include "store/job_store.h"
#include "store/registry_source.h"
#include "testing/fixtures.h"
#include "testing/postgres.h"

namespace zhisuan {
namespace {

TEST(Migrate, CopiesAPlatformIntoAnEmptyPostgresAndNeverMerges) {
  testing::TestDatabase pg(sql::Dialect::kPostgres);
  ZHISUAN_NEED_DATABASE(pg);
  testing::TempDir dir;
  const std::string file = (dir.path() / "z.db").string();
  testing::WriteDataDir(dir.path() / "data", testing::TinyDataFiles());
  ASSERT_TRUE(OpenRegistry(file, dir.path() / "data"));
  std::string instance;
  int64_t last_id = 0;
  {
    auto jobs = JobStore::Open(file);
    ASSERT_TRUE(jobs);
    const Actor who{"0123456789ab", "acme", "tenant", "10.0.0.7"};
    const NewJob submitted[] = {{"acme", "k1", "kind: train", 2, 10.25, who},
                                {"zeta", "", "kind: batch", 0, 11, who}};
    auto ids = (*jobs)->Insert(submitted, 12.125);
    ASSERT_TRUE(ids);
    last_id = (*ids)[1].id;
    JobRecord r = **(*jobs)->Get((*ids)[0].id);
    r.state = JobState::kSucceeded;
    r.finished_at = 1796046399.661102;  // 17 significant digits survive the copy
    r.accounting = JobAccounting{4, 2.5, 150, 12345, 1.0 / 3, 7};
    r.updated_at = 13;
    ASSERT_TRUE((*jobs)->Save(std::vector<Transition>{{r, "exit 0"}}));
    ASSERT_TRUE((*jobs)->AddToken(std::string(64, 'a'), {"acme", "tenant"}, 1, 99.5, "ci"));
    ASSERT_TRUE((*jobs)->SetQuota("acme", "acc-a", 8));
    ASSERT_TRUE((*jobs)->SetDrained("c2", true, 14, "ops"));
    instance = *(*jobs)->Instance();
  }
  auto done = CopyToPostgres(file, pg.target());
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->instance, instance);
  auto jobs = JobStore::Open(pg.target());
  ASSERT_TRUE(jobs);
  EXPECT_EQ(*(*jobs)->Instance(), instance);  // jobs keep their names on the backends
  const JobRecord first = **(*jobs)->Get(last_id - 1);
  EXPECT_EQ(first.idempotency_key, "k1");
  EXPECT_EQ(first.priority, 2);
  EXPECT_EQ(first.submitted_at, 10.25);
  EXPECT_EQ(first.finished_at, 1796046399.661102);
  EXPECT_EQ(first.accounting->carbon_kg, 1.0 / 3);
  EXPECT_EQ(first.accounting->transfer_fee_fen, 7);
  EXPECT_EQ((*jobs)->Events(last_id - 1)->size(), 2u);
  EXPECT_EQ((*jobs)->ListTokens("")->front().expires_at, 99.5);
  EXPECT_EQ(*(*jobs)->DrainedCenters(), std::vector<std::string>{"c2"});
  EXPECT_EQ((*jobs)->Quotas()->size(), 1u);
  EXPECT_EQ((*jobs)->AuditLog({})->size(), 2u);
  // New ids go on after the copied ones, the idempotency key still names its job.
  const NewJob next[] = {{"acme", "", "kind: infer", 0, 20, {}}, {"acme", "k1", "kind: train", 0, 20, {}}};
  auto more = (*jobs)->Insert(next, 20);
  ASSERT_TRUE(more) << more.error().message;
  EXPECT_EQ((*more)[0].id, last_id + 1);
  EXPECT_TRUE((*more)[1].existing);
  EXPECT_EQ((*more)[1].id, last_id - 1);
  EXPECT_GT((*jobs)->AuditLog({})->back().seq, 2);
  auto again = CopyToPostgres(file, pg.target());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_NE(again.error().message.find("already holds a platform"), std::string::npos)
      << again.error().message;
  auto reversed = CopyToPostgres(pg.target(), file);
  ASSERT_FALSE(reversed);
  EXPECT_EQ(reversed.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace zhisuan
