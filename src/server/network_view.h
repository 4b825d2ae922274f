// server/network_view.h — the network page's first screen from the server (GET /api/v1/network): the
// registry's capacity joined with the scheduler's live state and added up by the server — totals, by hub, by
// cluster and by kind (every hub and cluster of the registry listed), by province (the map's measures), a
// province's centers by state (the map's markers past a few thousand centers) — and one page of the centers
// themselves. A console over 10,000 centers fetched 6.7 MB of /api/v1/centers and 1.1 MB of /api/v1/live to
// draw this; the answer here is a few tens of KB. Public, like the registry and /api/v1/live: no tenant's
// jobs in it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/registry.h"
#include "placement/snapshot.h"
#include "server/views.h"

namespace zhisuan::views {

class NetworkView {
 public:
  // Works out each center's static figures (capacity at each precision, its domestic part) once.
  explicit NetworkView(const Registry& registry);

  // A center's state and devices as the scheduler has them now (pools in service only).
  struct Live {
    CenterState state = CenterState::kUp;
    int64_t devices = 0, free = 0, queued = 0;
  };
  // Read from the snapshot under the scheduler's lock (a loop over the pools; the answer is made after it).
  static std::vector<Live> Read(const placement::Snapshot& snapshot);

  // Parameters: `province` (a region id), `hub` (a hub id, or "none" for centers outside the hubs) filter the
  // totals, the hubs, the markers and the centers (an unknown one is 400 naming it); `offset` (0) and `limit`
  // (100, at most 5,000) page the centers. `by_province` is always the whole network (the map's colours).
  // `live` is Read()'s, or null for a server without the job service (the registry's states, no busy or
  // queued devices).
  Result<Json> Answer(const std::vector<Live>* live, const Params& params, double now_s) const;

 private:
  struct Row {
    const zhisuan::Center* center;
    double fp16 = 0, fp32 = 0, fp32e = 0, fp64 = 0, domestic_fp16 = 0;
    int64_t devices = 0;  // every pool's, as the registry has them
    bool in_service = true;
  };
  const Registry& registry_;
  std::vector<Row> rows_;  // in the registry's order (the snapshot's too)
};

}  // namespace zhisuan::views
