#include "cli/render.h"

#include <fmt/format.h>

#include "cli/table.h"

namespace zhisuan::cli {
namespace {

using Json = views::Json;
constexpr auto kR = Table::Align::kRight;
constexpr auto kL = Table::Align::kLeft;

std::string Num(const Json& v, int decimals = 1) {
  if (v.is_null()) return "-";
  if (v.is_number_integer()) return fmt::format("{}", v.get<int64_t>());
  return fmt::format("{:.{}f}", v.get<double>(), decimals);
}

std::string Str(const Json& v) { return v.is_null() ? "-" : v.get<std::string>(); }

std::string Est(const Json& item) { return item.value("estimated", false) ? "yes" : ""; }

}  // namespace

std::string RenderCenters(const Json& j) {
  Table t({"ID", "NAME", "KIND", "PROVINCE", "HUB", "DEVICES", "FP16 PFLOPS", "FP64 PFLOPS", "PUE", "STATE"},
          {kL, kL, kL, kL, kL, kR, kR, kR, kR, kL});
  for (const Json& c : j["centers"]) {
    t.AddRow({Str(c["id"]), Str(c["name"]), Str(c["kind"]), Str(c["province"]), Str(c["hub"]),
              Num(c["devices"]), Num(c["capacity_pflops"]["fp16"]), Num(c["capacity_pflops"]["fp64"]),
              Num(c["pue"], 2), Str(c["state"])});
  }
  return t.Render() + fmt::format("{} centers\n", j["count"].get<int64_t>());
}

std::string RenderCenter(const Json& c) {
  std::string out = fmt::format("{} {} ({})\n", Str(c["id"]), Str(c["name"]), Str(c["name_en"]));
  out += fmt::format("  kind {}, {} {}, hub {}, cluster {}, state {}, backend {}\n", Str(c["kind"]),
                     Str(c["province"]), Str(c["city"]), Str(c["hub"]), Str(c["cluster"]), Str(c["state"]),
                     Str(c["backend"]));
  out += fmt::format("  PUE {:.2f}{}, green share {:.0f}%{}, tariff {:.3f} CNY/kWh, grid {:.4f} kgCO2/kWh\n",
                     c["pue"].get<double>(), c["pue_provenance"]["estimated"].get<bool>() ? " (est.)" : "",
                     100 * c["green_share"].get<double>(),
                     c["green_share_provenance"]["estimated"].get<bool>() ? " (est.)" : "",
                     c["tariff_cny_per_kwh"].get<double>(), c["grid_kg_per_kwh"].get<double>());
  const Json& cap = c["capacity_pflops"];
  out += fmt::format("  capacity PFLOPS: fp16 {:.1f}, fp32 {:.1f}, fp64 {:.1f}, fp32-equivalent {:.1f}\n",
                     cap["fp16"].get<double>(), cap["fp32"].get<double>(), cap["fp64"].get<double>(),
                     cap["fp32e"].get<double>());
  out += fmt::format("  published: {}\n  source: {}\n\n", Str(c["published_compute"]), Str(c["source"]));
  Table t({"ACCELERATOR", "DEVICES", "FREE", "CATEGORY", "FP16 PFLOPS", "kWh/DEV-H", "kgCO2/DEV-H",
           "CNY/DEV-H", "EST"},
          {kL, kR, kR, kL, kR, kR, kR, kR, kL});
  for (const Json& p : c["pools"]) {
    t.AddRow({Str(p["accelerator"]), Num(p["devices"]), Num(p["free_devices"]), Str(p["category"]),
              Num(p["capacity_pflops"]["fp16"]), Num(p["energy_kwh_per_device_hour"], 3),
              Num(p["carbon_kg_per_device_hour"], 3), Num(p["price_cny_per_device_hour"], 2), Est(p)});
  }
  return out + t.Render();
}

std::string RenderAccelerators(const Json& j) {
  Table t({"ID", "VENDOR", "CLASS", "FP16 TF", "FP32 TF", "FP64 TF", "MEM GB", "TDP W", "EST"},
          {kL, kL, kL, kR, kR, kR, kR, kR, kL});
  for (const Json& a : j["accelerators"]) {
    const Json& p = a["peak_tflops"];
    t.AddRow({Str(a["id"]), Str(a["vendor"]), Str(a["class"]), Num(p["fp16"]), Num(p["fp32"]),
              Num(p["fp64"], 2), Num(a["memory_gb"], 0), Num(a["tdp_w"], 0), Est(a)});
  }
  return t.Render();
}

std::string RenderRegions(const Json& j) {
  Table t({"ID", "NAME", "CAPITAL", "GRID", "HUB", "kgCO2/kWh", "CNY/kWh", "TOU"},
          {kL, kL, kL, kL, kL, kR, kR, kL});
  for (const Json& r : j["regions"]) {
    t.AddRow({Str(r["id"]), Str(r["name_zh"]), Str(r["capital"]), Str(r["grid"]), Str(r["hub"]),
              Num(r["carbon"]["kg_per_kwh"], 4) + (r["carbon"]["estimated"].get<bool>() ? "*" : ""),
              Num(r["tariff"]["flat_cny_per_kwh"], 2) + (r["tariff"]["estimated"].get<bool>() ? "*" : ""),
              r["tariff"]["tou"].empty() ? "" : "yes"});
  }
  return t.Render() + "* estimated (see data/regions.yaml for how)\n";
}

std::string RenderCapacity(const Json& j) {
  const std::string unit = fmt::format("{} PFLOPS", Str(j["precision"]));
  Table t({Str(j["by"]), "NAME", unit, "SHARE", "DEVICES", "UNKNOWN", "CENTERS"},
          {kL, kL, kR, kR, kR, kR, kR});
  for (const Json& g : j["groups"]) {
    t.AddRow({Str(g["key"]), Str(g["name_zh"]), Num(g["pflops"]),
              fmt::format("{:.1f}%", 100 * g["share"].get<double>()), Num(g["devices"]),
              Num(g["unknown_devices"]), Num(g["centers"])});
  }
  t.AddRule();
  const Json& total = j["total"];
  t.AddRow({"total", "", Num(total["pflops"]), "100.0%", Num(total["devices"]), Num(total["unknown_devices"]),
            Num(total["centers"])});
  std::string apart;
  for (const auto& [status, c] : j["nation_by_status"].items()) {
    if (status != Str(j["status"]) && c["pflops"].get<double>() > 0) {
      apart += fmt::format("{}{} {} PFLOPS ({} centers)", apart.empty() ? "" : ", ", status, Num(c["pflops"]),
                           Num(c["centers"]));
    }
  }
  return t.Render() +
         fmt::format("counted: pools {}{}\n",
                     Str(j["status"]) == "all" ? "of every status" : Str(j["status"]),
                     apart.empty() ? "" : "; apart: " + apart) +
         "UNKNOWN: devices without a published peak at this precision (counted as 0)\n";
}

std::string RenderSelfReliance(const Json& j) {
  const auto pct = [](const Json& x) {
    return x.is_null() ? std::string("–") : fmt::format("{:.1f}%", 100 * x.get<double>());
  };
  const auto top = [](const Json& vendors) {
    std::string out;
    for (size_t i = 0; i < vendors.size() && i < 3; ++i) {
      out += fmt::format("{}{} {:.0f}%", i ? ", " : "", Str(vendors[i]["vendor"]),
                         100 * vendors[i]["share"].get<double>());
    }
    return out;
  };
  const std::string unit = fmt::format("{} PFLOPS", Str(j["precision"]));
  Table t({Str(j["by"]), "NAME", unit, "DOMESTIC", "DOM. DEVICES", "CR5", "HHI", "LARGEST VENDORS"},
          {kL, kL, kR, kR, kR, kR, kR, kL});
  const auto add = [&](const std::string& key, const Json& g) {
    t.AddRow({key, Str(g["name_zh"]), Num(g["total"]["pflops"]), pct(g["domestic_share"]),
              pct(g["domestic_device_share"]), pct(g["cr5"]), fmt::format("{:.0f}", g["hhi"].get<double>()),
              top(g["vendors"])});
  };
  for (const Json& g : j["groups"]) add(Str(g["key"]), g);
  if (!j["nation"].is_null() && Str(j["by"]) != "nation") {
    t.AddRule();
    add("total", j["nation"]);
  }
  return t.Render() + fmt::format("counted: pools {}\n", Str(j["status"])) +
         "DOMESTIC: share of the capacity on accelerators of vendors seated in China (data/accelerators.yaml "
         "vendors); HHI: sum of squared vendor shares in percent (0-10,000)\n";
}

std::string RenderIntelligentCenters(const Json& j) {
  Table t({"CENTER", "NAME", "PROVINCE", "AI CARDS", "COUNTS"}, {kL, kL, kL, kR, kL});
  for (const Json& c : j["centers"]) {
    t.AddRow({Str(c["id"]), Str(c["name"]), Str(c["province"]), Num(c["ai_cards"]),
              c["counts"].get<bool>() ? "yes" : "no"});
  }
  return t.Render() + fmt::format(
                          "{} of {} intelligent-computing centers in service count: {} ({}), the rule "
                          "by which the seed counts {} built nationally (2023)\n",
                          Num(j["counted"]), j["centers"].size(), Str(j["rule"]), Str(j["source"]),
                          Num(j["national_count"]));
}

std::string RenderCoverage(const Json& j) {
  Table t({"CATEGORY", "IN SERVICE EFLOPS", "PLANNED EFLOPS", "NATION EFLOPS", "COVERAGE", "SOURCE"},
          {kL, kR, kR, kR, kR, kL});
  for (const Json& r : j["categories"]) {
    t.AddRow({Str(r["category"]), Num(r["in_service_eflops"], 2), Num(r["planned_eflops"], 2),
              Num(r["national_eflops"]),
              r["coverage"].is_null() ? "-" : fmt::format("{:.1f}%", 100 * r["coverage"].get<double>()),
              Str(r["source_line"])});
  }
  std::string out = t.Render() + fmt::format("{} {} at {}: {}\n{}\n", Num(j["year"]), Str(j["unit"]),
                                             Str(j["basis"]), Str(j["source"]), Str(j["method"]));
  auto pct = [](const Json& x) {
    return x.is_number() ? fmt::format("{:.1f}%", 100 * x.get<double>()) : "-";
  };
  if (j.contains("stock") && !j["stock"]["categories"].empty()) {
    Table m({"CATEGORY", "NATION EFLOPS", "SERVERS 6 YR", "TFLOPS/SERVER", "REGISTRY SERVERS",
             "REGISTRY EFLOPS", "TFLOPS/SERVER", "SERVERS", "COMPUTE", "SOURCE"},
            {kL, kR, kR, kR, kR, kR, kR, kR, kR, kL});
    for (const Json& r : j["stock"]["categories"]) {
      m.AddRow({Str(r["category"]), Num(r["national_eflops"]),
                fmt::format("{}{}", r["lower_bound"].get<bool>() ? ">" : "", Num(r["six_year_servers"], 0)),
                Num(r["implied_tflops_per_server"], 2), Num(r["registry_servers"], 0),
                Num(r["registry_eflops"], 2), Num(r["registry_tflops_per_server"], 2),
                pct(r["server_coverage"]), pct(r["compute_coverage"]), Str(r["source_line"])});
    }
    out +=
        "\nTop-down stock model against the registry (the nation's side, then the registry's; coverage of "
        "servers and of compute)\n" +
        m.Render() + Str(j["stock"]["model"]) + "\n";
  }
  if (j.contains("builders")) {
    Table b({"BUILDER", "CENTERS", "SHARE", "FP32E EFLOPS", "NATION SHARE"}, {kL, kR, kR, kR, kR});
    for (const Json& r : j["builders"]["types"]) {
      b.AddRow({Str(r["type"]), Num(r["centers"]), pct(r["share"]), Num(r["fp32e_eflops"], 2),
                pct(r["national_share"])});
    }
    out += fmt::format("\nWho built the intelligent-computing centers (nation: seed {})\n",
                       Str(j["builders"]["source_line"])) +
           b.Render();
  }
  if (j.contains("racks")) {
    Table r({"SCOPE", "REGISTRY RACK-EQUIVALENTS", "RACKS", "OCCUPANCY", "OCCUPIED", "COVERAGE"},
            {kL, kR, kR, kR, kR, kR});
    for (const Json& x : j["racks"]["scopes"]) {
      r.AddRow({Str(x["scope"]), Num(x["registry_rack_equivalents"], 0), Num(x["racks"], 0),
                pct(x["occupancy"]), Num(x["occupied_racks"], 0), pct(x["coverage"])});
    }
    out += "\nRacks (standard 2.5 kW racks)\n" + r.Render() + Str(j["racks"]["rule"]) + "\n";
    for (const Json& x : j["racks"]["published"]) {
      out += fmt::format("  {} {} {}: {} ({}, seed {})\n", Str(x["scope"]), Str(x["measure"]),
                         Str(x["as_of"]), x["measure"] == "occupancy" ? pct(x["value"]) : Num(x["value"], 0),
                         Str(x["quote"]), Str(x["source_line"]));
    }
  }
  return out;
}

std::string RenderQuote(const Json& q) {
  const Json& job = q["job"];
  std::string out = fmt::format("job {} ({}, {} devices, {}), policy {}, objective {}\n", Str(job["name"]),
                                Str(job["kind"]), Num(job["devices"]), Str(job["precision"]),
                                Str(q["policy"]), Str(q["objective"]));
  out += fmt::format("{}\n\n", Str(q["why"]));
  Table t({"#", "CENTER", "PROVINCE", "ACCELERATOR", "START H", "FINISH H", "DEV-H", "kWh", "ENERGY CNY",
           "PRICE CNY", "FEE CNY", "kgCO2", "RTT ms", "SCORE"},
          {kR, kL, kL, kL, kR, kR, kR, kR, kR, kR, kR, kR, kR, kR});
  int rank = 0;
  for (const Json& c : q["candidates"]) {
    t.AddRow({std::to_string(++rank), Str(c["center"]), Str(c["province"]), Str(c["accelerator"]),
              Num(c["start_h"], 2), Num(c["finish_h"], 2), Num(c["device_hours"], 1), Num(c["energy_kwh"], 1),
              Num(c["energy_cny"], 2), Num(c["price_cny"], 2), Num(c["transfer_fee_cny"], 2),
              Num(c["carbon_kg"], 1), Num(c["rtt_ms"], 1), Num(c["score"], 2)});
  }
  if (rank > 0) out += t.Render();
  if (!q["rejected"].empty()) {
    out += fmt::format("\nrejected ({}):\n", q["rejected"].size());
    Table r({"CENTER", "PROVINCE", "REASON"}, {kL, kL, kL});
    for (const Json& x : q["rejected"]) r.AddRow({Str(x["center"]), Str(x["province"]), Str(x["reason"])});
    out += r.Render();
  }
  return out;
}

}  // namespace zhisuan::cli
