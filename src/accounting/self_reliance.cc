#include "accounting/self_reliance.h"

#include <algorithm>
#include <map>
#include <set>

namespace zhisuan::accounting {

std::vector<SelfReliance> SelfRelianceBy(const Registry& registry, GroupBy by, Measure measure,
                                         StatusFilter status) {
  struct Group {
    SelfReliance row;
    std::map<std::string, VendorCapacity> vendors;
    std::set<std::string> centers;  // counted once per group
  };
  std::map<std::string, Group> groups;
  for (const Center& center : registry.centers()) {
    for (const Pool& pool : center.pools) {
      const Accelerator* a = registry.FindAccelerator(pool.accelerator);
      if (a == nullptr || !Counts(center, pool, status)) continue;
      GroupName name = GroupOfPool(registry, center, pool, by);
      Group& g = groups[name.key];
      if (g.row.key.empty()) g.row.key = name.key, g.row.name_zh = name.zh, g.row.name_en = name.en;
      Capacity cap = PoolCapacity(registry, center, pool, measure);
      const bool first_pool_here = g.centers.insert(center.id).second;
      cap.centers = first_pool_here ? 1 : 0;
      g.row.total += cap;
      if (a->vendor_country.empty()) {
        g.row.unknown_origin += cap;
      } else if (a->domestic()) {
        g.row.domestic += cap;
      }
      VendorCapacity& v = g.vendors[a->vendor];
      v.vendor = a->vendor;
      v.country = a->vendor_country;
      v.capacity += cap;
    }
  }
  std::vector<SelfReliance> out;
  out.reserve(groups.size());
  for (auto& [key, g] : groups) {
    SelfReliance& row = g.row;
    const double total = row.total.tflops;
    for (auto& [name, v] : g.vendors) {
      v.share = total > 0 ? v.capacity.tflops / total : 0;
      row.vendors.push_back(std::move(v));
    }
    std::ranges::stable_sort(row.vendors, [](const VendorCapacity& a, const VendorCapacity& b) {
      return a.capacity.tflops > b.capacity.tflops;
    });
    if (total > 0) row.domestic_share = row.domestic.tflops / total;
    if (row.total.devices > 0) {
      row.domestic_device_share =
          static_cast<double>(row.domestic.devices) / static_cast<double>(row.total.devices);
    }
    for (size_t i = 0; i < row.vendors.size(); ++i) {
      if (i < 5) row.cr5 += row.vendors[i].share;
      row.hhi += 100 * row.vendors[i].share * 100 * row.vendors[i].share;
    }
    out.push_back(std::move(row));
  }
  std::ranges::stable_sort(
      out, [](const SelfReliance& a, const SelfReliance& b) { return a.total.tflops > b.total.tflops; });
  return out;
}

}  // namespace zhisuan::accounting
