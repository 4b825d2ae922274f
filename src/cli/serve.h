// cli/serve.h — `zhisuan serve`: runs the HTTP server until SIGTERM or SIGINT.
#pragma once

#include "model/registry.h"
#include "server/http_server.h"

namespace zhisuan::cli {

struct JobOptions {
  std::string db;             // the SQLite file or PostgreSQL URL the jobs live in (the registry's)
  std::string state_dir;      // local jobs' files; empty: beside the SQLite file, or ./zhisuan-state
  std::string advertise;      // this replica's URL for the others; empty: http://HOST:PORT
  double lease_s = 3;         // PostgreSQL: the leader's lease
  std::string backends_file;  // optional: machine-specific backend settings (lifecycle/backends.h)
  double sim_factor = 0;      // > 0 overrides the backends file's sim_factor
  // Limits of tenants an operator gave none (zhisuan tenant set overrides them per tenant).
  int64_t tenant_max_priority = 0;
  double tenant_rate = 2000;
  int64_t tenant_max_pending = 100'000;
  double integrity_interval_s = 300;  // how often the store is checked for corruption
};

// Serves `registry` and runs its jobs until a termination signal; prints the URL on stdout once listening.
// Returns the exit code.
int Serve(const Registry& registry, int schema_version, const ServerOptions& options, const JobOptions& jobs);

}  // namespace zhisuan::cli
