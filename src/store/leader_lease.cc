#include "store/leader_lease.h"

#include <fmt/format.h>

#include <mutex>

#include "store/sql.h"

namespace zhisuan {
namespace {

std::string Now(sql::Dialect d) { return std::string(sql::DatabaseNow(d)); }

}  // namespace

struct LeaderLease::Impl {
  explicit Impl(sql::Connection c) : db(std::move(c)) {}
  sql::Connection db;
  std::mutex mu;

  Result<std::optional<Lease>> Read() {
    auto st = db.Prepare(
        fmt::format("SELECT epoch, holder, address, since, expires_at, {} FROM leader_lease WHERE id = 1",
                    Now(db.dialect())));
    if (!st) return std::unexpected(st.error());
    Result<bool> row = st->Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<Lease>();
    return std::optional<Lease>(Lease{st->ColumnInt(0), st->ColumnText(1), st->ColumnText(2),
                                      st->ColumnDouble(3), st->ColumnDouble(4), st->ColumnDouble(5)});
  }
};

LeaderLease::LeaderLease(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LeaderLease::~LeaderLease() = default;

Result<std::unique_ptr<LeaderLease>> LeaderLease::Open(const std::string& target) {
  Result<sql::Connection> db = sql::Connection::Open(target, /*create=*/false);
  if (!db) return std::unexpected(db.error());
  return std::unique_ptr<LeaderLease>(new LeaderLease(std::make_unique<Impl>(std::move(*db))));
}

Result<Lease> LeaderLease::AcquireOrRenew(const std::string& holder, const std::string& address,
                                          double ttl_s) {
  std::lock_guard lock(impl_->mu);
  const std::string now = Now(impl_->db.dialect());
  // One statement: the row lock orders replicas that try at the same moment; the WHERE lets only the holder
  // renew, or anyone take an expired lease.
  auto st = impl_->db.Prepare(
      fmt::format("INSERT INTO leader_lease (id, epoch, holder, address, since, expires_at) VALUES (1, 1, "
                  "?1, ?2, {0}, {0} + "
                  "?3) ON CONFLICT (id) DO UPDATE SET "
                  "epoch = CASE WHEN leader_lease.holder = excluded.holder THEN leader_lease.epoch ELSE "
                  "leader_lease.epoch + "
                  "1 END, "
                  "since = CASE WHEN leader_lease.holder = excluded.holder THEN leader_lease.since ELSE "
                  "excluded.since END, "
                  "holder = excluded.holder, address = excluded.address, expires_at = excluded.expires_at "
                  "WHERE leader_lease.holder = excluded.holder OR leader_lease.expires_at < excluded.since",
                  now));
  if (!st) return std::unexpected(st.error());
  st->Bind(1, holder).Bind(2, address).Bind(3, ttl_s);
  if (Status s = st->Run(); !s) return std::unexpected(s.error());
  Result<std::optional<Lease>> lease = impl_->Read();
  if (!lease) return std::unexpected(lease.error());
  if (!lease->has_value()) return Fail(ErrorCode::kStore, "leader_lease: no row after taking the lease");
  return **lease;
}

Status LeaderLease::Release(const std::string& holder, int64_t epoch) {
  std::lock_guard lock(impl_->mu);
  auto st =
      impl_->db.Prepare("UPDATE leader_lease SET expires_at = 0 WHERE id = 1 AND holder = ?1 AND epoch = ?2");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, holder).Bind(2, epoch);
  return st->Run();
}

Result<std::optional<Lease>> LeaderLease::Current() {
  std::lock_guard lock(impl_->mu);
  return impl_->Read();
}

}  // namespace zhisuan
