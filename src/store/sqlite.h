// store/sqlite.h — a thin RAII layer over the SQLite C API: a connection and prepared statements whose errors
// come back as Result values with the SQL that failed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace zhisuan::sql {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Bind by 1-based index.
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& BindNull(int index);
  // Clears bindings and rewinds, to run the statement again.
  void Reset();
  // Steps once: true while a row is available, false when done; errors are kStore.
  Result<bool> Step();
  // Runs to completion.
  Status Run();
  // Steps through every row, calling `row(*this)` on each.
  template <typename F>
  Status ForEach(F&& row) {
    while (true) {
      Result<bool> more = Step();
      if (!more) return std::unexpected(more.error());
      if (!*more) return {};
      row(*this);
    }
  }
  int64_t ColumnInt(int column) const;
  std::string ColumnText(int column) const;
  double ColumnDouble(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating when `create`) the database at `path`.
  static Result<Connection> Open(const std::string& path, bool create);
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&&) = delete;
  Connection(const Connection&) = delete;
  ~Connection();

  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  int64_t LastInsertRowid() const;
  int Changes() const;
  // Copies this whole database into `dest` with SQLite's online backup (one read transaction: a consistent
  // copy while other connections write).
  Status BackupTo(Connection& dest);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace zhisuan::sql
