#include "server/live_view.h"

#include <fmt/format.h>

#include "model/enums.h"
#include "model/registry.h"

namespace zhisuan::views {
namespace {

// What the answer needs of one pool and one center, copied out of the snapshot under the scheduler's lock;
// the JSON is made after it (on 10,000 centers, building it took the lock for tens of milliseconds). Copies,
// not pointers: a follower's snapshot is replaced as it reads the leader's load.
struct PoolRow {
  std::string accelerator;
  decltype(placement::PoolInfo::status) status;
  int64_t devices, free, queued;
  double price;
};
struct CenterRow {
  std::string id;
  decltype(placement::CenterInfo::state) state;
  decltype(placement::CenterInfo::status) status;
  int64_t devices = 0, free = 0, queued = 0;
  size_t first_pool = 0, pools = 0;  // in `LiveRows::pools`
};
struct LiveRows {
  std::vector<CenterRow> centers;
  std::vector<PoolRow> pools;
};

LiveRows Read(const placement::Snapshot& s, const std::string* only, bool with_pools) {
  LiveRows out;
  out.centers.reserve(only ? 1 : s.centers().size());
  for (const placement::CenterInfo& center : s.centers()) {
    if (only != nullptr && center.id != *only) continue;
    CenterRow row{center.id, center.state, center.status};
    row.first_pool = out.pools.size();
    for (uint32_t p = center.first_pool; p < center.first_pool + center.pool_count; ++p) {
      const placement::PoolInfo& pool = s.pools()[p];
      if (with_pools) {
        out.pools.push_back({s.accelerators()[pool.accelerator].id, pool.status, pool.devices,
                             pool.in_service ? pool.free_devices : 0, pool.queued_devices,
                             pool.price_cny_per_device_hour});
      }
      if (!pool.in_service) continue;  // planned or retired devices are neither free nor busy
      row.devices += pool.devices;
      row.free += pool.free_devices;
      row.queued += pool.queued_devices;
    }
    row.pools = out.pools.size() - row.first_pool;
    out.centers.push_back(std::move(row));
  }
  return out;
}

}  // namespace

Result<Json> Live(
    const std::function<void(const std::function<void(const placement::Snapshot&)>&)>& with_live,
    const Params& params, double now_s) {
  if (Status ok = CheckParams(params, {"center", "pools"}); !ok) return std::unexpected(ok.error());
  bool with_pools = true;
  if (auto it = params.find("pools"); it != params.end()) {
    if (it->second != "true" && it->second != "false") {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("pools: '{}' is not true or false", it->second.substr(0, 40)));
    }
    with_pools = it->second == "true";
  }
  const auto only = params.find("center");
  LiveRows rows;
  with_live([&](const placement::Snapshot& s) {
    rows = Read(s, only == params.end() ? nullptr : &only->second, with_pools);
  });
  if (only != params.end() && rows.centers.empty()) {
    return Fail(ErrorCode::kNotFound, fmt::format("center '{}' not found", only->second.substr(0, 80)));
  }
  Json centers = Json::array();
  int64_t devices = 0, free = 0, queued = 0;
  for (const CenterRow& c : rows.centers) {
    Json j = {{"id", c.id},           {"state", Name(c.state)}, {"status", Name(c.status)},
              {"devices", c.devices}, {"free", c.free},         {"busy", c.devices - c.free},
              {"queued", c.queued}};
    if (with_pools) {
      Json pools = Json::array();
      for (size_t p = c.first_pool; p < c.first_pool + c.pools; ++p) {
        const PoolRow& pool = rows.pools[p];
        pools.push_back({{"accelerator", pool.accelerator},
                         {"status", Name(pool.status)},
                         {"devices", pool.devices},
                         {"free", pool.free},
                         {"queued", pool.queued},
                         {"price_cny_per_device_hour", pool.price}});
      }
      j["pools"] = std::move(pools);
    }
    centers.push_back(std::move(j));
    devices += c.devices;
    free += c.free;
    queued += c.queued;
  }
  return Json{{"at", now_s},      {"devices", devices},           {"free", free}, {"busy", devices - free},
              {"queued", queued}, {"centers", std::move(centers)}};
}

namespace {

std::string TotalsJson(int64_t devices, int64_t free, int64_t queued, int64_t draining, int64_t down) {
  return Dump(Json{{"devices", devices},
                   {"busy", devices - free},
                   {"free", free},
                   {"queued", queued},
                   {"draining", draining},
                   {"down", down}});
}

}  // namespace

std::string LiveTotals(const placement::Snapshot& s) {
  int64_t devices = 0, free = 0, queued = 0, draining = 0, down = 0;
  for (const placement::CenterInfo& center : s.centers()) {
    draining += center.state == CenterState::kDraining;
    down += center.state == CenterState::kDown;
    for (uint32_t p = center.first_pool; p < center.first_pool + center.pool_count; ++p) {
      const placement::PoolInfo& pool = s.pools()[p];
      if (!pool.in_service) continue;
      devices += pool.devices;
      free += pool.free_devices;
      queued += pool.queued_devices;
    }
  }
  return TotalsJson(devices, free, queued, draining, down);
}

std::string LiveTotals(const Registry& registry) {
  int64_t devices = 0;
  for (const zhisuan::Center& c : registry.centers()) {
    for (const zhisuan::Pool& p : c.pools) devices += p.devices;
  }
  return TotalsJson(devices, devices, 0, 0, 0);
}

}  // namespace zhisuan::views
