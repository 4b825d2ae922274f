#include "accounting/coverage.h"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <sstream>

#include "accounting/capacity.h"
#include "model/enums.h"
#include "model/yaml_field.h"

namespace zhisuan::accounting {
namespace {

constexpr std::array<const char*, 4> kCategories = {"basic", "intelligent", "super", "total"};

bool KnownCategory(const std::string& c) {
  for (const char* k : kCategories) {
    if (c == k) return true;
  }
  return false;
}

}  // namespace

Result<NationalCompute> ParseNationalCompute(const std::string& label, const std::string& content) {
  Diagnostics diag;
  const std::optional<YAML::Node> doc = ParseYaml(label, content, diag);
  if (!doc) return std::unexpected(Error{ErrorCode::kParse, diag.Join()});
  NationalCompute out;
  const YamlField root(*doc, &label, "", &diag);
  if (root.ExpectMap({"national"})) {
    const YamlField n = root.Child("national");
    if (n.ExpectMap({"year", "basis", "unit", "source", "figures", "sectors", "sectors_line", "sectors_quote",
                     "builders", "builders_line", "builders_quote", "infrastructure", "stock"})) {
      out.year = static_cast<int>(n.Integer("year", 1990, 2100).value_or(0));
      out.basis = n.String("basis").value_or("");
      if (!out.basis.empty() && out.basis != "fp32e") {
        n.Child("basis").Error("must be fp32e (the registry is set against FP32-equivalent figures)");
      }
      if (const auto unit = n.String("unit"); unit && *unit != "EFLOPS")
        n.Child("unit").Error("must be EFLOPS");
      out.source = n.String("source").value_or("");
      for (const YamlField& f : n.Items("figures")) {
        if (!f.ExpectMap({"category", "eflops", "line", "quote"})) continue;
        NationalFigure figure;
        figure.category = f.String("category").value_or("");
        if (!figure.category.empty() && !KnownCategory(figure.category)) {
          f.Child("category").Error("must be one of basic, intelligent, super, total");
        }
        for (const NationalFigure& seen : out.figures) {
          if (!figure.category.empty() && seen.category == figure.category) {
            f.Child("category").Error("'" + figure.category + "' is given twice");
          }
        }
        figure.eflops = f.Number("eflops", 0, 1e6).value_or(0);
        figure.line = f.String("line").value_or("");
        figure.quote = f.String("quote").value_or("");
        out.figures.push_back(std::move(figure));
      }
      out.sectors_line = n.OptString("sectors_line");
      out.sectors_quote = n.OptString("sectors_quote");
      for (const YamlField& f : n.Items("sectors", false)) {
        if (!f.ExpectMap({"id", "name_zh", "name_en", "codes", "general_share", "intelligent_share",
                          "intelligent_place"}))
          continue;
        NationalSector sector;
        sector.id = f.Id("id").value_or("");
        sector.name_zh = f.String("name_zh").value_or("");
        sector.name_en = f.String("name_en").value_or("");
        sector.codes = f.StringList("codes");
        for (const std::string& code : sector.codes) {
          if (Status s = CheckSector(code); !s) f.Child("codes").Error(s.error().message.substr(8));
        }
        for (const NationalSector& seen : out.sectors) {
          if (!sector.id.empty() && seen.id == sector.id)
            f.Child("id").Error("'" + sector.id + "' is given twice");
        }
        sector.general_share = f.OptNumber("general_share", 0, 1);
        sector.intelligent_share = f.OptNumber("intelligent_share", 0, 1);
        if (const auto place = f.OptInteger("intelligent_place", 1, 100))
          sector.intelligent_place = static_cast<int>(*place);
        out.sectors.push_back(std::move(sector));
      }
      if (n.Has("builders")) {
        const YamlField b = n.Child("builders");
        if (b.ExpectMap({"government", "carrier", "cloud", "other"})) {
          double sum = 0;
          for (const char* type : {"government", "carrier", "cloud", "other"}) {
            if (const auto share = b.OptNumber(type, 0, 1)) {
              out.builders[type] = *share;
              sum += *share;
            }
          }
          if (sum > 1 + 1e-9) b.Error(fmt::format("the shares add up to {} (more than 1)", sum));
        }
        out.builders_line = n.OptString("builders_line");
        out.builders_quote = n.OptString("builders_quote");
        if (out.builders_line.empty()) n.Child("builders_line").Error("is required with builders");
      }
      for (const YamlField& f : n.Items("infrastructure", false)) {
        if (!f.ExpectMap({"measure", "scope", "value", "as_of", "line", "quote"})) continue;
        NationalCompute::Infrastructure x;
        x.measure = f.String("measure").value_or("");
        if (!x.measure.empty() && x.measure != "racks" && x.measure != "occupancy" &&
            x.measure != "investment_cny" && x.measure != "leveraged_investment_cny") {
          f.Child("measure").Error(
              "must be one of racks, occupancy, investment_cny, leveraged_investment_cny");
        }
        x.scope = f.String("scope").value_or("");
        if (!x.scope.empty() && x.scope != "nation" && x.scope != "hubs")
          f.Child("scope").Error("must be nation or hubs");
        x.value = f.Number("value", 0, x.measure == "occupancy" ? 1 : 1e15).value_or(0);
        x.as_of = f.OptString("as_of");
        x.line = f.String("line").value_or("");
        x.quote = f.String("quote").value_or("");
        out.infrastructure.push_back(std::move(x));
      }
      for (const YamlField& f : n.Items("stock", false)) {
        if (!f.ExpectMap({"category", "six_year_servers", "lower_bound", "years", "line", "quote"})) continue;
        NationalCompute::Stock x;
        x.category = f.String("category").value_or("");
        if (!x.category.empty() && x.category != "basic" && x.category != "intelligent")
          f.Child("category").Error("must be basic or intelligent (the categories counted from shipments)");
        x.six_year_servers = f.Number("six_year_servers", 1, 1e12).value_or(0);
        x.lower_bound = f.Bool("lower_bound", false);
        x.line = f.String("line").value_or("");
        x.quote = f.String("quote").value_or("");
        for (const YamlField& y : f.Items("years", false)) {
          if (!y.ExpectMap({"year", "servers", "avg_tflops"})) continue;
          x.years.push_back({static_cast<int>(y.Integer("year", 1990, 2100).value_or(0)),
                             y.Number("servers", 0, 1e12).value_or(0), y.OptNumber("avg_tflops", 0, 1e9)});
        }
        out.stock.push_back(std::move(x));
      }
      if (!out.sectors.empty() && out.sectors_line.empty())
        n.Child("sectors_line").Error("is required with sectors (where the source gives them)");
    }
  }
  if (!diag.empty()) return std::unexpected(Error{ErrorCode::kValidation, diag.Join()});
  return out;
}

Result<NationalCompute> LoadNationalCompute(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return std::unexpected(Error{ErrorCode::kIo, path + ": cannot read the national figures"});
  return ParseNationalCompute(path, text.str());
}

std::vector<CoverageRow> Coverage(const Registry& registry, const NationalCompute& nation) {
  std::vector<CoverageRow> rows;
  for (const char* category : kCategories) {
    CoverageRow r;
    r.category = category;
    rows.push_back(std::move(r));
  }
  auto row = [&](const std::string& category) -> CoverageRow& {
    for (CoverageRow& r : rows) {
      if (r.category == category) return r;
    }
    return rows.back();  // unreachable: the categories are fixed
  };
  for (const Center& center : registry.centers()) {
    for (const Pool& pool : center.pools) {
      const Capacity c = PoolCapacity(registry, center, pool, Measure::kFp32Equivalent);
      const GroupName g = GroupOfPool(registry, center, pool, GroupBy::kCategory);
      const Lifecycle status = center.StatusOf(pool).value;
      const double eflops = c.tflops / 1e6;
      if (status == Lifecycle::kInService) {
        row(g.key).in_service_eflops += eflops;
        row("total").in_service_eflops += eflops;
      } else if (status == Lifecycle::kPlanned || status == Lifecycle::kBuilding) {
        row(g.key).planned_eflops += eflops;
        row("total").planned_eflops += eflops;
      }
    }
  }
  for (const NationalFigure& f : nation.figures) {
    CoverageRow& r = row(f.category);
    r.national_eflops = f.eflops;
    r.figure = &f;
    if (f.eflops > 0) r.coverage = r.in_service_eflops / f.eflops;
  }
  return rows;
}

std::vector<BuilderRow> BuilderCoverage(const Registry& registry, const NationalCompute& nation) {
  std::vector<BuilderRow> rows;
  for (const char* type : {"government", "carrier", "cloud", "other", "unknown"}) {
    BuilderRow r;
    r.type = type;
    if (auto it = nation.builders.find(type); it != nation.builders.end()) r.national_share = it->second;
    rows.push_back(std::move(r));
  }
  int total = 0;
  for (const Center& center : registry.centers()) {
    if (center.kind != CenterKind::kIntelligent || !center.AnyInService()) continue;
    const std::string type = center.builder ? std::string(zhisuan::Name(center.builder->type)) : "unknown";
    for (BuilderRow& r : rows) {
      if (r.type != type) continue;
      ++r.centers;
      for (const Pool& pool : center.pools) {
        if (center.InService(pool))
          r.fp32e_eflops += PoolCapacity(registry, center, pool, Measure::kFp32Equivalent).tflops / 1e6;
      }
    }
    ++total;
  }
  for (BuilderRow& r : rows) r.share = total > 0 ? static_cast<double>(r.centers) / total : 0;
  return rows;
}

std::vector<RackRow> RackCoverage(const Registry& registry, const NationalCompute& nation) {
  std::vector<RackRow> rows = {{"nation", 0, {}, {}, {}, {}}, {"hubs", 0, {}, {}, {}, {}}};
  for (const Center& center : registry.centers()) {
    for (const Pool& pool : center.pools) {
      if (!center.InService(pool)) continue;
      const Accelerator* a = registry.FindAccelerator(pool.accelerator);
      if (a == nullptr) continue;
      const double racks = static_cast<double>(pool.devices) * a->tdp_w / 1000.0 / kStandardRackKw;
      rows[0].registry_rack_equivalents += racks;
      if (center.hub) rows[1].registry_rack_equivalents += racks;
    }
  }
  for (RackRow& r : rows) {
    for (const NationalCompute::Infrastructure& x : nation.infrastructure) {
      if (x.scope != r.scope) continue;
      if (x.measure == "racks") r.racks = x.value;
      if (x.measure == "occupancy") r.occupancy = x.value;
    }
    if (r.racks && r.occupancy) {
      r.occupied_racks = *r.racks * *r.occupancy;
      if (*r.occupied_racks > 0) r.coverage = r.registry_rack_equivalents / *r.occupied_racks;
    }
  }
  return rows;
}

std::vector<StockRow> StockModel(const Registry& registry, const NationalCompute& nation) {
  std::vector<StockRow> rows;
  for (const NationalCompute::Stock& in : nation.stock) {
    StockRow r;
    r.category = in.category;
    r.input = &in;
    r.six_year_servers = in.six_year_servers;
    r.lower_bound = in.lower_bound;
    for (const NationalFigure& f : nation.figures) {
      if (f.category == in.category) r.national_eflops = f.eflops;
    }
    if (r.national_eflops && in.six_year_servers > 0)
      r.implied_tflops_per_server = *r.national_eflops * 1e6 / in.six_year_servers;
    double modelled = 0;
    for (const NationalCompute::StockYear& y : in.years) {
      if (!y.avg_tflops) continue;
      modelled += y.servers * *y.avg_tflops / 1e6;
      ++r.modelled_years;
    }
    if (r.modelled_years > 0) r.modelled_eflops = modelled;
    for (const Center& center : registry.centers()) {
      for (const Pool& pool : center.pools) {
        if (!center.InService(pool)) continue;
        const Accelerator* a = registry.FindAccelerator(pool.accelerator);
        if (a == nullptr || Name(CategoryOf(center.kind, *a)) != in.category) continue;
        const bool cpu = a->device_class == DeviceClass::kCpu;
        const int per_server = cpu ? 1
                               : pool.devices_per_node >= 2 && pool.devices_per_node <= 16
                                   ? pool.devices_per_node
                                   : 8;
        r.registry_servers += static_cast<double>(pool.devices) / per_server;
        r.registry_eflops += PoolCapacity(registry, center, pool, Measure::kFp32Equivalent).tflops / 1e6;
      }
    }
    if (r.registry_servers > 0) r.registry_tflops_per_server = r.registry_eflops * 1e6 / r.registry_servers;
    if (in.six_year_servers > 0) r.server_coverage = r.registry_servers / in.six_year_servers;
    if (r.national_eflops && *r.national_eflops > 0)
      r.compute_coverage = r.registry_eflops / *r.national_eflops;
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace zhisuan::accounting
