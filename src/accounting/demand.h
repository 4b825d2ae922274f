// accounting/demand.h — who demands compute and where it runs (seed 004:1295-1297: "强化算力供需对接水平"):
// finished work by the tenants' industry (GB/T 4754-2017) beside the national sector shares CAICT publishes
// (004:685-699), by the tenants' home province (the demand side) and by the hub that ran it (the supply
// side), and the flows between them — how much demand from outside the western hubs ran in one (东数西算).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/registry.h"
#include "util/error.h"

namespace zhisuan::accounting {

// kValidation naming the field unless `sector` is empty, a GB/T 4754-2017 section letter (A-T) or a section
// and its two-digit division ("I64").
Status CheckSector(std::string_view sector);
// The section's name in Chinese (GB/T 4754-2017 门类), or empty for a letter outside A-T.
std::string_view SectionName(char section);

// A sector as CAICT names it, with our mapping onto GB/T 4754 codes and the shares the seed publishes.
struct NationalSector {
  std::string id, name_zh, name_en;
  std::vector<std::string> codes;           // sections ("C") or divisions ("I63")
  std::optional<double> general_share;      // of China's general compute
  std::optional<double> intelligent_share;  // of China's intelligent compute
  std::optional<int> intelligent_place;     // its rank by intelligent compute
};

// The CAICT sector of a tenant's code: the sector whose code is the longest prefix of it; nullptr when none.
const NationalSector* SectorOf(const std::vector<NationalSector>& sectors, std::string_view code);

// What a tenant is, as an operator set it (store TenantLimits).
struct TenantProfile {
  std::string sector;         // GB/T 4754 code or empty
  std::string home_province;  // region id or empty
};

// Finished work of one tenant at one center (store UsageRow grouped by both).
struct DemandUse {
  std::string tenant, center;
  int64_t jobs = 0;
  double device_hours = 0, energy_kwh = 0, carbon_kg = 0;
  int64_t bill_fen = 0;
};

struct DemandTotals {
  int64_t jobs = 0;
  double device_hours = 0, energy_kwh = 0, carbon_kg = 0;
  int64_t bill_fen = 0;
  double share = 0;  // of all device-hours

  void Add(const DemandUse& u);
};

struct DemandReport {
  DemandTotals total;
  // Keys: the GB/T code ("" unknown); the CAICT sector id ("other", "unknown"); the home province id
  // ("unknown"); the supply hub id ("none" outside the hubs); "province>hub".
  std::map<std::string, DemandTotals> by_code, by_sector, by_province, by_hub, flows;
  // Per demand province: the part that ran in its own province, and the part that ran in a western hub.
  std::map<std::string, double> home_device_hours, west_device_hours;
  // Demand from provinces outside the western hubs (with a known home), and the part of it that ran in a
  // western hub.
  double east_device_hours = 0, east_in_west_device_hours = 0;
};

// Rows whose center the registry does not know count under hub "none" and province "unknown".
DemandReport BuildDemand(const Registry& registry, const std::map<std::string, TenantProfile>& profiles,
                         const std::vector<NationalSector>& sectors, const std::vector<DemandUse>& uses);

}  // namespace zhisuan::accounting
