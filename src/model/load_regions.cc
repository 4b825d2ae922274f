#include <fmt/format.h>

#include <algorithm>

#include "model/load_parts.h"

namespace zhisuan::load {
namespace {

bool KnownRegion(const std::vector<Region>& regions, const std::string& id) {
  return std::ranges::any_of(regions, [&](const Region& r) { return r.id == id; });
}

std::optional<Tariff> ReadTariff(const YamlField& f) {
  if (!f.ExpectMap({"flat_cny_per_kwh", "tou", "source", "estimated", "derivation"})) return std::nullopt;
  Tariff t;
  const auto flat = f.Quantity("flat_cny_per_kwh", units::Dimension::kEnergyPrice, 0.01, 10);
  t.provenance = f.ReadProvenance();
  int covered_hours = 0;
  std::vector<bool> hour_used(24, false);
  for (const YamlField& p : f.Items("tou", false)) {
    if (!p.ExpectMap({"label", "start_hour", "end_hour", "multiplier"})) continue;
    const auto label = p.String("label");
    const auto start = p.Integer("start_hour", 0, 23);
    const auto end = p.Integer("end_hour", 1, 24);
    const auto mult = p.Number("multiplier", 0.01, 10);
    if (!label || !start || !end || !mult) continue;
    if (*end <= *start) {
      p.Child("end_hour").Error(fmt::format("must be after start_hour {} (got {})", *start, *end));
      continue;
    }
    for (int64_t h = *start; h < *end; ++h) {
      if (hour_used[static_cast<size_t>(h)]) {
        p.Error(fmt::format("hour {} is already covered by another period", h));
        break;
      }
      hour_used[static_cast<size_t>(h)] = true;
      ++covered_hours;
    }
    t.periods.push_back({*label, static_cast<int>(*start), static_cast<int>(*end), *mult});
  }
  if (!t.periods.empty() && covered_hours != 24) {
    f.Child("tou").Error(fmt::format("periods must cover all 24 hours exactly (cover {})", covered_hours));
  }
  if (!flat) return std::nullopt;
  t.flat_cny_per_kwh = *flat;
  return t;
}

std::optional<Region> ReadRegion(const YamlField& f, IdSet& ids) {
  if (!f.ExpectMap({"id", "name_zh", "name_en", "capital", "lat", "lon", "grid", "gdp", "carbon", "tariff",
                    "source", "estimated", "derivation"})) {
    return std::nullopt;
  }
  Region r;
  const auto id = f.Id("id");
  if (id) ids.Claim(*id, f.Child("id"));
  r.name_zh = f.String("name_zh").value_or("");
  r.name_en = f.String("name_en").value_or("");
  r.capital = f.String("capital").value_or("");
  const auto lat = f.Number("lat", -90, 90);
  const auto lon = f.Number("lon", -180, 180);
  r.grid = f.String("grid").value_or("");
  r.provenance = f.ReadProvenance();
  const YamlField carbon = f.Child("carbon");
  std::optional<double> factor;
  if (carbon.ExpectMap({"kg_per_kwh", "source", "estimated", "derivation"})) {
    factor = carbon.Number("kg_per_kwh", 0, 2);
    r.carbon_provenance = carbon.ReadProvenance();
  }
  if (f.Has("gdp")) {
    const YamlField gdp = f.Child("gdp");
    if (gdp.ExpectMap({"trillion_cny", "source", "estimated", "derivation"})) {
      r.gdp_trillion_cny = gdp.Number("trillion_cny", 0, 1000).value_or(0);
      r.gdp_provenance = gdp.ReadProvenance();
    }
  }
  std::optional<Tariff> tariff = ReadTariff(f.Child("tariff"));
  if (!id || !lat || !lon || !factor || !tariff) return std::nullopt;
  r.id = *id;
  r.capital_location = {*lat, *lon};
  r.carbon_kg_per_kwh = *factor;
  r.tariff = std::move(*tariff);
  return r;
}

}  // namespace

std::vector<Region> Regions(const YamlField& doc) {
  std::vector<Region> out;
  if (!doc.ExpectMap({"regions"})) return out;
  IdSet ids;
  for (const YamlField& item : doc.Items("regions")) {
    if (auto r = ReadRegion(item, ids)) out.push_back(std::move(*r));
  }
  return out;
}

void HubsAndClusters(const YamlField& doc, const std::vector<Region>& regions, std::vector<Hub>& hubs,
                     std::vector<Cluster>& clusters) {
  if (!doc.ExpectMap({"hubs", "clusters"})) return;
  IdSet hub_ids;
  std::unordered_map<std::string, std::string> hub_of_province;
  for (const YamlField& f : doc.Items("hubs")) {
    if (!f.ExpectMap(
            {"id", "name_zh", "name_en", "west", "provinces", "source", "estimated", "derivation"})) {
      continue;
    }
    Hub h;
    const auto id = f.Id("id");
    if (id) hub_ids.Claim(*id, f.Child("id"));
    h.name_zh = f.String("name_zh").value_or("");
    h.name_en = f.String("name_en").value_or("");
    h.west = f.Bool("west", false);
    h.provinces = f.StringList("provinces");
    h.provenance = f.ReadProvenance();
    for (const std::string& p : h.provinces) {
      if (!KnownRegion(regions, p)) {
        f.Child("provinces").Error(fmt::format("unknown province '{}'", p));
      } else if (id) {
        const auto [it, inserted] = hub_of_province.emplace(p, *id);
        if (!inserted)
          f.Child("provinces").Error(fmt::format("province '{}' is already in hub '{}'", p, it->second));
      }
    }
    if (!id) continue;
    h.id = *id;
    hubs.push_back(std::move(h));
  }
  IdSet cluster_ids;
  for (const YamlField& f : doc.Items("clusters")) {
    if (!f.ExpectMap({"id", "name_zh", "name_en", "hub", "provinces", "cities", "pue_target", "source",
                      "estimated", "derivation"})) {
      continue;
    }
    Cluster c;
    const auto id = f.Id("id");
    if (id) cluster_ids.Claim(*id, f.Child("id"));
    c.name_zh = f.String("name_zh").value_or("");
    c.name_en = f.String("name_en").value_or("");
    const auto hub = f.Id("hub");
    c.provinces = f.StringList("provinces");
    c.cities = f.StringList("cities");
    c.pue_target = f.OptNumber("pue_target", 1.0, 3.0);
    c.provenance = f.ReadProvenance();
    const Hub* hub_ptr = nullptr;
    for (const Hub& h : hubs) {
      if (hub && h.id == *hub) hub_ptr = &h;
    }
    if (hub && hub_ptr == nullptr) f.Child("hub").Error(fmt::format("unknown hub '{}'", *hub));
    for (const std::string& p : c.provinces) {
      if (hub_ptr != nullptr && std::ranges::find(hub_ptr->provinces, p) == hub_ptr->provinces.end()) {
        f.Child("provinces").Error(fmt::format("province '{}' is not in hub '{}'", p, hub_ptr->id));
      }
    }
    if (!id || !hub) continue;
    c.id = *id;
    c.hub = *hub;
    clusters.push_back(std::move(c));
  }
}

}  // namespace zhisuan::load
