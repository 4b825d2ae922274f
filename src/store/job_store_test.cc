// The job store on a real SQLite file: ids with their rows, idempotency, transitions with their events,
// usage.
#include "store/job_store.h"

#include <gtest/gtest.h>

#include "store/sqlite.h"
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
  const NewJob jobs[] = {{"acme", "k1", "kind: train", 0, 10, {}},
                         {"acme", "", "kind: infer", 5, 11, {}},
                         {"acme", "k1", "kind: other", 0, 12, {}},
                         {"zeta", "k1", "kind: batch", 0, 13, {}}};
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
  const NewJob job{"acme", "", "kind: train", 0, 10, {}};
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

TEST_F(JobStoreTest, TheAuditLogRecordsSubmissionsWithTheirJobsAndCannotBeChanged) {
  const Actor acme{"0123456789ab", "acme", "tenant", "10.0.0.7"};
  const NewJob jobs[] = {{"acme", "k1", "kind: train", 0, 10, acme},
                         {"acme", "k1", "kind: train", 0, 10, acme}};
  auto accepted = store_->Insert(jobs, 20);
  ASSERT_TRUE(accepted);
  AuditEntry drain;
  drain.at = 21;
  drain.by = {"fedcba987654", "ops", "operator", "127.0.0.1"};
  drain.action = "center.drain";
  drain.target = "c1";
  drain.result = "ok";
  ASSERT_TRUE(store_->Audit(drain));
  auto all = store_->AuditLog({});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].action, "job.submit");
  EXPECT_EQ((*all)[0].target, std::to_string((*accepted)[0].id));
  EXPECT_EQ((*all)[0].by.token_id, "0123456789ab");
  EXPECT_EQ((*all)[0].by.remote, "10.0.0.7");
  EXPECT_EQ((*all)[0].result, "ok");
  EXPECT_NE((*all)[1].result.find("existing"), std::string::npos);  // the replay is recorded too
  EXPECT_EQ((*all)[2].by.role, "operator");
  EXPECT_LT((*all)[0].seq, (*all)[1].seq);
  // Filters and pagination.
  AuditFilter f;
  f.tenant = "ops";
  EXPECT_EQ(store_->AuditLog(f)->size(), 1u);
  f = {};
  f.action = "job.submit";
  EXPECT_EQ(store_->AuditLog(f)->size(), 2u);
  f = {};
  f.after_seq = (*all)[1].seq;
  EXPECT_EQ(store_->AuditLog(f)->front().action, "center.drain");
  f = {};
  f.limit = 1;
  EXPECT_EQ(store_->AuditLog(f)->size(), 1u);
  // Append-only, by the database itself: not even a direct connection changes or deletes an entry.
  auto db = sql::Connection::Open(path_, false);
  ASSERT_TRUE(db);
  Status update = db->Exec("UPDATE audit_log SET result = 'ok' WHERE seq = 1");
  ASSERT_FALSE(update);
  EXPECT_NE(update.error().message.find("append-only"), std::string::npos) << update.error().message;
  EXPECT_FALSE(db->Exec("DELETE FROM audit_log"));
  EXPECT_EQ(store_->AuditLog({})->size(), 3u);
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
