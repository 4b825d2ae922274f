#include "store/sql_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <thread>

#include "store/registry_source.h"
#include "store/sql.h"
#include "testing/fixtures.h"
#include "testing/postgres.h"

namespace zhisuan {
namespace {

std::string Pragma(const std::string& path, const char* pragma) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, pragma, -1, &stmt, nullptr);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST(SqliteStore, CreatesInWalModeAtLatestVersion) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "z.db").string();
  auto store = OpenStore(path);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  EXPECT_EQ((*store)->SchemaVersion(), LatestSchemaVersion());
  EXPECT_EQ(Pragma(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Pragma(path, "SELECT MAX(version) FROM schema_migrations"),
            std::to_string(LatestSchemaVersion()));
}

TEST(SqliteStore, CorruptFileIsAClearError) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "z.db").string();
  std::ofstream(path) << std::string(8192, 'x');
  auto store = OpenStore(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kStore);
  EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("not a database"), std::string::npos) << store.error().message;
}

// One value from the database `target` names (a SQLite file or a PostgreSQL URL).
std::string Query(const std::string& target, const std::string& sql) {
  auto db = sql::Connection::Open(target, false);
  if (!db) return "error: " + db.error().message;
  auto st = db->Prepare(sql);
  if (!st) return "error: " + st.error().message;
  auto row = st->Step();
  if (!row) return "error: " + row.error().message;
  return *row ? st->ColumnText(0) : "";
}

// The same cases on both databases.
class StoreTest : public ::testing::TestWithParam<sql::Dialect> {
 protected:
  void SetUp() override { ZHISUAN_NEED_DATABASE(db_); }
  testing::TestDatabase db_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Databases, StoreTest,
                         ::testing::Values(sql::Dialect::kSqlite, sql::Dialect::kPostgres),
                         [](const auto& p) { return testing::DialectName(p.param); });

TEST_P(StoreTest, ReopenRunsNoMigrationTwice) {
  ASSERT_TRUE(OpenStore(db_.target()).has_value());
  auto again = OpenStore(db_.target());
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ((*again)->SchemaVersion(), LatestSchemaVersion());
  EXPECT_EQ(Query(db_.target(), "SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(LatestSchemaVersion()));
}

TEST_P(StoreTest, RefusesNewerSchema) {
  ASSERT_TRUE(OpenStore(db_.target()).has_value());
  auto db = sql::Connection::Open(db_.target(), false);
  ASSERT_TRUE(db && db->Exec("INSERT INTO schema_migrations (version) VALUES (999)"));
  auto store = OpenStore(db_.target());
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kStore);
  EXPECT_NE(store.error().message.find("schema version 999 is newer"), std::string::npos)
      << store.error().message;
}

TEST_P(StoreTest, RegistryRoundTripAndState) {
  const auto files = testing::TinyDataFiles();
  {
    auto store = OpenStore(db_.target());
    ASSERT_TRUE(store.has_value()) << store.error().message;
    auto empty = (*store)->LoadRegistryDocuments();
    ASSERT_TRUE(empty.has_value());
    EXPECT_FALSE(empty->has_value());
    ASSERT_TRUE((*store)->SaveRegistry(files, testing::TinyRegistry()).has_value());
    ASSERT_TRUE((*store)->SetCenterState("c2", CenterState::kDraining).has_value());
    auto seeded = (*store)->SeedRegistry(files, testing::TinyRegistry());
    ASSERT_TRUE(seeded);
    EXPECT_FALSE(*seeded);  // one is saved: seeding changes nothing
  }
  auto store = OpenStore(db_.target());
  ASSERT_TRUE(store.has_value());
  auto docs = (*store)->LoadRegistryDocuments();
  ASSERT_TRUE(docs.has_value() && docs->has_value());
  ASSERT_EQ((*docs)->size(), files.size());
  for (const DataFile& f : **docs) EXPECT_EQ(f.content, testing::FileContent(files, f.name)) << f.name;
  auto runtime = (*store)->LoadCenterRuntime();
  ASSERT_TRUE(runtime.has_value());
  ASSERT_EQ(runtime->size(), 2u);
  EXPECT_EQ((*runtime)[0].center_id, "c1");
  EXPECT_EQ((*runtime)[0].state, CenterState::kUp);
  EXPECT_EQ((*runtime)[1].state, CenterState::kDraining);
  EXPECT_EQ((*runtime)[1].free_devices, (std::vector<int64_t>{10, 50}));
}

// Replicas started together on an empty database: it is migrated and seeded once, and every one of them opens
// the same registry.
TEST(PostgresStore, ServersStartingTogetherMigrateAndSeedOnce) {
  testing::TestDatabase db(sql::Dialect::kPostgres);
  ZHISUAN_NEED_DATABASE(db);
  testing::TempDir dir;
  testing::WriteDataDir(dir.path() / "data", testing::TinyDataFiles());
  constexpr int kServers = 4;
  std::vector<Result<OpenedRegistry>> opened;
  for (int i = 0; i < kServers; ++i) opened.emplace_back(Fail(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kServers; ++i) {
    threads.emplace_back([&, i] { opened[i] = OpenRegistry(db.target(), dir.path() / "data"); });
  }
  for (auto& t : threads) t.join();
  int seeded = 0;
  for (auto& o : opened) {
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_EQ(o->registry.centers().size(), 2u);
    seeded += o->seeded ? 1 : 0;
  }
  EXPECT_EQ(seeded, 1);
  EXPECT_EQ(Query(db.target(), "SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(LatestSchemaVersion()));
}

TEST(PostgresStore, AnotherProgramsDatabaseIsRefusedWithoutInit) {
  testing::TestDatabase db(sql::Dialect::kPostgres);
  ZHISUAN_NEED_DATABASE(db);
  auto conn = sql::Connection::Open(db.target(), false);
  ASSERT_TRUE(conn && conn->Exec("CREATE TABLE invoices (id INTEGER)"));
  auto store = OpenStore(db.target());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("not a zhisuan database"), std::string::npos) << store.error().message;
  EXPECT_EQ(store.error().message.find("zt_"),
            store.error().message.find(db.target().substr(db.target().rfind('/') + 1)));
  ASSERT_TRUE(OpenStore(db.target(), /*init=*/true)) << "--init adds zhisuan's tables";
}

TEST(PostgresStore, AnUnreachableServerIsAClearErrorWithoutThePassword) {
  auto store = OpenStore("postgresql://zhisuan:s3cret@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kStore);
  EXPECT_NE(store.error().message.find("cannot connect"), std::string::npos) << store.error().message;
  EXPECT_EQ(store.error().message.find("s3cret"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace zhisuan
