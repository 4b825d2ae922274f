// cli/client.h — the commands that talk to a running server (submit, jobs, job, cancel, logs, usage, drain)
// (cli/admin.h administers tokens, tenants and quotas on the database itself).
#pragma once

#include <string>

namespace zhisuan::cli {

struct ClientArgs {
  std::string server;      // --server URL, else $ZHISUAN_SERVER, else http://127.0.0.1:8080
  std::string token_file;  // --token-file, else $ZHISUAN_TOKEN, else ~/.config/zhisuan/token
  bool json = false;
  // Command arguments.
  std::string spec_file, idempotency_key;
  int64_t id = 0;
  std::string state, tenant, center, after, limit, by, from, to;
};

int ClientSubmit(const ClientArgs& a);
int ClientJobs(const ClientArgs& a);
int ClientJob(const ClientArgs& a);
int ClientCancel(const ClientArgs& a);
int ClientLogs(const ClientArgs& a);
int ClientUsage(const ClientArgs& a);
// Operators: demand by sector, home province and supply hub (GET /api/v1/stats/demand).
int ClientDemand(const ClientArgs& a);
int ClientDrain(const ClientArgs& a, bool drain);

}  // namespace zhisuan::cli
