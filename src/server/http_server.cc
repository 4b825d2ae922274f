#include "server/http_server.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "accounting/capacity.h"
#include "index/spec.h"
#include "model/enums.h"
#include "placement/policy.h"
#include "placement/snapshot.h"
#include "server/auth_view.h"
#include "server/console.h"
#include "server/events.h"
#include "server/http_gzip.h"
#include "server/http_loop.h"
#include "server/http_stream.h"
#include "server/index_view.h"
#include "server/job_view.h"
#include "server/live_view.h"
#include "server/metrics.h"
#include "server/network_view.h"
#include "server/quote_view.h"
#include "server/rate_limit.h"
#include "server/simulations.h"
#include "server/views.h"

namespace zhisuan {
namespace {

// Seconds since the epoch, now (the clock jobs' times are kept on).
double EpochNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

using Clock = std::chrono::steady_clock;

// The success or the error of a call, for the audit log.
template <typename T>
Status StatusOf(const Result<T>& r) {
  if (r) return {};
  return std::unexpected(r.error());
}

void Reply(http::Response& res, const Result<views::Json>& result) {
  res.content_type = "application/json";
  if (result) {
    res.status = 200;
    res.body = views::Dump(*result);
  } else {
    res.status = HttpStatus(result.error().code);
    res.body = views::Dump(views::ErrorBody(result.error()));
    if (res.status == 429) res.SetHeader("Retry-After", "1");
  }
}

// One request as a handler sees it: the request, its answer and its decoded query parameters.
struct Call {
  http::Request& req;
  http::Response& res;
  views::Params params;  // of the URL's query string only (the last of repeated keys wins)
};

using Handle = std::function<void(Call&)>;

struct Route {
  std::string method;
  std::vector<std::string> segments;  // "{}" captures one segment
  std::string name;                   // the pattern, as /metrics labels it
  Handle handle;
};

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

// True when `path` fits `route`'s segments; the captured segments go to `matches`.
bool Matches(const Route& route, const std::vector<std::string_view>& path,
             std::vector<std::string>& matches) {
  if (route.segments.size() != path.size()) return false;
  matches.clear();
  for (size_t i = 0; i < path.size(); ++i) {
    if (route.segments[i] == "{}") {
      matches.emplace_back(path[i]);
    } else if (route.segments[i] != path[i]) {
      return false;
    }
  }
  return true;
}

constexpr const char* kIndexHtml = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zhisuan 智算</title></head>
<body><h1>zhisuan 智算 — compute-network supervision and scheduling</h1>
<ul>
<li><a href="/api/v1/health">/api/v1/health</a></li>
<li><a href="/api/v1/accelerators">/api/v1/accelerators</a></li>
<li><a href="/api/v1/centers">/api/v1/centers</a> (province, hub, cluster, kind, accelerator)</li>
<li><a href="/api/v1/regions">/api/v1/regions</a></li>
<li><a href="/api/v1/network">/api/v1/network</a> (province, hub, offset, limit)</li>
<li><a href="/api/v1/stats/capacity?by=hub&amp;precision=fp16">/api/v1/stats/capacity?by=hub&amp;precision=fp16</a></li>
<li><a href="/api/v1/stats/domestic?by=hub&amp;precision=fp32e">/api/v1/stats/domestic?by=hub&amp;precision=fp32e</a></li>
<li><a href="/api/v1/stats/coverage">/api/v1/stats/coverage</a></li>
<li>/api/v1/stats/demand (operators)</li>
<li>POST /api/v1/quote (a job spec in YAML or JSON; policy, objective, top, explain)</li>
<li>POST /api/v1/index/compute (JSON: data_csv, and optionally spec, weights, impute, draws, seed, mc, explain)</li>
<li>POST/GET /api/v1/jobs, GET/DELETE /api/v1/jobs/{id}, GET /api/v1/jobs/{id}/logs, GET /api/v1/usage,
POST /api/v1/centers/{id}/drain and /undrain (Authorization: Bearer TOKEN)</li>
<li><a href="/metrics">/metrics</a></li>
</ul></body></html>
)html";

// The console's pages (web/console/app.js routes them after '#'), served its page as paths too.
constexpr std::string_view kConsolePages[] = {"network", "centers",     "jobs",   "submit", "usage",
                                              "index",   "simulations", "health", "audit"};

}  // namespace

struct HttpServer::Impl {
  const Registry& registry;
  const placement::Snapshot snapshot;  // of the registry as loaded; immutable while serving
  int schema_version;
  std::string default_policy;
  std::string default_objective;
  std::string index_spec_text;                          // the default indicator system, read at start
  std::string index_sample;                             // the shipped indicator data (CSV), read at start
  std::optional<accounting::NationalCompute> national;  // data/national/, read at start
  std::optional<views::Console> console;
  lifecycle::JobService* jobs = nullptr;
  views::NetworkView network{registry};       // the console's first screen, joined and summed here
  std::unique_ptr<views::LiveEvents> events;  // GET /api/v1/events
  std::mutex live_answer_mu;                  // GET /api/v1/live: one answer made at a time
  std::unique_ptr<http::RateLimiter>
      anonymous_reads;  // quotes and the live state without a token, per address

  // The network's live totals as the events carry them (no clock in it: an event means a change).
  std::string LiveState() {
    if (jobs == nullptr) return views::LiveTotals(registry);
    std::string state;
    jobs->WithLiveSnapshot([&](const placement::Snapshot& s) { state = views::LiveTotals(s); });
    return state;
  }
  std::unique_ptr<views::Simulations> simulations;  // with jobs (it needs their tokens)
  Clock::time_point started = Clock::now();
  Metrics metrics;
  std::vector<Route> routes;
  std::unique_ptr<http::Loop> loop;
  std::shared_ptr<Log> log = Log::Null();

  Impl(const Registry& r, int version)
      : registry(r), snapshot(placement::Snapshot::Build(r)), schema_version(version) {}

  void Add(std::string method, std::string_view pattern, Handle handle) {
    Route route{std::move(method), {}, std::string(pattern), std::move(handle)};
    for (std::string_view s : Segments(pattern)) route.segments.emplace_back(s == "{id}" ? "{}" : s);
    routes.push_back(std::move(route));
  }

  // Runs on a worker thread: finds the route, decodes the query, answers.
  http::Response Handle(http::Request& req) {
    const Clock::time_point start = Clock::now();
    http::Response res;
    const std::vector<std::string_view> path = Segments(req.path);
    const Route* found = nullptr;
    bool path_known = false;
    for (const Route& r : routes) {
      if (!Matches(r, path, req.matches)) continue;
      path_known = true;
      if (r.method == req.method) {
        found = &r;
        break;
      }
    }
    std::string route_name = "unmatched";
    if (found == nullptr) {
      const bool wrong_method = path_known;
      Reply(res, Fail(wrong_method ? ErrorCode::kInvalidArgument : ErrorCode::kNotFound,
                      fmt::format("no route for {} {}", req.method, req.path)));
      if (wrong_method) res.status = 405;
    } else {
      route_name = found->name;
      std::vector<std::pair<std::string, std::string>> pairs;
      if (!http::ParseQuery(req.query, pairs)) {
        Reply(res, Fail(ErrorCode::kInvalidArgument, "query: a %-escape is malformed"));
      } else {
        Call call{req, res, {}};
        for (auto& [key, value] : pairs) call.params[key] = std::move(value);
        found->handle(call);
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    metrics.Observe(route_name, req.method, res.status, seconds);
    LogRequest(&req, res.status, seconds, route_name);
    return res;
  }

  // A public read made under the scheduler's lock (a quote, the live state as JSON: on 10,000 centers ~10-50
  // ms of it, and of the CPU the scheduler shares): without a token, a few a second from one address per
  // route (429 written, false); a token sent must be valid (401 written, false), and is not limited.
  bool LockingReadAllowed(Call& c, std::string_view route) {
    if (!c.req.Header("Authorization").empty()) return Authenticate(c).has_value();
    const double now = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
    if (anonymous_reads->Allow(fmt::format("{} {}", route, c.req.remote_address), now)) return true;
    Reply(c.res,
          Fail(ErrorCode::kRateLimited,
               fmt::format("{}: without a token, {} a second from one address (send one: Authorization: "
                           "Bearer TOKEN)",
                           route, anonymous_reads->per_s())));
    c.res.SetHeader("Retry-After", "1");
    return false;
  }

  // The caller of a job route, or a 401 already written to `res`.
  std::optional<lifecycle::Principal> Authenticate(Call& call) {
    const std::string header = call.req.Header("Authorization");
    if (!header.starts_with("Bearer ")) {
      Reply(call.res, Fail(ErrorCode::kUnauthenticated,
                           header.empty() ? "Authorization: a bearer token is required (zhisuan token create)"
                                          : "Authorization: must be 'Bearer TOKEN'"));
      call.res.SetHeader("WWW-Authenticate", "Bearer");
      return std::nullopt;
    }
    Result<lifecycle::Principal> who = jobs->Authenticate(header.substr(7), call.req.remote_address);
    if (!who) {
      Reply(call.res, std::unexpected(who.error()));
      if (who.error().code == ErrorCode::kUnauthenticated) call.res.SetHeader("WWW-Authenticate", "Bearer");
      return std::nullopt;
    }
    return *who;
  }

  static Result<int64_t> JobId(const std::string& text) {
    int64_t id = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("id: '{}' is not a job id", text));
    }
    return id;
  }

  // A route that needs a token: the handler gets the caller.
  void Authed(std::string method, std::string_view pattern,
              std::function<void(const lifecycle::Principal&, Call&)> handle) {
    Add(std::move(method), pattern, [this, handle = std::move(handle)](Call& call) {
      if (std::optional<lifecycle::Principal> who = Authenticate(call)) handle(*who, call);
    });
  }

  void SimulationRoutes() {
    Authed("POST", "/api/v1/simulations", [this](const lifecycle::Principal& who, Call& c) {
      if (Status s = views::CheckParams(c.params, {}); !s) return Reply(c.res, std::unexpected(s.error()));
      Result<views::Json> run = simulations->Submit(who, c.req.body);
      Reply(c.res, run);
      if (run) {
        c.res.status = 202;
        c.res.headers.emplace_back("Location",
                                   fmt::format("/api/v1/simulations/{}", (*run)["id"].get<int64_t>()));
      }
    });
    Authed("GET", "/api/v1/simulations", [this](const lifecycle::Principal& who, Call& c) {
      if (Status s = views::CheckParams(c.params, {}); !s) return Reply(c.res, std::unexpected(s.error()));
      Reply(c.res, simulations->List(who));
    });
    Plain("/api/v1/simulations/traces", [this](Call&) { return simulations->Traces(); });
    Authed("GET", "/api/v1/simulations/{id}", [this](const lifecycle::Principal& who, Call& c) {
      Result<int64_t> id = JobId(c.req.matches[0]);
      if (!id) return Reply(c.res, std::unexpected(id.error()));
      Reply(c.res, simulations->Get(who, *id));
    });
    Authed("DELETE", "/api/v1/simulations/{id}", [this](const lifecycle::Principal& who, Call& c) {
      Result<int64_t> id = JobId(c.req.matches[0]);
      if (!id) return Reply(c.res, std::unexpected(id.error()));
      Reply(c.res, simulations->Cancel(who, *id));
    });
  }

  void JobRoutes() {
    Authed("POST", "/api/v1/jobs", [this](const lifecycle::Principal& who, Call& c) {
      if (Status s = views::CheckParams(c.params, {}); !s) return Reply(c.res, std::unexpected(s.error()));
      auto submitted = jobs->Submit(who, c.req.body, c.req.Header("Idempotency-Key"));
      if (!submitted) {
        // Accepted jobs are audited with their rows; of the refusals, those of permission (the rest are input
        // errors and limits, in the log and the metrics).
        if (submitted.error().code == ErrorCode::kPermissionDenied)
          jobs->Audit(who, "job.submit", "", std::unexpected(submitted.error()));
        return Reply(c.res, std::unexpected(submitted.error()));
      }
      Reply(c.res, views::JobJson(submitted->job, EpochNow()));
      if (submitted->created) c.res.status = 201;
    });
    Authed("GET", "/api/v1/jobs", [this](const lifecycle::Principal& who, Call& c) {
      Reply(c.res, views::ListJobs(*jobs, who, c.params, EpochNow()));
    });
    Authed("GET", "/api/v1/jobs/{id}", [this](const lifecycle::Principal& who, Call& c) {
      Result<int64_t> id = JobId(c.req.matches[0]);
      if (!id) return Reply(c.res, std::unexpected(id.error()));
      Result<JobRecord> job = jobs->Get(who, *id);
      if (!job) return Reply(c.res, std::unexpected(job.error()));
      Result<std::vector<JobEvent>> history = jobs->History(who, *id);
      if (!history) return Reply(c.res, std::unexpected(history.error()));
      Reply(c.res, views::JobDetail(*job, *history, EpochNow()));
    });
    Authed("DELETE", "/api/v1/jobs/{id}", [this](const lifecycle::Principal& who, Call& c) {
      Result<int64_t> id = JobId(c.req.matches[0]);
      if (!id) return Reply(c.res, std::unexpected(id.error()));
      Result<JobRecord> job = jobs->Cancel(who, *id);
      jobs->Audit(who, "job.cancel", c.req.matches[0], StatusOf(job));
      Reply(c.res,
            job ? Result<views::Json>(views::JobJson(*job, EpochNow())) : std::unexpected(job.error()));
    });
    Authed("GET", "/api/v1/jobs/{id}/logs", [this](const lifecycle::Principal& who, Call& c) {
      Result<int64_t> id = JobId(c.req.matches[0]);
      if (!id) return Reply(c.res, std::unexpected(id.error()));
      Result<std::string> logs = jobs->Logs(who, *id);
      if (!logs) return Reply(c.res, std::unexpected(logs.error()));
      c.res.status = 200;
      c.res.content_type = "text/plain; charset=utf-8";
      c.res.body = std::move(*logs);
    });
    Authed("GET", "/api/v1/usage", [this](const lifecycle::Principal& who, Call& c) {
      Reply(c.res, views::Usage(*jobs, who, c.params));
    });
    Authed("GET", "/api/v1/stats/demand", [this](const lifecycle::Principal& who, Call& c) {
      Reply(c.res, views::Demand(*jobs, registry, national ? &*national : nullptr, who, c.params));
    });
    Add("GET", "/api/v1/live", [this](Call& c) {
      if (!LockingReadAllowed(c, "live")) return;
      const double now_s = EpochNow();
      // One answer made at a time (3 MB of JSON on 10,000 centers): however many ask, the rest of the server
      // keeps the other cores.
      std::lock_guard one(live_answer_mu);
      Reply(c.res, views::Live([&](const auto& read) { jobs->WithLiveSnapshot(read); }, c.params, now_s));
    });
    // Busy and queued devices per center over time (the loop's samples, public like /api/v1/live): one
    // center, or the whole network summed.
    Add("GET", "/api/v1/live/history", [this](Call& c) {
      if (Status s = views::CheckParams(c.params, {"center", "since"}); !s)
        return Reply(c.res, std::unexpected(s.error()));
      double since = 0;
      if (auto it = c.params.find("since"); it != c.params.end()) {
        auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), since);
        if (ec != std::errc() || ptr != it->second.data() + it->second.size() || !std::isfinite(since))
          return Reply(c.res, Fail(ErrorCode::kInvalidArgument,
                                   fmt::format("since: '{}' is not a time in seconds", it->second)));
      }
      int32_t center = -1;
      int64_t devices = 0;
      // Devices come from the registry's snapshot (immutable; the same center indexes as the live one).
      if (auto it = c.params.find("center"); it != c.params.end()) center = snapshot.CenterIndex(it->second);
      for (const placement::PoolInfo& p : snapshot.pools()) {
        if (p.in_service && (center < 0 || p.center == static_cast<uint32_t>(center))) devices += p.devices;
      }
      if (c.params.contains("center") && center < 0)
        return Reply(c.res, Fail(ErrorCode::kNotFound,
                                 fmt::format("center '{}' does not exist", c.params.at("center"))));
      lifecycle::JobService::Series h = jobs->History(center, since);
      Reply(c.res, views::Json{{"center", center < 0 ? views::Json() : views::Json(c.params.at("center"))},
                               {"devices", devices},
                               {"t", std::move(h.at)},
                               {"busy", std::move(h.busy)},
                               {"queued", std::move(h.queued)},
                               {"power_kw", std::move(h.power_kw)},
                               {"carbon_kg_per_h", std::move(h.carbon_kg_per_h)}});
    });
    Authed("GET", "/api/v1/me", [](const lifecycle::Principal& who, Call& c) {
      Reply(c.res, views::Json{{"tenant", who.tenant},
                               {"role", who.is_operator ? "operator" : "tenant"},
                               {"token_id", who.token_id}});
    });
    Authed("GET", "/api/v1/audit", [this](const lifecycle::Principal& who, Call& c) {
      Result<AuditFilter> filter = views::ParseAuditFilter(c.params);
      if (!filter) return Reply(c.res, std::unexpected(filter.error()));
      Result<std::vector<AuditEntry>> entries = jobs->AuditLog(who, *filter);
      if (!entries) return Reply(c.res, std::unexpected(entries.error()));
      views::Json list = views::Json::array();
      for (const AuditEntry& e : *entries) list.push_back(views::AuditJson(e));
      const bool more = static_cast<int>(entries->size()) == filter->limit;
      Reply(c.res, views::Json{{"entries", list},
                               {"next_after", more ? views::Json(entries->back().seq) : views::Json()}});
    });
    Authed("GET", "/api/v1/tokens", [this](const lifecycle::Principal& who, Call& c) {
      if (Status s = views::CheckParams(c.params, {"tenant"}); !s)
        return Reply(c.res, std::unexpected(s.error()));
      auto it = c.params.find("tenant");
      Result<std::vector<TokenInfo>> tokens = jobs->Tokens(who, it == c.params.end() ? "" : it->second);
      if (!tokens) return Reply(c.res, std::unexpected(tokens.error()));
      views::Json list = views::Json::array();
      for (const TokenInfo& t : *tokens) list.push_back(views::TokenJson(t));
      Reply(c.res, views::Json{{"tokens", list}});
    });
    Authed("POST", "/api/v1/tokens", [this](const lifecycle::Principal& who, Call& c) {
      Result<views::TokenRequest> request = views::ParseTokenRequest(c.req.body);
      if (!request) return Reply(c.res, std::unexpected(request.error()));
      auto created =
          jobs->CreateToken(who, request->tenant, request->role, request->expires_in_s, request->label);
      jobs->Audit(who, "token.create", created ? created->info.id : "", StatusOf(created),
                  fmt::format("tenant {}, role {}", request->tenant, request->role));
      if (!created) return Reply(c.res, std::unexpected(created.error()));
      views::Json j = views::TokenJson(created->info);
      j["token"] = created->token;  // shown once
      Reply(c.res, j);
      c.res.status = 201;
    });
    Authed("DELETE", "/api/v1/tokens/{id}", [this](const lifecycle::Principal& who, Call& c) {
      Result<TokenInfo> revoked = jobs->RevokeToken(who, c.req.matches[0]);
      jobs->Audit(who, "token.revoke", c.req.matches[0], StatusOf(revoked));
      Reply(c.res,
            revoked ? Result<views::Json>(views::TokenJson(*revoked)) : std::unexpected(revoked.error()));
    });
    Authed("GET", "/api/v1/tenants/{id}/limits", [this](const lifecycle::Principal& who, Call& c) {
      if (!who.is_operator && who.tenant != c.req.matches[0]) {
        return Reply(c.res,
                     Fail(ErrorCode::kPermissionDenied, "limits: you may read only your own tenant's"));
      }
      Reply(c.res, views::LimitsJson(c.req.matches[0], jobs->LimitsOf(c.req.matches[0])));
    });
    Authed("PUT", "/api/v1/tenants/{id}/limits", [this](const lifecycle::Principal& who, Call& c) {
      Result<TenantLimits> limits = views::ParseLimits(c.req.body);
      if (!limits) return Reply(c.res, std::unexpected(limits.error()));
      Status set = jobs->SetTenantLimits(who, c.req.matches[0], *limits);
      jobs->Audit(who, "tenant.limits", c.req.matches[0], set,
                  views::Dump(views::LimitsJson(c.req.matches[0], *limits)));
      if (!set) return Reply(c.res, std::unexpected(set.error()));
      Reply(c.res, views::LimitsJson(c.req.matches[0], jobs->LimitsOf(c.req.matches[0])));
    });
    for (const bool drain : {true, false}) {
      Authed("POST", drain ? "/api/v1/centers/{id}/drain" : "/api/v1/centers/{id}/undrain",
             [this, drain](const lifecycle::Principal& who, Call& c) {
               const std::string& center = c.req.matches[0];
               Status set = jobs->SetDrained(who, center, drain);
               jobs->Audit(who, drain ? "center.drain" : "center.undrain", center, set);
               if (!set) return Reply(c.res, std::unexpected(set.error()));
               Reply(c.res, views::Json{{"center", center}, {"state", jobs->CenterStates()[center]}});
             });
    }
  }

  // A console file from memory. The console's own scripts only (no inline script, no other origin); ECharts
  // sets inline styles on what it draws.
  // Bytes that do not change while the server runs, with their tag: 304 to a client that has them, gzip to
  // one that accepts it (compressed once), revalidated on every use (no-cache).
  static void ServeFixed(Call& c, const views::ConsoleFile& file) {
    c.res.status = 200;
    c.res.content_type = file.content_type;
    c.res.SetHeader("ETag", file.etag);
    if (!file.gzip.empty()) c.res.SetHeader("Vary", "Accept-Encoding");
    if (c.req.Header("if-none-match") == file.etag) {
      c.res.status = 304;  // the client's copy is current: headers only
    } else if (!file.gzip.empty() && http::AcceptsGzip(c.req)) {
      c.res.body = file.gzip;
      c.res.SetHeader("Content-Encoding", "gzip");
    } else {
      c.res.body = file.body;
    }
    c.res.SetHeader("Cache-Control", "no-cache");
  }

  // An answer made from the registry alone (loaded once, immutable while serving): made, serialized and
  // compressed on first use, then served as bytes. The 10,000-center /api/v1/centers took 260 ms to make.
  struct Frozen {
    std::function<Result<views::Json>()> make;
    std::once_flag once;
    Result<views::ConsoleFile> answer = views::ConsoleFile();  // or the error, as fixed as the answer
  };
  std::map<std::string, Frozen, std::less<>> frozen;  // by route; filled in Routes(), before serving
  void Freeze(std::string route, std::function<Result<views::Json>()> make) {
    frozen.try_emplace(std::move(route)).first->second.make = std::move(make);
  }
  const Result<views::ConsoleFile>& Made(Frozen& f) {
    std::call_once(f.once, [&f] {
      Result<views::Json> made = f.make();
      if (made)
        f.answer = views::ConsoleFile::Of("application/json", views::Dump(*made));
      else
        f.answer = std::unexpected(made.error());
    });
    return f.answer;
  }
  void ServeFrozen(Call& c, std::string_view route) {
    const Result<views::ConsoleFile>& answer = Made(frozen.find(route)->second);
    if (!answer) return Reply(c.res, std::unexpected(answer.error()));
    ServeFixed(c, *answer);
  }
  // Makes every frozen answer (run beside the loop at start, so that the first caller does not wait for it).
  void Warm() {
    for (auto& [route, f] : frozen) Made(f);
  }
  void Fixed(std::string_view pattern, std::function<Result<views::Json>()> make) {
    Freeze(std::string(pattern), std::move(make));
    Add("GET", pattern, [this, route = std::string(pattern)](Call& c) {
      if (Status s = views::CheckParams(c.params, {}); !s) return Reply(c.res, std::unexpected(s.error()));
      ServeFrozen(c, route);
    });
  }

  void ServeConsole(Call& c, const std::string& path) {
    const views::ConsoleFile* file = console->Find(path);
    if (file == nullptr)
      return Reply(c.res, Fail(ErrorCode::kNotFound, fmt::format("no console file '{}'", path)));
    ServeFixed(c, *file);
    c.res.SetHeader(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    c.res.SetHeader("X-Content-Type-Options", "nosniff");
    c.res.SetHeader("Referrer-Policy", "no-referrer");
  }

  // GET routes that take no query parameters.
  void Plain(std::string_view pattern, std::function<Result<views::Json>(Call&)> view) {
    Add("GET", pattern, [view = std::move(view)](Call& c) {
      if (Status s = views::CheckParams(c.params, {}); !s) return Reply(c.res, std::unexpected(s.error()));
      Reply(c.res, view(c));
    });
  }

  void Routes() {
    Add("GET", "/", [this](Call& c) {
      if (!console) {
        c.res.content_type = "text/html; charset=utf-8";
        c.res.body = kIndexHtml;
        return;
      }
      ServeConsole(c, "/");
    });
    // The console's pages as paths (a link or a bookmark of /centers/ID): the console's page, which shows the
    // route (its own routes are after '#': /#/centers/ID).
    for (const std::string_view page : kConsolePages) {
      for (const std::string& pattern : {fmt::format("/{}", page), fmt::format("/{}/{{id}}", page)}) {
        Add("GET", pattern, [this](Call& c) {
          if (!console)
            return Reply(c.res, Fail(ErrorCode::kNotFound, "this server has no console (serve --web DIR)"));
          ServeConsole(c, "/");
        });
      }
    }
    Add("GET", "/console/{id}", [this](Call& c) {
      if (!console)
        return Reply(c.res, Fail(ErrorCode::kNotFound, "this server has no console (serve --web DIR)"));
      ServeConsole(c, "/console/" + c.req.matches[0]);
    });
    Add("GET", "/console/pages/{id}", [this](Call& c) {  // the pages' modules, each loaded on its first visit
      if (!console)
        return Reply(c.res, Fail(ErrorCode::kNotFound, "this server has no console (serve --web DIR)"));
      ServeConsole(c, "/console/pages/" + c.req.matches[0]);
    });
    Add("GET", "/api/v1/health", [this](Call& c) {
      if (Status s = views::CheckParams(c.params, {}); !s) return Reply(c.res, std::unexpected(s.error()));
      const double uptime = std::chrono::duration<double>(Clock::now() - started).count();
      views::Json health = views::Health(registry, schema_version, uptime);
      if (jobs != nullptr) {
        // Degraded while the store cannot commit or is corrupt: 503, so a load balancer or a probe sees it.
        const lifecycle::StoreHealth store = jobs->Health();
        health["store"] = {{"ok", store.ok}, {"unsaved_transitions", store.unsaved}};
        if (!store.ok) {
          health["status"] = "degraded";
          health["store"]["problem"] = store.problem;
          health["store"]["failing_since"] = store.failing_since;
        }
        // Replicas: which one leads, and whether this one reaches the database to know it.
        const lifecycle::Leadership lead = jobs->Leader();
        if (lead.replicated) {
          health["replica"] = {{"id", lead.replica_id},
                               {"leading", lead.leading},
                               {"leader", lead.leader},
                               {"leader_address", lead.leader_address},
                               {"leader_since", lead.leader_since},
                               {"epoch", lead.epoch}};
          if (!lead.problem.empty()) {
            health["status"] = "degraded";
            health["replica"]["problem"] = lead.problem;
          }
        }
      }
      Reply(c.res, health);
      if (health["status"] != "ok") c.res.status = 503;
    });
    Fixed("/api/v1/accelerators", [this] { return views::Accelerators(registry); });
    Fixed("/api/v1/regions", [this] { return views::Regions(registry); });
    // The live state as server-sent events: the totals now, then again whenever they change (the console's
    // pages refresh on them). Public, like /api/v1/live.
    Add("GET", "/api/v1/events", [this](Call& c) {
      if (Status s = views::CheckParams(c.params, {}); !s) return Reply(c.res, std::unexpected(s.error()));
      Result<std::shared_ptr<http::Stream>> stream = events->Subscribe(LiveState(), c.req.remote_address);
      if (!stream) return Reply(c.res, std::unexpected(stream.error()));
      c.res.status = 200;
      c.res.content_type = "text/event-stream; charset=utf-8";
      c.res.SetHeader("Cache-Control", "no-cache");
      c.res.SetHeader("X-Accel-Buffering", "no");  // a proxy in front must not hold the events back
      c.res.stream = std::move(*stream);
    });
    // The network's first screen: capacity and live state added up by the server (console, network page).
    Add("GET", "/api/v1/network", [this](Call& c) {
      const double now_s = EpochNow();
      if (jobs == nullptr) return Reply(c.res, network.Answer(nullptr, c.params, now_s));
      std::vector<views::NetworkView::Live> live;
      jobs->WithLiveSnapshot([&](const placement::Snapshot& s) { live = views::NetworkView::Read(s); });
      Reply(c.res, network.Answer(&live, c.params, now_s));
    });
    Freeze("/api/v1/centers", [this] { return views::Centers(registry, {}); });
    Add("GET", "/api/v1/centers", [this](Call& c) {
      if (!c.params.empty()) return Reply(c.res, views::Centers(registry, c.params));
      ServeFrozen(c, "/api/v1/centers");
    });
    Plain("/api/v1/centers/{id}", [this](Call& c) { return views::Center(registry, c.req.matches[0]); });
    Add("GET", "/api/v1/stats/capacity",
        [this](Call& c) { Reply(c.res, views::Capacity(registry, c.params)); });
    Add("GET", "/api/v1/stats/domestic",
        [this](Call& c) { Reply(c.res, views::SelfReliance(registry, c.params)); });
    Fixed("/api/v1/stats/intelligent-centers", [this] { return views::IntelligentCenters(registry); });
    Fixed("/api/v1/stats/coverage",
          [this] { return views::Coverage(registry, national ? &*national : nullptr); });
    Add("POST", "/api/v1/quote", [this](Call& c) {
      const double now_s = EpochNow();
      c.params.try_emplace("policy", default_policy);
      c.params.try_emplace("objective", default_objective);
      if (jobs == nullptr) {
        return Reply(c.res, views::Quote(registry, snapshot, c.req.body, c.params, now_s, "request body"));
      }
      // On the network as it is now, so the quote is what a submission would get; parsed before the lock.
      if (!LockingReadAllowed(c, "quote")) return;  // a few a second without a token
      Result<Job> job = ParseJob(c.req.body, registry, "request body");
      if (!job) return Reply(c.res, std::unexpected(job.error()));
      Result<views::Json> quote = std::unexpected(Error{});
      jobs->WithLiveSnapshot([&](const placement::Snapshot& live) {
        quote = views::Quote(registry, live, *job, c.params, now_s, "live");
      });
      Reply(c.res, std::move(quote));
    });
    Add("POST", "/api/v1/index/compute", [this](Call& c) {
      if (Status s = views::CheckParams(c.params, {}); !s) return Reply(c.res, std::unexpected(s.error()));
      Reply(c.res, views::IndexCompute(c.req.body, index_spec_text));
    });
    // The shipped indicator data, as CSV: what the console computes the index of unless given other data. Its
    // own header says which cells are quoted from the seeds and which are illustrative.
    Add("GET", "/api/v1/index/sample", [this](Call& c) {
      if (Status s = views::CheckParams(c.params, {}); !s) return Reply(c.res, std::unexpected(s.error()));
      if (index_sample.empty())
        return Reply(c.res, Fail(ErrorCode::kNotFound, "this server ships no indicator data"));
      c.res.content_type = "text/csv; charset=utf-8";
      c.res.body = index_sample;
    });
    // Prometheus text; ?name=a,b keeps those metric families only (the console's health page).
    // Public, but the families that name tenants (who runs how much) go to operators only: a scraper sends an
    // operator's token (Prometheus: `authorization: {credentials_file: ...}`); a bad token is 401, so a
    // misconfigured scraper is told rather than silently given less.
    Add("GET", "/metrics", [this](Call& c) {
      if (Status s = views::CheckParams(c.params, {"name"}); !s)
        return Reply(c.res, std::unexpected(s.error()));
      bool with_tenants = false;
      if (jobs != nullptr && !c.req.Header("Authorization").empty()) {
        std::optional<lifecycle::Principal> who = Authenticate(c);
        if (!who) return;  // 401 written
        with_tenants = who->is_operator;
      }
      std::string body = metrics.Render();
      body += CapacityGauges(registry);
      const double uptime = std::chrono::duration<double>(Clock::now() - started).count();
      body += fmt::format(
          "# HELP zhisuan_uptime_seconds Seconds since the server started.\n"
          "# TYPE zhisuan_uptime_seconds gauge\nzhisuan_uptime_seconds {}\n",
          uptime);
      const http::LoopStats s = loop->stats();
      body += fmt::format(
          "# HELP zhisuan_http_connections_open Connections open now.\n"
          "# TYPE zhisuan_http_connections_open gauge\nzhisuan_http_connections_open {}\n"
          "# HELP zhisuan_http_connections_refused_total Connections refused over a connection cap.\n"
          "# TYPE zhisuan_http_connections_refused_total counter\nzhisuan_http_connections_refused_total {}\n"
          "# HELP zhisuan_http_timeouts_total Connections closed at a deadline (slow or idle clients).\n"
          "# TYPE zhisuan_http_timeouts_total counter\nzhisuan_http_timeouts_total {}\n"
          "# HELP zhisuan_http_rejected_total Requests refused before a handler (limits, rate).\n"
          "# TYPE zhisuan_http_rejected_total counter\nzhisuan_http_rejected_total {}\n"
          "# HELP zhisuan_http_event_clients Clients following /api/v1/events now.\n"
          "# TYPE zhisuan_http_event_clients gauge\nzhisuan_http_event_clients {}\n",
          s.open_connections, s.refused_connections, s.timeouts, s.rejected_requests, events->subscribers());
      if (jobs != nullptr) {
        const lifecycle::StoreHealth store = jobs->Health();
        body += fmt::format(
            "# HELP zhisuan_store_ok 1 while the store commits and passed its last integrity check.\n"
            "# TYPE zhisuan_store_ok gauge\nzhisuan_store_ok {}\n"
            "# HELP zhisuan_store_unsaved_transitions Job transitions acted on and waiting for the store.\n"
            "# TYPE zhisuan_store_unsaved_transitions gauge\nzhisuan_store_unsaved_transitions {}\n",
            store.ok ? 1 : 0, store.unsaved);
        body += jobs->MetricsText(with_tenants);
      }
      if (auto it = c.params.find("name"); it != c.params.end()) {
        Result<std::string> kept = FilterFamilies(body, it->second);
        if (!kept) return Reply(c.res, std::unexpected(kept.error()));
        body = std::move(*kept);
      }
      c.res.content_type = "text/plain; version=0.0.4";
      c.res.body = std::move(body);
    });
  }

  // One line per request: failures (4xx, 5xx) at warn and error, the rest at debug.
  void LogRequest(const http::Request* req, int status, double seconds, std::string_view route,
                  std::string_view why = {}) {
    const Log::Level level = status >= 500   ? Log::Level::kError
                             : status >= 400 ? Log::Level::kWarn
                                             : Log::Level::kDebug;
    if (!log->Enabled(level)) return;
    const std::string status_text = std::to_string(status);
    const std::string ms = fmt::format("{:.3f}", seconds * 1000);
    log->Event(level, "http", why.empty() ? std::string_view("request") : why,
               {{"request_id", req != nullptr ? std::string_view(req->id) : std::string_view("-")},
                {"method", req != nullptr ? std::string_view(req->method) : std::string_view("-")},
                {"path", req != nullptr ? std::string_view(req->path) : std::string_view("-")},
                {"route", route},
                {"status", status_text},
                {"ms", ms},
                {"remote", req != nullptr ? std::string_view(req->remote_address) : std::string_view("-")}});
  }

  // The JSON answer to a request the loop refuses (limits, timeouts, rate).
  http::Response Refusal(const http::Request* req, int status, const std::string& message) {
    http::Response res;
    res.status = status;
    const ErrorCode code = status == 500 ? ErrorCode::kInternal : ErrorCode::kInvalidArgument;
    views::Json body = views::ErrorBody({code, message});
    if (status == 429) body["error"]["code"] = "rate_limited";
    if (status == 413 || status == 431 || status == 414) body["error"]["code"] = "too_large";
    if (status == 408) body["error"]["code"] = "timeout";
    res.body = views::Dump(body);
    metrics.Observe("rejected", req != nullptr ? req->method : "-", status, 0);
    LogRequest(req, status, 0, "rejected", message);
    return res;
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Create(const Registry& registry, int schema_version,
                                                       const ServerOptions& options,
                                                       lifecycle::JobService* jobs) {
  if (options.port < 0 || options.port > 65535) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("port: must be between 0 and 65535 (got {})", options.port));
  }
  if (options.threads < 1 || options.threads > 1024) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("threads: must be between 1 and 1024 (got {})", options.threads));
  }
  if (options.max_body_bytes < 1024) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("max-body: must be at least 1024 bytes (got {})", options.max_body_bytes));
  }
  if (options.max_connections < 1) {
    return Fail(ErrorCode::kInvalidArgument, "max-connections: must be at least 1");
  }
  if (!(options.requests_per_s_per_address >= 0) || !std::isfinite(options.requests_per_s_per_address)) {
    return Fail(ErrorCode::kInvalidArgument, "rate-per-address: must be a finite number >= 0 (0: no limit)");
  }
  if (Result<std::unique_ptr<placement::Policy>> p = placement::MakePolicy(options.policy); !p) {
    return std::unexpected(p.error());
  }
  if (!placement::ParseObjective(options.objective)) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("objective: unknown objective '{}' (one of {})",
                                                         options.objective, placement::kObjectiveNames));
  }
  auto impl = std::make_unique<Impl>(registry, schema_version);
  impl->default_policy = options.policy;
  impl->default_objective = options.objective;
  if (!options.index_spec_path.empty()) {
    std::ifstream in(options.index_spec_path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in)
      return Fail(ErrorCode::kIo,
                  fmt::format("{}: cannot read the indicator system", options.index_spec_path));
    if (auto spec = index::ParseSpec(options.index_spec_path, text.str()); !spec)
      return std::unexpected(spec.error());
    impl->index_spec_text = text.str();
  }
  if (!options.index_sample_path.empty()) {
    std::ifstream in(options.index_sample_path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      return Fail(ErrorCode::kIo,
                  fmt::format("{}: cannot read the shipped indicator data", options.index_sample_path));
    }
    impl->index_sample = text.str();
  }
  // A data directory without national figures serves without them (the endpoint says so); a bad file stops.
  if (!options.national_path.empty() && std::filesystem::exists(options.national_path)) {
    auto national = accounting::LoadNationalCompute(options.national_path);
    if (!national) return std::unexpected(national.error());
    impl->national = std::move(*national);
  }
  impl->jobs = jobs;
  impl->anonymous_reads = std::make_unique<http::RateLimiter>(options.anonymous_reads_per_s);
  impl->events = std::make_unique<views::LiveEvents>(options.events_interval_s, options.max_event_clients,
                                                     options.max_event_clients_per_address);
  if (options.log) impl->log = options.log;
  if (!options.web_dir.empty()) {
    Result<views::Console> console = views::Console::Load(options.web_dir);
    if (!console) return std::unexpected(console.error());
    impl->console = std::move(*console);
  }
  impl->Routes();
  if (jobs != nullptr) {
    impl->simulations =
        std::make_unique<views::Simulations>(registry, options.traces_dir, options.scratch_dir);
    impl->SimulationRoutes();
    impl->JobRoutes();
  }
  http::LoopOptions loop;
  loop.host = options.host;
  loop.port = options.port;
  loop.workers = options.threads;
  loop.max_connections = options.max_connections;
  loop.max_connections_per_address = options.max_connections_per_address;
  loop.header_timeout_s = options.header_timeout_s;
  loop.body_timeout_s = options.body_timeout_s;
  loop.idle_timeout_s = options.idle_timeout_s;
  loop.requests_per_s_per_address = options.requests_per_s_per_address;
  loop.limits.max_body = options.max_body_bytes;
  Impl* raw = impl.get();
  Result<std::unique_ptr<http::Loop>> bound = http::Loop::Bind(
      loop, [raw](http::Request& req) { return raw->Handle(req); },
      [raw](const http::Request* req, int status, const std::string& message) {
        return raw->Refusal(req, status, message);
      });
  if (!bound) return std::unexpected(bound.error());
  impl->loop = std::move(*bound);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->loop->port(); }
void HttpServer::Run() {
  std::thread warm([this] { impl_->Warm(); });
  impl_->events->Start([this] { return impl_->LiveState(); });
  impl_->loop->Run();
  impl_->events->Stop();
  warm.join();
}
void HttpServer::Stop() { impl_->loop->Stop(); }

}  // namespace zhisuan
