// accounting/capacity.h — capacity totals per pool, center, province, hub, cluster, kind and nation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounting/flops.h"
#include "model/registry.h"

namespace zhisuan::accounting {

struct Capacity {
  double tflops = 0;
  int64_t devices = 0;
  // Devices whose peak under the measure is not published; they add nothing to tflops.
  int64_t unknown_devices = 0;
  int centers = 0;

  Capacity& operator+=(const Capacity& other);
};

Capacity PoolCapacity(const Registry& registry, const Center& center, const Pool& pool, Measure measure);
Capacity CenterCapacity(const Registry& registry, const Center& center, Measure measure);

enum class GroupBy { kCenter, kProvince, kHub, kCluster, kKind, kCategory, kBuilder, kNation };
std::string_view Name(GroupBy g);
std::optional<GroupBy> ParseGroupBy(std::string_view s);
inline constexpr std::string_view kGroupByNames =
    "province, hub, cluster, kind, category, builder, center, nation";

struct GroupCapacity {
  std::string key;      // "guangdong", "jing-jin-ji", "none" for centers outside any hub/cluster
  std::string name_zh;  // display names
  std::string name_en;
  Capacity capacity;
};

// Which pools a statistic counts: those of one lifecycle status (in service by default), or every pool
// (nullopt). A pool's status is its own or its center's.
using StatusFilter = std::optional<Lifecycle>;
inline constexpr StatusFilter kInService = Lifecycle::kInService;
inline bool Counts(const Center& center, const Pool& pool, StatusFilter filter) {
  return !filter || center.StatusOf(pool).value == *filter;
}
// "in_service" (default), "planned", "under_construction", "retired" or "all" into `out`; false when `s` is
// none of them.
bool ParseStatusFilter(std::string_view s, StatusFilter& out);
inline constexpr std::string_view kStatusFilterNames =
    "in_service, planned, under_construction, retired, all";

// The group a pool of `center` counts in: the center's province, hub, ... (key "none" outside every hub or
// cluster), or the pool's category (basic, intelligent, super).
struct GroupName {
  std::string key, zh, en;
};
GroupName GroupOfPool(const Registry& registry, const Center& center, const Pool& pool, GroupBy by);

// Totals per group, largest first (ties by key). Grouping by category splits centers across groups, so there
// `centers` counts each center in every category it contributes to.
std::vector<GroupCapacity> CapacityBy(const Registry& registry, GroupBy by, Measure measure,
                                      StatusFilter status = kInService);

// The national total (every center's pools of `status`).
Capacity NationalCapacity(const Registry& registry, Measure measure, StatusFilter status = kInService);

}  // namespace zhisuan::accounting
