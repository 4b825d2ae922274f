#include "accounting/demand.h"

#include <fmt/format.h>

#include <array>
#include <functional>
#include <set>

namespace zhisuan::accounting {
namespace {

// GB/T 4754-2017《国民经济行业分类》, its 20 sections (门类).
constexpr std::array<std::string_view, 20> kSections = {
    "农、林、牧、渔业",
    "采矿业",
    "制造业",
    "电力、热力、燃气及水生产和供应业",
    "建筑业",
    "批发和零售业",
    "交通运输、仓储和邮政业",
    "住宿和餐饮业",
    "信息传输、软件和信息技术服务业",
    "金融业",
    "房地产业",
    "租赁和商务服务业",
    "科学研究和技术服务业",
    "水利、环境和公共设施管理业",
    "居民服务、修理和其他服务业",
    "教育",
    "卫生和社会工作",
    "文化、体育和娱乐业",
    "公共管理、社会保障和社会组织",
    "国际组织",
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Status CheckSector(std::string_view sector) {
  if (sector.empty()) return {};
  const bool ok = (sector.size() == 1 || (sector.size() == 3 && IsDigit(sector[1]) && IsDigit(sector[2]))) &&
                  !SectionName(sector[0]).empty();
  if (ok) return {};
  return Fail(
      ErrorCode::kValidation,
      fmt::format("sector: '{}' is not a GB/T 4754-2017 section (A-T) or a section and its two-digit "
                  "division (e.g. I64)",
                  sector.size() > 40 ? std::string(sector.substr(0, 40)) + "..." : std::string(sector)));
}

std::string_view SectionName(char section) {
  if (section < 'A' || section > 'T') return {};
  return kSections[static_cast<size_t>(section - 'A')];
}

const NationalSector* SectorOf(const std::vector<NationalSector>& sectors, std::string_view code) {
  const NationalSector* best = nullptr;
  size_t longest = 0;
  for (const NationalSector& s : sectors) {
    for (const std::string& c : s.codes) {
      if (c.size() > longest && code.starts_with(c)) {
        best = &s;
        longest = c.size();
      }
    }
  }
  return best;
}

void DemandTotals::Add(const DemandUse& u) {
  jobs += u.jobs;
  device_hours += u.device_hours;
  energy_kwh += u.energy_kwh;
  carbon_kg += u.carbon_kg;
  bill_fen += u.bill_fen;
}

DemandReport BuildDemand(const Registry& registry, const std::map<std::string, TenantProfile>& profiles,
                         const std::vector<NationalSector>& sectors, const std::vector<DemandUse>& uses) {
  DemandReport out;
  std::set<std::string, std::less<>> west_provinces;  // the provinces of the western hubs
  for (const Hub& h : registry.hubs()) {
    if (h.west) west_provinces.insert(h.provinces.begin(), h.provinces.end());
  }
  for (const DemandUse& u : uses) {
    const auto p = profiles.find(u.tenant);
    const std::string code = p != profiles.end() ? p->second.sector : "";
    const std::string home =
        p != profiles.end() && !p->second.home_province.empty() ? p->second.home_province : "unknown";
    const NationalSector* sector = SectorOf(sectors, code);
    const Center* center = registry.FindCenter(u.center);
    const Hub* hub = center != nullptr && center->hub ? registry.FindHub(*center->hub) : nullptr;
    const std::string hub_id = hub != nullptr ? hub->id : "none";
    out.total.Add(u);
    out.by_code[code].Add(u);
    out.by_sector[sector != nullptr ? sector->id : code.empty() ? "unknown" : "other"].Add(u);
    out.by_province[home].Add(u);
    out.by_hub[hub_id].Add(u);
    out.flows[home + ">" + hub_id].Add(u);
    if (center != nullptr && center->province == home) out.home_device_hours[home] += u.device_hours;
    if (hub != nullptr && hub->west) out.west_device_hours[home] += u.device_hours;
    // Demand from outside the western hubs' provinces: how much of it went west.
    if (registry.FindRegion(home) != nullptr && !west_provinces.contains(home)) {
      out.east_device_hours += u.device_hours;
      if (hub != nullptr && hub->west) out.east_in_west_device_hours += u.device_hours;
    }
  }
  for (auto* groups : {&out.by_code, &out.by_sector, &out.by_province, &out.by_hub, &out.flows}) {
    for (auto& [key, t] : *groups)
      t.share = out.total.device_hours > 0 ? t.device_hours / out.total.device_hours : 0;
  }
  out.total.share = out.total.device_hours > 0 ? 1 : 0;
  return out;
}

}  // namespace zhisuan::accounting
