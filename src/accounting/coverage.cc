#include "accounting/coverage.h"

#include <array>
#include <fstream>
#include <sstream>

#include "accounting/capacity.h"
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
    if (n.ExpectMap(
            {"year", "basis", "unit", "source", "figures", "sectors", "sectors_line", "sectors_quote"})) {
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

}  // namespace zhisuan::accounting
