#include "store/job_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "store/rows.h"
#include "store/sql.h"

namespace zhisuan {
namespace {

constexpr const char* kColumns =
    "j.id, j.tenant, COALESCE(j.idempotency_key, ''), j.spec, j.priority, j.submitted_at, s.state, "
    "COALESCE(s.center, ''), COALESCE(s.pool, -1), COALESCE(s.accelerator, ''), COALESCE(s.devices, 0), "
    "COALESCE(s.backend, ''), COALESCE(s.backend_id, ''), COALESCE(s.decision, ''), s.attempts, s.excluded, "
    "s.started_at, s.finished_at, s.exit_code, s.device_hours, s.energy_kwh, s.energy_fen, s.price_fen, "
    "s.carbon_kg, s.message, s.updated_at, COALESCE(s.transfer_fee_fen, 0)";

JobRecord ReadRecord(const sql::Statement& st) {
  JobRecord r;
  r.id = st.ColumnInt(0);
  r.tenant = st.ColumnText(1);
  r.idempotency_key = st.ColumnText(2);
  r.spec = st.ColumnText(3);
  r.priority = static_cast<int>(st.ColumnInt(4));
  r.submitted_at = st.ColumnDouble(5);
  r.state = ParseJobState(st.ColumnText(6)).value_or(JobState::kFailed);
  r.center = st.ColumnText(7);
  r.pool = st.ColumnInt(8);
  r.accelerator = st.ColumnText(9);
  r.devices = st.ColumnInt(10);
  r.backend = st.ColumnText(11);
  r.backend_id = st.ColumnText(12);
  r.decision = st.ColumnText(13);
  r.attempts = static_cast<int>(st.ColumnInt(14));
  r.excluded = st.ColumnText(15);
  if (!st.ColumnIsNull(16)) r.started_at = st.ColumnDouble(16);
  if (!st.ColumnIsNull(17)) r.finished_at = st.ColumnDouble(17);
  if (!st.ColumnIsNull(18)) r.exit_code = static_cast<int>(st.ColumnInt(18));
  if (!st.ColumnIsNull(19)) {
    r.accounting = JobAccounting{st.ColumnDouble(19), st.ColumnDouble(20), st.ColumnInt(21),
                                 st.ColumnInt(22),    st.ColumnDouble(23), st.ColumnInt(26)};
  }
  r.message = st.ColumnText(24);
  r.updated_at = st.ColumnDouble(25);
  return r;
}

}  // namespace

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

  template <typename F>
  Status RunBatch(const std::string& sql, std::span<const sql::Value> values, F&& row);
  Status RunBatch(const std::string& sql, std::span<const sql::Value> values);

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
    auto st = db.Prepare(
        fmt::format("SELECT {} FROM jobs j JOIN job_state s ON s.job_id = j.id {}", kColumns, where));
    if (!st) return std::unexpected(st.error());
    bind(*st);
    std::vector<JobRecord> out;
    if (Status done = st->ForEach([&](const sql::Statement& s) { out.push_back(ReadRecord(s)); }); !done)
      return std::unexpected(done.error());
    return out;
  }
};

JobStore::JobStore(std::unique_ptr<Impl> impl, std::unique_ptr<Impl> intake, std::unique_ptr<Impl> reader)
    : impl_(std::move(impl)), intake_(std::move(intake)), reader_(std::move(reader)) {}

JobStore::Impl& JobStore::intake() { return intake_ ? *intake_ : *impl_; }
JobStore::Impl& JobStore::reader() { return reader_ ? *reader_ : *impl_; }
JobStore::~JobStore() = default;

Result<std::unique_ptr<JobStore>> JobStore::Open(const std::string& path) {
  Result<sql::Connection> db = sql::Connection::Open(path, /*create=*/false);
  if (!db) return std::unexpected(db.error());
  if (db->dialect() == sql::Dialect::kSqlite) {
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
      if (Status s = db->Exec(pragma); !s) return std::unexpected(s.error());
    }
  }
  auto impl = std::make_unique<Impl>(std::move(*db), path);
  if (impl->db.dialect() == sql::Dialect::kSqlite) {
    // Reads get a connection of their own: in WAL mode they see the last commit and never wait for the one
    // in progress (a write lock held elsewhere, an fsync), which the scheduler's commits would make them do
    // on one shared connection. Writes take turns on the other: SQLite has one writer at a time anyway.
    Result<sql::Connection> reads = sql::Connection::Open(path, /*create=*/false);
    if (!reads) return std::unexpected(reads.error());
    if (Status s = reads->Exec("PRAGMA query_only=ON"); !s) return std::unexpected(s.error());
    auto reader = std::make_unique<Impl>(std::move(*reads), path);
    return std::unique_ptr<JobStore>(new JobStore(std::move(impl), nullptr, std::move(reader)));
  }
  // PostgreSQL: every statement is a round trip, so the scheduler's commits, the intake of submissions and
  // the API's reads each get a connection (three server sessions) instead of taking turns on one.
  std::unique_ptr<Impl> lanes[2];
  for (auto& lane : lanes) {
    Result<sql::Connection> c = sql::Connection::Open(path, /*create=*/false);
    if (!c) return std::unexpected(c.error());
    lane = std::make_unique<Impl>(std::move(*c), path);
  }
  return std::unique_ptr<JobStore>(new JobStore(std::move(impl), std::move(lanes[0]), std::move(lanes[1])));
}

// ---- batches: a group commit is a handful of multi-row statements, not several statements per job

namespace {

using sql::Value;

Value Opt(const std::optional<double>& v) { return v ? Value(*v) : Value(); }
Value Opt(const std::optional<int>& v) { return v ? Value(static_cast<int64_t>(*v)) : Value(); }

// Batches go in statements of a few fixed sizes (powers of two up to 128, largest first), so that a handful
// of statement shapes, each prepared once, serve every batch. Calls fn(from, rows) for each piece of [0, n).
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

}  // namespace

// Runs `sql` (kept prepared) with `values` bound, calling `row` on each result row.
template <typename F>
Status JobStore::Impl::RunBatch(const std::string& sql, std::span<const Value> values, F&& row) {
  Result<sql::Statement*> st = Cached(sql);
  if (!st) return std::unexpected(st.error());
  sql::BindAll(**st, values);
  Status s = (*st)->ForEach(row);
  (*st)->Reset();
  return s;
}

Status JobStore::Impl::RunBatch(const std::string& sql, std::span<const Value> values) {
  return RunBatch(sql, values, [](const sql::Statement&) {});
}

Result<std::vector<Accepted>> JobStore::Insert(std::span<const NewJob> jobs, double now) {
  std::lock_guard lock(intake().mu);
  sql::Connection& db = intake().db;
  std::vector<Accepted> out(jobs.size());
  Status s = intake().Transaction([&]() -> Status {
    // The jobs the batch's keys already name (earlier batches, or another server's at this moment).
    std::map<std::pair<std::string, std::string>, int64_t> known;
    auto lookup = [&](const std::vector<size_t>& which) -> Status {
      if (Status chunks = ForChunks(which.size(),
                                    [&](size_t from, size_t n) -> Status {
                                      std::vector<Value> values;
                                      for (size_t k = 0; k < n; ++k) {
                                        values.emplace_back(jobs[which[from + k]].tenant);
                                        values.emplace_back(jobs[which[from + k]].idempotency_key);
                                      }
                                      Status r = intake().RunBatch(
                                          "SELECT id, tenant, idempotency_key FROM jobs WHERE (tenant, "
                                          "idempotency_key) IN (VALUES " +
                                              sql::Tuples(n, 2) + ")",
                                          values, [&](const sql::Statement& row) {
                                            known[{row.ColumnText(1), row.ColumnText(2)}] = row.ColumnInt(0);
                                          });
                                      if (!r) return r;
                                      return {};
                                    });
          !chunks)
        return chunks;
      return {};
    };
    std::vector<size_t> keyed;
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (!jobs[i].idempotency_key.empty()) keyed.push_back(i);
    }
    if (Status r = lookup(keyed); !r) return r;
    // New rows: no key, or a key neither stored nor earlier in this batch.
    std::vector<size_t> fresh;
    std::set<std::pair<std::string, std::string>> in_batch;
    for (size_t i = 0; i < jobs.size(); ++i) {
      const NewJob& j = jobs[i];
      if (j.idempotency_key.empty() || (!known.contains({j.tenant, j.idempotency_key}) &&
                                        in_batch.insert({j.tenant, j.idempotency_key}).second))
        fresh.push_back(i);
    }
    // Ids, taken before the rows go in: PostgreSQL's identity sequence (unique across servers); SQLite's
    // writer holds the file's write lock.
    std::vector<int64_t> ids;
    if (!fresh.empty()) {
      if (db.dialect() == sql::Dialect::kPostgres) {
        const Value n[] = {static_cast<int64_t>(fresh.size())};
        Status r = intake().RunBatch(
            "SELECT nextval(pg_get_serial_sequence('jobs', 'id')) FROM generate_series(1, ?1)", n,
            [&](const sql::Statement& row) { ids.push_back(row.ColumnInt(0)); });
        if (!r) return r;
      } else {
        int64_t max = 0;
        Status r = intake().RunBatch("SELECT COALESCE(MAX(id), 0) FROM jobs", {},
                                     [&](const sql::Statement& row) { max = row.ColumnInt(0); });
        if (!r) return r;
        for (size_t k = 0; k < fresh.size(); ++k) ids.push_back(max + 1 + static_cast<int64_t>(k));
      }
      if (ids.size() != fresh.size()) return Fail(ErrorCode::kStore, "jobs: could not take ids");
    }
    // Keys are unique by the table's constraint, not by this process: a key another server inserted at the
    // same moment inserts nothing here (once that server commits) and is looked up below.
    std::set<int64_t> inserted;
    if (Status chunks = ForChunks(
            fresh.size(),
            [&](size_t from, size_t n) -> Status {
              std::vector<Value> values;
              for (size_t k = 0; k < n; ++k) {
                const NewJob& j = jobs[fresh[from + k]];
                values.emplace_back(ids[from + k]);
                values.emplace_back(j.tenant);
                values.emplace_back(j.idempotency_key.empty() ? Value() : Value(j.idempotency_key));
                values.emplace_back(j.spec);
                values.emplace_back(static_cast<int64_t>(j.priority));
                values.emplace_back(j.submitted_at);
              }
              Status r = intake().RunBatch(
                  "INSERT INTO jobs (id, tenant, idempotency_key, spec, priority, submitted_at) VALUES " +
                      sql::Tuples(n, 6) + " ON CONFLICT (tenant, idempotency_key) DO NOTHING RETURNING id",
                  values, [&](const sql::Statement& row) { inserted.insert(row.ColumnInt(0)); });
              if (!r) return r;
              return {};
            });
        !chunks)
      return chunks;
    std::vector<size_t> raced;
    for (size_t k = 0; k < fresh.size(); ++k) {
      const NewJob& j = jobs[fresh[k]];
      if (inserted.contains(ids[k])) {
        out[fresh[k]] = {ids[k], false};
        if (!j.idempotency_key.empty())
          known[{j.tenant, j.idempotency_key}] = ids[k];  // a repeat later in the batch
      } else {
        raced.push_back(fresh[k]);
      }
    }
    if (Status r = lookup(raced); !r) return r;
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (out[i].id != 0) continue;
      auto it = known.find({jobs[i].tenant, jobs[i].idempotency_key});
      if (it == known.end()) return Fail(ErrorCode::kStore, "idempotency key: conflicting insert not found");
      out[i] = {it->second, true};
    }
    // Their state rows and first events.
    const std::vector<int64_t> created(inserted.begin(), inserted.end());
    if (Status chunks = ForChunks(
            created.size(),
            [&](size_t from, size_t n) -> Status {
              std::vector<Value> values;
              for (size_t k = 0; k < n; ++k) {
                values.emplace_back(created[from + k]);
                values.emplace_back(now);
              }
              const std::string from_rows = "FROM (" +
                                            sql::RowsTable(n, std::array{sql::Column{"job_id", "BIGINT"},
                                                                         sql::Column{"at", "FLOAT8"}}) +
                                            ") AS v";
              for (const char* insert :
                   {"INSERT INTO job_state (job_id, state, updated_at) SELECT v.job_id, 'pending', v.at ",
                    "INSERT INTO job_events (job_id, seq, at, state, detail) SELECT v.job_id, 1, v.at, "
                    "'pending', 'accepted' "}) {
                if (Status r = intake().RunBatch(insert + from_rows, values); !r) return r;
              }
              return {};
            });
        !chunks)
      return chunks;
    // Every submission is audited with its job, replays too.
    if (Status chunks = ForChunks(
            jobs.size(),
            [&](size_t from, size_t n) -> Status {
              std::vector<Value> values;
              for (size_t k = 0; k < n; ++k) {
                const NewJob& j = jobs[from + k];
                values.emplace_back(now);
                values.emplace_back(j.by.token_id);
                values.emplace_back(j.by.tenant);
                values.emplace_back(j.by.role);
                values.emplace_back(j.by.remote);
                values.emplace_back(std::to_string(out[from + k].id));
                values.emplace_back(
                    std::string(out[from + k].existing ? "ok: existing job (same idempotency key)" : "ok"));
                values.emplace_back(j.tenant == j.by.tenant ? std::string() : "for tenant " + j.tenant);
              }
              if (Status r = intake().RunBatch(
                      "INSERT INTO audit_log (at, token_id, tenant, role, remote, action, target, result, "
                      "detail) SELECT v.at, v.token_id, v.tenant, v.role, v.remote, 'job.submit', v.target, "
                      "v.result, v.detail FROM (" +
                          sql::RowsTable(
                              n, std::array{sql::Column{"at", "FLOAT8"}, sql::Column{"token_id", "TEXT"},
                                            sql::Column{"tenant", "TEXT"}, sql::Column{"role", "TEXT"},
                                            sql::Column{"remote", "TEXT"}, sql::Column{"target", "TEXT"},
                                            sql::Column{"result", "TEXT"}, sql::Column{"detail", "TEXT"}}) +
                          ") AS v",
                      values);
                  !r)
                return r;
              return {};
            });
        !chunks)
      return chunks;
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Status JobStore::Save(std::span<const Transition> transitions) {
  std::lock_guard lock(impl_->mu);
  sql::Connection& db = impl_->db;
  return impl_->Transaction([&]() -> Status {
    if (impl_->fence != 0) {
      // FOR SHARE holds the lease row until this commits: a takeover waits for it, and any later Save of
      // this former leader sees the new epoch. (SQLite's write transaction already excludes every writer.)
      auto lease = impl_->Cached(db.dialect() == sql::Dialect::kPostgres
                                     ? "SELECT epoch FROM leader_lease WHERE id = 1 FOR SHARE"
                                     : "SELECT epoch FROM leader_lease WHERE id = 1");
      if (!lease) return std::unexpected(lease.error());
      Result<bool> row = (*lease)->Step();
      if (!row) return std::unexpected(row.error());
      const int64_t epoch = *row ? (*lease)->ColumnInt(0) : 0;
      (*lease)->Reset();
      if (epoch != impl_->fence) {
        return Fail(ErrorCode::kConflict,
                    fmt::format("fenced: this replica led at epoch {}, the lease is at epoch {} now",
                                impl_->fence, epoch));
      }
    }
    // The state row as the last transition of each job leaves it; every transition's event, in order.
    std::map<int64_t, size_t> last;
    for (size_t k = 0; k < transitions.size(); ++k) last[transitions[k].record.id] = k;
    std::vector<size_t> rows;
    for (const auto& [id, k] : last) rows.push_back(k);
    static constexpr sql::Column kState[] = {{"job_id", "BIGINT"},       {"state", "TEXT"},
                                             {"center", "TEXT"},         {"pool", "BIGINT"},
                                             {"accelerator", "TEXT"},    {"devices", "BIGINT"},
                                             {"backend", "TEXT"},        {"backend_id", "TEXT"},
                                             {"decision", "TEXT"},       {"attempts", "BIGINT"},
                                             {"excluded", "TEXT"},       {"started_at", "FLOAT8"},
                                             {"finished_at", "FLOAT8"},  {"exit_code", "BIGINT"},
                                             {"device_hours", "FLOAT8"}, {"energy_kwh", "FLOAT8"},
                                             {"energy_fen", "BIGINT"},   {"price_fen", "BIGINT"},
                                             {"carbon_kg", "FLOAT8"},    {"message", "TEXT"},
                                             {"updated_at", "FLOAT8"},   {"transfer_fee_fen", "BIGINT"}};
    std::string set;
    for (size_t c = 1; c < std::size(kState); ++c)
      set += fmt::format("{}{} = v.{}", c > 1 ? ", " : "", kState[c].name, kState[c].name);
    if (Status chunks = ForChunks(
            rows.size(),
            [&](size_t from, size_t n) -> Status {
              std::vector<Value> values;
              for (size_t k = 0; k < n; ++k) {
                const JobRecord& r = transitions[rows[from + k]].record;
                const std::optional<JobAccounting>& a = r.accounting;
                values.insert(values.end(), {Value(r.id),
                                             Value(std::string(Name(r.state))),
                                             Value(r.center),
                                             Value(r.pool),
                                             Value(r.accelerator),
                                             Value(r.devices),
                                             Value(r.backend),
                                             Value(r.backend_id),
                                             Value(r.decision),
                                             Value(static_cast<int64_t>(r.attempts)),
                                             Value(r.excluded),
                                             Opt(r.started_at),
                                             Opt(r.finished_at),
                                             Opt(r.exit_code),
                                             a ? Value(a->device_hours) : Value(),
                                             a ? Value(a->energy_kwh) : Value(),
                                             a ? Value(a->energy_fen) : Value(),
                                             a ? Value(a->price_fen) : Value(),
                                             a ? Value(a->carbon_kg) : Value(),
                                             Value(r.message),
                                             Value(r.updated_at),
                                             a ? Value(a->transfer_fee_fen) : Value()});
              }
              if (Status r =
                      impl_->RunBatch("UPDATE job_state SET " + set + " FROM (" + sql::RowsTable(n, kState) +
                                          ") AS v WHERE job_state.job_id = v.job_id",
                                      values);
                  !r)
                return r;
              if (db.Changes() != static_cast<int64_t>(n)) {
                for (size_t k = 0; k < n; ++k) {
                  const int64_t id = transitions[rows[from + k]].record.id;
                  auto st = db.Prepare("SELECT 1 FROM job_state WHERE job_id = ?1");
                  if (!st) return std::unexpected(st.error());
                  st->Bind(1, id);
                  Result<bool> row = st->Step();
                  if (!row) return std::unexpected(row.error());
                  if (!*row) return Fail(ErrorCode::kNotFound, fmt::format("job {} does not exist", id));
                }
                return Fail(ErrorCode::kStore, "job_state: fewer rows changed than transitions saved");
              }
              return {};
            });
        !chunks)
      return chunks;
    static constexpr sql::Column kEvent[] = {
        {"job_id", "BIGINT"}, {"k", "BIGINT"}, {"at", "FLOAT8"}, {"state", "TEXT"}, {"detail", "TEXT"}};
    if (Status chunks = ForChunks(
            transitions.size(),
            [&](size_t from, size_t n) -> Status {
              std::vector<Value> values;
              std::map<int64_t, int64_t> k_of;  // the job's events so far in this statement
              for (size_t k = 0; k < n; ++k) {
                const Transition& t = transitions[from + k];
                values.insert(values.end(),
                              {Value(t.record.id), Value(++k_of[t.record.id]), Value(t.record.updated_at),
                               Value(std::string(Name(t.record.state))), Value(t.detail)});
              }
              if (Status r = impl_->RunBatch(
                      "INSERT INTO job_events (job_id, seq, at, state, detail) SELECT v.job_id, "
                      "COALESCE((SELECT MAX(e.seq) FROM job_events e WHERE e.job_id = v.job_id), 0) + v.k, "
                      "v.at, v.state, v.detail FROM (" +
                          sql::RowsTable(n, kEvent) + ") AS v",
                      values);
                  !r)
                return r;
              return {};
            });
        !chunks)
      return chunks;
    return {};
  });
}

Result<std::optional<JobRecord>> JobStore::Get(int64_t id) {
  std::lock_guard lock(reader().mu);
  auto rows = reader().Query("WHERE j.id = ?1", [&](sql::Statement& st) { st.Bind(1, id); });
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<JobRecord>();
  return std::optional<JobRecord>(std::move(rows->front()));
}

Result<std::vector<JobRecord>> JobStore::List(const JobFilter& f) {
  std::lock_guard lock(reader().mu);
  return reader().Query(
      "WHERE j.id > ?1 AND (?2 = '' OR s.state = ?2) AND (?3 = '' OR j.tenant = ?3) AND (?4 = '' OR s.center "
      "= ?4) "
      "ORDER BY j.id LIMIT ?5",
      [&](sql::Statement& st) {
        st.Bind(1, f.after_id)
            .Bind(2, f.state ? std::string(Name(*f.state)) : std::string(""))
            .Bind(3, f.tenant);
        st.Bind(4, f.center).Bind(5, static_cast<int64_t>(f.limit));
      });
}

Result<std::vector<JobRecord>> JobStore::Unfinished() {
  std::lock_guard lock(reader().mu);
  return reader().Query("WHERE s.state NOT IN ('succeeded', 'failed', 'cancelled') ORDER BY j.id",
                        [](sql::Statement&) {});
}

Result<int64_t> JobStore::UnfinishedCount(const std::string& tenant) {
  std::lock_guard lock(reader().mu);
  auto st = reader().Cached(
      "SELECT COUNT(*) FROM jobs j JOIN job_state s ON s.job_id = j.id WHERE j.tenant = ?1 AND s.state NOT "
      "IN "
      "('succeeded', 'failed', 'cancelled')");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, tenant);
  Result<bool> row = (*st)->Step();
  const int64_t n = row && *row ? (*st)->ColumnInt(0) : 0;
  (*st)->Reset();
  if (!row) return std::unexpected(row.error());
  return n;
}

Result<std::vector<JobEvent>> JobStore::Events(int64_t id) {
  std::lock_guard lock(reader().mu);
  auto st =
      reader().db.Prepare("SELECT seq, at, state, detail FROM job_events WHERE job_id = ?1 ORDER BY seq");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, id);
  std::vector<JobEvent> out;
  if (Status done = st->ForEach([&](const sql::Statement& s) {
        out.push_back({s.ColumnInt(0), s.ColumnDouble(1),
                       ParseJobState(s.ColumnText(2)).value_or(JobState::kFailed), s.ColumnText(3)});
      });
      !done)
    return std::unexpected(done.error());
  return out;
}

namespace {

Result<std::vector<UsageRow>> GroupedUsage(sql::Connection& db, const char* group, bool pairs, double from,
                                           double to) {
  auto st = db.Prepare(
      fmt::format("SELECT {}, COUNT(*), SUM(s.device_hours), SUM(s.energy_kwh), SUM(s.carbon_kg), "
                  "SUM(s.energy_fen), "
                  "SUM(s.price_fen), SUM(COALESCE(s.transfer_fee_fen, 0)) FROM jobs j JOIN job_state s ON "
                  "s.job_id = j.id WHERE s.device_hours IS NOT NULL AND "
                  "s.finished_at >= ?1 AND s.finished_at < ?2 GROUP BY {} ORDER BY {}",
                  group, group, group));
  if (!st) return std::unexpected(st.error());
  st->Bind(1, from).Bind(2, to);
  std::vector<UsageRow> out;
  const int k = pairs ? 1 : 0;  // the columns after the group's
  if (Status done = st->ForEach([&](const sql::Statement& s) {
        out.push_back({s.ColumnText(0), pairs ? s.ColumnText(1) : std::string(), s.ColumnInt(1 + k),
                       s.ColumnDouble(2 + k), s.ColumnDouble(3 + k), s.ColumnDouble(4 + k),
                       s.ColumnInt(5 + k), s.ColumnInt(6 + k), s.ColumnInt(7 + k)});
      });
      !done)
    return std::unexpected(done.error());
  return out;
}

}  // namespace

Result<std::vector<UsageRow>> JobStore::Usage(bool by_tenant, double from, double to) {
  std::lock_guard lock(reader().mu);
  return GroupedUsage(reader().db, by_tenant ? "j.tenant" : "s.center", false, from, to);
}

Result<std::vector<UsageRow>> JobStore::UsageByTenantAndCenter(double from, double to) {
  std::lock_guard lock(reader().mu);
  return GroupedUsage(reader().db, "j.tenant, s.center", true, from, to);
}

Status JobStore::CheckIntegrity() {
  // PostgreSQL checks its pages itself (and a replica cannot repair a shared database): nothing to run here.
  if (impl_->db.dialect() == sql::Dialect::kPostgres) return {};
  // Its own connection: the check reads the whole file and must not hold up the writers.
  Result<sql::Connection> db = sql::Connection::Open(impl_->path, /*create=*/false);
  if (!db) return std::unexpected(db.error());
  auto st = db->Prepare("PRAGMA quick_check(5)");
  if (!st) return std::unexpected(st.error());
  std::string problems;
  Status s = st->ForEach([&](sql::Statement& row) {
    const std::string line = row.ColumnText(0);
    if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
  });
  if (!s) return s;
  if (!problems.empty()) {
    return Fail(ErrorCode::kStore, fmt::format("{}: the database is corrupt: {}", impl_->path, problems));
  }
  return {};
}

Result<std::string> JobStore::Instance() {
  std::lock_guard lock(reader().mu);
  auto st = reader().db.Prepare("SELECT value FROM meta WHERE key = 'instance'");
  if (!st) return std::unexpected(st.error());
  Result<bool> row = st->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return Fail(ErrorCode::kStore, "the database has no instance id");
  return st->ColumnText(0);
}

Status JobStore::AddToken(const std::string& hash, const Token& token, double now,
                          std::optional<double> expires_at, const std::string& label) {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare(
      "INSERT INTO tokens (hash, tenant, role, created_at, expires_at, label) VALUES (?1, ?2, ?3, ?4, ?5, "
      "?6)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, hash).Bind(2, token.tenant).Bind(3, token.role).Bind(4, now).Bind(6, label);
  if (expires_at)
    st->Bind(5, *expires_at);
  else
    st->BindNull(5);
  return st->Run();
}

namespace {

constexpr std::string_view kTokenColumns =
    "SELECT hash, tenant, role, label, created_at, expires_at, revoked_at FROM tokens ";

TokenInfo TokenRow(const sql::Statement& row) {
  TokenInfo t;
  t.hash = row.ColumnText(0);
  t.id = t.hash.substr(0, 12);
  t.token = {row.ColumnText(1), row.ColumnText(2)};
  t.label = row.ColumnText(3);
  t.created_at = row.ColumnDouble(4);
  if (!row.ColumnIsNull(5)) t.expires_at = row.ColumnDouble(5);
  if (!row.ColumnIsNull(6)) t.revoked_at = row.ColumnDouble(6);
  return t;
}

}  // namespace

Result<std::vector<TokenInfo>> JobStore::TokensWithId(const std::string& id) {
  std::lock_guard lock(reader().mu);
  // A range over the primary key: hashes are lower-case hex, so every one starting with `id` sorts below
  // id+"g".
  auto st = reader().db.Prepare(std::string(kTokenColumns) + "WHERE hash >= ?1 AND hash < ?2");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, id).Bind(2, id + "g");
  std::vector<TokenInfo> out;
  if (Status s = st->ForEach([&](sql::Statement& row) { out.push_back(TokenRow(row)); }); !s) {
    return std::unexpected(s.error());
  }
  return out;
}

Result<std::vector<TokenInfo>> JobStore::ListTokens(const std::string& tenant) {
  std::lock_guard lock(reader().mu);
  auto st = reader().db.Prepare(std::string(kTokenColumns) +
                                "WHERE ?1 = '' OR tenant = ?1 ORDER BY created_at DESC, hash");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, tenant);
  std::vector<TokenInfo> out;
  if (Status s = st->ForEach([&](sql::Statement& row) { out.push_back(TokenRow(row)); }); !s) {
    return std::unexpected(s.error());
  }
  return out;
}

Result<std::optional<TokenInfo>> JobStore::RevokeToken(const std::string& id, double now) {
  if (id.size() != 12 || id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("id: '{}' is not a token id (12 hex digits, as zhisuan token list shows)", id));
  }
  Result<std::vector<TokenInfo>> found = TokensWithId(id);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<TokenInfo>();
  if (found->size() > 1) {
    return Fail(ErrorCode::kConflict,
                fmt::format("id: '{}' names {} tokens; revoke by tenant", id, found->size()));
  }
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE hash = ?1");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, found->front().hash).Bind(2, now);
  if (Status s = st->Run(); !s) return std::unexpected(s.error());
  TokenInfo t = found->front();
  if (!t.revoked_at) t.revoked_at = now;
  return std::optional<TokenInfo>(t);
}

Status JobStore::SetTenantLimits(const std::string& tenant, const TenantLimits& limits) {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare(
      "INSERT INTO tenant_limits (tenant, max_priority, submissions_per_s, max_pending, allow_from, sector, "
      "home_province, min_domestic_share) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (tenant) DO "
      "UPDATE SET max_priority = excluded.max_priority, submissions_per_s = excluded.submissions_per_s, "
      "max_pending = excluded.max_pending, allow_from = excluded.allow_from, sector = excluded.sector, "
      "home_province = excluded.home_province, min_domestic_share = excluded.min_domestic_share");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, tenant).Bind(5, limits.allow_from).Bind(6, limits.sector).Bind(7, limits.home_province);
  if (limits.min_domestic_share)
    st->Bind(8, *limits.min_domestic_share);
  else
    st->BindNull(8);
  if (limits.max_priority)
    st->Bind(2, *limits.max_priority);
  else
    st->BindNull(2);
  if (limits.submissions_per_s)
    st->Bind(3, *limits.submissions_per_s);
  else
    st->BindNull(3);
  if (limits.max_pending)
    st->Bind(4, *limits.max_pending);
  else
    st->BindNull(4);
  return st->Run();
}

Status JobStore::SetDrained(const std::string& center, bool drained, double now, const std::string& by) {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare(
      drained ? "INSERT INTO drained_centers (center, since, by_tenant) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (center) DO NOTHING"
              : "DELETE FROM drained_centers WHERE center = ?1");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, center);
  if (drained) st->Bind(2, now).Bind(3, by);
  return st->Run();
}

Result<std::vector<std::string>> JobStore::DrainedCenters() {
  std::lock_guard lock(reader().mu);
  auto st = reader().db.Prepare("SELECT center FROM drained_centers ORDER BY center");
  if (!st) return std::unexpected(st.error());
  std::vector<std::string> out;
  Status s = st->ForEach([&](sql::Statement& row) { out.push_back(row.ColumnText(0)); });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<std::map<std::string, TenantLimits>> JobStore::AllTenantLimits() {
  std::lock_guard lock(reader().mu);
  auto st = reader().db.Prepare(
      "SELECT tenant, max_priority, submissions_per_s, max_pending, allow_from, sector, home_province, "
      "min_domestic_share FROM tenant_limits");
  if (!st) return std::unexpected(st.error());
  std::map<std::string, TenantLimits> out;
  Status s = st->ForEach([&](sql::Statement& row) {
    TenantLimits l;
    if (!row.ColumnIsNull(1)) l.max_priority = row.ColumnInt(1);
    if (!row.ColumnIsNull(2)) l.submissions_per_s = row.ColumnDouble(2);
    if (!row.ColumnIsNull(3)) l.max_pending = row.ColumnInt(3);
    l.allow_from = row.ColumnText(4);
    l.sector = row.ColumnText(5);
    l.home_province = row.ColumnText(6);
    if (!row.ColumnIsNull(7)) l.min_domestic_share = row.ColumnDouble(7);
    out[row.ColumnText(0)] = std::move(l);
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<int64_t> JobStore::AuthVersion() {
  std::lock_guard lock(reader().mu);
  auto st = reader().Cached("SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'auth_version'");
  if (!st) return std::unexpected(st.error());
  Result<bool> row = (*st)->Step();
  const int64_t version = row && *row ? (*st)->ColumnInt(0) : 0;
  (*st)->Reset();  // a statement left mid-step holds a read snapshot (and WAL checkpoints) open
  if (!row) return std::unexpected(row.error());
  return version;
}

Status JobStore::SetQuota(const std::string& tenant, const std::string& accelerator, int64_t max_devices) {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare(
      "INSERT INTO quotas (tenant, accelerator, max_devices) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (tenant, accelerator) DO UPDATE SET max_devices = excluded.max_devices");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, tenant).Bind(2, accelerator).Bind(3, max_devices);
  return st->Run();
}

Result<std::vector<std::tuple<std::string, std::string, int64_t>>> JobStore::Quotas() {
  std::lock_guard lock(reader().mu);
  auto st =
      reader().db.Prepare("SELECT tenant, accelerator, max_devices FROM quotas ORDER BY tenant, accelerator");
  if (!st) return std::unexpected(st.error());
  std::vector<std::tuple<std::string, std::string, int64_t>> out;
  if (Status done = st->ForEach([&](const sql::Statement& s) {
        out.emplace_back(s.ColumnText(0), s.ColumnText(1), s.ColumnInt(2));
      });
      !done)
    return std::unexpected(done.error());
  return out;
}

}  // namespace zhisuan

namespace zhisuan {

void JobStore::SetFence(int64_t epoch) {
  std::lock_guard lock(impl_->mu);
  impl_->fence = epoch;
}

Result<std::vector<int64_t>> JobStore::PendingIds(int64_t after_id, int limit) {
  std::lock_guard lock(reader().mu);
  auto st = reader().Cached(
      "SELECT job_id FROM job_state WHERE state = 'pending' AND job_id > ?1 ORDER BY job_id LIMIT ?2");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, after_id).Bind(2, static_cast<int64_t>(limit));
  std::vector<int64_t> out;
  Status s = (*st)->ForEach([&](const sql::Statement& row) { out.push_back(row.ColumnInt(0)); });
  (*st)->Reset();
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<std::vector<JobRecord>> JobStore::PendingAfter(int64_t after_id, int limit) {
  std::lock_guard lock(reader().mu);
  return reader().Query(
      "WHERE s.state = 'pending' AND j.id > ?1 ORDER BY j.id LIMIT ?2",
      [&](sql::Statement& st) { st.Bind(1, after_id).Bind(2, static_cast<int64_t>(limit)); });
}

Result<std::vector<JobRecord>> JobStore::GetMany(std::span<const int64_t> ids) {
  std::lock_guard lock(reader().mu);
  std::vector<JobRecord> out;
  Status s = ForChunks(ids.size(), [&](size_t from, size_t n) -> Status {
    std::string in;
    for (size_t k = 0; k < n; ++k) in += fmt::format("{}?{}", k ? ", " : "", k + 1);
    auto rows = reader().Query("WHERE j.id IN (" + in + ") ORDER BY j.id", [&](sql::Statement& st) {
      for (size_t k = 0; k < n; ++k) st.Bind(static_cast<int>(k + 1), ids[from + k]);
    });
    if (!rows) return std::unexpected(rows.error());
    std::move(rows->begin(), rows->end(), std::back_inserter(out));
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Status JobStore::RequestCancel(int64_t id, const Actor& by, double now) {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare(
      "INSERT INTO cancel_requests (job_id, at, token_id, tenant, role, remote) VALUES (?1, ?2, ?3, ?4, ?5, "
      "?6) "
      "ON CONFLICT (job_id) DO NOTHING");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, id).Bind(2, now).Bind(3, by.token_id).Bind(4, by.tenant).Bind(5, by.role).Bind(6, by.remote);
  return st->Run();
}

Result<std::vector<JobStore::CancelRequest>> JobStore::CancelRequests() {
  std::lock_guard lock(reader().mu);
  auto st = reader().Cached("SELECT job_id, token_id, tenant, role, remote FROM cancel_requests ORDER BY at");
  if (!st) return std::unexpected(st.error());
  std::vector<CancelRequest> out;
  Status s = (*st)->ForEach([&](const sql::Statement& row) {
    out.push_back(
        {row.ColumnInt(0), {row.ColumnText(1), row.ColumnText(2), row.ColumnText(3), row.ColumnText(4)}});
  });
  (*st)->Reset();
  if (!s) return std::unexpected(s.error());
  return out;
}

Status JobStore::ForgetCancelRequest(int64_t id) {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare("DELETE FROM cancel_requests WHERE job_id = ?1");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, id);
  return st->Run();
}

Result<int64_t> JobStore::TakeSubmitTokens(const std::string& tenant, int64_t want, double rate,
                                           double burst) {
  Impl& lane = intake();
  std::lock_guard lock(lane.mu);
  const bool pg = lane.db.dialect() == sql::Dialect::kPostgres;
  const std::string now(sql::DatabaseNow(lane.db.dialect()));
  int64_t granted = 0;
  Status s = lane.Transaction([&]() -> Status {
    Result<sql::Statement*> add =
        lane.Cached("INSERT INTO tenant_buckets (tenant, tokens, at) VALUES (?1, ?2, " + now +
                    ") ON CONFLICT (tenant) DO NOTHING");
    if (!add) return std::unexpected(add.error());
    (*add)->Bind(1, tenant).Bind(2, burst);
    if (Status r = (*add)->Run(); !r) return r;
    // The row stays locked to this transaction (PostgreSQL: FOR UPDATE; SQLite: the write lock it holds).
    Result<sql::Statement*> get = lane.Cached(
        "SELECT tokens, at, " + now + " FROM tenant_buckets WHERE tenant = ?1" + (pg ? " FOR UPDATE" : ""));
    if (!get) return std::unexpected(get.error());
    (*get)->Bind(1, tenant);
    Result<bool> row = (*get)->Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return Fail(ErrorCode::kStore, "tenant_buckets: the row just added is not there");
    const double tokens = (*get)->ColumnDouble(0), at = (*get)->ColumnDouble(1), t = (*get)->ColumnDouble(2);
    (*get)->Reset();
    const double avail = std::min(burst, tokens + std::max(0.0, t - at) * rate);
    granted = std::clamp<int64_t>(static_cast<int64_t>(std::floor(avail)), 0, want);
    Result<sql::Statement*> put =
        lane.Cached("UPDATE tenant_buckets SET tokens = ?2, at = ?3 WHERE tenant = ?1");
    if (!put) return std::unexpected(put.error());
    (*put)->Bind(1, tenant).Bind(2, avail - static_cast<double>(granted)).Bind(3, std::max(at, t));
    return (*put)->Run();
  });
  if (!s) return std::unexpected(s.error());
  return granted;
}

Status JobStore::PublishLoad(int64_t epoch, const std::string& load) {
  std::lock_guard lock(impl_->mu);
  Result<sql::Statement*> st = impl_->Cached(
      "INSERT INTO live_load (id, epoch, at, load) VALUES (1, ?1, " +
      std::string(sql::DatabaseNow(impl_->db.dialect())) +
      ", ?2) ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, at = excluded.at, load = excluded.load "
      "WHERE live_load.epoch <= excluded.epoch");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, epoch).Bind(2, load);
  return (*st)->Run();
}

Status JobStore::AddSample(double at, const std::string& data, double keep_after) {
  std::lock_guard lock(impl_->mu);
  return impl_->Transaction([&]() -> Status {
    Result<sql::Statement*> add = impl_->Cached(
        "INSERT INTO live_samples (at, data) VALUES (?1, ?2) ON CONFLICT (at) DO UPDATE SET data = "
        "excluded.data");
    if (!add) return std::unexpected(add.error());
    (*add)->Bind(1, at).Bind(2, data);
    if (Status s = (*add)->Run(); !s) return s;
    Result<sql::Statement*> old = impl_->Cached("DELETE FROM live_samples WHERE at < ?1");
    if (!old) return std::unexpected(old.error());
    (*old)->Bind(1, keep_after);
    return (*old)->Run();
  });
}

Result<std::vector<std::pair<double, std::string>>> JobStore::Samples(double since) {
  std::lock_guard lock(reader().mu);
  Result<sql::Statement*> st =
      reader().Cached("SELECT at, data FROM live_samples WHERE at >= ?1 ORDER BY at");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, since);
  std::vector<std::pair<double, std::string>> out;
  Status s = (*st)->ForEach(
      [&](const sql::Statement& row) { out.emplace_back(row.ColumnDouble(0), row.ColumnText(1)); });
  (*st)->Reset();
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<std::optional<JobStore::LoadRow>> JobStore::LatestLoad() {
  std::lock_guard lock(reader().mu);
  Result<sql::Statement*> st = reader().Cached("SELECT epoch, at, load FROM live_load WHERE id = 1");
  if (!st) return std::unexpected(st.error());
  Result<bool> row = (*st)->Step();
  if (!row) return std::unexpected(row.error());
  std::optional<LoadRow> out;
  if (*row) out = LoadRow{(*st)->ColumnInt(0), (*st)->ColumnDouble(1), (*st)->ColumnText(2)};
  (*st)->Reset();
  return out;
}

Status JobStore::Audit(const AuditEntry& e) {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare(
      "INSERT INTO audit_log (at, token_id, tenant, role, remote, action, target, result, detail) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, e.at).Bind(2, e.by.token_id).Bind(3, e.by.tenant).Bind(4, e.by.role).Bind(5, e.by.remote);
  st->Bind(6, e.action).Bind(7, e.target).Bind(8, e.result).Bind(9, e.detail);
  return st->Run();
}

Result<std::vector<AuditEntry>> JobStore::AuditLog(const AuditFilter& f) {
  std::lock_guard lock(reader().mu);
  auto st = reader().db.Prepare(
      "SELECT seq, at, token_id, tenant, role, remote, action, target, result, detail FROM audit_log "
      "WHERE seq > ?1 AND (?2 = '' OR tenant = ?2) AND (?3 = '' OR action = ?3) ORDER BY seq LIMIT ?4");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, f.after_seq).Bind(2, f.tenant).Bind(3, f.action).Bind(4, static_cast<int64_t>(f.limit));
  std::vector<AuditEntry> out;
  if (Status done = st->ForEach([&](const sql::Statement& s) {
        AuditEntry e;
        e.seq = s.ColumnInt(0);
        e.at = s.ColumnDouble(1);
        e.by = {s.ColumnText(2), s.ColumnText(3), s.ColumnText(4), s.ColumnText(5)};
        e.action = s.ColumnText(6);
        e.target = s.ColumnText(7);
        e.result = s.ColumnText(8);
        e.detail = s.ColumnText(9);
        out.push_back(std::move(e));
      });
      !done)
    return std::unexpected(done.error());
  return out;
}

}  // namespace zhisuan
