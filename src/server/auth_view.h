// server/auth_view.h — the JSON of tokens, tenant limits and the audit log (operators' API: /api/v1/tokens,
// /api/v1/tenants/{tenant}/limits, /api/v1/audit).
#pragma once

#include <optional>
#include <string>

#include "server/views.h"
#include "store/job_store.h"

namespace zhisuan::views {

// A token as listed: id, tenant, role, label, created_at, expires_at, revoked_at (never the hash).
Json TokenJson(const TokenInfo& token);

struct TokenRequest {
  std::string tenant;
  std::string role = "tenant";
  std::optional<double> expires_in_s;
  std::string label;
};
// POST /api/v1/tokens: {"tenant": "acme", "role": "tenant", "expires_in_s": 86400, "label": "ci"}
Result<TokenRequest> ParseTokenRequest(std::string_view body);

// The limits in force for `tenant`.
Json LimitsJson(const std::string& tenant, const TenantLimits& limits);
// PUT /api/v1/tenants/{tenant}/limits: {"max_priority": 10, "submissions_per_s": 50, "max_pending": 1000,
// "allow_from": "10.0.0.0/8"}; a field left out or null takes the server's default.
Result<TenantLimits> ParseLimits(std::string_view body);

// An audit entry: seq, at, by {token_id, tenant, role, remote}, action, target, result, detail.
Json AuditJson(const AuditEntry& entry);
// GET /api/v1/audit?after=SEQ&limit=N&tenant=T&action=A: the filter, or a 400 naming the parameter.
Result<AuditFilter> ParseAuditFilter(const Params& params);

}  // namespace zhisuan::views
