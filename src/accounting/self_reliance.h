// accounting/self_reliance.h — self-reliance (国产化) of compute supply: the share of capacity on domestic
// accelerators (vendors seated in China, data/accelerators.yaml `vendors`) per center, province, hub,
// cluster, kind, category or nation, and how concentrated supply is among vendors (CR5, HHI). Seed
// 004:1289-1293 asks for domestic procurement ratios; 004:590-600 reports the domestic share of China's
// servers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "accounting/capacity.h"

namespace zhisuan::accounting {

struct VendorCapacity {
  std::string vendor;
  std::string country;  // empty: not given by the data
  Capacity capacity;
  double share = 0;  // of the group's capacity under the measure (0 when the group has none)
};

struct SelfReliance {
  std::string key, name_zh, name_en;
  Capacity total;
  Capacity domestic;                    // devices of vendors seated in China
  Capacity unknown_origin;              // devices whose vendor's country the data does not give
  std::vector<VendorCapacity> vendors;  // largest capacity first (ties by name)
  // Share of the capacity under the measure on domestic devices; nullopt when the group has none under the
  // measure (e.g. FP64 of Ascend-only centers).
  std::optional<double> domestic_share;
  double domestic_device_share = 0;  // by device count, whatever the measure (0 for a group without devices)
  // Concentration among vendors by capacity: the five largest vendors' share (CR5) and the
  // Herfindahl-Hirschman index, the sum of squared percentage shares (0-10,000; the US DOJ/FTC Merger
  // Guidelines of 2023 call a market above 1,800 highly concentrated, those of 2010 above 2,500).
  double cr5 = 0;
  double hhi = 0;
};

// Per group, largest total capacity first (ties by key); GroupBy::kNation gives one row.
std::vector<SelfReliance> SelfRelianceBy(const Registry& registry, GroupBy by, Measure measure,
                                         StatusFilter status = kInService);

}  // namespace zhisuan::accounting
