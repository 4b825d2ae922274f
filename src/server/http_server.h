// server/http_server.h — the zhisuan HTTP server: the JSON API and /metrics, routed over the event loop of
// server/http_loop.h (bounded connections, deadlines and sizes for every request).
#pragma once

#include <memory>
#include <string>

#include "lifecycle/service.h"
#include "model/registry.h"
#include "util/error.h"
#include "util/log.h"

namespace zhisuan {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                            // 0 picks a free port; port() tells which
  int threads = 32;                           // workers that run handlers; open connections cost none
  size_t max_body_bytes = 8 << 20;            // larger bodies are answered 413 before they are read
  size_t max_connections = 4096;              // in all; more are answered 503
  size_t max_connections_per_address = 1024;  // from one peer address; more are answered 503
  double header_timeout_s = 10;               // a request's headers must arrive within this (408)
  double body_timeout_s = 60;                 // and its body within this after them (408)
  double idle_timeout_s = 60;                 // an idle keep-alive connection is closed after this
  double requests_per_s_per_address = 0;      // 429 past this rate from one address; 0: no limit
  std::shared_ptr<Log> log = nullptr;         // request logs (null: none)
  // The platform's placement policy and objective for quotes that name none (a request's own always wins).
  std::string policy = "lowest-cost";
  std::string objective = "cost";
  // The indicator system POST /api/v1/index/compute uses when a request brings none (empty: none).
  std::string index_spec_path = "";
  // The shipped indicator data GET /api/v1/index/sample answers with (the console's index page; empty: none).
  std::string index_sample_path = "";
  // The national compute figures GET /api/v1/stats/coverage sets the registry against (empty or absent:
  // none; a malformed file is an error).
  std::string national_path = "";
  // The shipped traces POST /api/v1/simulations runs by name (data/traces/; empty or absent: none), and where
  // uploaded traces wait while they run (empty: the system's temporary directory).
  std::string traces_dir = "";
  std::string scratch_dir = "";
  // The console's files (web/: console/ and node_modules/); empty: `/` lists the API instead.
  std::string web_dir = "";
  // GET /api/v1/events: how often the live state is read (an event when it has changed), how many clients
  // may listen at once (503 past it), and how many of them from one address (429 past it).
  double events_interval_s = 1;
  size_t max_event_clients = 256;
  size_t max_event_clients_per_address = 8;
  // POST /api/v1/quote and GET /api/v1/live without a token, on the live network: requests a second from one
  // address to each (429 past them; 0: no limit). They are made under the scheduler's lock, and an explained
  // quote on 10,000 centers costs ~10 ms of CPU; a token is not limited.
  double anonymous_reads_per_s = 20;
};

class HttpServer {
 public:
  // Binds the listening socket. `registry` must outlive the server and is read-only while it runs.
  // `jobs` (optional) serves the job API under /api/v1/jobs, /api/v1/usage and the drain routes; it must
  // outlive the server.
  static Result<std::unique_ptr<HttpServer>> Create(const Registry& registry, int schema_version,
                                                    const ServerOptions& options,
                                                    lifecycle::JobService* jobs = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // Serves until Stop() is called (from any thread); returns once the listener is closed.
  void Run();
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zhisuan
