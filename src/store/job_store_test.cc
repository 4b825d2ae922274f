// The job store on a real SQLite file: ids with their rows, idempotency, transitions with their events,
// usage.
#include "store/job_store.h"

#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "testing/fixtures.h"

namespace zhisuan {
namespace {

class JobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_.path() / "z.db").string();
    ASSERT_TRUE(OpenSqliteStore(path_));
    auto store = JobStore::Open(path_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<JobStore> store_;
};

TEST_F(JobStoreTest, AcceptsJobsIdempotently) {
  const NewJob jobs[] = {{"acme", "k1", "kind: train", 0, 10},
                         {"acme", "", "kind: infer", 5, 11},
                         {"acme", "k1", "kind: other", 0, 12},
                         {"zeta", "k1", "kind: batch", 0, 13}};
  auto accepted = store_->Insert(jobs, 20);
  ASSERT_TRUE(accepted) << accepted.error().message;
  ASSERT_EQ(accepted->size(), 4u);
  EXPECT_FALSE((*accepted)[0].existing);
  EXPECT_TRUE((*accepted)[2].existing);  // same tenant and key in the same batch
  EXPECT_EQ((*accepted)[2].id, (*accepted)[0].id);
  EXPECT_NE((*accepted)[3].id, (*accepted)[0].id);  // keys are per tenant
  auto again = store_->Insert(std::span(jobs, 1), 30);
  ASSERT_TRUE(again);
  EXPECT_TRUE((*again)[0].existing);
  auto job = store_->Get((*accepted)[0].id);
  ASSERT_TRUE(job && job->has_value());
  EXPECT_EQ((*job)->spec, "kind: train");
  EXPECT_EQ((*job)->state, JobState::kPending);
  EXPECT_EQ(store_->Unfinished()->size(), 3u);
}

TEST_F(JobStoreTest, TransitionsAreRecordedWithTheirEvents) {
  const NewJob job{"acme", "", "kind: train", 0, 10};
  const int64_t id = (*store_->Insert(std::span(&job, 1), 10))[0].id;
  JobRecord r = **store_->Get(id);
  r.state = JobState::kPlaced;
  r.center = "c1";
  r.pool = 0;
  r.devices = 4;
  r.updated_at = 11;
  ASSERT_TRUE(store_->Save(std::vector<Transition>{{r, "placed on c1"}}));
  r.state = JobState::kSucceeded;
  r.started_at = 12;
  r.finished_at = 3612;
  r.exit_code = 0;
  r.accounting = JobAccounting{4, 2.5, 150, 12345, 1.25};
  r.updated_at = 3612;
  ASSERT_TRUE(store_->Save(std::vector<Transition>{{r, "exit 0"}}));
  const JobRecord back = **store_->Get(id);
  EXPECT_EQ(back.state, JobState::kSucceeded);
  EXPECT_EQ(back.accounting->price_fen, 12345);
  const auto events = *store_->Events(id);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].detail, "placed on c1");
  EXPECT_EQ(events[2].state, JobState::kSucceeded);
  EXPECT_TRUE(store_->Unfinished()->empty());
  const auto usage = *store_->Usage(true, 0, 1e12);
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].key, "acme");
  EXPECT_EQ(usage[0].price_fen, 12345);
  // A transition of a job that does not exist changes nothing.
  r.id = 999;
  EXPECT_FALSE(store_->Save(std::vector<Transition>{{r, "x"}}));
}

TEST_F(JobStoreTest, TokensAndQuotas) {
  const std::string a(64, 'a'), b = std::string(12, 'a') + std::string(52, 'b'), c(64, 'c');
  const int64_t version = *store_->AuthVersion();
  ASSERT_TRUE(store_->AddToken(a, {"acme", "tenant"}, 1));
  EXPECT_GT(*store_->AuthVersion(), version);                // every change of tokens bumps it
  EXPECT_FALSE(store_->AddToken(a, {"acme", "tenant"}, 1));  // unique hash
  EXPECT_FALSE(store_->AddToken(c, {"acme", "root"}, 1));    // role checked by the schema
  ASSERT_TRUE(store_->AddToken(b, {"zeta", "operator"}, 2, 100.0, "ci"));
  const auto same_id = *store_->TokensWithId(std::string(12, 'a'));
  ASSERT_EQ(same_id.size(), 2u);  // both share the id: the caller compares the whole hash
  EXPECT_TRUE(store_->TokensWithId(std::string(12, 'c'))->empty());
  const auto zeta = *store_->ListTokens("zeta");
  ASSERT_EQ(zeta.size(), 1u);
  EXPECT_EQ(zeta[0].expires_at, 100.0);
  EXPECT_EQ(zeta[0].label, "ci");
  EXPECT_FALSE(store_->RevokeToken(std::string(12, 'a'), 5));  // ambiguous: a conflict, nothing revoked
  EXPECT_FALSE(store_->RevokeToken("not-an-id", 5));
  EXPECT_FALSE(store_->RevokeToken(std::string(12, 'c'), 5)->has_value());
  ASSERT_TRUE(store_->SetTenantLimits(
      "acme",
      {.max_priority = 10, .submissions_per_s = std::nullopt, .max_pending = 5, .allow_from = "10.0.0.0/8"}));
  const auto limits = *store_->AllTenantLimits();
  EXPECT_EQ(limits.at("acme").max_priority, 10);
  EXPECT_FALSE(limits.at("acme").submissions_per_s.has_value());
  EXPECT_EQ(limits.at("acme").allow_from, "10.0.0.0/8");
  ASSERT_TRUE(store_->SetQuota("acme", "acc-a", 8));
  ASSERT_TRUE(store_->SetQuota("acme", "acc-a", 4));
  const auto q = *store_->Quotas();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(std::get<2>(q[0]), 4);
}

}  // namespace
}  // namespace zhisuan
