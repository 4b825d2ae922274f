#include "store/migrate.h"

#include <fmt/format.h>

#include "store/sql.h"
#include "store/sql_store.h"

namespace zhisuan {
namespace {

// In the order foreign keys need. The leader lease is not copied: replicas elect their own.
constexpr const char* kTables[] = {
    "registry_documents", "centers", "pools",     "tokens",     "quotas",    "tenant_limits",
    "drained_centers",    "jobs",    "job_state", "job_events", "audit_log", "cancel_requests"};

Result<int64_t> Count(sql::Connection& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  if (!st) return std::unexpected(st.error());
  Result<bool> row = st->Step();
  if (!row) return std::unexpected(row.error());
  return st->ColumnInt(0);
}

Result<std::vector<std::string>> Columns(sql::Connection& db, const std::string& table) {
  auto st = db.Prepare(fmt::format("SELECT name FROM pragma_table_info('{}') ORDER BY cid", table));
  if (!st) return std::unexpected(st.error());
  std::vector<std::string> out;
  if (Status s = st->ForEach([&](sql::Statement& row) { out.push_back(row.ColumnText(0)); }); !s)
    return std::unexpected(s.error());
  return out;
}

// Copies one table's rows; returns how many.
Result<int64_t> CopyTable(sql::Connection& from, sql::Connection& to, const std::string& table) {
  Result<std::vector<std::string>> columns = Columns(from, table);
  if (!columns) return std::unexpected(columns.error());
  std::string names, params;
  for (size_t i = 0; i < columns->size(); ++i) {
    names += (i ? ", " : "") + (*columns)[i];
    params += fmt::format("{}?{}", i ? ", " : "", i + 1);
  }
  auto read = from.Prepare(fmt::format("SELECT {} FROM {}", names, table));
  if (!read) return std::unexpected(read.error());
  // OVERRIDING SYSTEM VALUE: the audit log's sequence numbers are kept as they were.
  auto write = to.Prepare(
      fmt::format("INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES ({})", table, names, params));
  if (!write) return std::unexpected(write.error());
  int64_t rows = 0;
  Status copied = Status();
  Status walked = read->ForEach([&](sql::Statement& row) {
    if (!copied) return;
    write->Reset();
    for (int c = 0; c < static_cast<int>(columns->size()); ++c) {
      switch (row.ColumnKind(c)) {
        case sql::Kind::kNull:
          write->BindNull(c + 1);
          break;
        case sql::Kind::kInt:
          write->BindUntyped(c + 1, std::to_string(row.ColumnInt(c)));
          break;
        case sql::Kind::kReal:
          write->BindUntyped(c + 1, fmt::format("{}", row.ColumnDouble(c)));  // shortest exact form
          break;
        case sql::Kind::kText:
          write->BindUntyped(c + 1, row.ColumnText(c));
          break;
      }
    }
    copied = write->Run();
    ++rows;
  });
  if (!walked) return std::unexpected(walked.error());
  if (!copied) return std::unexpected(copied.error());
  return rows;
}

}  // namespace

Result<MigrationSummary> CopyToPostgres(const std::string& sqlite_path, const std::string& url) {
  if (sql::IsPostgresUrl(sqlite_path)) {
    return Fail(ErrorCode::kInvalidArgument, "--db: migrate copies a SQLite file; this names PostgreSQL");
  }
  if (!sql::IsPostgresUrl(url)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("--to: '{}' is not a PostgreSQL URL (postgresql://USER@HOST:PORT/DB)", url));
  }
  // Both at the newest schema (the source's own migrations run first, as a server's would).
  if (auto store = OpenStore(sqlite_path); !store) return std::unexpected(store.error());
  if (auto store = OpenStore(url); !store) return std::unexpected(store.error());
  Result<sql::Connection> from = sql::OpenSqlite(sqlite_path, /*create=*/false);
  if (!from) return std::unexpected(from.error());
  Result<sql::Connection> to = sql::OpenPostgres(url);
  if (!to) return std::unexpected(to.error());
  for (const char* table : {"registry_documents", "jobs", "tokens", "audit_log"}) {
    Result<int64_t> n = Count(*to, fmt::format("SELECT COUNT(*) FROM {}", table));
    if (!n) return std::unexpected(n.error());
    if (*n > 0) {
      return Fail(ErrorCode::kConflict,
                  fmt::format("--to: {} already holds a platform ({} rows in {}); migrate into an empty "
                              "database",
                              sql::Redacted(url), *n, table));
    }
  }
  MigrationSummary summary;
  // One snapshot of the source (a read transaction) and one transaction on the destination.
  if (Status s = from->Exec("BEGIN"); !s) return std::unexpected(s.error());
  if (Status s = to->Begin(); !s) {
    (void)from->Exec("ROLLBACK");
    return std::unexpected(s.error());
  }
  auto body = [&]() -> Status {
    // The destination's migration made a registry-less platform with its own instance id and auth version:
    // the source's replace them.
    for (const char* key : {"instance", "auth_version"}) {
      auto get = from->Prepare(fmt::format("SELECT value FROM meta WHERE key = '{}'", key));
      if (!get) return std::unexpected(get.error());
      Result<bool> row = get->Step();
      if (!row) return std::unexpected(row.error());
      if (!*row) continue;
      const std::string value = get->ColumnText(0);
      if (std::string_view(key) == "instance") summary.instance = value;
      auto set = to->Prepare("UPDATE meta SET value = ?1 WHERE key = ?2");
      if (!set) return std::unexpected(set.error());
      set->Bind(1, value).Bind(2, std::string_view(key));
      if (Status s = set->Run(); !s) return s;
    }
    for (const char* table : kTables) {
      Result<int64_t> rows = CopyTable(*from, *to, table);
      if (!rows) return std::unexpected(rows.error());
      Result<int64_t> there = Count(*to, fmt::format("SELECT COUNT(*) FROM {}", table));
      if (!there) return std::unexpected(there.error());
      Result<int64_t> here = Count(*from, fmt::format("SELECT COUNT(*) FROM {}", table));
      if (!here) return std::unexpected(here.error());
      if (*there != *here || *there != *rows) {
        return Fail(ErrorCode::kStore, fmt::format("{}: {} rows in SQLite, {} in PostgreSQL after the copy",
                                                   table, *here, *there));
      }
      summary.tables.emplace_back(table, *rows);
    }
    // Ids go on after the copied ones.
    for (const auto& [table, column] : {std::pair{"jobs", "id"}, std::pair{"audit_log", "seq"}}) {
      if (Status s = to->Exec(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', '{1}'), "
                                          "COALESCE((SELECT MAX({1}) FROM {0}), 0) + 1, false)",
                                          table, column));
          !s)
        return s;
    }
    return {};
  };
  Status s = body();
  (void)from->Exec("ROLLBACK");  // the read snapshot ends either way
  if (!s) {
    to->Rollback();
    return std::unexpected(s.error());
  }
  if (Status c = to->Commit(); !c) return std::unexpected(c.error());
  return summary;
}

}  // namespace zhisuan
