// server/live_view.h — the network as the scheduler sees it now (GET /api/v1/live): every center's state and
// its devices free, busy and queued for, with its pools unless the caller asks for the summary. Public, like
// the registry: no tenant's jobs in it.
#pragma once

#include <functional>

#include "placement/snapshot.h"
#include "server/views.h"

namespace zhisuan::views {

// Parameters: `center` (one center, with its pools; 404 when unknown), `pools` (true, the default, or false:
// the centers' totals only, a tenth of the bytes for a map of the whole network). Devices count pools in
// service only. `with_live` runs its argument on the live snapshot (JobService::WithLiveSnapshot, under the
// scheduler's lock): only the figures are copied there; the JSON is made after.
// The network's totals as GET /api/v1/events carries them (devices, busy, free, queued of pools in service;
// centers draining, down), as compact JSON; of the registry alone (all free) on a server without jobs.
std::string LiveTotals(const placement::Snapshot& live);
std::string LiveTotals(const Registry& registry);

Result<Json> Live(
    const std::function<void(const std::function<void(const placement::Snapshot&)>&)>& with_live,
    const Params& params, double now_s);

}  // namespace zhisuan::views
