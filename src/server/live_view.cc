#include "server/live_view.h"

#include <fmt/format.h>

#include "model/enums.h"

namespace zhisuan::views {

Result<Json> Live(const placement::Snapshot& s, const Params& params, double now_s) {
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
  Json centers = Json::array();
  int64_t devices = 0, free = 0, queued = 0;
  bool found = false;
  for (const placement::CenterInfo& center : s.centers()) {
    if (only != params.end() && center.id != only->second) continue;
    found = true;
    Json pools = Json::array();
    int64_t c_devices = 0, c_free = 0, c_queued = 0;
    for (uint32_t p = center.first_pool; p < center.first_pool + center.pool_count; ++p) {
      const placement::PoolInfo& pool = s.pools()[p];
      if (with_pools) {
        pools.push_back({{"accelerator", s.accelerators()[pool.accelerator].id},
                         {"status", Name(pool.status)},
                         {"devices", pool.devices},
                         {"free", pool.in_service ? pool.free_devices : 0},
                         {"queued", pool.queued_devices},
                         {"price_cny_per_device_hour", pool.price_cny_per_device_hour}});
      }
      if (!pool.in_service) continue;  // planned or retired devices are neither free nor busy
      c_devices += pool.devices;
      c_free += pool.free_devices;
      c_queued += pool.queued_devices;
    }
    Json j = {{"id", center.id},
              {"state", Name(center.state)},
              {"status", Name(center.status)},
              {"devices", c_devices},
              {"free", c_free},
              {"busy", c_devices - c_free},
              {"queued", c_queued}};
    if (with_pools) j["pools"] = std::move(pools);
    centers.push_back(std::move(j));
    devices += c_devices;
    free += c_free;
    queued += c_queued;
  }
  if (only != params.end() && !found) {
    return Fail(ErrorCode::kNotFound, fmt::format("center '{}' not found", only->second.substr(0, 80)));
  }
  return Json{{"at", now_s},      {"devices", devices},           {"free", free}, {"busy", devices - free},
              {"queued", queued}, {"centers", std::move(centers)}};
}

}  // namespace zhisuan::views
