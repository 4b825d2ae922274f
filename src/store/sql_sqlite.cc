// The SQLite driver of store/sql.h.
#include <fmt/format.h>
#include <sqlite3.h>

#include "store/sql.h"

namespace zhisuan::sql {
namespace {

class SqliteStatement final : public StatementImpl {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void Bind(int index, std::string_view text) override {
    // An empty view may have no data pointer, which SQLite would bind as NULL: bind an empty string instead.
    sqlite3_bind_text(stmt_, index, text.empty() ? "" : text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  }
  void Bind(int index, int64_t value) override { sqlite3_bind_int64(stmt_, index, value); }
  void Bind(int index, double value) override { sqlite3_bind_double(stmt_, index, value); }
  void BindNull(int index) override { sqlite3_bind_null(stmt_, index); }
  void BindUntyped(int index, std::string_view text) override { Bind(index, text); }
  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Result<bool> Step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Fail(ErrorCode::kStore,
                fmt::format("sqlite: {} in '{}'", sqlite3_errmsg(db_), sqlite3_sql(stmt_)));
  }
  int64_t ColumnInt(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double ColumnDouble(int column) const override { return sqlite3_column_double(stmt_, column); }
  bool ColumnIsNull(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  Kind ColumnKind(int column) const override {
    switch (sqlite3_column_type(stmt_, column)) {
      case SQLITE_NULL:
        return Kind::kNull;
      case SQLITE_INTEGER:
        return Kind::kInt;
      case SQLITE_FLOAT:
        return Kind::kReal;
      default:
        return Kind::kText;
    }
  }
  std::string ColumnText(int column) const override {
    const auto* text = sqlite3_column_text(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return text == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteConnection final : public ConnectionImpl {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() override { sqlite3_close(db_); }

  Status Exec(std::string_view sql) override {
    char* error = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : "unknown error";
      sqlite3_free(error);
      return Fail(ErrorCode::kStore, fmt::format("sqlite: {} in '{}'", message, text.substr(0, 120)));
    }
    return {};
  }
  Result<std::unique_ptr<StatementImpl>> Prepare(std::string_view sql, bool /*keep*/) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
      return Fail(ErrorCode::kStore, fmt::format("sqlite: {} preparing '{}'", sqlite3_errmsg(db_), sql));
    }
    return std::make_unique<SqliteStatement>(db_, stmt);
  }
  int64_t Changes() const override { return sqlite3_changes(db_); }
  Status Begin() override { return Exec("BEGIN IMMEDIATE"); }
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_;
};

}  // namespace

Result<Connection> OpenSqlite(const std::string& path, bool create) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Fail(ErrorCode::kStore, fmt::format("{}: cannot open database: {}", path, message));
  }
  sqlite3_busy_timeout(db, 5000);
  return Connection(Dialect::kSqlite, std::make_unique<SqliteConnection>(db));
}

Status SqliteBackup(Connection& source, Connection& dest) {
  auto* from = dynamic_cast<SqliteConnection*>(&source.impl());
  auto* to = dynamic_cast<SqliteConnection*>(&dest.impl());
  if (from == nullptr || to == nullptr)
    return Fail(ErrorCode::kInvalidArgument, "backup: both databases must be SQLite files");
  sqlite3_backup* backup = sqlite3_backup_init(to->db(), "main", from->db(), "main");
  if (backup == nullptr) return Fail(ErrorCode::kStore, fmt::format("backup: {}", sqlite3_errmsg(to->db())));
  int rc = SQLITE_OK;
  while ((rc = sqlite3_backup_step(backup, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return Fail(ErrorCode::kStore, fmt::format("backup: {}", sqlite3_errstr(rc)));
  return {};
}

}  // namespace zhisuan::sql
