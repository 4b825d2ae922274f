#include "server/http_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>

#include "accounting/capacity.h"
#include "index/spec.h"
#include "placement/policy.h"
#include "placement/snapshot.h"
#include "server/index_view.h"
#include "server/job_view.h"
#include "server/metrics.h"
#include "server/quote_view.h"
#include "server/views.h"

namespace zhisuan {
namespace {

using Clock = std::chrono::steady_clock;

// Per-request bookkeeping of the worker thread that answers it (httplib answers a request on one thread).
thread_local Clock::time_point tl_start;
thread_local std::string tl_route;

// Parameters of the URL's query string only: httplib also merges form-encoded bodies into req.params, and a
// job spec posted by `curl --data-binary` arrives form-encoded.
views::Params ParamsOf(const httplib::Request& req) {
  views::Params params;
  const size_t q = req.target.find('?');
  if (q == std::string::npos) return params;
  httplib::Params parsed;
  httplib::detail::parse_query_text(req.target.substr(q + 1), parsed);
  for (const auto& [key, value] : parsed) params[key] = value;  // the last of repeated keys wins
  return params;
}

void Reply(httplib::Response& res, const Result<views::Json>& result) {
  if (result) {
    res.status = 200;
    res.set_content(views::Dump(*result), "application/json");
  } else {
    res.status = HttpStatus(result.error().code);
    res.set_content(views::Dump(views::ErrorBody(result.error())), "application/json");
  }
}

std::string CapacityGauges(const Registry& registry) {
  std::string out =
      "# HELP zhisuan_center_capacity_pflops Peak capacity of a center in PFLOPS by precision.\n"
      "# TYPE zhisuan_center_capacity_pflops gauge\n";
  for (const Center& c : registry.centers()) {
    for (auto m : {accounting::Measure::kFp16, accounting::Measure::kFp32, accounting::Measure::kFp64,
                   accounting::Measure::kFp32Equivalent}) {
      out += fmt::format(
          "zhisuan_center_capacity_pflops{{center=\"{}\",province=\"{}\",precision=\"{}\"}} {}\n", c.id,
          c.province, accounting::Name(m), accounting::CenterCapacity(registry, c, m).tflops / 1000.0);
    }
  }
  out +=
      "# HELP zhisuan_center_devices Devices of a center (accelerators and CPU servers).\n"
      "# TYPE zhisuan_center_devices gauge\n";
  for (const Center& c : registry.centers()) {
    out += fmt::format("zhisuan_center_devices{{center=\"{}\"}} {}\n", c.id,
                       accounting::CenterCapacity(registry, c, accounting::Measure::kFp16).devices);
  }
  return out;
}

constexpr const char* kIndexHtml = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zhisuan 智算</title></head>
<body><h1>zhisuan 智算 — compute-network supervision and scheduling</h1>
<ul>
<li><a href="/api/v1/health">/api/v1/health</a></li>
<li><a href="/api/v1/accelerators">/api/v1/accelerators</a></li>
<li><a href="/api/v1/centers">/api/v1/centers</a> (province, hub, cluster, kind, accelerator)</li>
<li><a href="/api/v1/regions">/api/v1/regions</a></li>
<li><a href="/api/v1/stats/capacity?by=hub&amp;precision=fp16">/api/v1/stats/capacity?by=hub&amp;precision=fp16</a></li>
<li>POST /api/v1/quote (a job spec in YAML or JSON; policy, objective, top, explain)</li>
<li>POST /api/v1/index/compute (JSON: data_csv, and optionally spec, weights, impute, draws, seed, mc, explain)</li>
<li>POST/GET /api/v1/jobs, GET/DELETE /api/v1/jobs/{id}, GET /api/v1/jobs/{id}/logs, GET /api/v1/usage,
POST /api/v1/centers/{id}/drain and /undrain (Authorization: Bearer TOKEN)</li>
<li><a href="/metrics">/metrics</a></li>
</ul></body></html>
)html";

}  // namespace

struct HttpServer::Impl {
  const Registry& registry;
  const placement::Snapshot snapshot;  // of the registry as loaded; immutable while serving
  int schema_version;
  std::string default_policy;
  std::string default_objective;
  std::string index_spec_text;  // the default indicator system, read at start
  lifecycle::JobService* jobs = nullptr;
  socket_t listen_fd = -1;  // the listening socket, as cpp-httplib created it

  // The caller of a job route, or a 401 already written to `res`.
  std::optional<lifecycle::Principal> Authenticate(const httplib::Request& req, httplib::Response& res) {
    const std::string header = req.get_header_value("Authorization");
    std::optional<lifecycle::Principal> who;
    if (header.starts_with("Bearer ")) who = jobs->Authenticate(header.substr(7));
    if (!who) {
      Reply(res, Fail(ErrorCode::kUnauthenticated,
                      header.empty() ? "Authorization: a bearer token is required (zhisuan token create)"
                                     : "Authorization: the token is not valid"));
      res.set_header("WWW-Authenticate", "Bearer");
    }
    return who;
  }

  static Result<int64_t> JobId(const std::string& text) {
    int64_t id = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("id: '{}' is not a job id", text));
    }
    return id;
  }

  void JobRoutes() {
    auto route = [this](const char* name, auto handler) {
      return [this, name, handler](const httplib::Request& req, httplib::Response& res) {
        tl_route = name;
        std::optional<lifecycle::Principal> who = Authenticate(req, res);
        if (who) handler(*who, req, res);
      };
    };
    server.Post("/api/v1/jobs",
                route("/api/v1/jobs", [this](const lifecycle::Principal& who, const httplib::Request& req,
                                             httplib::Response& res) {
                  if (Status s = views::CheckParams(ParamsOf(req), {}); !s)
                    return Reply(res, std::unexpected(s.error()));
                  auto submitted = jobs->Submit(who, req.body, req.get_header_value("Idempotency-Key"));
                  if (!submitted) return Reply(res, std::unexpected(submitted.error()));
                  Reply(res, views::JobJson(submitted->job));
                  if (submitted->created) res.status = 201;
                }));
    server.Get("/api/v1/jobs",
               route("/api/v1/jobs", [this](const lifecycle::Principal& who, const httplib::Request& req,
                                            httplib::Response& res) {
                 Reply(res, views::ListJobs(*jobs, who, ParamsOf(req)));
               }));
    server.Get(R"(/api/v1/jobs/([^/]+))",
               route("/api/v1/jobs/{id}", [this](const lifecycle::Principal& who, const httplib::Request& req,
                                                 httplib::Response& res) {
                 Result<int64_t> id = JobId(req.matches[1].str());
                 if (!id) return Reply(res, std::unexpected(id.error()));
                 Result<JobRecord> job = jobs->Get(who, *id);
                 if (!job) return Reply(res, std::unexpected(job.error()));
                 Result<std::vector<JobEvent>> history = jobs->History(who, *id);
                 if (!history) return Reply(res, std::unexpected(history.error()));
                 Reply(res, views::JobDetail(*job, *history));
               }));
    server.Delete(
        R"(/api/v1/jobs/([^/]+))",
        route("/api/v1/jobs/{id}",
              [this](const lifecycle::Principal& who, const httplib::Request& req, httplib::Response& res) {
                Result<int64_t> id = JobId(req.matches[1].str());
                if (!id) return Reply(res, std::unexpected(id.error()));
                Result<JobRecord> job = jobs->Cancel(who, *id);
                Reply(res, job ? Result<views::Json>(views::JobJson(*job)) : std::unexpected(job.error()));
              }));
    server.Get(R"(/api/v1/jobs/([^/]+)/logs)",
               route("/api/v1/jobs/{id}/logs", [this](const lifecycle::Principal& who,
                                                      const httplib::Request& req, httplib::Response& res) {
                 Result<int64_t> id = JobId(req.matches[1].str());
                 if (!id) return Reply(res, std::unexpected(id.error()));
                 Result<std::string> logs = jobs->Logs(who, *id);
                 if (!logs) return Reply(res, std::unexpected(logs.error()));
                 res.set_content(*logs, "text/plain; charset=utf-8");
               }));
    server.Get("/api/v1/usage",
               route("/api/v1/usage", [this](const lifecycle::Principal& who, const httplib::Request& req,
                                             httplib::Response& res) {
                 Reply(res, views::Usage(*jobs, who, ParamsOf(req)));
               }));
    for (const bool drain : {true, false}) {
      server.Post(
          drain ? R"(/api/v1/centers/([^/]+)/drain)" : R"(/api/v1/centers/([^/]+)/undrain)",
          route(drain ? "/api/v1/centers/{id}/drain" : "/api/v1/centers/{id}/undrain",
                [this, drain](const lifecycle::Principal& who, const httplib::Request& req,
                              httplib::Response& res) {
                  const std::string center = req.matches[1].str();
                  if (Status s = jobs->SetDrained(who, center, drain); !s) {
                    return Reply(res, std::unexpected(s.error()));
                  }
                  Reply(res, views::Json{{"center", center}, {"state", jobs->CenterStates()[center]}});
                }));
    }
  }
  Clock::time_point started = Clock::now();
  Metrics metrics;
  httplib::Server server;
  int port = 0;

  Impl(const Registry& r, int version)
      : registry(r), snapshot(placement::Snapshot::Build(r)), schema_version(version) {}

  // Registers a GET route; `route` labels it in /metrics.
  template <typename Handler>
  void Get(const std::string& pattern, std::string route, Handler handler) {
    server.Get(pattern,
               [route = std::move(route), handler](const httplib::Request& req, httplib::Response& res) {
                 tl_route = route;
                 handler(req, res);
               });
  }

  void Routes() {
    Get("/", "/",
        [](const httplib::Request&, httplib::Response& res) { res.set_content(kIndexHtml, "text/html"); });
    Get("/api/v1/health", "/api/v1/health", [this](const httplib::Request& req, httplib::Response& res) {
      if (Status s = views::CheckParams(ParamsOf(req), {}); !s) return Reply(res, std::unexpected(s.error()));
      const double uptime = std::chrono::duration<double>(Clock::now() - started).count();
      Reply(res, views::Health(registry, schema_version, uptime));
    });
    Get("/api/v1/accelerators", "/api/v1/accelerators",
        [this](const httplib::Request& req, httplib::Response& res) {
          if (Status s = views::CheckParams(ParamsOf(req), {}); !s)
            return Reply(res, std::unexpected(s.error()));
          Reply(res, views::Accelerators(registry));
        });
    Get("/api/v1/regions", "/api/v1/regions", [this](const httplib::Request& req, httplib::Response& res) {
      if (Status s = views::CheckParams(ParamsOf(req), {}); !s) return Reply(res, std::unexpected(s.error()));
      Reply(res, views::Regions(registry));
    });
    Get("/api/v1/centers", "/api/v1/centers", [this](const httplib::Request& req, httplib::Response& res) {
      Reply(res, views::Centers(registry, ParamsOf(req)));
    });
    Get(R"(/api/v1/centers/([^/]+))", "/api/v1/centers/{id}",
        [this](const httplib::Request& req, httplib::Response& res) {
          if (Status s = views::CheckParams(ParamsOf(req), {}); !s)
            return Reply(res, std::unexpected(s.error()));
          Reply(res, views::Center(registry, req.matches[1].str()));
        });
    Get("/api/v1/stats/capacity", "/api/v1/stats/capacity",
        [this](const httplib::Request& req, httplib::Response& res) {
          Reply(res, views::Capacity(registry, ParamsOf(req)));
        });
    server.Post("/api/v1/quote", [this](const httplib::Request& req, httplib::Response& res) {
      tl_route = "/api/v1/quote";
      const double now_s =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      views::Params params = ParamsOf(req);
      params.try_emplace("policy", default_policy);
      params.try_emplace("objective", default_objective);
      Reply(res, views::Quote(registry, snapshot, req.body, params, now_s, "request body"));
    });
    server.Post("/api/v1/index/compute", [this](const httplib::Request& req, httplib::Response& res) {
      tl_route = "/api/v1/index/compute";
      if (Status s = views::CheckParams(ParamsOf(req), {}); !s) return Reply(res, std::unexpected(s.error()));
      Reply(res, views::IndexCompute(req.body, index_spec_text));
    });
    Get("/metrics", "/metrics", [this](const httplib::Request&, httplib::Response& res) {
      std::string body = metrics.Render();
      body += CapacityGauges(registry);
      const double uptime = std::chrono::duration<double>(Clock::now() - started).count();
      body += fmt::format("# TYPE zhisuan_uptime_seconds gauge\nzhisuan_uptime_seconds {}\n", uptime);
      res.set_content(body, "text/plain; version=0.0.4");
    });
  }

  void Hooks() {
    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
      tl_start = Clock::now();
      tl_route = "unmatched";
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      const ErrorCode code = res.status == 404 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument;
      const std::string message = res.status == 404
                                      ? fmt::format("no route for {} {}", req.method, req.path)
                                      : fmt::format("request rejected with HTTP {}", res.status);
      res.set_content(views::Dump(views::ErrorBody({code, message})), "application/json");
    });
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      res.status = 500;
      res.set_content(views::Dump(views::ErrorBody({ErrorCode::kInternal, what})), "application/json");
    });
    // Recorded before the response is written (the logger runs after), so a client that has its answer sees
    // it counted.
    server.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      const double seconds = std::chrono::duration<double>(Clock::now() - tl_start).count();
      metrics.Observe(tl_route, req.method, res.status, seconds);
    });
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
  const int threads = options.threads;
  impl->server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // httplib's default also sets SO_REUSEPORT, which lets a second server bind a port already in use.
  // TCP_NODELAY (inherited by accepted sockets) avoids the 40 ms Nagle/delayed-ACK stall on small answers.
  impl->server.set_socket_options([raw = impl.get()](socket_t sock) {
    raw->listen_fd = sock;
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  });
  impl->server.set_payload_max_length(
      8 << 20);  // a job spec is a few hundred bytes, index data a few MB at most
  impl->jobs = jobs;
  impl->Routes();
  if (jobs != nullptr) impl->JobRoutes();
  impl->Hooks();
  if (options.port == 0) {
    impl->port = impl->server.bind_to_any_port(options.host);
  } else {
    impl->port = impl->server.bind_to_port(options.host, options.port) ? options.port : -1;
  }
  if (impl->port <= 0) {
    return Fail(ErrorCode::kIo, fmt::format("cannot listen on {}:{} (address in use or not permitted)",
                                            options.host, options.port));
  }
  // cpp-httplib 0.11 listens with a backlog of 5: a burst of new connections overflows it, the kernel drops
  // their SYNs and the clients retransmit a second later (the submission benchmark's 0.2-0.8 s p99 tail).
  // Listening again on the bound socket raises the backlog.
  if (impl->listen_fd >= 0) ::listen(impl->listen_fd, 4096);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port; }
void HttpServer::Run() { impl_->server.listen_after_bind(); }
void HttpServer::Stop() { impl_->server.stop(); }

}  // namespace zhisuan
