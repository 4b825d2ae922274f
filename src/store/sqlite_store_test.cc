#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "testing/fixtures.h"

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
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  EXPECT_EQ((*store)->SchemaVersion(), LatestSchemaVersion());
  EXPECT_EQ(Pragma(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Pragma(path, "SELECT MAX(version) FROM schema_migrations"),
            std::to_string(LatestSchemaVersion()));
}

TEST(SqliteStore, ReopenRunsNoMigrationTwice) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "z.db").string();
  ASSERT_TRUE(OpenSqliteStore(path).has_value());
  auto again = OpenSqliteStore(path);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(Pragma(path, "SELECT COUNT(*) FROM schema_migrations"), std::to_string(LatestSchemaVersion()));
}

TEST(SqliteStore, RefusesNewerSchema) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "z.db").string();
  ASSERT_TRUE(OpenSqliteStore(path).has_value());
  Pragma(path, "INSERT INTO schema_migrations (version) VALUES (999)");
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kStore);
  EXPECT_NE(store.error().message.find("schema version 999 is newer"), std::string::npos)
      << store.error().message;
}

TEST(SqliteStore, CorruptFileIsAClearError) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "z.db").string();
  std::ofstream(path) << std::string(8192, 'x');
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kStore);
  EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("not a database"), std::string::npos) << store.error().message;
}

TEST(SqliteStore, RegistryRoundTripAndState) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "z.db").string();
  const auto files = testing::TinyDataFiles();
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.has_value());
    auto empty = (*store)->LoadRegistryDocuments();
    ASSERT_TRUE(empty.has_value());
    EXPECT_FALSE(empty->has_value());
    ASSERT_TRUE((*store)->SaveRegistry(files, testing::TinyRegistry()).has_value());
    ASSERT_TRUE((*store)->SetCenterState("c2", CenterState::kDraining).has_value());
  }
  auto store = OpenSqliteStore(path);
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

}  // namespace
}  // namespace zhisuan
