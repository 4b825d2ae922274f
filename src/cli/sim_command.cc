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
  sim::RunReport report;
  report.trace_path = a.trace;
  const auto format = sim::ParseTraceFormat(a.format, a.trace);
  if (!format) return Report(format.error());
  report.trace_format = *format == sim::TraceFormat::kPhilly    ? "philly"
                        : *format == sim::TraceFormat::kAlibaba ? "alibaba"
                                                                : "jsonl";
  const auto objective = placement::ParseObjective(a.objective);
  if (!objective) {
    return Report({ErrorCode::kInvalidArgument, fmt::format("objective: unknown objective '{}' (one of {})",
                                                            a.objective, placement::kObjectiveNames)});
  }
  sim::SimOptions& o = report.options;
  o.objective.kind = *objective;
  o.objective.carbon_price_cny_per_t = base.placement().carbon_price_cny_per_t;
  std::vector<uint64_t> seeds{a.seed};
  if (!a.seeds.empty()) {
    auto parsed = sim::ParseSeeds(a.seeds);
    if (!parsed) return Report(parsed.error());
    seeds = std::move(*parsed);
  }
  o.seed = seeds.front();
  o.time_scale = a.time_scale;
  o.load_scale = a.load_scale;
  o.sample_interval_s = a.sample_h * 3600;
  if (!(a.time_scale > 0)) return Report({ErrorCode::kInvalidArgument, "time-scale: must be > 0"});
  if (!(a.load_scale > 0 && a.load_scale <= 100)) {
    return Report({ErrorCode::kInvalidArgument,
                   fmt::format("load-scale: must be > 0 and at most 100 (got {})", a.load_scale)});
  }
  if (a.sample_h < 0) return Report({ErrorCode::kInvalidArgument, "sample-h: must be >= 0"});
  for (const std::string& f : a.failures) {
    auto failure = sim::ParseFailure(f);
    if (!failure) return Report(failure.error());
    o.failures.push_back(*failure);
    report.what_if.push_back("fail " + f);
  }
  if (!a.random_failures.empty()) {
    auto parsed = sim::ParseRandomFailures(a.random_failures);
    if (!parsed) return Report(parsed.error());
    o.random_mtbf_h = parsed->first;
    o.random_mttr_h = parsed->second;
    report.what_if.push_back("random-failures " + a.random_failures);
  }
  for (const std::string& t : a.tariff_scales) report.what_if.push_back("tariff-scale " + t);
  for (const std::string& c : a.add_centers) report.what_if.push_back("add-center " + c);
  auto registry = sim::ApplyWhatIf(base, a.tariff_scales, a.add_centers);
  if (!registry) return Report(registry.error());
  const std::vector<std::string> policies = SplitList(a.policies);
  if (policies.empty()) return Report({ErrorCode::kInvalidArgument, "policy: give at least one policy"});
  for (const std::string& p : policies) {
    if (auto check = placement::MakePolicy(p); !check) return Report(check.error());
  }

  // Validate the trace once; per seed (the seed draws the provinces), the bound and every policy stream it.
  // The first seed's run is the report's; the others are replicas without time series.
  const auto trace = sim::TraceFile::Open(a.trace, *format, *registry, a.strict);
  if (!trace) return Report(trace.error());
  report.trace = (*trace)->stats();
  for (const uint64_t seed : seeds) {
    sim::SimOptions run_options = o;
    run_options.seed = seed;
    if (seed != seeds.front()) run_options.sample_interval_s = 0;
    auto bound = sim::OfflineBound(*registry, *(*trace)->Stream(seed, o.load_scale), run_options);
    if (!bound) return Report(bound.error());
    std::vector<sim::SimResult> results;
    for (const std::string& p : policies) {
      run_options.policy = p;
      auto result = sim::Simulate(*registry, *(*trace)->Stream(seed, o.load_scale), run_options);
      if (!result) return Report(result.error());
      results.push_back(std::move(*result));
    }
    // The time-indexed bound holds for schedules that finish by the horizon: the latest any policy finished.
    double horizon_h = 0, upper = std::numeric_limits<double>::infinity();
    for (const sim::SimResult& r : results) {
      horizon_h = std::max(horizon_h, r.makespan_h);
      if (r.pending_at_end == 0) upper = std::min(upper, r.tenant_cost_cny);
    }
    if (std::isfinite(upper)) {
      auto ti = sim::ComputeTimeIndexedBound(*registry, *(*trace)->Stream(seed, o.load_scale), run_options,
                                             horizon_h, upper);
      if (!ti) return Report(ti.error());
      bound->time_indexed = *ti;
    }
    if (seed == seeds.front()) {
      report.bound = *bound;
      report.results = std::move(results);
    } else {
      report.replicas.push_back({seed, *bound, std::move(results)});
    }
  }
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
