// cli/admin.h — administration on the database itself, for operators on the server's host: tokens (create,
// list, revoke), tenant limits and device quotas, each recorded in the audit log as the CLI's (local:USER);
// the audit log itself. A running server sees every change at once (the store's auth version), so none of
// these needs a restart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zhisuan::cli {

struct TokenArgs {
  std::string tenant;
  std::string role = "tenant";
  std::string expires_in;  // "90d", "12h", "30m", "3600" (seconds); empty: never
  std::string label;
  std::string id;  // revoke: the token's id as token list shows it
  bool json = false;
};

int TokenCreate(const std::string& db, const TokenArgs& a);
int TokenList(const std::string& db, const TokenArgs& a);
int TokenRevoke(const std::string& db, const TokenArgs& a);

struct TenantArgs {
  std::string tenant;
  std::optional<int64_t> max_priority, max_pending;
  std::optional<double> submissions_per_s;
  std::optional<std::string> allow_from;
  std::optional<std::string> sector, home_province;
  std::optional<double> min_domestic_share;
  bool reset = false;  // back to the server's defaults before applying the options given
};

// Changes only the limits given; prints the tenant's limits as stored.
int TenantSet(const std::string& db, const std::string& data_dir, const TenantArgs& a);

// Copies the database to `dest` (a new file) while a server may run on it; prints what the copy holds.
int Backup(const std::string& db, const std::string& dest);
// Copies the SQLite platform `db` into the empty PostgreSQL database `to` (store/migrate.h).
int Migrate(const std::string& db, const std::string& to);

int QuotaSet(const std::string& db, const std::string& tenant, const std::string& accelerator,
             int64_t max_devices);

struct AuditArgs {
  int64_t after = 0;
  int limit = 100;
  std::string tenant, action;
  bool json = false;
};
// The audit log, oldest first from `after`: who (token id, tenant, role, address), what, when, the result.
int AuditList(const std::string& db, const AuditArgs& a);

// "90d", "12h", "30m", "45s" or a plain number of seconds; nullopt when malformed, not finite or not
// positive.
std::optional<double> ParseDuration(const std::string& text);

}  // namespace zhisuan::cli
