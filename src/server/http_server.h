// server/http_server.h — the zhisuan HTTP server: the JSON API of server/api.h and /metrics on a thread pool.
#pragma once

#include <memory>
#include <string>

#include "lifecycle/service.h"
#include "model/registry.h"
#include "util/error.h"

namespace zhisuan {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;   // 0 picks a free port; port() tells which
  int threads = 32;  // httplib holds one worker per open keep-alive connection
  // The platform's placement policy and objective for quotes that name none (a request's own always wins).
  std::string policy = "lowest-cost";
  std::string objective = "cost";
  // The indicator system POST /api/v1/index/compute uses when a request brings none (empty: none).
  std::string index_spec_path = "";
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
