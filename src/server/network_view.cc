#include "server/network_view.h"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <optional>

#include "accounting/capacity.h"
#include "model/enums.h"
#include "placement/snapshot.h"

namespace zhisuan::views {
namespace {

constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 5000;

Result<int64_t> Count(const Params& params, const char* key, int64_t fallback, int64_t max) {
  const auto it = params.find(key);
  if (it == params.end()) return fallback;
  int64_t v = 0;
  const std::string& text = it->second;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0 || v > max) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{}: '{}' is not a whole number from 0 to {}", key, text.substr(0, 40), max));
  }
  return v;
}

// Sums over a set of centers: devices and live figures count centers in service; capacity in service and
// planned apart.
struct Sums {
  int64_t centers = 0, devices = 0, busy = 0, free = 0, queued = 0, draining = 0, down = 0;
  double fp16 = 0, fp32 = 0, fp32e = 0, fp64 = 0, domestic_fp16 = 0, planned_fp16 = 0,
         pue = 0;  // pue: a sum, for the mean
};

}  // namespace

NetworkView::NetworkView(const Registry& registry) : registry_(registry) {
  rows_.reserve(registry.centers().size());
  for (const zhisuan::Center& c : registry.centers()) {
    Row r{.center = &c};
    r.fp16 = accounting::CenterCapacity(registry, c, accounting::Measure::kFp16).tflops / 1000.0;
    r.fp32 = accounting::CenterCapacity(registry, c, accounting::Measure::kFp32).tflops / 1000.0;
    r.fp32e = accounting::CenterCapacity(registry, c, accounting::Measure::kFp32Equivalent).tflops / 1000.0;
    r.fp64 = accounting::CenterCapacity(registry, c, accounting::Measure::kFp64).tflops / 1000.0;
    for (const Pool& p : c.pools) {
      r.devices += p.devices;
      const Accelerator* a = registry.FindAccelerator(p.accelerator);
      if (a != nullptr && a->domestic()) {
        r.domestic_fp16 +=
            accounting::PoolCapacity(registry, c, p, accounting::Measure::kFp16).tflops / 1000.0;
      }
    }
    r.in_service = c.status.value == Lifecycle::kInService;
    rows_.push_back(r);
  }
}

std::vector<NetworkView::Live> NetworkView::Read(const placement::Snapshot& snapshot) {
  std::vector<Live> out;
  out.reserve(snapshot.centers().size());
  for (const placement::CenterInfo& info : snapshot.centers()) {
    Live l{.state = info.state};
    for (uint32_t p = info.first_pool; p < info.first_pool + info.pool_count; ++p) {
      const placement::PoolInfo& pool = snapshot.pools()[p];
      if (!pool.in_service) continue;
      l.devices += pool.devices;
      l.free += pool.free_devices;
      l.queued += pool.queued_devices;
    }
    out.push_back(l);
  }
  return out;
}

Result<Json> NetworkView::Answer(const std::vector<Live>* live, const Params& params, double now_s) const {
  if (Status s = CheckParams(params, {"province", "hub", "offset", "limit"}); !s)
    return std::unexpected(s.error());
  std::optional<std::string> province, hub;
  if (auto it = params.find("province"); it != params.end()) {
    if (registry_.FindRegion(it->second) == nullptr) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("province: unknown province '{}'", it->second.substr(0, 60)));
    }
    province = it->second;
  }
  if (auto it = params.find("hub"); it != params.end()) {
    if (it->second != "none" && registry_.FindHub(it->second) == nullptr) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("hub: unknown hub '{}' (or 'none')", it->second.substr(0, 60)));
    }
    hub = it->second;
  }
  Result<int64_t> offset = Count(params, "offset", 0, INT32_MAX);
  if (!offset) return std::unexpected(offset.error());
  Result<int64_t> limit = Count(params, "limit", kDefaultLimit, kMaxLimit);
  if (!limit) return std::unexpected(limit.error());
  // The snapshot holds the registry's centers in the registry's order.
  if (live != nullptr && live->size() != rows_.size()) live = nullptr;

  Sums totals;
  // Every hub and cluster of the registry is listed, with or without centers; "" for centers outside them.
  std::map<std::string, Sums> by_hub, by_cluster, by_kind;
  for (const Hub& h : registry_.hubs()) by_hub[h.id];
  for (const Cluster& k : registry_.clusters()) by_cluster[k.id];
  std::map<std::string, Sums> by_province;  // the whole network
  struct Marker {
    int64_t centers = 0, devices = 0, busy = 0;  // devices: a center's own when it is not in service
  };
  std::map<std::pair<std::string, std::string>, Marker> markers;  // (province, state or not_in_service)
  Json items = Json::array();
  int64_t count = 0;
  for (size_t i = 0; i < rows_.size(); ++i) {
    const Row& r = rows_[i];
    const zhisuan::Center& c = *r.center;
    CenterState state = c.state;
    int64_t devices = r.devices, free = -1, queued = -1;  // -1: not known without the live state
    if (live != nullptr) {
      const Live& l = (*live)[i];
      state = l.state;
      devices = l.devices;
      free = l.free;
      queued = l.queued;
    }
    const int64_t busy = free < 0 ? 0 : devices - free;
    auto add = [&](Sums& s) {
      ++s.centers;
      s.pue += c.pue;
      if (!r.in_service) {
        s.planned_fp16 += r.fp16;
        return;
      }
      s.devices += devices;
      s.busy += busy;
      s.free += std::max<int64_t>(free, 0);
      s.queued += std::max<int64_t>(queued, 0);
      s.fp16 += r.fp16;
      s.fp32 += r.fp32;
      s.fp32e += r.fp32e;
      s.fp64 += r.fp64;
      s.domestic_fp16 += r.domestic_fp16;
      s.draining += state == CenterState::kDraining;
      s.down += state == CenterState::kDown;
    };
    add(by_province[c.province]);
    if (province && c.province != *province) continue;
    if (hub && c.hub.value_or("none") != *hub) continue;
    add(totals);
    add(by_hub[c.hub.value_or("")]);
    add(by_cluster[c.cluster.value_or("")]);
    add(by_kind[std::string(Name(c.kind))]);
    Marker& m = markers[{c.province, r.in_service ? std::string(Name(state)) : "not_in_service"}];
    ++m.centers;
    m.devices += r.in_service ? devices : r.devices;
    m.busy += r.in_service ? busy : 0;
    if (count++ < *offset || static_cast<int64_t>(items.size()) >= *limit) continue;
    Json accelerators = Json::array();
    for (const Pool& p : c.pools) accelerators.push_back(p.accelerator);
    items.push_back({{"id", c.id},
                     {"name", c.name},
                     {"name_en", c.name_en},
                     {"kind", Name(c.kind)},
                     {"province", c.province},
                     {"hub", c.hub ? Json(*c.hub) : Json(nullptr)},
                     {"state", Name(state)},
                     {"status", {{"value", Name(c.status.value)}}},
                     {"pue", c.pue},
                     {"accelerators", std::move(accelerators)},
                     {"devices", devices},
                     {"free", free < 0 ? Json(nullptr) : Json(free)},
                     {"busy", free < 0 ? Json(nullptr) : Json(busy)},
                     {"queued", queued < 0 ? Json(nullptr) : Json(queued)},
                     {"capacity_pflops", {{"fp16", r.fp16}, {"fp32e", r.fp32e}, {"fp64", r.fp64}}},
                     {"domestic_pflops", {{"fp16", r.domestic_fp16}}}});
  }
  auto sums = [](const Sums& s) {
    return Json{{"centers", s.centers},
                {"devices", s.devices},
                {"busy", s.busy},
                {"free", s.free},
                {"queued", s.queued},
                {"draining", s.draining},
                {"down", s.down},
                {"fp16", s.fp16},
                {"fp32", s.fp32},
                {"fp32e", s.fp32e},
                {"fp64", s.fp64},
                {"domestic_fp16", s.domestic_fp16},
                {"planned_fp16", s.planned_fp16},
                {"pue_mean", s.centers > 0 ? Json(s.pue / static_cast<double>(s.centers)) : Json(nullptr)}};
  };
  // A hub's or cluster's row with its names (null: the centers outside them).
  auto named = [&](const std::map<std::string, Sums>& groups, const char* key, auto find) {
    Json rows = Json::array();
    for (const auto& [id, s] : groups) {
      Json j = sums(s);
      j[key] = id.empty() ? Json(nullptr) : Json(id);
      const auto* found = id.empty() ? nullptr : find(id);
      j["name_zh"] = found ? Json(found->name_zh) : Json(nullptr);
      j["name_en"] = found ? Json(found->name_en) : Json(nullptr);
      rows.push_back(std::move(j));
    }
    return rows;
  };
  Json hubs = named(by_hub, "hub", [&](const std::string& id) { return registry_.FindHub(id); });
  Json clusters =
      named(by_cluster, "cluster", [&](const std::string& id) { return registry_.FindCluster(id); });
  Json kinds = Json::array();
  for (const auto& [id, s] : by_kind) {
    Json j = sums(s);
    j["kind"] = id;
    kinds.push_back(std::move(j));
  }
  Json provinces = Json::array();
  for (const auto& [id, s] : by_province) {
    Json j = sums(s);
    j["province"] = id;
    provinces.push_back(std::move(j));
  }
  Json groups = Json::array();
  for (const auto& [key, s] : markers) {
    groups.push_back({{"province", key.first},
                      {"group", key.second},
                      {"centers", s.centers},
                      {"devices", s.devices},
                      {"busy", s.busy}});
  }
  return Json{
      {"at", now_s},
      {"live", live != nullptr},
      {"filter",
       {{"province", province ? Json(*province) : Json(nullptr)}, {"hub", hub ? Json(*hub) : Json(nullptr)}}},
      {"totals", sums(totals)},
      {"by_hub", std::move(hubs)},
      {"by_cluster", std::move(clusters)},
      {"by_kind", std::move(kinds)},
      {"by_province", std::move(provinces)},
      {"markers", std::move(groups)},
      {"centers", {{"count", count}, {"offset", *offset}, {"limit", *limit}, {"items", std::move(items)}}}};
}

}  // namespace zhisuan::views
