// cli/serve.h — `zhisuan serve`: runs the HTTP server until SIGTERM or SIGINT.
#pragma once

#include "model/registry.h"
#include "server/http_server.h"

namespace zhisuan::cli {

// Serves `registry` until a termination signal; prints the URL on stdout once listening. Returns the exit code.
int Serve(const Registry& registry, int schema_version, const ServerOptions& options);

}  // namespace zhisuan::cli
