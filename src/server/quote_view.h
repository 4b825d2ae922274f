// server/quote_view.h — the JSON document of a placement quote (POST /api/v1/quote, `zhisuan quote`).
#pragma once

#include <string_view>

#include "model/job.h"
#include "placement/snapshot.h"
#include "server/views.h"

namespace zhisuan::views {

// Parses the job spec in `body` (YAML or JSON), places it with the policy and objective of `params` (policy,
// objective, top, explain, seed, carbon_price, energy_weight, time_value) at time `now_s`, and returns the
// decision with its breakdowns and rejection reasons. Spec errors are kValidation/kParse with field paths.
// `network_state` says which state `snapshot` is ("live": as the scheduler sees it now, busy, queued, drained
// and down centers included; "as loaded": the registry with every device free).
Result<Json> Quote(const Registry& registry, const placement::Snapshot& snapshot, std::string_view body,
                   const Params& params, double now_s, std::string_view label = "job",
                   std::string_view network_state = "as loaded");
// The same for a job already parsed (so that a caller can parse outside a lock and quote under it).
Result<Json> Quote(const Registry& registry, const placement::Snapshot& snapshot, const Job& job,
                   const Params& params, double now_s, std::string_view network_state);

}  // namespace zhisuan::views
