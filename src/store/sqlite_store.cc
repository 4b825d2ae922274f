#include "store/sqlite_store.h"

#include <fmt/format.h>

#include <filesystem>
#include <mutex>

#include "model/enums.h"
#include "store/sqlite.h"

namespace zhisuan {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append only: a released migration never changes.
constexpr Migration kMigrations[] = {
    {1, R"sql(
      CREATE TABLE registry_documents (
        name TEXT PRIMARY KEY,      -- data file name, e.g. centers.yaml
        label TEXT NOT NULL,        -- where it was loaded from
        content TEXT NOT NULL,      -- the validated YAML as loaded
        loaded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE TABLE centers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        province TEXT NOT NULL,
        hub TEXT,
        cluster TEXT,
        state TEXT NOT NULL DEFAULT 'up'
      );
      CREATE TABLE pools (
        center_id TEXT NOT NULL REFERENCES centers(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        accelerator TEXT NOT NULL,
        devices INTEGER NOT NULL CHECK (devices >= 0),
        free_devices INTEGER NOT NULL CHECK (free_devices >= 0),
        PRIMARY KEY (center_id, idx)
      );
    )sql"},
    {2, R"sql(
      CREATE TABLE meta (           -- facts about this database
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      -- Names this database's jobs on the backends (zhisuan-INSTANCE-ID), so that a new database never mistakes
      -- an earlier database's job 1 for its own.
      INSERT INTO meta (key, value) VALUES ('instance', lower(hex(randomblob(5))));
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,      -- SHA-256 of the token, hex; the token itself is never stored
        tenant TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('operator', 'tenant')),
        created_at REAL NOT NULL
      );
      CREATE TABLE quotas (
        tenant TEXT NOT NULL,
        accelerator TEXT NOT NULL,  -- an accelerator id
        max_devices INTEGER NOT NULL CHECK (max_devices >= 0),
        PRIMARY KEY (tenant, accelerator)
      );
      CREATE TABLE jobs (           -- immutable: what was submitted
        id INTEGER PRIMARY KEY,
        tenant TEXT NOT NULL,
        idempotency_key TEXT,
        spec TEXT NOT NULL,
        priority INTEGER NOT NULL,
        submitted_at REAL NOT NULL,
        UNIQUE (tenant, idempotency_key)
      );
      CREATE TABLE job_state (      -- mutable: where the job is now
        job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
        state TEXT NOT NULL,
        center TEXT,
        pool INTEGER,
        accelerator TEXT,
        devices INTEGER,
        backend TEXT,
        backend_id TEXT,
        decision TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        excluded TEXT NOT NULL DEFAULT '',
        started_at REAL,
        finished_at REAL,
        exit_code INTEGER,
        device_hours REAL,
        energy_kwh REAL,
        energy_fen INTEGER,
        price_fen INTEGER,
        carbon_kg REAL,
        message TEXT NOT NULL DEFAULT '',
        updated_at REAL NOT NULL
      );
      CREATE TABLE job_events (     -- every transition, in order (clustered by job: one B-tree, no rowid)
        job_id INTEGER NOT NULL REFERENCES jobs(id),
        seq INTEGER NOT NULL,
        at REAL NOT NULL,
        state TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (job_id, seq)
      ) WITHOUT ROWID;
    )sql"},
    {3, R"sql(
      -- A token's public id is the first 12 hex digits of its hash (zhisuan token list/revoke name it).
      ALTER TABLE tokens ADD COLUMN expires_at REAL;   -- NULL: never
      ALTER TABLE tokens ADD COLUMN revoked_at REAL;   -- NULL: not revoked
      ALTER TABLE tokens ADD COLUMN label TEXT NOT NULL DEFAULT '';
      CREATE TABLE tenant_limits (  -- set by operators; NULL: the server's default
        tenant TEXT PRIMARY KEY,
        max_priority INTEGER,
        submissions_per_s REAL,
        max_pending INTEGER,
        allow_from TEXT NOT NULL DEFAULT ''  -- addresses or CIDR blocks, comma-separated; empty: anywhere
      );
      -- Bumped by every change of tokens or limits, from any process: a server drops what it cached at once.
      INSERT INTO meta (key, value) VALUES ('auth_version', '0');
      CREATE TRIGGER tokens_insert_bumps_auth AFTER INSERT ON tokens BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
      CREATE TRIGGER tokens_update_bumps_auth AFTER UPDATE ON tokens BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
      CREATE TRIGGER tokens_delete_bumps_auth AFTER DELETE ON tokens BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
      CREATE TRIGGER tenant_limits_insert_bumps_auth AFTER INSERT ON tenant_limits BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
      CREATE TRIGGER tenant_limits_update_bumps_auth AFTER UPDATE ON tenant_limits BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
      CREATE TRIGGER tenant_limits_delete_bumps_auth AFTER DELETE ON tenant_limits BEGIN
        UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'auth_version';
      END;
    )sql"},
    {4, R"sql(
      -- The tenant's fee for moving its input data, billed apart from the compute price (fen).
      ALTER TABLE job_state ADD COLUMN transfer_fee_fen INTEGER;
    )sql"},
    {5, R"sql(
      -- Centers an operator drained: they take no new jobs, across restarts, until undrained.
      CREATE TABLE drained_centers (
        center TEXT PRIMARY KEY,
        since REAL NOT NULL,
        by_tenant TEXT NOT NULL DEFAULT ''  -- the operator token's tenant
      );
    )sql"},
    {6, R"sql(
      -- Every state-changing call, who made it from where, and its result. Append-only: the database itself
      -- refuses to change or delete an entry.
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        token_id TEXT NOT NULL,
        tenant TEXT NOT NULL,
        role TEXT NOT NULL,
        remote TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        result TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX audit_log_by_tenant ON audit_log (tenant, seq);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    )sql"},
};

class SqliteStore final : public Store {
 public:
  SqliteStore(sql::Connection db, int version) : db_(std::move(db)), version_(version) {}

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
    std::lock_guard lock(mu_);
    if (auto s = db_.Exec("BEGIN IMMEDIATE"); !s) return s;
    Status s = WriteRegistry(files, registry);
    if (!s) {
      (void)db_.Exec("ROLLBACK");
      return s;
    }
    return db_.Exec("COMMIT");
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
  if (auto s = db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
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

}  // namespace

int LatestSchemaVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, bool init) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  if (existed && std::filesystem::file_size(path, ec) == 0 && !ec && !init) {
    return Fail(ErrorCode::kStore,
                fmt::format("{}: an empty file is not a zhisuan database (remove it, or pass "
                            "--init to make it one)",
                            path));
  }
  Result<sql::Connection> db = sql::Connection::Open(path, /*create=*/true);
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
  Result<int> version = CurrentVersion(*db);
  if (!version) return prefix(version.error());
  if (*version > LatestSchemaVersion()) {
    return Fail(ErrorCode::kStore,
                fmt::format("{}: database schema version {} is newer than this zhisuan's ({})", path,
                            *version, LatestSchemaVersion()));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *version) continue;
    Status s = db->Exec("BEGIN IMMEDIATE");
    if (s) s = db->Exec(m.sql);
    if (s) s = db->Exec(fmt::format("INSERT INTO schema_migrations (version) VALUES ({})", m.version));
    if (s) s = db->Exec("COMMIT");
    if (!s) {
      (void)db->Exec("ROLLBACK");
      return prefix(s.error());
    }
    *version = m.version;
  }
  return std::make_unique<SqliteStore>(std::move(*db), *version);
}

}  // namespace zhisuan
