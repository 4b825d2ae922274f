// JobStore for replicas: the fence, pickup of other replicas' jobs and cancels, the shared submission
// buckets, and the leader's live load and samples.
#include <fmt/format.h>

#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/job_store.h"
#include "store/job_store_impl.h"

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
  Status s = job_rows::ForChunks(ids.size(), [&](size_t from, size_t n) -> Status {
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

}  // namespace zhisuan
