#include "store/backup.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "store/sql.h"

namespace zhisuan {
namespace {

Result<int64_t> Count(sql::Connection& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  if (!st) return std::unexpected(st.error());
  int64_t n = 0;
  if (Status s = st->ForEach([&](sql::Statement& row) { n = row.ColumnInt(0); }); !s)
    return std::unexpected(s.error());
  return n;
}

Result<BackupSummary> Copy(const std::string& from, const std::string& partial) {
  Result<sql::Connection> source = sql::OpenSqlite(from, /*create=*/false);
  if (!source) return std::unexpected(source.error());
  Result<int64_t> is_zhisuan = Count(
      *source, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!is_zhisuan) return std::unexpected(is_zhisuan.error());
  if (*is_zhisuan == 0) return Fail(ErrorCode::kStore, fmt::format("{}: not a zhisuan database", from));
  Result<sql::Connection> dest = sql::OpenSqlite(partial, /*create=*/true);
  if (!dest) return std::unexpected(dest.error());
  ::chmod(partial.c_str(), 0600);
  if (Status s = sql::SqliteBackup(*source, *dest); !s) return std::unexpected(s.error());
  // The copy must stand on its own: intact, a zhisuan schema, and readable as such.
  auto check = dest->Prepare("PRAGMA integrity_check(1)");
  if (!check) return std::unexpected(check.error());
  std::string verdict;
  if (Status s = check->ForEach([&](sql::Statement& row) { verdict = row.ColumnText(0); }); !s)
    return std::unexpected(s.error());
  if (verdict != "ok")
    return Fail(ErrorCode::kStore, fmt::format("backup: the copy fails its integrity check: {}", verdict));
  BackupSummary summary;
  for (auto [field, sql] : {std::pair{&summary.jobs, "SELECT COUNT(*) FROM jobs"},
                            std::pair{&summary.tokens, "SELECT COUNT(*) FROM tokens"}}) {
    Result<int64_t> n = Count(*dest, sql);
    if (!n) return std::unexpected(n.error());
    *field = *n;
  }
  Result<int64_t> version = Count(*dest, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!version) return std::unexpected(version.error());
  summary.schema_version = static_cast<int>(*version);
  return summary;
}

}  // namespace

Result<BackupSummary> BackupDatabase(const std::string& from, const std::string& to) {
  if (sql::IsPostgresUrl(from)) {
    return Fail(ErrorCode::kInvalidArgument,
                "--db: a PostgreSQL platform is backed up with pg_dump (README: Running replicas); zhisuan "
                "backup copies a SQLite file");
  }
  std::error_code ec;
  if (std::filesystem::exists(to, ec) || std::filesystem::is_symlink(to, ec)) {
    return Fail(ErrorCode::kConflict, fmt::format("{}: exists; a backup never overwrites a file", to));
  }
  const std::string partial = to + ".partial";
  std::filesystem::remove(partial, ec);
  Result<BackupSummary> summary = Copy(from, partial);  // the connections are closed when it returns
  if (summary && std::rename(partial.c_str(), to.c_str()) != 0) {
    summary = Fail(ErrorCode::kIo, fmt::format("{}: cannot rename the copy into place", to));
  }
  if (!summary) std::filesystem::remove(partial, ec);
  return summary;
}

}  // namespace zhisuan
