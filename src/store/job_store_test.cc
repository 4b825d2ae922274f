// The job store on a real SQLite file and on a real PostgreSQL database (one suite, both): ids with their
// rows, idempotency (also across connections at once), transitions with their events, usage, tokens, the
// audit log.
#include "store/job_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/leader_lease.h"
#include "store/sql.h"
#include "store/sql_store.h"
#include "testing/fixtures.h"
#include "testing/postgres.h"

namespace zhisuan {
namespace {

class JobStoreTest : public ::testing::TestWithParam<sql::Dialect> {
 protected:
  void SetUp() override {
    ZHISUAN_NEED_DATABASE(db_);
    path_ = db_.target();
    auto opened = OpenStore(path_);
    ASSERT_TRUE(opened) << opened.error().message;
    auto store = JobStore::Open(path_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  testing::TestDatabase db_{GetParam()};
  std::string path_;
  std::unique_ptr<JobStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Databases, JobStoreTest,
                         ::testing::Values(sql::Dialect::kSqlite, sql::Dialect::kPostgres),
                         [](const auto& p) { return testing::DialectName(p.param); });

TEST_P(JobStoreTest, AcceptsJobsIdempotently) {
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

TEST_P(JobStoreTest, TransitionsAreRecordedWithTheirEvents) {
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
  const auto usage = *store_->Usage(UsageBy::kTenant, 0, 1e12);
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].key, "acme");
  EXPECT_EQ(usage[0].price_fen, 12345);
  const auto by_model = *store_->Usage(UsageBy::kAccelerator, 0, 1e12);
  ASSERT_EQ(by_model.size(), 1u);
  EXPECT_EQ(by_model[0].key, back.accelerator);
  EXPECT_EQ(by_model[0].price_fen, 12345);
  EXPECT_EQ(store_->Usage(UsageBy::kCenter, 0, 1e12, "acme")->size(), 1u);
  EXPECT_TRUE(store_->Usage(UsageBy::kCenter, 0, 1e12, "zeta")->empty());
  // A transition of a job that does not exist changes nothing.
  r.id = 999;
  EXPECT_FALSE(store_->Save(std::vector<Transition>{{r, "x"}}));
}

TEST_P(JobStoreTest, TheAuditLogRecordsSubmissionsWithTheirJobsAndCannotBeChanged) {
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

TEST_P(JobStoreTest, TokensAndQuotas) {
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
  ASSERT_TRUE(store_->SetTenantLimits("acme", {.max_priority = 10,
                                               .submissions_per_s = std::nullopt,
                                               .max_pending = 5,
                                               .allow_from = "10.0.0.0/8",
                                               .sector = "I64",
                                               .home_province = "beijing",
                                               .min_domestic_share = 0.5}));
  const auto limits = *store_->AllTenantLimits();
  EXPECT_EQ(limits.at("acme").max_priority, 10);
  EXPECT_FALSE(limits.at("acme").submissions_per_s.has_value());
  EXPECT_EQ(limits.at("acme").allow_from, "10.0.0.0/8");
  EXPECT_EQ(limits.at("acme").sector, "I64");
  EXPECT_EQ(limits.at("acme").home_province, "beijing");
  EXPECT_EQ(limits.at("acme").min_domestic_share, 0.5);
  ASSERT_TRUE(store_->SetTenantLimits("acme", TenantLimits{}));  // a PUT replaces all: back to none
  EXPECT_FALSE(store_->AllTenantLimits()->at("acme").min_domestic_share.has_value());
  EXPECT_EQ(store_->AllTenantLimits()->at("acme").sector, "");
  ASSERT_TRUE(store_->SetQuota("acme", "acc-a", 8));
  ASSERT_TRUE(store_->SetQuota("acme", "acc-a", 4));
  const auto q = *store_->Quotas();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(std::get<2>(q[0]), 4);
}

// One lease, one holder at a time; a new holder raises the epoch, and writes fenced at the old epoch fail.
TEST_P(JobStoreTest, TheLeaseHasOneHolderAndFencesAFormerOne) {
  auto a = LeaderLease::Open(path_), b = LeaderLease::Open(path_);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE((*a)->Current()->has_value());
  auto got = (*a)->AcquireOrRenew("replica-a", "http://a", 0.3);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->holder, "replica-a");
  EXPECT_EQ(got->epoch, 1);
  auto other = (*b)->AcquireOrRenew("replica-b", "http://b", 0.3);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->holder, "replica-a");                                    // held: b does not get it
  EXPECT_EQ((*a)->AcquireOrRenew("replica-a", "http://a", 0.3)->epoch, 1);  // a renewal keeps the epoch
  const NewJob job{"acme", "", "kind: train", 0, 10, {}};
  const int64_t id = (*store_->Insert(std::span(&job, 1), 10))[0].id;
  JobRecord r = **store_->Get(id);
  r.state = JobState::kPlaced;
  store_->SetFence(1);
  ASSERT_TRUE(store_->Save(std::vector<Transition>{{r, "placed by a"}}));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // a stops renewing: its lease expires
  auto taken = (*b)->AcquireOrRenew("replica-b", "http://b", 30);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->holder, "replica-b");
  EXPECT_EQ(taken->epoch, 2);
  EXPECT_EQ((*a)->AcquireOrRenew("replica-a", "http://a", 0.3)->holder, "replica-b");
  r.state = JobState::kDispatched;
  Status fenced = store_->Save(std::vector<Transition>{{r, "dispatched by a"}});
  ASSERT_FALSE(fenced);
  EXPECT_EQ(fenced.error().code, ErrorCode::kConflict);
  EXPECT_NE(fenced.error().message.find("fenced"), std::string::npos) << fenced.error().message;
  EXPECT_EQ((**store_->Get(id)).state, JobState::kPlaced);  // nothing of a's write landed
  store_->SetFence(2);
  EXPECT_TRUE(store_->Save(std::vector<Transition>{{r, "dispatched by b"}}));
  ASSERT_TRUE((*b)->Release("replica-b", 2));  // a clean stop hands over at once
  EXPECT_EQ((*a)->AcquireOrRenew("replica-a", "http://a", 30)->epoch, 3);
}

TEST_P(JobStoreTest, PendingIdsAndCancelRequests) {
  const NewJob jobs[] = {
      {"acme", "", "a", 0, 10, {}}, {"acme", "", "b", 0, 10, {}}, {"acme", "", "c", 0, 10, {}}};
  const auto ids = *store_->Insert(jobs, 10);
  JobRecord r = **store_->Get(ids[1].id);
  r.state = JobState::kPlaced;
  ASSERT_TRUE(store_->Save(std::vector<Transition>{{r, "placed"}}));
  EXPECT_EQ(*store_->PendingIds(0, 100), (std::vector<int64_t>{ids[0].id, ids[2].id}));
  EXPECT_EQ(*store_->PendingIds(ids[0].id, 100), (std::vector<int64_t>{ids[2].id}));
  EXPECT_EQ(store_->PendingIds(0, 1)->size(), 1u);
  const Actor who{"0123456789ab", "acme", "tenant", "10.0.0.7"};
  ASSERT_TRUE(store_->RequestCancel(ids[2].id, who, 11));
  ASSERT_TRUE(store_->RequestCancel(ids[2].id, who, 12));  // once per job
  auto requests = store_->CancelRequests();
  ASSERT_TRUE(requests && requests->size() == 1u);
  EXPECT_EQ((*requests)[0].job_id, ids[2].id);
  EXPECT_EQ((*requests)[0].by.remote, "10.0.0.7");
  ASSERT_TRUE(store_->ForgetCancelRequest(ids[2].id));
  EXPECT_TRUE(store_->CancelRequests()->empty());
}

// A tenant's submission bucket is one row that every replica draws from: two connections taking grants in
// turn get the burst between them once (refill at 0.001/s is nothing over the test), each tenant its own.
TEST_P(JobStoreTest, ReplicasShareATenantsSubmissionBucket) {
  auto other = JobStore::Open(path_);
  ASSERT_TRUE(other) << other.error().message;
  const double rate = 0.001, burst = 10;
  std::vector<int64_t> got;
  for (int i = 0; i < 4; ++i) {
    JobStore& s = i % 2 == 0 ? *store_ : **other;
    Result<int64_t> n = s.TakeSubmitTokens("acme", 4, rate, burst);
    ASSERT_TRUE(n) << n.error().message;
    got.push_back(*n);
  }
  EXPECT_EQ(got, (std::vector<int64_t>{4, 4, 2, 0}));
  EXPECT_EQ(*store_->TakeSubmitTokens("zeta", 4, rate, burst), 4);
  // A high rate refills at the database's clock: after a pause there are tokens again.
  EXPECT_EQ(*store_->TakeSubmitTokens("fast", 10, 1000, 10), 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(*(*other)->TakeSubmitTokens("fast", 10, 1000, 10), 10);
}

// The leader's live load (one row; a former leader's write is ignored) and its kept samples (the old ones
// dropped as new ones come), on both databases.
TEST_P(JobStoreTest, LiveLoadAndSamples) {
  EXPECT_FALSE(store_->LatestLoad()->has_value());
  ASSERT_TRUE(store_->PublishLoad(2, "load of epoch 2"));
  ASSERT_TRUE(store_->PublishLoad(1, "a former leader's"));
  auto load = store_->LatestLoad();
  ASSERT_TRUE(load && load->has_value());
  EXPECT_EQ((*load)->epoch, 2);
  EXPECT_EQ((*load)->load, "load of epoch 2");
  ASSERT_TRUE(store_->PublishLoad(3, "load of epoch 3"));
  EXPECT_EQ((*store_->LatestLoad())->load, "load of epoch 3");
  for (int k = 0; k < 5; ++k) ASSERT_TRUE(store_->AddSample(100 + k, "s" + std::to_string(k), 100 + k - 2.5));
  auto kept = store_->Samples(0);
  ASSERT_TRUE(kept) << kept.error().message;
  ASSERT_EQ(kept->size(), 3u);  // 102, 103, 104: the others were older than 2.5 s before the newest
  EXPECT_EQ((*kept)[0], (std::pair<double, std::string>{102, "s2"}));
  EXPECT_EQ(store_->Samples(103.5)->size(), 1u);
}

// Servers on one database accept the same idempotency key at the same moment: one job, every caller told its
// id (the key is unique by the table's constraint, not by any process's memory).
TEST_P(JobStoreTest, OneKeyFromManyConnectionsAtOnceIsOneJob) {
  constexpr int kConnections = 4, kRounds = 20;
  std::vector<std::unique_ptr<JobStore>> stores;
  for (int i = 0; i < kConnections; ++i) {
    auto store = JobStore::Open(path_);
    ASSERT_TRUE(store) << store.error().message;
    stores.push_back(std::move(*store));
  }
  for (int round = 0; round < kRounds; ++round) {
    const NewJob job{"acme", "key-" + std::to_string(round), "kind: train", 0, 10, {}};
    std::vector<Result<std::vector<Accepted>>> got(kConnections);
    std::vector<std::thread> threads;
    for (int i = 0; i < kConnections; ++i) {
      threads.emplace_back([&, i] { got[i] = stores[i]->Insert(std::span(&job, 1), 20); });
    }
    for (auto& t : threads) t.join();
    int created = 0;
    for (int i = 0; i < kConnections; ++i) {
      ASSERT_TRUE(got[i]) << got[i].error().message;
      EXPECT_EQ((*got[i])[0].id, (*got[0])[0].id);
      created += (*got[i])[0].existing ? 0 : 1;
    }
    EXPECT_EQ(created, 1) << "round " << round;
  }
  JobFilter all;
  all.limit = 1000;
  EXPECT_EQ(store_->List(all)->size(), static_cast<size_t>(kRounds));
}

}  // namespace
}  // namespace zhisuan
