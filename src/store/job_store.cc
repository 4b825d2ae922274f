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

#include "store/job_store_impl.h"
#include "store/rows.h"
#include "store/sql.h"

namespace zhisuan {

namespace job_rows {

JobRecord Read(const sql::Statement& st) {
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

}  // namespace job_rows

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
    // Reads get a connection of their own: in WAL mode they see the last commit and never wait for the
    // one in progress (a write lock held elsewhere, an fsync), which the scheduler's commits would make
    // them do on one shared connection. Writes take turns on the other: SQLite has one writer at a time
    // anyway.
    Result<sql::Connection> reads = sql::Connection::Open(path, /*create=*/false);
    if (!reads) return std::unexpected(reads.error());
    if (Status s = reads->Exec("PRAGMA query_only=ON"); !s) return std::unexpected(s.error());
    auto reader = std::make_unique<Impl>(std::move(*reads), path);
    return std::unique_ptr<JobStore>(new JobStore(std::move(impl), nullptr, std::move(reader)));
  }
  // PostgreSQL: every statement is a round trip, so the scheduler's commits, the intake of submissions
  // and the API's reads each get a connection (three server sessions) instead of taking turns on one.
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

}  // namespace

Result<std::vector<Accepted>> JobStore::Insert(std::span<const NewJob> jobs, double now) {
  std::lock_guard lock(intake().mu);
  sql::Connection& db = intake().db;
  std::vector<Accepted> out(jobs.size());
  Status s = intake().Transaction([&]() -> Status {
    // The jobs the batch's keys already name (earlier batches, or another server's at this moment).
    std::map<std::pair<std::string, std::string>, int64_t> known;
    auto lookup = [&](const std::vector<size_t>& which) -> Status {
      if (Status chunks =
              job_rows::ForChunks(which.size(),
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
    // Keys are unique by the table's constraint, not by this process: a key another server inserted at
    // the same moment inserts nothing here (once that server commits) and is looked up below.
    std::set<int64_t> inserted;
    if (Status chunks = job_rows::ForChunks(
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
    if (Status chunks = job_rows::ForChunks(
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
    if (Status chunks = job_rows::ForChunks(
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
                      "INSERT INTO audit_log (at, token_id, tenant, role, remote, action, target, "
                      "result, "
                      "detail) SELECT v.at, v.token_id, v.tenant, v.role, v.remote, 'job.submit', "
                      "v.target, "
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
      // this former leader sees the new epoch. (SQLite's write transaction already excludes every
      // writer.)
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
    if (Status chunks = job_rows::ForChunks(
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
    if (Status chunks = job_rows::ForChunks(
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
                      "COALESCE((SELECT MAX(e.seq) FROM job_events e WHERE e.job_id = v.job_id), 0) + "
                      "v.k, "
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
      "WHERE j.id > ?1 AND (?2 = '' OR s.state = ?2) AND (?3 = '' OR j.tenant = ?3) AND (?4 = '' OR "
      "s.center "
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
      "SELECT COUNT(*) FROM jobs j JOIN job_state s ON s.job_id = j.id WHERE j.tenant = ?1 AND s.state "
      "NOT "
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
                                           double to, const std::string& tenant = "") {
  auto st = db.Prepare(
      fmt::format("SELECT {}, COUNT(*), SUM(s.device_hours), SUM(s.energy_kwh), SUM(s.carbon_kg), "
                  "SUM(s.energy_fen), "
                  "SUM(s.price_fen), SUM(COALESCE(s.transfer_fee_fen, 0)) FROM jobs j JOIN job_state s ON "
                  "s.job_id = j.id WHERE s.device_hours IS NOT NULL AND "
                  "s.finished_at >= ?1 AND s.finished_at < ?2{} GROUP BY {} ORDER BY {}",
                  group, tenant.empty() ? "" : " AND j.tenant = ?3", group, group));
  if (!st) return std::unexpected(st.error());
  st->Bind(1, from).Bind(2, to);
  if (!tenant.empty()) st->Bind(3, tenant);
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

Result<std::vector<UsageRow>> JobStore::Usage(UsageBy by, double from, double to, const std::string& tenant) {
  const char* group = by == UsageBy::kTenant   ? "j.tenant"
                      : by == UsageBy::kCenter ? "s.center"
                                               : "s.accelerator";
  std::lock_guard lock(reader().mu);
  return GroupedUsage(reader().db, group, false, from, to, tenant);
}

Result<std::vector<UsageRow>> JobStore::UsageByTenantAndCenter(double from, double to) {
  std::lock_guard lock(reader().mu);
  return GroupedUsage(reader().db, "j.tenant, s.center", true, from, to);
}

Status JobStore::CheckIntegrity() {
  // PostgreSQL checks its pages itself (and a replica cannot repair a shared database): nothing to run
  // here.
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

}  // namespace zhisuan
