#include "server/auth_view.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "util/json.h"
#include "util/limits.h"

namespace zhisuan::views {
namespace {

Json Optional(const std::optional<double>& x) { return x ? Json(*x) : Json(); }

Status OnlyKnown(const Json& body, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : body.items()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == key;
    if (!ok) return Fail(ErrorCode::kValidation, fmt::format("{}: unknown field", key));
  }
  return {};
}

Result<Json> Object(std::string_view text) {
  Result<Json> body = ParseJson(text, "request body");
  if (!body) return body;
  if (!body->is_object()) return Fail(ErrorCode::kValidation, "request body: must be a JSON object");
  return body;
}

}  // namespace

Json TokenJson(const TokenInfo& t) {
  return {{"id", t.id},
          {"tenant", t.token.tenant},
          {"role", t.token.role},
          {"label", t.label},
          {"created_at", t.created_at},
          {"expires_at", Optional(t.expires_at)},
          {"revoked_at", Optional(t.revoked_at)}};
}

Result<TokenRequest> ParseTokenRequest(std::string_view text) {
  Result<Json> body = Object(text);
  if (!body) return std::unexpected(body.error());
  if (Status s = OnlyKnown(*body, {"tenant", "role", "expires_in_s", "label"}); !s)
    return std::unexpected(s.error());
  TokenRequest r;
  const Json& b = *body;
  if (!b.contains("tenant") || !b["tenant"].is_string()) {
    return Fail(ErrorCode::kValidation, "tenant: is required (a string)");
  }
  r.tenant = b["tenant"];
  if (b.contains("role")) {
    if (!b["role"].is_string()) return Fail(ErrorCode::kValidation, "role: must be tenant or operator");
    r.role = b["role"];
  }
  if (b.contains("expires_in_s") && !b["expires_in_s"].is_null()) {
    if (!b["expires_in_s"].is_number())
      return Fail(ErrorCode::kValidation, "expires_in_s: must be a number of seconds");
    r.expires_in_s = b["expires_in_s"].get<double>();
  }
  if (b.contains("label")) {
    if (!b["label"].is_string()) return Fail(ErrorCode::kValidation, "label: must be a string");
    r.label = b["label"];
  }
  return r;
}

Json LimitsJson(const std::string& tenant, const TenantLimits& l) {
  return {{"tenant", tenant},
          {"max_priority", l.max_priority ? Json(*l.max_priority) : Json()},
          {"submissions_per_s", Optional(l.submissions_per_s)},
          {"max_pending", l.max_pending ? Json(*l.max_pending) : Json()},
          {"allow_from", l.allow_from},
          {"sector", l.sector},
          {"home_province", l.home_province},
          {"min_domestic_share", Optional(l.min_domestic_share)}};
}

Result<TenantLimits> ParseLimits(std::string_view text) {
  Result<Json> body = Object(text);
  if (!body) return std::unexpected(body.error());
  if (Status s = OnlyKnown(*body, {"max_priority", "submissions_per_s", "max_pending", "allow_from", "sector",
                                   "home_province", "min_domestic_share"});
      !s) {
    return std::unexpected(s.error());
  }
  const Json& b = *body;
  TenantLimits l;
  auto integer = [&](const char* key, int64_t low, int64_t high, std::optional<int64_t>& out) -> Status {
    if (!b.contains(key) || b[key].is_null()) return {};
    if (!b[key].is_number_integer() || b[key].get<int64_t>() < low || b[key].get<int64_t>() > high) {
      return Fail(ErrorCode::kValidation,
                  fmt::format("{}: must be an integer from {} to {}", key, low, high));
    }
    out = b[key].get<int64_t>();
    return {};
  };
  if (Status s = integer("max_priority", -1000, 1000, l.max_priority); !s) return std::unexpected(s.error());
  if (Status s = integer("max_pending", 0, 100'000'000, l.max_pending); !s) return std::unexpected(s.error());
  if (b.contains("submissions_per_s") && !b["submissions_per_s"].is_null()) {
    if (!b["submissions_per_s"].is_number() || !std::isfinite(b["submissions_per_s"].get<double>()) ||
        b["submissions_per_s"].get<double>() < 0) {
      return Fail(ErrorCode::kValidation, "submissions_per_s: must be a number >= 0 (0: no limit)");
    }
    l.submissions_per_s = b["submissions_per_s"].get<double>();
  }
  for (auto [key, out] : {std::pair{"allow_from", &l.allow_from}, std::pair{"sector", &l.sector},
                          std::pair{"home_province", &l.home_province}}) {
    if (!b.contains(key) || b[key].is_null()) continue;
    if (!b[key].is_string()) return Fail(ErrorCode::kValidation, fmt::format("{}: must be a string", key));
    *out = b[key].get<std::string>();
  }
  if (b.contains("min_domestic_share") && !b["min_domestic_share"].is_null()) {
    const Json& v = b["min_domestic_share"];
    if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() <= 1))
      return Fail(ErrorCode::kValidation, "min_domestic_share: must be a number from 0 to 1");
    l.min_domestic_share = v.get<double>();
  }
  return l;
}

Json AuditJson(const AuditEntry& e) {
  return Json{
      {"seq", e.seq},
      {"at", e.at},
      {"by",
       {{"token_id", e.by.token_id}, {"tenant", e.by.tenant}, {"role", e.by.role}, {"remote", e.by.remote}}},
      {"action", e.action},
      {"target", e.target},
      {"result", e.result},
      {"detail", e.detail}};
}

Result<AuditFilter> ParseAuditFilter(const Params& params) {
  if (Status s = CheckParams(params, {"after", "limit", "tenant", "action"}); !s)
    return std::unexpected(s.error());
  AuditFilter f;
  for (const auto& [key, target] : {std::pair<const char*, int64_t*>{"after", &f.after_seq}}) {
    if (auto it = params.find(key); it != params.end()) {
      auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), *target);
      if (ec != std::errc() || ptr != it->second.data() + it->second.size() || *target < 0)
        return Fail(ErrorCode::kInvalidArgument,
                    fmt::format("{}: '{}' is not an audit sequence number", key, it->second));
    }
  }
  if (auto it = params.find("limit"); it != params.end()) {
    auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), f.limit);
    if (ec != std::errc() || ptr != it->second.data() + it->second.size())
      return Fail(ErrorCode::kInvalidArgument, fmt::format("limit: '{}' is not a number", it->second));
  }
  if (auto it = params.find("tenant"); it != params.end()) f.tenant = it->second;
  if (auto it = params.find("action"); it != params.end()) f.action = it->second;
  return f;
}

}  // namespace zhisuan::views
