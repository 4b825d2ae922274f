// JobStore: tokens, tenant limits, drained centers, quotas and the audit log.
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "store/job_store.h"
#include "store/job_store_impl.h"

namespace zhisuan {

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
