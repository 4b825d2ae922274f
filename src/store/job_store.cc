#include "store/job_store.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <mutex>
#include <tuple>

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
  std::map<std::string_view, sql::Statement> cache;

  // The statement for `sql` (a string literal), prepared once, reset for a new use.
  Result<sql::Statement*> Cached(std::string_view sql) {
    auto it = cache.find(sql);
    if (it == cache.end()) {
      Result<sql::Statement> st = db.Prepare(sql);
      if (!st) return std::unexpected(st.error());
      it = cache.emplace(sql, std::move(*st)).first;
    }
    it->second.Reset();
    return &it->second;
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

JobStore::JobStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
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
  return std::unique_ptr<JobStore>(new JobStore(std::move(impl)));
}

Result<std::vector<Accepted>> JobStore::Insert(std::span<const NewJob> jobs, double now) {
  std::lock_guard lock(impl_->mu);
  std::vector<Accepted> out;
  Status s = impl_->Transaction([&]() -> Status {
    auto find = impl_->Cached("SELECT id FROM jobs WHERE tenant = ?1 AND idempotency_key = ?2");
    // Keys are unique by the table's constraint, not by this process: a key another server inserted at the
    // same moment inserts nothing here (once that server commits) and is found below.
    auto job = impl_->Cached(
        "INSERT INTO jobs (tenant, idempotency_key, spec, priority, submitted_at) VALUES (?1, ?2, ?3, ?4, "
        "?5) ON CONFLICT (tenant, idempotency_key) DO NOTHING RETURNING id");
    auto state =
        impl_->Cached("INSERT INTO job_state (job_id, state, updated_at) VALUES (?1, 'pending', ?2)");
    auto event = impl_->Cached(
        "INSERT INTO job_events (job_id, seq, at, state, detail) VALUES (?1, 1, ?2, 'pending', 'accepted')");
    auto audit = impl_->Cached(
        "INSERT INTO audit_log (at, token_id, tenant, role, remote, action, target, result, detail) "
        "VALUES (?1, ?2, ?3, ?4, ?5, 'job.submit', ?6, ?7, ?8)");
    if (!find || !job || !state || !event || !audit) {
      return std::unexpected(!find    ? find.error()
                             : !job   ? job.error()
                             : !state ? state.error()
                             : !event ? event.error()
                                      : audit.error());
    }
    auto record = [&](const NewJob& j, int64_t id, bool existing) -> Status {
      (*audit)->Reset();
      (*audit)
          ->Bind(1, now)
          .Bind(2, j.by.token_id)
          .Bind(3, j.by.tenant)
          .Bind(4, j.by.role)
          .Bind(5, j.by.remote);
      (*audit)
          ->Bind(6, std::to_string(id))
          .Bind(7, std::string(existing ? "ok: existing job (same idempotency key)" : "ok"));
      (*audit)->Bind(8, j.tenant == j.by.tenant ? std::string() : "for tenant " + j.tenant);
      return (*audit)->Run();
    };
    // The earlier job a key names, if any.
    auto earlier = [&](const NewJob& j) -> Result<std::optional<int64_t>> {
      (*find)->Reset();
      (*find)->Bind(1, j.tenant).Bind(2, j.idempotency_key);
      Result<bool> row = (*find)->Step();
      if (!row) return std::unexpected(row.error());
      std::optional<int64_t> id;
      if (*row) id = (*find)->ColumnInt(0);
      (*find)->Reset();  // no read left open in the transaction
      return id;
    };
    for (const NewJob& j : jobs) {
      if (!j.idempotency_key.empty()) {
        Result<std::optional<int64_t>> found = earlier(j);
        if (!found) return std::unexpected(found.error());
        if (*found) {
          out.push_back({**found, true});
          if (Status r = record(j, out.back().id, true); !r) return r;
          continue;
        }
      }
      (*job)->Reset();
      (*job)->Bind(1, j.tenant);
      if (j.idempotency_key.empty())
        (*job)->BindNull(2);
      else
        (*job)->Bind(2, j.idempotency_key);
      (*job)->Bind(3, j.spec).Bind(4, static_cast<int64_t>(j.priority)).Bind(5, j.submitted_at);
      Result<bool> inserted = (*job)->Step();
      if (!inserted) return std::unexpected(inserted.error());
      if (!*inserted) {  // the key was inserted by another server meanwhile
        (*job)->Reset();
        Result<std::optional<int64_t>> found = earlier(j);
        if (!found) return std::unexpected(found.error());
        if (!*found) return Fail(ErrorCode::kStore, "idempotency key: conflicting insert not found");
        out.push_back({**found, true});
        if (Status r = record(j, out.back().id, true); !r) return r;
        continue;
      }
      const int64_t id = (*job)->ColumnInt(0);
      if (Status r = (*job)->Run(); !r) return r;  // to its end, so the statement holds nothing open
      (*state)->Reset();
      (*state)->Bind(1, id).Bind(2, now);
      if (Status r = (*state)->Run(); !r) return r;
      (*event)->Reset();
      (*event)->Bind(1, id).Bind(2, now);
      if (Status r = (*event)->Run(); !r) return r;
      if (Status r = record(j, id, false); !r) return r;
      out.push_back({id, false});
    }
    return {};
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Status JobStore::Save(std::span<const Transition> transitions) {
  std::lock_guard lock(impl_->mu);
  return impl_->Transaction([&]() -> Status {
    if (impl_->fence != 0) {
      // FOR SHARE holds the lease row until this commits: a takeover waits for it, and any later Save of
      // this former leader sees the new epoch. (SQLite's write transaction already excludes every writer.)
      auto lease = impl_->Cached(impl_->db.dialect() == sql::Dialect::kPostgres
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
    auto update = impl_->Cached(
        "UPDATE job_state SET state = ?2, center = ?3, pool = ?4, accelerator = ?5, devices = ?6, backend = "
        "?7, "
        "backend_id = ?8, decision = ?9, attempts = ?10, excluded = ?11, started_at = ?12, finished_at = "
        "?13, "
        "exit_code = ?14, device_hours = ?15, energy_kwh = ?16, energy_fen = ?17, price_fen = ?18, carbon_kg "
        "= ?19, "
        "message = ?20, updated_at = ?21, transfer_fee_fen = ?22 WHERE job_id = ?1");
    auto event = impl_->Cached(
        "INSERT INTO job_events (job_id, seq, at, state, detail) "
        "SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4 FROM job_events WHERE job_id = ?1");
    if (!update) return std::unexpected(update.error());
    if (!event) return std::unexpected(event.error());
    for (size_t k = 0; k < transitions.size(); ++k) {
      const Transition& t = transitions[k];
      const JobRecord& r = t.record;
      // Several transitions of one job in a row (e.g. placed, dispatched, running): every event is recorded,
      // the state row only as the last one leaves it.
      const bool superseded = k + 1 < transitions.size() && transitions[k + 1].record.id == r.id;
      if (superseded) {
        (*event)->Reset();
        (*event)->Bind(1, r.id).Bind(2, r.updated_at).Bind(3, Name(r.state)).Bind(4, t.detail);
        if (Status s = (*event)->Run(); !s) return s;
        continue;
      }
      (*update)->Reset();
      (*update)
          ->Bind(1, r.id)
          .Bind(2, Name(r.state))
          .Bind(3, r.center)
          .Bind(4, r.pool)
          .Bind(5, r.accelerator);
      (*update)->Bind(6, r.devices).Bind(7, r.backend).Bind(8, r.backend_id).Bind(9, r.decision);
      (*update)->Bind(10, static_cast<int64_t>(r.attempts)).Bind(11, r.excluded);
      if (r.started_at) (*update)->Bind(12, *r.started_at);
      if (r.finished_at) (*update)->Bind(13, *r.finished_at);
      if (r.exit_code) (*update)->Bind(14, static_cast<int64_t>(*r.exit_code));
      if (r.accounting) {
        (*update)->Bind(15, r.accounting->device_hours).Bind(16, r.accounting->energy_kwh);
        (*update)
            ->Bind(17, r.accounting->energy_fen)
            .Bind(18, r.accounting->price_fen)
            .Bind(19, r.accounting->carbon_kg)
            .Bind(22, r.accounting->transfer_fee_fen);
      }
      (*update)->Bind(20, r.message).Bind(21, r.updated_at);
      if (Status s = (*update)->Run(); !s) return s;
      if (impl_->db.Changes() != 1)
        return Fail(ErrorCode::kNotFound, fmt::format("job {} does not exist", r.id));
      (*event)->Reset();
      (*event)->Bind(1, r.id).Bind(2, r.updated_at).Bind(3, Name(r.state)).Bind(4, t.detail);
      if (Status s = (*event)->Run(); !s) return s;
    }
    return {};
  });
}

Result<std::optional<JobRecord>> JobStore::Get(int64_t id) {
  std::lock_guard lock(impl_->mu);
  auto rows = impl_->Query("WHERE j.id = ?1", [&](sql::Statement& st) { st.Bind(1, id); });
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<JobRecord>();
  return std::optional<JobRecord>(std::move(rows->front()));
}

Result<std::vector<JobRecord>> JobStore::List(const JobFilter& f) {
  std::lock_guard lock(impl_->mu);
  return impl_->Query(
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
  std::lock_guard lock(impl_->mu);
  return impl_->Query("WHERE s.state NOT IN ('succeeded', 'failed', 'cancelled') ORDER BY j.id",
                      [](sql::Statement&) {});
}

Result<std::vector<JobEvent>> JobStore::Events(int64_t id) {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare("SELECT seq, at, state, detail FROM job_events WHERE job_id = ?1 ORDER BY seq");
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

Result<std::vector<UsageRow>> JobStore::Usage(bool by_tenant, double from, double to) {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare(
      fmt::format("SELECT {} AS k, COUNT(*), SUM(s.device_hours), SUM(s.energy_kwh), SUM(s.carbon_kg), "
                  "SUM(s.energy_fen), "
                  "SUM(s.price_fen), SUM(COALESCE(s.transfer_fee_fen, 0)) FROM jobs j JOIN job_state s ON "
                  "s.job_id = j.id WHERE s.device_hours IS NOT NULL AND "
                  "s.finished_at >= ?1 AND s.finished_at < ?2 GROUP BY k ORDER BY k",
                  by_tenant ? "j.tenant" : "s.center"));
  if (!st) return std::unexpected(st.error());
  st->Bind(1, from).Bind(2, to);
  std::vector<UsageRow> out;
  if (Status done = st->ForEach([&](const sql::Statement& s) {
        out.push_back({s.ColumnText(0), s.ColumnInt(1), s.ColumnDouble(2), s.ColumnDouble(3),
                       s.ColumnDouble(4), s.ColumnInt(5), s.ColumnInt(6), s.ColumnInt(7)});
      });
      !done)
    return std::unexpected(done.error());
  return out;
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
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare("SELECT value FROM meta WHERE key = 'instance'");
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
  std::lock_guard lock(impl_->mu);
  // A range over the primary key: hashes are lower-case hex, so every one starting with `id` sorts below
  // id+"g".
  auto st = impl_->db.Prepare(std::string(kTokenColumns) + "WHERE hash >= ?1 AND hash < ?2");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, id).Bind(2, id + "g");
  std::vector<TokenInfo> out;
  if (Status s = st->ForEach([&](sql::Statement& row) { out.push_back(TokenRow(row)); }); !s) {
    return std::unexpected(s.error());
  }
  return out;
}

Result<std::vector<TokenInfo>> JobStore::ListTokens(const std::string& tenant) {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare(std::string(kTokenColumns) +
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
      "INSERT INTO tenant_limits (tenant, max_priority, submissions_per_s, max_pending, allow_from) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant) DO UPDATE SET max_priority = excluded.max_priority, "
      "submissions_per_s = excluded.submissions_per_s, max_pending = excluded.max_pending, "
      "allow_from = excluded.allow_from");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, tenant).Bind(5, limits.allow_from);
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
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare("SELECT center FROM drained_centers ORDER BY center");
  if (!st) return std::unexpected(st.error());
  std::vector<std::string> out;
  Status s = st->ForEach([&](sql::Statement& row) { out.push_back(row.ColumnText(0)); });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<std::map<std::string, TenantLimits>> JobStore::AllTenantLimits() {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare(
      "SELECT tenant, max_priority, submissions_per_s, max_pending, allow_from FROM tenant_limits");
  if (!st) return std::unexpected(st.error());
  std::map<std::string, TenantLimits> out;
  Status s = st->ForEach([&](sql::Statement& row) {
    TenantLimits l;
    if (!row.ColumnIsNull(1)) l.max_priority = row.ColumnInt(1);
    if (!row.ColumnIsNull(2)) l.submissions_per_s = row.ColumnDouble(2);
    if (!row.ColumnIsNull(3)) l.max_pending = row.ColumnInt(3);
    l.allow_from = row.ColumnText(4);
    out[row.ColumnText(0)] = std::move(l);
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<int64_t> JobStore::AuthVersion() {
  std::lock_guard lock(impl_->mu);
  auto st = impl_->Cached("SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'auth_version'");
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
  std::lock_guard lock(impl_->mu);
  auto st =
      impl_->db.Prepare("SELECT tenant, accelerator, max_devices FROM quotas ORDER BY tenant, accelerator");
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
  std::lock_guard lock(impl_->mu);
  auto st = impl_->Cached(
      "SELECT job_id FROM job_state WHERE state = 'pending' AND job_id > ?1 ORDER BY job_id LIMIT ?2");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, after_id).Bind(2, static_cast<int64_t>(limit));
  std::vector<int64_t> out;
  Status s = (*st)->ForEach([&](const sql::Statement& row) { out.push_back(row.ColumnInt(0)); });
  (*st)->Reset();
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
  std::lock_guard lock(impl_->mu);
  auto st = impl_->Cached("SELECT job_id, token_id, tenant, role, remote FROM cancel_requests ORDER BY at");
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
  std::lock_guard lock(impl_->mu);
  auto st = impl_->db.Prepare(
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
