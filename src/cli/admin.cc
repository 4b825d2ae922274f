#include "cli/admin.h"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "accounting/demand.h"
#include "cli/common.h"
#include "cli/table.h"
#include "lifecycle/auth.h"
#include "model/loader.h"
#include "store/backup.h"
#include "store/job_store.h"
#include "store/migrate.h"
#include "store/server_lock.h"
#include "store/sql.h"
#include "store/sql_store.h"
#include "util/limits.h"

namespace zhisuan::cli {
namespace {

int Report(ErrorCode code, const std::string& message) { return cli::Report(Error{code, message}); }

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The job store of `db`, migrated; refuses a file that is not a zhisuan database.
Result<std::unique_ptr<JobStore>> OpenJobs(const std::string& db) {
  if (auto store = OpenStore(db); !store) return std::unexpected(store.error());
  return JobStore::Open(db);
}

std::string Time(const std::optional<double>& t) {
  if (!t) return "-";
  const auto seconds = static_cast<time_t>(*t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min);
}

Status CheckName(const char* field, const std::string& value) {
  if (value.empty() || value.size() > 100 || HasControlCharacter(value) ||
      FindInvalidUtf8(value) != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("{}: must be 1 to 100 printable characters", field));
  }
  return {};
}

// The local operator, as the audit log names the CLI: the Unix user who ran it.
Actor Local() {
  const passwd* pw = ::getpwuid(::geteuid());
  return {"cli", "", "operator",
          fmt::format("local:{}", pw != nullptr ? pw->pw_name : std::to_string(::geteuid()))};
}

void Audit(JobStore& jobs, std::string_view action, std::string_view target, std::string_view detail) {
  AuditEntry e{.at = Now(),
               .by = Local(),
               .action = std::string(action),
               .target = Printable(target, 200),
               .result = "ok",
               .detail = Printable(detail, 500)};
  if (Status s = jobs.Audit(e); !s)
    fmt::print(stderr, "zhisuan: warning: the change is made but the audit log did not take it: {}\n",
               s.error().message);
}

}  // namespace

std::optional<double> ParseDuration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double scale = 1;
  std::string_view number = text;
  switch (text.back()) {
    case 'd':
      scale = 86400;
      break;
    case 'h':
      scale = 3600;
      break;
    case 'm':
      scale = 60;
      break;
    case 's':
      scale = 1;
      break;
    default:
      scale = 0;
  }
  if (scale != 0) number.remove_suffix(1);
  if (scale == 0) scale = 1;
  double value = 0;
  auto [ptr, ec] =
      std::from_chars(number.data(), number.data() + number.size(), value, std::chars_format::fixed);
  if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() || !std::isfinite(value) ||
      value <= 0) {
    return std::nullopt;
  }
  return value * scale;
}

int TokenCreate(const std::string& db, const TokenArgs& a) {
  if (a.role != "tenant" && a.role != "operator") {
    return Report(ErrorCode::kInvalidArgument,
                  fmt::format("role: '{}' is not one of: tenant, operator", a.role));
  }
  if (Status s = CheckName("tenant", a.tenant); !s) return cli::Report(s.error());
  if (a.label.size() > 200 || HasControlCharacter(a.label)) {
    return Report(ErrorCode::kInvalidArgument, "label: at most 200 printable characters");
  }
  std::optional<double> expires_at;
  if (!a.expires_in.empty()) {
    const std::optional<double> in = ParseDuration(a.expires_in);
    if (!in || *in > 10 * 365 * 86400.0) {
      return Report(ErrorCode::kInvalidArgument,
                    fmt::format("expires-in: '{}' is not a duration up to 10 years (90d, 12h, 30m, 3600)",
                                a.expires_in));
    }
    expires_at = Now() + *in;
  }
  Result<std::unique_ptr<JobStore>> jobs = OpenJobs(db);
  if (!jobs) return cli::Report(jobs.error());
  Result<std::string> token = lifecycle::NewToken();
  if (!token) return cli::Report(token.error());
  const std::string hash = lifecycle::HashToken(*token);
  if (Status s = (*jobs)->AddToken(hash, {a.tenant, a.role}, Now(), expires_at, a.label); !s) {
    return cli::Report(s.error());
  }
  Audit(**jobs, "token.create", hash.substr(0, 12), fmt::format("tenant {}, role {}", a.tenant, a.role));
  fmt::print("{}\n", *token);
  fmt::print(
      stderr,
      "zhisuan: a {} token for tenant '{}' (id {}{}); it is shown only now (the database keeps its hash)\n",
      a.role, a.tenant, hash.substr(0, 12), expires_at ? ", expires " + Time(expires_at) : "");
  return 0;
}

int TokenList(const std::string& db, const TokenArgs& a) {
  Result<std::unique_ptr<JobStore>> jobs = OpenJobs(db);
  if (!jobs) return cli::Report(jobs.error());
  Result<std::vector<TokenInfo>> tokens = (*jobs)->ListTokens(a.tenant);
  if (!tokens) return cli::Report(tokens.error());
  if (a.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const TokenInfo& t : *tokens) {
      list.push_back({{"id", t.id},
                      {"tenant", t.token.tenant},
                      {"role", t.token.role},
                      {"label", t.label},
                      {"created_at", t.created_at},
                      {"expires_at", t.expires_at ? nlohmann::json(*t.expires_at) : nlohmann::json()},
                      {"revoked_at", t.revoked_at ? nlohmann::json(*t.revoked_at) : nlohmann::json()}});
    }
    fmt::print("{}\n", list.dump(2));
    return 0;
  }
  Table table({"ID", "TENANT", "ROLE", "CREATED", "EXPIRES", "STATE", "LABEL"},
              std::vector<Table::Align>(7, Table::Align::kLeft));
  const double now = Now();
  for (const TokenInfo& t : *tokens) {
    const std::string state = t.revoked_at                           ? "revoked"
                              : t.expires_at && now >= *t.expires_at ? "expired"
                                                                     : "valid";
    table.AddRow(
        {t.id, t.token.tenant, t.token.role, Time(t.created_at), Time(t.expires_at), state, t.label});
  }
  fmt::print("{}", table.Render());
  return 0;
}

int TokenRevoke(const std::string& db, const TokenArgs& a) {
  Result<std::unique_ptr<JobStore>> jobs = OpenJobs(db);
  if (!jobs) return cli::Report(jobs.error());
  Result<std::optional<TokenInfo>> revoked = (*jobs)->RevokeToken(a.id, Now());
  if (!revoked) return cli::Report(revoked.error());
  if (!revoked->has_value())
    return Report(ErrorCode::kNotFound, fmt::format("token {} does not exist", a.id));
  Audit(**jobs, "token.revoke", a.id, "");
  fmt::print("revoked token {} of tenant '{}' ({})\n", (*revoked)->id, (*revoked)->token.tenant,
             (*revoked)->token.role);
  return 0;
}

int TenantSet(const std::string& db, const std::string& data_dir, const TenantArgs& a) {
  if (Status s = CheckName("tenant", a.tenant); !s) return cli::Report(s.error());
  if (a.max_priority && (*a.max_priority < -1000 || *a.max_priority > 1000)) {
    return Report(ErrorCode::kInvalidArgument, "max-priority: must be from -1000 to 1000");
  }
  if (a.max_pending && *a.max_pending < 0)
    return Report(ErrorCode::kInvalidArgument, "max-pending: must be >= 0");
  if (a.submissions_per_s && !(std::isfinite(*a.submissions_per_s) && *a.submissions_per_s >= 0)) {
    return Report(ErrorCode::kInvalidArgument, "rate: must be a finite number >= 0 (0: no limit)");
  }
  if (a.allow_from) {
    if (Status s = lifecycle::CheckAllowList(*a.allow_from); !s) return cli::Report(s.error());
  }
  if (a.sector) {
    if (Status s = accounting::CheckSector(*a.sector); !s)
      return Report(ErrorCode::kInvalidArgument, s.error().message);
  }
  if (a.min_domestic_share && !(*a.min_domestic_share >= 0 && *a.min_domestic_share <= 1))
    return Report(ErrorCode::kInvalidArgument, "min-domestic-share: must be from 0 to 1 (0: none)");
  if (a.home_province && !a.home_province->empty()) {
    Result<std::vector<DataFile>> files = ReadDataDir(data_dir);
    if (!files) return cli::Report(files.error());
    Result<Registry> registry = LoadRegistry(*files);
    if (!registry) return cli::Report(registry.error());
    if (registry->FindRegion(*a.home_province) == nullptr) {
      return Report(ErrorCode::kInvalidArgument,
                    fmt::format("home-province: '{}' is not a region of the registry ({})", *a.home_province,
                                data_dir));
    }
  }
  Result<std::unique_ptr<JobStore>> jobs = OpenJobs(db);
  if (!jobs) return cli::Report(jobs.error());
  Result<std::map<std::string, TenantLimits>> all = (*jobs)->AllTenantLimits();
  if (!all) return cli::Report(all.error());
  TenantLimits l = a.reset || !all->contains(a.tenant) ? TenantLimits{} : all->at(a.tenant);
  if (a.max_priority) l.max_priority = a.max_priority;
  if (a.max_pending) l.max_pending = a.max_pending;
  if (a.submissions_per_s) l.submissions_per_s = a.submissions_per_s;
  if (a.allow_from) l.allow_from = *a.allow_from;
  if (a.sector) l.sector = *a.sector;
  if (a.home_province) l.home_province = *a.home_province;
  if (a.min_domestic_share) {
    l.min_domestic_share = *a.min_domestic_share > 0 ? a.min_domestic_share : std::nullopt;
  }
  if (Status s = (*jobs)->SetTenantLimits(a.tenant, l); !s) return cli::Report(s.error());
  auto show = [](const auto& v) { return v ? fmt::format("{}", *v) : std::string("default"); };
  const std::string text = fmt::format(
      "max priority {}, {} submissions/s, {} unfinished jobs, from {}; sector {}, home {}, domestic share >= "
      "{}",
      show(l.max_priority), show(l.submissions_per_s), show(l.max_pending),
      l.allow_from.empty() ? "anywhere" : l.allow_from, l.sector.empty() ? "-" : l.sector,
      l.home_province.empty() ? "-" : l.home_province,
      l.min_domestic_share ? fmt::format("{}", *l.min_domestic_share) : "-");
  Audit(**jobs, "tenant.limits", a.tenant, text);
  fmt::print("tenant {}: {}\n", a.tenant, text);
  return 0;
}

int QuotaSet(const std::string& db, const std::string& tenant, const std::string& accelerator,
             int64_t max_devices) {
  if (tenant.empty() || accelerator.empty())
    return Report(ErrorCode::kInvalidArgument, "tenant and accelerator are required");
  if (max_devices < 0) return Report(ErrorCode::kInvalidArgument, "max: must be >= 0");
  Result<std::unique_ptr<JobStore>> jobs = OpenJobs(db);
  if (!jobs) return cli::Report(jobs.error());
  if (Status s = (*jobs)->SetQuota(tenant, accelerator, max_devices); !s) return cli::Report(s.error());
  Audit(**jobs, "quota.set", tenant + "/" + accelerator, fmt::format("max {} devices", max_devices));
  fmt::print("tenant {} may hold at most {} {} devices at once\n", tenant, max_devices, accelerator);
  return 0;
}

int Backup(const std::string& db, const std::string& dest) {
  Result<BackupSummary> done = BackupDatabase(db, dest);
  if (!done) return cli::Report(done.error());
  fmt::print("backed up {} to {}: schema version {}, {} jobs, {} tokens, integrity ok\n", db, dest,
             done->schema_version, done->jobs, done->tokens);
  return 0;
}

int Migrate(const std::string& db, const std::string& to) {
  // No server may write to the file while it is copied (what it wrote after the snapshot would be lost).
  Result<std::unique_ptr<ServerLock>> lock = ServerLock::Acquire(db);
  if (!lock) return cli::Report(lock.error());
  Result<MigrationSummary> done = CopyToPostgres(db, to);
  if (!done) return cli::Report(done.error());
  fmt::print("migrated {} to {} (instance {}):\n", db, sql::Redacted(to), done->instance);
  for (const auto& [table, rows] : done->tables)
    fmt::print("  {:<20} {:>10} rows, counted on both sides\n", table, rows);
  fmt::print("serve it with: zhisuan serve --db '{}'\n", sql::Redacted(to));
  return 0;
}

int AuditList(const std::string& db, const AuditArgs& a) {
  if (a.limit < 1 || a.limit > 100000)
    return Report(ErrorCode::kInvalidArgument, "limit: must be 1 to 100000");
  if (a.after < 0) return Report(ErrorCode::kInvalidArgument, "after: must be >= 0");
  Result<std::unique_ptr<JobStore>> jobs = OpenJobs(db);
  if (!jobs) return cli::Report(jobs.error());
  Result<std::vector<AuditEntry>> entries = (*jobs)->AuditLog({a.after, a.limit, a.tenant, a.action});
  if (!entries) return cli::Report(entries.error());
  if (a.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const AuditEntry& e : *entries) {
      list.push_back({{"seq", e.seq},
                      {"at", e.at},
                      {"by",
                       {{"token_id", e.by.token_id},
                        {"tenant", e.by.tenant},
                        {"role", e.by.role},
                        {"remote", e.by.remote}}},
                      {"action", e.action},
                      {"target", e.target},
                      {"result", e.result},
                      {"detail", e.detail}});
    }
    fmt::print("{}\n", list.dump(2));
    return 0;
  }
  Table table({"SEQ", "AT", "TOKEN", "TENANT", "ROLE", "FROM", "ACTION", "TARGET", "RESULT", "DETAIL"},
              std::vector<Table::Align>(10, Table::Align::kLeft));
  for (const AuditEntry& e : *entries) {
    table.AddRow({std::to_string(e.seq), Time(e.at), e.by.token_id, e.by.tenant, e.by.role, e.by.remote,
                  e.action, e.target, e.result, e.detail});
  }
  fmt::print("{}", table.Render());
  return 0;
}

}  // namespace zhisuan::cli
