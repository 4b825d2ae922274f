// The PostgreSQL driver of store/sql.h, on libpq. Statements run with their parameters typed by what was
// bound (bigint, double precision, text; NULL untyped), results in text format.
#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <vector>

#include "store/sql.h"

namespace zhisuan::sql {
namespace {

constexpr Oid kInt8 = 20, kText = 25, kFloat8 = 701;

// `sql` with SQLite's ?N parameters as PostgreSQL's $N (outside quoted text), and the highest N.
std::pair<std::string, int> Translate(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  int highest = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out += '$';
      int n = 0;
      while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
        n = n * 10 + (sql[++i] - '0');
        out += sql[i];
      }
      highest = std::max(highest, n);
    } else {
      out += c;
    }
  }
  return {std::move(out), highest};
}

// libpq's message on one line (it breaks lines and indents with tabs).
std::string Trimmed(const char* message) {
  std::string m;
  for (const char* c = message == nullptr ? "" : message; *c != 0; ++c) {
    if (*c == '\n' || *c == '\t') {
      if (!m.empty() && m.back() != ' ') m += ' ';
    } else {
      m += *c;
    }
  }
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

class PgConnection;

class PgStatement final : public StatementImpl {
 public:
  PgStatement(PgConnection& connection, std::string sql, int params, std::string name)
      : connection_(connection),
        sql_(std::move(sql)),
        name_(std::move(name)),
        values_(static_cast<size_t>(params)),
        set_(static_cast<size_t>(params), 0),
        types_(static_cast<size_t>(params), 0) {}
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;
  ~PgStatement() override { PQclear(result_); }

  void Bind(int index, std::string_view text) override { Set(index, std::string(text), kText); }
  void Bind(int index, int64_t value) override { Set(index, std::to_string(value), kInt8); }
  void Bind(int index, double value) override { Set(index, fmt::format("{}", value), kFloat8); }
  void BindUntyped(int index, std::string_view text) override { Set(index, std::string(text), 0); }
  void BindNull(int index) override {
    if (Valid(index)) {
      set_[static_cast<size_t>(index - 1)] = 0;
      types_[static_cast<size_t>(index - 1)] = 0;
    }
  }
  void Reset() override {
    PQclear(result_);
    result_ = nullptr;
    row_ = -1;
    std::fill(set_.begin(), set_.end(), 0);
    std::fill(types_.begin(), types_.end(), 0);
  }
  Result<bool> Step() override;
  int64_t ColumnInt(int column) const override {
    return std::strtoll(PQgetvalue(result_, row_, column), nullptr, 10);
  }
  double ColumnDouble(int column) const override {
    return std::strtod(PQgetvalue(result_, row_, column), nullptr);
  }
  bool ColumnIsNull(int column) const override { return PQgetisnull(result_, row_, column) != 0; }
  Kind ColumnKind(int column) const override { return ColumnIsNull(column) ? Kind::kNull : Kind::kText; }
  std::string ColumnText(int column) const override {
    return std::string(PQgetvalue(result_, row_, column),
                       static_cast<size_t>(PQgetlength(result_, row_, column)));
  }

 private:
  bool Valid(int index) const { return index >= 1 && static_cast<size_t>(index) <= values_.size(); }
  void Set(int index, std::string value, Oid type) {
    if (!Valid(index)) return;
    const auto i = static_cast<size_t>(index - 1);
    values_[i] = std::move(value);
    set_[i] = 1;
    types_[i] = type;
  }

  PgConnection& connection_;
  std::string sql_;
  std::string name_;          // a kept statement's name on the server, or empty
  uint64_t prepared_in_ = 0;  // the session it was prepared in (0: not yet)
  std::vector<std::string> values_;
  std::vector<char> set_;
  std::vector<Oid> types_;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

class PgConnection final : public ConnectionImpl {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() override { PQfinish(conn_); }

  Status Exec(std::string_view sql) override {
    if (Status s = Usable(); !s) return s;
    const std::string text(sql);
    PGresult* r = PQexec(conn_, text.c_str());
    Status s = Check(r, text);
    PQclear(r);
    if (sql == "COMMIT" || sql == "ROLLBACK") in_transaction_ = false;
    return s;
  }
  Result<std::unique_ptr<StatementImpl>> Prepare(std::string_view sql, bool keep) override {
    auto [text, params] = Translate(sql);
    return std::make_unique<PgStatement>(*this, std::move(text), params,
                                         keep ? fmt::format("zs{}", ++statements_) : std::string());
  }
  int64_t Changes() const override { return changes_; }
  Status Begin() override {
    in_transaction_ = false;  // a lost connection may be opened again before BEGIN
    if (Status s = Exec("BEGIN"); !s) return s;
    in_transaction_ = true;
    return {};
  }

  // The result of one statement with its parameters, or the error naming it. A kept statement (`name` not
  // empty) is prepared on the server at its first run in this session (`prepared_in`), with the parameter
  // types of that run, and executed by name from then on.
  Result<PGresult*> Run(const std::string& sql, const std::string& name, uint64_t& prepared_in,
                        const std::vector<std::string>& values, const std::vector<char>& set,
                        const std::vector<Oid>& types) {
    if (Status s = Usable(); !s) return std::unexpected(s.error());
    std::vector<const char*> pointers(values.size());
    for (size_t i = 0; i < values.size(); ++i) pointers[i] = set[i] ? values[i].c_str() : nullptr;
    const int n = static_cast<int>(values.size());
    PGresult* r = nullptr;
    if (name.empty()) {
      r = PQexecParams(conn_, sql.c_str(), n, types.data(), pointers.data(), nullptr, nullptr, 0);
    } else {
      if (prepared_in != session_) {
        PGresult* p = PQprepare(conn_, name.c_str(), sql.c_str(), n, types.data());
        Status s = Check(p, sql);
        PQclear(p);
        if (!s) return std::unexpected(s.error());
        prepared_in = session_;
      }
      r = PQexecPrepared(conn_, name.c_str(), n, pointers.data(), nullptr, nullptr, 0);
    }
    if (Status s = Check(r, sql); !s) {
      PQclear(r);
      return std::unexpected(s.error());
    }
    const char* tuples = PQcmdTuples(r);
    changes_ = tuples != nullptr && *tuples != 0 ? std::strtoll(tuples, nullptr, 10) : 0;
    return r;
  }

 private:
  // A connection lost outside a transaction is opened again (the database restarted); inside one the
  // transaction is gone with it, and this fails until the caller rolls back.
  Status Usable() {
    if (PQstatus(conn_) == CONNECTION_OK) return {};
    if (in_transaction_) {
      return Fail(ErrorCode::kUnavailable, "postgresql: the connection was lost in a transaction");
    }
    PQreset(conn_);
    ++session_;  // statements prepared before are gone with the old session
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Fail(ErrorCode::kUnavailable,
                  fmt::format("postgresql: cannot connect: {}", Trimmed(PQerrorMessage(conn_))));
    }
    return {};
  }
  Status Check(PGresult* r, const std::string& sql) {
    const ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
    const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = Trimmed(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
    // A lost server (or one shutting down: SQLSTATE class 08 and 57P) is unavailable, not a broken store.
    const bool lost = PQstatus(conn_) != CONNECTION_OK ||
                      (state != nullptr && (std::string_view(state).starts_with("08") ||
                                            std::string_view(state).starts_with("57P")));
    return Fail(
        lost ? ErrorCode::kUnavailable : ErrorCode::kStore,
        fmt::format("postgresql: {}{} in '{}'", message,
                    state != nullptr ? fmt::format(" (SQLSTATE {})", state) : "", sql.substr(0, 160)));
  }

  PGconn* conn_;
  uint64_t session_ = 1;     // grows at every reconnection
  uint64_t statements_ = 0;  // kept statements named so far
  int64_t changes_ = 0;
  bool in_transaction_ = false;
};

Result<bool> PgStatement::Step() {
  if (result_ == nullptr) {
    Result<PGresult*> r = connection_.Run(sql_, name_, prepared_in_, values_, set_, types_);
    if (!r) return std::unexpected(r.error());
    result_ = *r;
    row_ = -1;
  }
  if (row_ + 1 < PQntuples(result_)) {
    ++row_;
    return true;
  }
  return false;
}

void Quiet(void*, const char*) {}

}  // namespace

Result<Connection> OpenPostgres(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string message = conn != nullptr ? Trimmed(PQerrorMessage(conn)) : "out of memory";
    PQfinish(conn);
    return Fail(ErrorCode::kStore, fmt::format("{}: cannot connect: {}", Redacted(url), message));
  }
  PQsetNoticeProcessor(conn, Quiet,
                       nullptr);  // notices ("there is no transaction in progress") are not errors
  return Connection(Dialect::kPostgres, std::make_unique<PgConnection>(conn));
}

}  // namespace zhisuan::sql
