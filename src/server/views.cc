#include "server/views.h"

#include <fmt/format.h>

#include <algorithm>

#include "accounting/capacity.h"
#include "accounting/classify.h"
#include "accounting/coverage.h"
#include "accounting/energy.h"
#include "accounting/self_reliance.h"
#include "model/enums.h"

namespace zhisuan::views {
namespace {

using accounting::Measure;

constexpr Measure kMeasures[] = {Measure::kFp16, Measure::kFp32, Measure::kFp64, Measure::kFp32Equivalent};

Json Optional(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }
Json Optional(const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); }

void AddProvenance(Json& j, const Provenance& p) {
  j["source"] = p.source;
  j["estimated"] = p.estimated;
  if (!p.derivation.empty()) j["derivation"] = p.derivation;
}

Json ProvenanceJson(const Provenance& p) {
  Json j = Json::object();
  AddProvenance(j, p);
  return j;
}

Json StatusJson(const LifecycleStatus& status) {
  Json j = {{"value", Name(status.value)},
            {"since", status.since.empty() ? Json(nullptr) : Json(status.since)}};
  AddProvenance(j, status.provenance);
  return j;
}

Json CapacityPflops(const Registry& registry, const zhisuan::Center& center) {
  Json j = Json::object();
  for (Measure m : kMeasures)
    j[std::string(Name(m))] = accounting::CenterCapacity(registry, center, m).tflops / 1000.0;
  return j;
}

Json CenterSummary(const Registry& registry, const zhisuan::Center& c) {
  Json j;
  j["id"] = c.id;
  j["name"] = c.name;
  j["name_en"] = c.name_en;
  j["kind"] = Name(c.kind);
  j["province"] = c.province;
  j["city"] = c.city;
  j["hub"] = Optional(c.hub);
  j["cluster"] = Optional(c.cluster);
  j["state"] = Name(c.state);
  j["status"] = StatusJson(c.status);
  j["backend"] = Name(c.backend);
  j["pue"] = c.pue;
  j["green_share"] = c.green_share;
  int64_t devices = 0;
  Json accelerators = Json::array();
  for (const Pool& p : c.pools) {
    devices += p.devices;
    accelerators.push_back(p.accelerator);
  }
  j["devices"] = devices;
  j["accelerators"] = std::move(accelerators);
  j["capacity_pflops"] = CapacityPflops(registry, c);
  Json domestic = Json::object();  // the part of capacity_pflops on domestic accelerators
  for (Measure m : kMeasures) {
    double tflops = 0;
    for (const Pool& p : c.pools) {
      const Accelerator* a = registry.FindAccelerator(p.accelerator);
      if (a != nullptr && a->domestic()) tflops += accounting::PoolCapacity(registry, c, p, m).tflops;
    }
    domestic[std::string(Name(m))] = tflops / 1000.0;
  }
  j["domestic_pflops"] = std::move(domestic);
  j["published_compute"] = c.published_compute;
  return j;
}

Result<std::string> ParamOr(const Params& params, const std::string& key, std::string fallback) {
  const auto it = params.find(key);
  if (it == params.end()) return fallback;
  if (it->second.empty()) return Fail(ErrorCode::kInvalidArgument, fmt::format("{}: must not be empty", key));
  return it->second;
}

}  // namespace

Status CheckParams(const Params& params, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : params) {
    if (std::ranges::find(allowed, key) != allowed.end()) continue;
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("unknown query parameter '{}' (allowed: {})", key, list.empty() ? "none" : list));
  }
  return {};
}

Json Health(const Registry& registry, int schema_version, double uptime_s) {
  Json j;
  j["status"] = "ok";
  j["version"] = "0.1.0";
  j["schema_version"] = schema_version;
  j["centers"] = registry.centers().size();
  j["accelerators"] = registry.accelerators().size();
  j["uptime_s"] = uptime_s;
  return j;
}

Json Accelerators(const Registry& registry) {
  Json list = Json::array();
  for (const Accelerator& a : registry.accelerators()) {
    Json j;
    j["id"] = a.id;
    j["name"] = a.name;
    j["vendor"] = a.vendor;
    j["vendor_country"] = a.vendor_country.empty() ? Json(nullptr) : Json(a.vendor_country);
    j["domestic"] = a.vendor_country.empty() ? Json(nullptr) : Json(a.domestic());
    if (!a.vendor_country.empty()) j["vendor_source"] = a.vendor_provenance.source;
    j["class"] = Name(a.device_class);
    j["peak_tflops"] = {{"fp16", Optional(accounting::PeakTflops(a, Precision::kFp16))},
                        {"fp32", Optional(accounting::PeakTflops(a, Precision::kFp32))},
                        {"fp64", Optional(accounting::PeakTflops(a, Precision::kFp64))}};
    if (a.cpu) {
      j["cpu"] = {{"chips", a.cpu->chips},
                  {"cores_per_chip", a.cpu->cores_per_chip},
                  {"frequency_ghz", a.cpu->frequency_ghz},
                  {"fp64_flops_per_cycle", a.cpu->fp64_flops_per_cycle},
                  {"fp32_flops_per_cycle", a.cpu->fp32_flops_per_cycle},
                  {"formula", "chips x FLOPs per cycle x frequency x cores"}};
    }
    j["memory_gb"] = a.memory_gb;
    j["tdp_w"] = a.tdp_w;
    AddProvenance(j, a.provenance);
    list.push_back(std::move(j));
  }
  return Json{{"accelerators", std::move(list)}};
}

Json Regions(const Registry& registry) {
  Json regions = Json::array();
  for (const Region& r : registry.regions()) {
    const Hub* hub = registry.HubOfProvince(r.id);
    Json tou = Json::array();
    for (const TouPeriod& p : r.tariff.periods) {
      tou.push_back({{"label", p.label},
                     {"start_hour", p.start_hour},
                     {"end_hour", p.end_hour},
                     {"multiplier", p.multiplier}});
    }
    Json tariff = {{"flat_cny_per_kwh", r.tariff.flat_cny_per_kwh}, {"tou", std::move(tou)}};
    AddProvenance(tariff, r.tariff.provenance);
    Json carbon = {{"kg_per_kwh", r.carbon_kg_per_kwh}};
    AddProvenance(carbon, r.carbon_provenance);
    Json j = {{"id", r.id},
              {"name_zh", r.name_zh},
              {"name_en", r.name_en},
              {"capital", r.capital},
              {"lat", r.capital_location.lat_deg},
              {"lon", r.capital_location.lon_deg},
              {"grid", r.grid},
              {"hub", hub ? Json(hub->id) : Json(nullptr)},
              {"gdp_trillion_cny", r.gdp_trillion_cny},
              {"carbon", std::move(carbon)},
              {"tariff", std::move(tariff)}};
    AddProvenance(j, r.provenance);
    regions.push_back(std::move(j));
  }
  Json hubs = Json::array();
  for (const Hub& h : registry.hubs()) {
    Json j = {{"id", h.id},
              {"name_zh", h.name_zh},
              {"name_en", h.name_en},
              {"west", h.west},
              {"provinces", h.provinces}};
    AddProvenance(j, h.provenance);
    hubs.push_back(std::move(j));
  }
  Json clusters = Json::array();
  for (const Cluster& c : registry.clusters()) {
    Json j = {{"id", c.id},
              {"name_zh", c.name_zh},
              {"name_en", c.name_en},
              {"hub", c.hub},
              {"provinces", c.provinces},
              {"cities", c.cities},
              {"pue_target", Optional(c.pue_target)}};
    AddProvenance(j, c.provenance);
    clusters.push_back(std::move(j));
  }
  const NetworkModel& n = registry.network();
  Json measured = Json::array();
  for (const MeasuredRtt& m : n.measured) {
    Json j = {{"a", m.a}, {"b", m.b}, {"rtt_ms", m.rtt_ms}};
    AddProvenance(j, m.provenance);
    measured.push_back(std::move(j));
  }
  Json network = {{"fibre_km_per_ms", n.fibre_km_per_ms},
                  {"route_factor", n.route_factor},
                  {"overhead_ms", n.overhead_ms},
                  {"intra_province_rtt_ms", n.intra_province_rtt_ms},
                  {"measured", std::move(measured)}};
  AddProvenance(network, n.provenance);
  return Json{{"regions", std::move(regions)},
              {"hubs", std::move(hubs)},
              {"clusters", std::move(clusters)},
              {"network", std::move(network)}};
}

Result<Json> Centers(const Registry& registry, const Params& params) {
  if (Status s = CheckParams(params, {"province", "hub", "cluster", "kind", "accelerator"}); !s) {
    return std::unexpected(s.error());
  }
  auto get = [&](const char* key) -> std::optional<std::string> {
    const auto it = params.find(key);
    return it == params.end() ? std::nullopt : std::optional(it->second);
  };
  const auto province = get("province");
  const auto hub = get("hub");
  const auto cluster = get("cluster");
  const auto kind_name = get("kind");
  const auto accelerator = get("accelerator");
  if (province && registry.FindRegion(*province) == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("province: unknown province '{}'", *province));
  }
  if (hub && *hub != "none" && registry.FindHub(*hub) == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("hub: unknown hub '{}' (or 'none')", *hub));
  }
  if (cluster && *cluster != "none" && registry.FindCluster(*cluster) == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("cluster: unknown cluster '{}' (or 'none')", *cluster));
  }
  std::optional<CenterKind> kind;
  if (kind_name) {
    kind = ParseCenterKind(*kind_name);
    if (!kind) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("kind: unknown kind '{}' (one of {})", *kind_name, CenterKindNames()));
    }
  }
  if (accelerator && registry.FindAccelerator(*accelerator) == nullptr) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("accelerator: unknown accelerator '{}'", *accelerator));
  }
  Json list = Json::array();
  for (const zhisuan::Center& c : registry.centers()) {
    if (province && c.province != *province) continue;
    if (hub && c.hub.value_or("none") != *hub) continue;
    if (cluster && c.cluster.value_or("none") != *cluster) continue;
    if (kind && c.kind != *kind) continue;
    if (accelerator &&
        std::ranges::none_of(c.pools, [&](const Pool& p) { return p.accelerator == *accelerator; })) {
      continue;
    }
    list.push_back(CenterSummary(registry, c));
  }
  const size_t count = list.size();
  return Json{{"count", count}, {"centers", std::move(list)}};
}

Result<Json> Center(const Registry& registry, const std::string& id) {
  const zhisuan::Center* c = registry.FindCenter(id);
  if (c == nullptr) return Fail(ErrorCode::kNotFound, fmt::format("center '{}' not found", id));
  Json j = CenterSummary(registry, *c);
  const double tariff = accounting::CenterTariffCnyPerKwh(registry, *c);
  const double grid = accounting::CenterGridFactor(registry, *c);
  j["tariff_cny_per_kwh"] = tariff;
  j["grid_kg_per_kwh"] = grid;
  j["uplink_gbps"] = c->uplink_gbps;
  j["pue_provenance"] = ProvenanceJson(c->pue_provenance);
  j["green_share_provenance"] = ProvenanceJson(c->green_provenance);
  Json pools = Json::array();
  for (const Pool& p : c->pools) {
    const Accelerator& a = *registry.FindAccelerator(p.accelerator);
    const double kwh = accounting::DeviceHourEnergyKwh(a, c->pue);
    Json peaks = Json::object();
    for (Measure m : kMeasures) {
      peaks[std::string(Name(m))] = accounting::PoolCapacity(registry, *c, p, m).tflops / 1000.0;
    }
    Json pj = {{"accelerator", p.accelerator},
               {"devices", p.devices},
               {"devices_per_node", p.devices_per_node},
               {"free_devices", p.free_devices},
               {"category", Name(accounting::CategoryOf(c->kind, a))},
               {"capacity_pflops", std::move(peaks)},
               {"energy_kwh_per_device_hour", kwh},
               {"carbon_kg_per_device_hour", accounting::CarbonKg(kwh, c->green_share, grid)},
               {"price_cny_per_device_hour", accounting::PoolPriceCnyPerDeviceHour(registry, *c, p)},
               {"price_estimated", !p.price_cny_per_device_hour.has_value()},
               {"status", StatusJson(c->StatusOf(p))}};
    AddProvenance(pj, p.provenance);
    pools.push_back(std::move(pj));
  }
  j["pools"] = std::move(pools);
  AddProvenance(j, c->provenance);
  return j;
}

namespace {

struct Grouping {
  accounting::GroupBy by;
  accounting::Measure measure;
  accounting::StatusFilter status;
};

// The by=, precision= and status= parameters of the statistics (defaults province, fp16, in_service).
Result<Grouping> ParseGrouping(const Params& params) {
  if (Status s = CheckParams(params, {"by", "precision", "status"}); !s) return std::unexpected(s.error());
  const Result<std::string> status_name = ParamOr(params, "status", "in_service");
  if (!status_name) return std::unexpected(status_name.error());
  accounting::StatusFilter status = accounting::kInService;
  if (!accounting::ParseStatusFilter(*status_name, status)) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("status: unknown status '{}' (one of {})",
                                                         *status_name, accounting::kStatusFilterNames));
  }
  const Result<std::string> by_name = ParamOr(params, "by", "province");
  if (!by_name) return std::unexpected(by_name.error());
  const Result<std::string> precision_name = ParamOr(params, "precision", "fp16");
  if (!precision_name) return std::unexpected(precision_name.error());
  const auto by = accounting::ParseGroupBy(*by_name);
  if (!by) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("by: unknown grouping '{}' (one of {})", *by_name, accounting::kGroupByNames));
  }
  const auto measure = accounting::ParseMeasure(*precision_name);
  if (!measure) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("precision: unknown precision '{}' (one of {})",
                                                         *precision_name, accounting::kMeasureNames));
  }
  return Grouping{*by, *measure, status};
}

std::string StatusName(accounting::StatusFilter status) {
  return status ? std::string(Name(*status)) : std::string("all");
}

Json CapacityJson(const accounting::Capacity& c) {
  return {{"pflops", c.tflops / 1000.0},
          {"devices", c.devices},
          {"unknown_devices", c.unknown_devices},
          {"centers", c.centers}};
}

Json SelfRelianceJson(const accounting::SelfReliance& r) {
  Json vendors = Json::array();
  for (const auto& v : r.vendors) {
    vendors.push_back({{"vendor", v.vendor},
                       {"country", v.country.empty() ? Json(nullptr) : Json(v.country)},
                       {"domestic", v.country.empty() ? Json(nullptr) : Json(v.country == "CN")},
                       {"pflops", v.capacity.tflops / 1000.0},
                       {"devices", v.capacity.devices},
                       {"share", v.share}});
  }
  return {{"key", r.key},
          {"name_zh", r.name_zh},
          {"name_en", r.name_en},
          {"total", CapacityJson(r.total)},
          {"domestic", CapacityJson(r.domestic)},
          {"unknown_origin", CapacityJson(r.unknown_origin)},
          {"domestic_share", Optional(r.domestic_share)},
          {"domestic_device_share", r.domestic_device_share},
          {"cr5", r.cr5},
          {"hhi", r.hhi},
          {"vendors", std::move(vendors)}};
}

}  // namespace

Result<Json> SelfReliance(const Registry& registry, const Params& params) {
  const auto grouping = ParseGrouping(params);
  if (!grouping) return std::unexpected(grouping.error());
  const auto [by, measure, status] = *grouping;
  Json groups = Json::array();
  for (const auto& g : accounting::SelfRelianceBy(registry, by, measure, status)) {
    groups.push_back(SelfRelianceJson(g));
  }
  const auto nation = accounting::SelfRelianceBy(registry, accounting::GroupBy::kNation, measure, status);
  return Json{
      {"by", Name(by)},
      {"precision", Name(measure)},
      {"status", StatusName(status)},
      {"unit", "PFLOPS"},
      {"domestic_rule",
       "an accelerator is domestic when its vendor is seated in China (data/accelerators.yaml vendors, "
       "each with its source)"},
      {"nation", nation.empty() ? Json(nullptr) : SelfRelianceJson(nation[0])},
      {"groups", std::move(groups)}};
}

Json IntelligentCenters(const Registry& registry) {
  Json centers = Json::array();
  int counted = 0;
  for (const auto& c : accounting::ClassifyIntelligentCenters(registry)) {
    counted += c.counts ? 1 : 0;
    centers.push_back({{"id", c.center->id},
                       {"name", c.center->name},
                       {"name_en", c.center->name_en},
                       {"province", c.center->province},
                       {"ai_cards", c.ai_cards},
                       {"counts", c.counts}});
  }
  return Json{
      {"rule", fmt::format("an intelligent-computing center counts with at least {} AI cards in service",
                           accounting::kCaictMinAiCards)},
      {"min_ai_cards", accounting::kCaictMinAiCards},
      {"source", "seed 004:545, footnote 8 to 004:506-507"},
      {"national_count", 60},
      {"counted", counted},
      {"centers", std::move(centers)}};
}

Result<Json> Capacity(const Registry& registry, const Params& params) {
  const auto grouping = ParseGrouping(params);
  if (!grouping) return std::unexpected(grouping.error());
  const auto [by, measure, status] = *grouping;
  const accounting::Capacity total = accounting::NationalCapacity(registry, measure, status);
  Json groups = Json::array();
  for (const auto& g : accounting::CapacityBy(registry, by, measure, status)) {
    Json row = CapacityJson(g.capacity);
    row["key"] = g.key;
    row["name_zh"] = g.name_zh;
    row["name_en"] = g.name_en;
    row["share"] = total.tflops > 0 ? g.capacity.tflops / total.tflops : 0.0;
    groups.push_back(std::move(row));
  }
  // The nation's capacity in each status, so that what is planned is seen apart from what is in service.
  Json by_status = Json::object();
  for (const Lifecycle l :
       {Lifecycle::kInService, Lifecycle::kBuilding, Lifecycle::kPlanned, Lifecycle::kRetired}) {
    by_status[std::string(Name(l))] = CapacityJson(accounting::NationalCapacity(registry, measure, l));
  }
  return Json{{"by", Name(by)},
              {"precision", Name(measure)},
              {"status", StatusName(status)},
              {"unit", "PFLOPS"},
              {"total", CapacityJson(total)},
              {"nation_by_status", std::move(by_status)},
              {"groups", std::move(groups)}};
}

std::string Dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

Result<Json> Coverage(const Registry& registry, const accounting::NationalCompute* nation) {
  if (nation == nullptr) {
    return std::unexpected(
        Error{ErrorCode::kNotFound,
              "no national figures are loaded (serve reads DATA/national/compute-2023.yaml)"});
  }
  Json rows = Json::array();
  for (const accounting::CoverageRow& r : accounting::Coverage(registry, *nation)) {
    rows.push_back({{"category", r.category},
                    {"in_service_eflops", r.in_service_eflops},
                    {"planned_eflops", r.planned_eflops},
                    {"national_eflops", r.national_eflops ? Json(*r.national_eflops) : Json(nullptr)},
                    {"coverage", r.coverage ? Json(*r.coverage) : Json(nullptr)},
                    {"source_line", r.figure ? Json(r.figure->line) : Json(nullptr)},
                    {"quote", r.figure ? Json(r.figure->quote) : Json(nullptr)}});
  }
  auto optional = [](const std::optional<double>& x) { return x ? Json(*x) : Json(nullptr); };
  Json builders = Json::array();
  for (const accounting::BuilderRow& b : accounting::BuilderCoverage(registry, *nation)) {
    builders.push_back({{"type", b.type},
                        {"centers", b.centers},
                        {"share", b.share},
                        {"fp32e_eflops", b.fp32e_eflops},
                        {"national_share", optional(b.national_share)}});
  }
  Json racks = Json::array();
  for (const accounting::RackRow& r : accounting::RackCoverage(registry, *nation)) {
    racks.push_back({{"scope", r.scope},
                     {"registry_rack_equivalents", r.registry_rack_equivalents},
                     {"racks", optional(r.racks)},
                     {"occupancy", optional(r.occupancy)},
                     {"occupied_racks", optional(r.occupied_racks)},
                     {"coverage", optional(r.coverage)}});
  }
  Json published = Json::array();
  for (const accounting::NationalCompute::Infrastructure& x : nation->infrastructure) {
    published.push_back({{"measure", x.measure},
                         {"scope", x.scope},
                         {"value", x.value},
                         {"as_of", x.as_of},
                         {"source_line", x.line},
                         {"quote", x.quote}});
  }
  Json stock = Json::array();
  for (const accounting::StockRow& r : accounting::StockModel(registry, *nation)) {
    stock.push_back({{"category", r.category},
                     {"national_eflops", optional(r.national_eflops)},
                     {"six_year_servers", r.six_year_servers},
                     {"lower_bound", r.lower_bound},
                     {"implied_tflops_per_server", optional(r.implied_tflops_per_server)},
                     {"modelled_eflops", optional(r.modelled_eflops)},
                     {"modelled_years", r.modelled_years},
                     {"registry_servers", r.registry_servers},
                     {"registry_eflops", r.registry_eflops},
                     {"registry_tflops_per_server", optional(r.registry_tflops_per_server)},
                     {"server_coverage", optional(r.server_coverage)},
                     {"compute_coverage", optional(r.compute_coverage)},
                     {"source_line", r.input->line},
                     {"quote", r.input->quote}});
  }
  return Json{
      {"year", nation->year},
      {"basis", nation->basis},
      {"unit", "EFLOPS"},
      {"source", nation->source},
      {"stock",
       {{"model",
         "top-down (004:246-252): stock = Σ over the last six years of servers shipped x that year's average "
         "compute; the seed gives six-year shipments, not each year's average, so the table shows the mean "
         "compute per server the national figure implies (national / six-year servers) and sums a year only "
         "when its average is given (modelled_eflops). Bottom-up: the registry's servers in service (CPU "
         "servers; accelerators 8 to a server unless the pool says 2-16 per node: an estimate) and their "
         "FP32-equivalent compute"},
        {"categories", stock}}},
      {"builders",
       {{"rule",
         "the registry's intelligent-computing centers in service by who built them (each classified from "
         "its "
         "name: an estimate; unknown where the reference does not say), by count, beside the national shares "
         "of 智算中心 projects to 2024-08 (the remaining 29.3% is not broken down)"},
        {"source_line", nation->builders_line.empty() ? Json() : Json(nation->builders_line)},
        {"quote", nation->builders_quote.empty() ? Json() : Json(nation->builders_quote)},
        {"types", builders}}},
      {"racks",
       {{"rule",
         "registry rack-equivalents = devices in service x TDP / 2.5 kW (a standard rack), the racks its "
         "devices "
         "fill at full power, without PUE: an estimate; occupied racks = published racks x occupancy "
         "(上架率); "
         "hubs: the registry's centers in the 8 hubs against the hubs' racks"},
        {"scopes", racks},
        {"published", published}}},
      {"method",
       "registry: capacity in service at FP32-equivalent (FP32 for CPUs, FP16 x 0.5 for accelerators, FP64 "
       "x 2 in supercomputing centers); planned and under construction shown apart and not counted; "
       "nation: CAICT's top-down stock, the last six years of server shipments x their average compute"},
      {"categories", std::move(rows)}};
}

Json ErrorBody(const Error& error) {
  return Json{{"error", {{"code", ErrorCodeName(error.code)}, {"message", error.message}}}};
}

}  // namespace zhisuan::views
