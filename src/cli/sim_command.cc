#include "cli/sim_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "cli/common.h"
#include "cli/table.h"
#include "sim/report.h"
#include "sim/run_scenario.h"
#include "sim/scenario.h"

namespace zhisuan::cli {
namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string EchartsPath() {
  if (const char* env = std::getenv("ZHISUAN_ECHARTS"); env != nullptr && *env != '\0') return env;
  return ZHISUAN_ECHARTS_JS;
}

}  // namespace

int RunSim(const Registry& base, const SimArgs& a) {
  sim::Scenario scenario;
  scenario.trace = a.trace;
  scenario.format = a.format;
  scenario.policies = SplitList(a.policies);
  scenario.objective = a.objective;
  scenario.seeds = {a.seed};
  if (!a.seeds.empty()) {
    auto parsed = sim::ParseSeeds(a.seeds);
    if (!parsed) return Report(parsed.error());
    scenario.seeds = std::move(*parsed);
  }
  scenario.time_scale = a.time_scale;
  scenario.load_scale = a.load_scale;
  scenario.sample_h = a.sample_h;
  scenario.failures = a.failures;
  scenario.random_failures = a.random_failures;
  scenario.add_centers = a.add_centers;
  scenario.tariff_scales = a.tariff_scales;
  scenario.strict = a.strict;
  const std::vector<uint64_t>& seeds = scenario.seeds;
  Result<sim::RunReport> run = sim::RunScenario(base, scenario);
  if (!run) return Report(run.error());
  const sim::RunReport& report = *run;
  if (!a.report_dir.empty()) {
    if (Status s = sim::WriteReport(report, a.report_dir, EchartsPath()); !s) return Report(s.error());
  }
  if (a.json) {
    fmt::print("{}\n",
               sim::ToJson(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    return 0;
  }
  fmt::print("trace {} ({}): {} rows, {} jobs, {} skipped, {} malformed\n", a.trace, report.trace_format,
             report.trace.rows, report.trace.jobs, report.trace.skipped, report.trace.malformed);
  for (const std::string& p : report.trace.problems) fmt::print("  {}\n", p);
  fmt::print("offline bound: {:.0f} CNY ({})\n", report.bound.tenant_cost_cny,
             report.bound.binding_pools == 0
                 ? "capacity does not bind: the LP optimum"
                 : fmt::format("capacity binds at {} pools: a weaker bound", report.bound.binding_pools));
  if (report.bound.time_indexed) {
    fmt::print(
        "time-indexed bound: {:.0f} CNY (schedules finishing within {:.1f} h; {} buckets, {} iterations)\n",
        report.bound.time_indexed->tenant_cost_cny, report.bound.time_indexed->horizon_h,
        report.bound.time_indexed->buckets, report.bound.time_indexed->iterations);
  }
  fmt::print("\n");
  const double ti = report.bound.time_indexed ? report.bound.time_indexed->tenant_cost_cny : 0;
  Table t({"POLICY", "DONE", "COST CNY", "/ BOUND", "/ TI BOUND", "ENERGY MWh", "CARBON t", "QUEUE h",
           "JCT p50 h", "JCT p99 h", "MOVED", "JAIN", "WEST"},
          {Table::Align::kLeft, Table::Align::kRight, Table::Align::kRight, Table::Align::kRight,
           Table::Align::kRight, Table::Align::kRight, Table::Align::kRight, Table::Align::kRight,
           Table::Align::kRight, Table::Align::kRight, Table::Align::kRight, Table::Align::kRight,
           Table::Align::kRight});
  for (const sim::SimResult& s : report.results) {
    t.AddRow(
        {s.policy, std::to_string(s.completed), fmt::format("{:.0f}", s.tenant_cost_cny),
         fmt::format("{:.4f}",
                     report.bound.tenant_cost_cny > 0 ? s.tenant_cost_cny / report.bound.tenant_cost_cny : 0),
         ti > 0 ? fmt::format("{:.4f}", s.tenant_cost_cny / ti) : "-",
         fmt::format("{:.1f}", s.energy_kwh / 1000), fmt::format("{:.1f}", s.carbon_t),
         fmt::format("{:.3f}", s.queue_delay_h.mean), fmt::format("{:.2f}", s.jct_h.p50),
         fmt::format("{:.1f}", s.jct_h.p99), std::to_string(s.moved_by_failures),
         fmt::format("{:.3f}", s.fairness_jain), fmt::format("{:.1f}%", 100 * s.west_device_hours_share)});
  }
  fmt::print("{}", t.Render());
  if (!report.replicas.empty()) {
    const std::vector<sim::SeedStats> rows = sim::SummariseSeeds(report);
    fmt::print(
        "\nacross {} seeds ({}): tenant cost / each run's bound, mean [min, max]; runs in which the policy "
        "was "
        "cheapest\n",
        seeds.size(), a.seeds);
    Table s({"POLICY", "MEAN", "MIN", "MAX", "CHEAPEST"},
            {Table::Align::kLeft, Table::Align::kRight, Table::Align::kRight, Table::Align::kRight,
             Table::Align::kRight});
    for (const sim::SeedStats& row : rows) {
      s.AddRow({row.policy, fmt::format("{:.4f}", row.ratio_mean), fmt::format("{:.4f}", row.ratio_min),
                fmt::format("{:.4f}", row.ratio_max),
                fmt::format("{} of {}", row.cheapest_in, row.ratio.size())});
    }
    fmt::print("{}", s.Render());
  }
  if (!a.report_dir.empty()) fmt::print("report written to {}/report.html\n", a.report_dir);
  return 0;
}

}  // namespace zhisuan::cli
