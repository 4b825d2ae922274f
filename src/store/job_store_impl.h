// store/job_store_impl.h — private to the store's job_store*.cc: JobStore's connection with its statement
// cache, batches and transactions, and the columns and reader of a job row. Not for other modules.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/job_store.h"
#include "store/rows.h"
#include "store/sql.h"

namespace zhisuan {
namespace job_rows {

// The columns of a job's row (jobs j joined with job_state s), in the order Read takes them.
inline constexpr const char* kColumns =
    "j.id, j.tenant, COALESCE(j.idempotency_key, ''), j.spec, j.priority, j.submitted_at, s.state, "
    "COALESCE(s.center, ''), COALESCE(s.pool, -1), COALESCE(s.accelerator, ''), COALESCE(s.devices, 0), "
    "COALESCE(s.backend, ''), COALESCE(s.backend_id, ''), COALESCE(s.decision, ''), s.attempts, s.excluded, "
    "s.started_at, s.finished_at, s.exit_code, s.device_hours, s.energy_kwh, s.energy_fen, s.price_fen, "
    "s.carbon_kg, s.message, s.updated_at, COALESCE(s.transfer_fee_fen, 0)";

JobRecord Read(const sql::Statement& st);

// Batches go in statements of a few fixed sizes (powers of two up to 128, largest first), so that a
// handful of statement shapes, each prepared once, serve every batch. Calls fn(from, rows) for each piece
// of [0, n).
template <typename F>
Status ForChunks(size_t n, F&& fn) {
  for (size_t from = 0; from < n;) {
    size_t rows = 128;
    while (rows > n - from) rows /= 2;
    if (Status s = fn(from, rows); !s) return s;
    from += rows;
  }
  return {};
}

}  // namespace job_rows

struct JobStore::Impl {
  Impl(sql::Connection connection, std::string file) : db(std::move(connection)), path(std::move(file)) {}
  sql::Connection db;
  std::string path;
  std::mutex mu;
  int64_t fence = 0;  // GUARDED_BY(mu): the leader's epoch, or 0
  // Prepared statements of the hot paths, kept for the connection's life (declared after `db`: finalized
  // first).
  std::map<std::string, sql::Statement, std::less<>> cache;

  // The statement for `sql`, prepared once (on PostgreSQL, on the server), reset for a new use.
  Result<sql::Statement*> Cached(std::string_view sql) {
    auto it = cache.find(sql);
    if (it == cache.end()) {
      Result<sql::Statement> st = db.Prepare(sql, /*keep=*/true);
      if (!st) return std::unexpected(st.error());
      it = cache.emplace(std::string(sql), std::move(*st)).first;
    }
    it->second.Reset();
    return &it->second;
  }

  // Runs `sql` (kept prepared) with `values` bound, calling `row` on each result row.
  template <typename F>
  Status RunBatch(const std::string& text, std::span<const sql::Value> values, F&& row) {
    Result<sql::Statement*> st = Cached(text);
    if (!st) return std::unexpected(st.error());
    sql::BindAll(**st, values);
    Status s = (*st)->ForEach(row);
    (*st)->Reset();
    return s;
  }
  Status RunBatch(const std::string& text, std::span<const sql::Value> values) {
    return RunBatch(text, values, [](const sql::Statement&) {});
  }

  // Runs `body` in a write transaction; rolls back on error.
  template <typename F>
  Status Transaction(F&& body) {
    if (Status s = db.Begin(); !s) return s;
    Status s = body();
    if (s) s = db.Commit();
    if (!s) db.Rollback();
    return s;
  }

  Result<std::vector<JobRecord>> Query(const std::string& where,
                                       const std::function<void(sql::Statement&)>& bind) {
    auto st = db.Prepare(fmt::format("SELECT {} FROM jobs j JOIN job_state s ON s.job_id = j.id {}",
                                     job_rows::kColumns, where));
    if (!st) return std::unexpected(st.error());
    bind(*st);
    std::vector<JobRecord> out;
    if (Status done = st->ForEach([&](const sql::Statement& s) { out.push_back(job_rows::Read(s)); }); !done)
      return std::unexpected(done.error());
    return out;
  }
};

}  // namespace zhisuan
