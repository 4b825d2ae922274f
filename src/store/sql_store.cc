#include "store/sql_store.h"

#include <fmt/format.h>

#include <filesystem>
#include <mutex>

#include "model/enums.h"
#include "store/migrations.h"
#include "store/sql.h"

namespace zhisuan {
namespace {

class SqlStore final : public Store {
 public:
  SqlStore(sql::Connection db, int version) : db_(std::move(db)), version_(version) {}

  int SchemaVersion() const override { return version_; }

  Result<std::optional<std::vector<DataFile>>> LoadRegistryDocuments() override {
    std::lock_guard lock(mu_);
    auto stmt = db_.Prepare("SELECT name, label, content FROM registry_documents ORDER BY name");
    if (!stmt) return std::unexpected(stmt.error());
    std::vector<DataFile> files;
    while (true) {
      Result<bool> row = stmt->Step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      files.push_back({stmt->ColumnText(0), stmt->ColumnText(1), stmt->ColumnText(2)});
    }
    if (files.empty()) return std::optional<std::vector<DataFile>>();
    return std::optional(std::move(files));
  }

  Status SaveRegistry(const std::vector<DataFile>& files, const Registry& registry) override {
    Result<bool> written = Write(files, registry, /*only_if_empty=*/false);
    if (!written) return std::unexpected(written.error());
    return {};
  }

  Result<bool> SeedRegistry(const std::vector<DataFile>& files, const Registry& registry) override {
    return Write(files, registry, /*only_if_empty=*/true);
  }

  Result<std::vector<CenterRuntime>> LoadCenterRuntime() override {
    std::lock_guard lock(mu_);
    auto stmt = db_.Prepare(
        "SELECT c.id, c.state, p.free_devices FROM centers c LEFT JOIN pools p ON p.center_id = c.id "
        "ORDER BY c.id, p.idx");
    if (!stmt) return std::unexpected(stmt.error());
    std::vector<CenterRuntime> out;
    while (true) {
      Result<bool> row = stmt->Step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      const std::string id = stmt->ColumnText(0);
      if (out.empty() || out.back().center_id != id) {
        const auto state = ParseCenterState(stmt->ColumnText(1));
        if (!state) {
          return Fail(ErrorCode::kStore,
                      fmt::format("centers.state of '{}' is corrupt: '{}'", id, stmt->ColumnText(1)));
        }
        out.push_back({id, *state, {}});
      }
      out.back().free_devices.push_back(stmt->ColumnInt(2));
    }
    return out;
  }

  Status SetCenterState(const std::string& center_id, CenterState state) override {
    std::lock_guard lock(mu_);
    auto stmt = db_.Prepare("UPDATE centers SET state = ?1 WHERE id = ?2");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, Name(state)).Bind(2, center_id);
    if (auto s = stmt->Run(); !s) return s;
    return {};
  }

 private:
  // Replaces the registry in one transaction; with `only_if_empty`, only when none is saved (false then). On
  // PostgreSQL the registry's tables are locked first: replicas starting together on an empty database seed
  // it once.
  Result<bool> Write(const std::vector<DataFile>& files, const Registry& registry, bool only_if_empty) {
    std::lock_guard lock(mu_);
    if (auto s = db_.Begin(); !s) return std::unexpected(s.error());
    auto body = [&]() -> Result<bool> {
      if (db_.dialect() == sql::Dialect::kPostgres) {
        if (auto s = db_.Exec("LOCK TABLE registry_documents IN EXCLUSIVE MODE"); !s)
          return std::unexpected(s.error());
      }
      if (only_if_empty) {
        auto st = db_.Prepare("SELECT COUNT(*) FROM registry_documents");
        if (!st) return std::unexpected(st.error());
        Result<bool> row = st->Step();
        if (!row) return std::unexpected(row.error());
        if (st->ColumnInt(0) > 0) return false;
      }
      if (Status s = WriteRegistry(files, registry); !s) return std::unexpected(s.error());
      return true;
    };
    Result<bool> written = body();
    if (!written) {
      db_.Rollback();
      return written;
    }
    if (Status s = db_.Commit(); !s) return std::unexpected(s.error());
    return written;
  }

  Status WriteRegistry(const std::vector<DataFile>& files, const Registry& registry) {
    for (const char* sql : {"DELETE FROM pools", "DELETE FROM centers", "DELETE FROM registry_documents"}) {
      if (auto s = db_.Exec(sql); !s) return s;
    }
    for (const DataFile& f : files) {
      auto stmt = db_.Prepare("INSERT INTO registry_documents (name, label, content) VALUES (?1, ?2, ?3)");
      if (!stmt) return std::unexpected(stmt.error());
      stmt->Bind(1, f.name).Bind(2, f.label).Bind(3, f.content);
      if (auto s = stmt->Run(); !s) return s;
    }
    for (const Center& c : registry.centers()) {
      auto stmt = db_.Prepare(
          "INSERT INTO centers (id, name, kind, province, hub, cluster, state) VALUES (?1, ?2, ?3, ?4, ?5, "
          "?6, ?7)");
      if (!stmt) return std::unexpected(stmt.error());
      stmt->Bind(1, c.id).Bind(2, c.name).Bind(3, Name(c.kind)).Bind(4, c.province);
      stmt->Bind(5, c.hub.value_or("")).Bind(6, c.cluster.value_or("")).Bind(7, Name(c.state));
      if (auto s = stmt->Run(); !s) return s;
      for (size_t i = 0; i < c.pools.size(); ++i) {
        auto pool = db_.Prepare(
            "INSERT INTO pools (center_id, idx, accelerator, devices, free_devices) VALUES (?1, ?2, ?3, ?4, "
            "?5)");
        if (!pool) return std::unexpected(pool.error());
        pool->Bind(1, c.id).Bind(2, static_cast<int64_t>(i)).Bind(3, c.pools[i].accelerator);
        pool->Bind(4, c.pools[i].devices).Bind(5, c.pools[i].free_devices);
        if (auto s = pool->Run(); !s) return s;
      }
    }
    return {};
  }

  std::mutex mu_;
  sql::Connection db_;  // GUARDED_BY(mu_)
  int version_;
};

Result<int> CurrentVersion(sql::Connection& db) {
  if (auto s = db.Exec(db.dialect() == sql::Dialect::kPostgres
                           ? "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                             "applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', "
                             "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"
                           : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                             "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))");
      !s) {
    return std::unexpected(s.error());
  }
  auto stmt = db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!stmt) return std::unexpected(stmt.error());
  Result<bool> row = stmt->Step();
  if (!row) return std::unexpected(row.error());
  return static_cast<int>(stmt->ColumnInt(0));
}

// Runs the migrations newer than the database in one transaction each (PostgreSQL: all in one, under an
// advisory lock, so that replicas starting together migrate once). `name` prefixes errors.
Result<int> Migrate(sql::Connection& db, const std::string& name) {
  auto prefix = [&](Error e) {
    e.message = fmt::format("{}: {}", name, e.message);
    return std::unexpected(std::move(e));
  };
  const bool pg = db.dialect() == sql::Dialect::kPostgres;
  if (pg) {
    if (Status s = db.Begin(); !s) return prefix(s.error());
    if (Status s = db.Exec("SELECT pg_advisory_xact_lock(7283010)"); !s) {
      db.Rollback();
      return prefix(s.error());
    }
  }
  Result<int> version = CurrentVersion(db);
  if (!version) {
    if (pg) db.Rollback();
    return prefix(version.error());
  }
  if (*version > LatestSchemaVersion()) {
    if (pg) db.Rollback();
    return Fail(ErrorCode::kStore,
                fmt::format("{}: database schema version {} is newer than this zhisuan's ({})", name,
                            *version, LatestSchemaVersion()));
  }
  for (const Migration& m : Migrations(db.dialect())) {
    if (m.version <= *version) continue;
    Status s = pg ? Status() : db.Begin();
    if (s) s = db.Exec(m.sql);
    if (s) s = db.Exec(fmt::format("INSERT INTO schema_migrations (version) VALUES ({})", m.version));
    if (s && !pg) s = db.Commit();
    if (!s) {
      db.Rollback();
      return prefix(s.error());
    }
    *version = m.version;
  }
  if (pg) {
    if (Status s = db.Commit(); !s) return prefix(s.error());
  }
  return *version;
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, bool init) {
  Result<sql::Connection> db = sql::OpenPostgres(url);
  if (!db) return std::unexpected(db.error());
  const std::string name = sql::Redacted(url);
  if (!init) {
    // Another program's tables and no schema_migrations: not ours to add to unless asked.
    auto st = db->Prepare(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE table_name = 'schema_migrations') FROM "
        "information_schema.tables WHERE table_schema = current_schema()");
    Result<bool> row = st ? st->Step() : Result<bool>(std::unexpected(st.error()));
    if (!row) return Fail(ErrorCode::kStore, fmt::format("{}: {}", name, row.error().message));
    if (st->ColumnInt(0) > 0 && st->ColumnInt(1) == 0) {
      return Fail(ErrorCode::kStore,
                  fmt::format("{}: not a zhisuan database (it has other tables and no schema_migrations); "
                              "pass --init to add zhisuan's tables to it",
                              name));
    }
  }
  Result<int> version = Migrate(*db, name);
  if (!version) return std::unexpected(version.error());
  return std::make_unique<SqlStore>(std::move(*db), *version);
}

}  // namespace

int LatestSchemaVersion() { return Migrations(sql::Dialect::kSqlite).back().version; }

Result<std::unique_ptr<Store>> OpenStore(const std::string& target, bool init) {
  if (sql::IsPostgresUrl(target)) return OpenPostgresStore(target, init);
  const std::string& path = target;
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  if (existed && std::filesystem::file_size(path, ec) == 0 && !ec && !init) {
    return Fail(ErrorCode::kStore,
                fmt::format("{}: an empty file is not a zhisuan database (remove it, or pass "
                            "--init to make it one)",
                            path));
  }
  Result<sql::Connection> db = sql::OpenSqlite(path, /*create=*/true);
  if (!db) return std::unexpected(db.error());
  // The database holds every tenant's specs and the token hashes: the service's user alone reads it (SQLite
  // gives its -wal and -shm files the same mode).
  if (!existed)
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  auto prefix = [&](Error e) {
    e.message = fmt::format("{}: {}", path, e.message);
    return std::unexpected(std::move(e));
  };
  if (existed && !init) {
    // Read before anything writes: a file that is not SQLite fails here, another program's database has no
    // schema_migrations table.
    Result<sql::Statement> ours =
        db->Prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    Result<bool> row = ours ? ours->Step() : Result<bool>(std::unexpected(ours.error()));
    if (!row) {
      return Fail(ErrorCode::kStore,
                  fmt::format("{}: not a zhisuan database ({})", path, row.error().message));
    }
    if (ours->ColumnInt(0) == 0) {
      return Fail(ErrorCode::kStore, fmt::format("{}: not a zhisuan database (it has no schema_migrations "
                                                 "table); pass --init to add zhisuan's tables to it",
                                                 path));
    }
  }
  // journal_mode answers with a row; Exec discards it. WAL keeps readers off the writer's back.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (auto s = db->Exec(pragma); !s) return prefix(s.error());
  }
  Result<int> version = Migrate(*db, path);
  if (!version) return std::unexpected(version.error());
  return std::make_unique<SqlStore>(std::move(*db), *version);
}

}  // namespace zhisuan
