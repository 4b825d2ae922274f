// store/sql.h — one thin RAII layer over the two databases zhisuan keeps its state in: SQLite (the embedded
// default, a file) and PostgreSQL (shared by replicas, a postgresql:// URL). A connection and its statements
// give errors back as Result values naming the SQL that failed. Statements are written once, in the SQL both
// accept, with SQLite's numbered parameters (?1, ?2 ...; PostgreSQL gets $1, $2 ...).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/error.h"

namespace zhisuan::sql {

enum class Dialect { kSqlite, kPostgres };

// What a result column holds (SQLite's storage classes; PostgreSQL's text results are kText or kNull).
enum class Kind { kNull, kInt, kReal, kText };

// True when `target` names a PostgreSQL database (postgresql:// or postgres://) rather than a SQLite file.
bool IsPostgresUrl(std::string_view target);
// `target` with any password replaced by ***, for messages and logs.
std::string Redacted(std::string_view target);

class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void Bind(int index, std::string_view text) = 0;
  virtual void Bind(int index, int64_t value) = 0;
  virtual void Bind(int index, double value) = 0;
  virtual void BindNull(int index) = 0;
  virtual void BindUntyped(int index, std::string_view text) = 0;
  virtual void Reset() = 0;
  virtual Result<bool> Step() = 0;
  virtual int64_t ColumnInt(int column) const = 0;
  virtual std::string ColumnText(int column) const = 0;
  virtual double ColumnDouble(int column) const = 0;
  virtual bool ColumnIsNull(int column) const = 0;
  virtual Kind ColumnKind(int column) const = 0;
};

class Statement {
 public:
  explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}

  // Bind by 1-based index; an index bound to nothing is NULL.
  Statement& Bind(int index, std::string_view text) {
    impl_->Bind(index, text);
    return *this;
  }
  Statement& Bind(int index, int64_t value) {
    impl_->Bind(index, value);
    return *this;
  }
  Statement& Bind(int index, double value) {
    impl_->Bind(index, value);
    return *this;
  }
  Statement& BindNull(int index) {
    impl_->BindNull(index);
    return *this;
  }
  // A value in text form whose type the database takes from where it goes (PostgreSQL infers it from the
  // column; SQLite stores text and converts it by the column's affinity).
  Statement& BindUntyped(int index, std::string_view text) {
    impl_->BindUntyped(index, text);
    return *this;
  }
  // Clears bindings and rewinds, to run the statement again.
  void Reset() { impl_->Reset(); }
  // Steps once: true while a row is available, false when done; errors are kStore.
  Result<bool> Step() { return impl_->Step(); }
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
  int64_t ColumnInt(int column) const { return impl_->ColumnInt(column); }
  std::string ColumnText(int column) const { return impl_->ColumnText(column); }
  double ColumnDouble(int column) const { return impl_->ColumnDouble(column); }
  bool ColumnIsNull(int column) const { return impl_->ColumnIsNull(column); }
  Kind ColumnKind(int column) const { return impl_->ColumnKind(column); }

 private:
  std::unique_ptr<StatementImpl> impl_;
};

class ConnectionImpl {
 public:
  virtual ~ConnectionImpl() = default;
  virtual Status Exec(std::string_view sql) = 0;
  virtual Result<std::unique_ptr<StatementImpl>> Prepare(std::string_view sql, bool keep) = 0;
  virtual int64_t Changes() const = 0;
  virtual Status Begin() = 0;
};

class Connection {
 public:
  // Opens the database `target` names: a PostgreSQL URL, or a SQLite file (created when `create`).
  static Result<Connection> Open(const std::string& target, bool create);
  Connection(Dialect dialect, std::unique_ptr<ConnectionImpl> impl)
      : dialect_(dialect), impl_(std::move(impl)) {}

  Dialect dialect() const { return dialect_; }
  // Runs one or more statements without results.
  Status Exec(std::string_view sql) { return impl_->Exec(sql); }
  // With `keep`, the statement is run many times over the connection's life: PostgreSQL prepares it on the
  // server once (parsed and planned once; it lives as long as the session). Without it, every run is parsed.
  Result<Statement> Prepare(std::string_view sql, bool keep = false);
  // Rows the last INSERT, UPDATE or DELETE changed.
  int64_t Changes() const { return impl_->Changes(); }
  // Starts a write transaction (SQLite: BEGIN IMMEDIATE, the write lock at once). On PostgreSQL a connection
  // lost outside a transaction is opened again here: a database restarted under a server is picked up by its
  // next transaction.
  Status Begin() { return impl_->Begin(); }
  Status Commit() { return Exec("COMMIT"); }
  void Rollback() { (void)Exec("ROLLBACK"); }
  ConnectionImpl& impl() { return *impl_; }

 private:
  Dialect dialect_;
  std::unique_ptr<ConnectionImpl> impl_;
};

// An SQL expression for the database's clock in seconds since the Unix epoch: what replicas on one database
// agree on, whatever their own clocks say.
std::string_view DatabaseNow(Dialect dialect);

// Opens a SQLite file (sql_sqlite.cc) or a PostgreSQL connection (sql_postgres.cc).
Result<Connection> OpenSqlite(const std::string& path, bool create);
Result<Connection> OpenPostgres(const std::string& url);
// SQLite's online backup of `source` into `dest`, both SQLite (one read transaction: a consistent copy while
// other connections write).
Status SqliteBackup(Connection& source, Connection& dest);

}  // namespace zhisuan::sql
