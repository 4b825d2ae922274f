// server/job_view.h — the JSON of the job API (shared by the HTTP server and the CLI's client commands'
// tests).
#pragma once

#include <string>

#include "lifecycle/service.h"
#include "server/views.h"

namespace zhisuan::views {

// A job as the API shows it. A running job also has `so_far`: what its run has cost up to `now_s` (seconds
// since the epoch) at the rates of its placement's estimate (the bill, when it ends, is counted from the same
// rates, with the energy at the time-of-use tariff of the hours it ran).
Json JobJson(const JobRecord& job, double now_s);
// JobJson plus the state history.
Json JobDetail(const JobRecord& job, const std::vector<JobEvent>& history, double now_s);

// GET /api/v1/jobs?state=&tenant=&center=&after=&limit=
Result<Json> ListJobs(lifecycle::JobService& jobs, const lifecycle::Principal& who, const Params& params,
                      double now_s);
// GET /api/v1/usage?by=tenant|center|accelerator&tenant=&from=&to= (seconds since the epoch or YYYY-MM-DD,
// UTC): an operator's of every tenant or of one; a tenant's of its own jobs.
Result<Json> Usage(lifecycle::JobService& jobs, const lifecycle::Principal& who, const Params& params);
// GET /api/v1/stats/demand?from=&to= (operators): finished work by the tenants' sector (beside the national
// shares `nation` carries, when loaded), home province and supply hub, and the flows between them.
Result<Json> Demand(lifecycle::JobService& jobs, const Registry& registry,
                    const accounting::NationalCompute* nation, const lifecycle::Principal& who,
                    const Params& params);

}  // namespace zhisuan::views
