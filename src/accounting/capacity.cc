#include "accounting/capacity.h"

#include <algorithm>
#include <map>

#include "model/enums.h"

namespace zhisuan::accounting {

Capacity& Capacity::operator+=(const Capacity& other) {
  tflops += other.tflops;
  devices += other.devices;
  unknown_devices += other.unknown_devices;
  centers += other.centers;
  return *this;
}

Capacity PoolCapacity(const Registry& registry, const Center& center, const Pool& pool, Measure measure) {
  Capacity c;
  c.devices = pool.devices;
  const Accelerator* accelerator = registry.FindAccelerator(pool.accelerator);
  const auto per_device = accelerator ? DeviceTflops(center.kind, *accelerator, measure) : std::nullopt;
  if (per_device)
    c.tflops = *per_device * static_cast<double>(pool.devices);
  else
    c.unknown_devices = pool.devices;
  return c;
}

Capacity CenterCapacity(const Registry& registry, const Center& center, Measure measure) {
  Capacity c;
  for (const Pool& pool : center.pools) c += PoolCapacity(registry, center, pool, measure);
  c.centers = 1;
  return c;
}

std::string_view Name(GroupBy g) {
  switch (g) {
    case GroupBy::kCenter:
      return "center";
    case GroupBy::kProvince:
      return "province";
    case GroupBy::kHub:
      return "hub";
    case GroupBy::kCluster:
      return "cluster";
    case GroupBy::kKind:
      return "kind";
    case GroupBy::kCategory:
      return "category";
    case GroupBy::kBuilder:
      return "builder";
    case GroupBy::kNation:
      return "nation";
  }
  return "?";
}

std::optional<GroupBy> ParseGroupBy(std::string_view s) {
  for (GroupBy g : {GroupBy::kCenter, GroupBy::kProvince, GroupBy::kHub, GroupBy::kCluster, GroupBy::kKind,
                    GroupBy::kCategory, GroupBy::kBuilder, GroupBy::kNation}) {
    if (Name(g) == s) return g;
  }
  return std::nullopt;
}

namespace {

GroupName GroupOf(const Registry& registry, const Center& center, GroupBy by) {
  switch (by) {
    case GroupBy::kCenter:
      return {center.id, center.name, center.name_en};
    case GroupBy::kProvince: {
      const Region* r = registry.FindRegion(center.province);
      return {center.province, r ? r->name_zh : "", r ? r->name_en : ""};
    }
    case GroupBy::kHub: {
      const Hub* h = center.hub ? registry.FindHub(*center.hub) : nullptr;
      if (h == nullptr) return {"none", "非枢纽", "outside the hubs"};
      return {h->id, h->name_zh, h->name_en};
    }
    case GroupBy::kCluster: {
      const Cluster* c = center.cluster ? registry.FindCluster(*center.cluster) : nullptr;
      if (c == nullptr) return {"none", "非集群", "outside the clusters"};
      return {c->id, c->name_zh, c->name_en};
    }
    case GroupBy::kKind: {
      static constexpr const char* kZh[] = {"智算中心", "超算中心", "通用数据中心", "边缘"};
      return {std::string(Name(center.kind)), kZh[static_cast<int>(center.kind)],
              std::string(Name(center.kind))};
    }
    case GroupBy::kBuilder: {
      if (!center.builder) return {"unknown", "未知", "unknown"};
      static constexpr const char* kZh[] = {"地方政府", "基础电信运营商", "互联网及云厂商", "其他"};
      static constexpr const char* kEn[] = {"local government", "telecom carrier", "internet and cloud",
                                            "other"};
      const int b = static_cast<int>(center.builder->type);
      return {std::string(zhisuan::Name(center.builder->type)), kZh[b], kEn[b]};
    }
    case GroupBy::kCategory:  // handled per pool by the caller
    case GroupBy::kNation:
      return {"china", "全国", "China"};
  }
  return {"?", "", ""};
}

}  // namespace

GroupName GroupOfPool(const Registry& registry, const Center& center, const Pool& pool, GroupBy by) {
  if (by != GroupBy::kCategory) return GroupOf(registry, center, by);
  const Accelerator* a = registry.FindAccelerator(pool.accelerator);
  if (a == nullptr) return {"?", "", ""};
  const std::string key(Name(CategoryOf(center.kind, *a)));
  static constexpr std::pair<const char*, const char*> kNames[] = {
      {"基础算力", "basic"}, {"智能算力", "intelligent"}, {"超算算力", "super"}};
  for (const auto& [zh, en] : kNames) {
    if (key == en) return {key, zh, en};
  }
  return {key, key, key};
}

bool ParseStatusFilter(std::string_view s, StatusFilter& out) {
  if (s == "all") {
    out.reset();
    return true;
  }
  const auto l = ParseLifecycle(s);
  if (l) out = *l;
  return l.has_value();
}

namespace {

// A center's capacity over the pools that `status` counts; centers = 1 when any pool counts.
Capacity CountedCapacity(const Registry& registry, const Center& center, Measure measure,
                         StatusFilter status) {
  Capacity c;
  for (const Pool& pool : center.pools) {
    if (!Counts(center, pool, status)) continue;
    c += PoolCapacity(registry, center, pool, measure);
    c.centers = 1;
  }
  return c;
}

}  // namespace

std::vector<GroupCapacity> CapacityBy(const Registry& registry, GroupBy by, Measure measure,
                                      StatusFilter status) {
  std::map<std::string, GroupCapacity> groups;
  for (const Center& center : registry.centers()) {
    if (by == GroupBy::kCategory) {
      std::map<std::string, std::pair<GroupName, Capacity>> per_category;
      for (const Pool& pool : center.pools) {
        if (registry.FindAccelerator(pool.accelerator) == nullptr || !Counts(center, pool, status)) continue;
        GroupName name = GroupOfPool(registry, center, pool, by);
        auto& [group, cap] = per_category[name.key];
        group = std::move(name);
        cap += PoolCapacity(registry, center, pool, measure);
      }
      for (auto& [key, entry] : per_category) {
        auto& [name, cap] = entry;
        GroupCapacity& g = groups[key];
        if (g.key.empty()) g = {name.key, name.zh, name.en, {}};
        cap.centers = 1;
        g.capacity += cap;
      }
      continue;
    }
    const Capacity counted = CountedCapacity(registry, center, measure, status);
    if (counted.centers == 0) continue;
    GroupName name = GroupOf(registry, center, by);
    GroupCapacity& g = groups[name.key];
    if (g.key.empty()) g = {name.key, name.zh, name.en, {}};
    g.capacity += counted;
  }
  std::vector<GroupCapacity> out;
  out.reserve(groups.size());
  for (auto& [key, g] : groups) out.push_back(std::move(g));
  std::ranges::stable_sort(out, [](const GroupCapacity& a, const GroupCapacity& b) {
    return a.capacity.tflops > b.capacity.tflops;
  });
  return out;
}

Capacity NationalCapacity(const Registry& registry, Measure measure, StatusFilter status) {
  Capacity total;
  for (const Center& center : registry.centers()) total += CountedCapacity(registry, center, measure, status);
  return total;
}

}  // namespace zhisuan::accounting
