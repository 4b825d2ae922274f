#include "sim/run_scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/scenario.h"

namespace zhisuan::sim {

Status CheckScenario(const Scenario& s) {
  if (s.policies.empty()) return Fail(ErrorCode::kInvalidArgument, "policy: give at least one policy");
  for (const std::string& p : s.policies) {
    if (auto check = placement::MakePolicy(p); !check) return std::unexpected(check.error());
  }
  if (!placement::ParseObjective(s.objective)) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("objective: unknown objective '{}' (one of {})",
                                                         s.objective, placement::kObjectiveNames));
  }
  if (s.seeds.empty()) return Fail(ErrorCode::kInvalidArgument, "seeds: give at least one seed");
  if (!(s.time_scale > 0) || !std::isfinite(s.time_scale))
    return Fail(ErrorCode::kInvalidArgument, "time-scale: must be > 0");
  if (!(s.load_scale > 0 && s.load_scale <= 100)) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("load-scale: must be > 0 and at most 100 (got {})", s.load_scale));
  }
  if (!(s.sample_h >= 0) || !std::isfinite(s.sample_h))
    return Fail(ErrorCode::kInvalidArgument, "sample-h: must be >= 0");
  for (const std::string& f : s.failures) {
    if (auto failure = ParseFailure(f); !failure) return std::unexpected(failure.error());
  }
  if (!s.random_failures.empty()) {
    if (auto parsed = ParseRandomFailures(s.random_failures); !parsed) return std::unexpected(parsed.error());
  }
  return {};
}

Result<RunReport> RunScenario(const Registry& base, const Scenario& s,
                              const std::function<void(int done, int total)>& progress,
                              const std::atomic<bool>* cancel) {
  if (Status ok = CheckScenario(s); !ok) return std::unexpected(ok.error());
  RunReport report;
  report.trace_path = s.trace;
  const auto format = ParseTraceFormat(s.format, s.trace);
  if (!format) return std::unexpected(format.error());
  report.trace_format = *format == TraceFormat::kPhilly    ? "philly"
                        : *format == TraceFormat::kAlibaba ? "alibaba"
                                                           : "jsonl";
  SimOptions& o = report.options;
  o.objective.kind = *placement::ParseObjective(s.objective);
  o.objective.carbon_price_cny_per_t = base.placement().carbon_price_cny_per_t;
  o.seed = s.seeds.front();
  o.time_scale = s.time_scale;
  o.load_scale = s.load_scale;
  o.sample_interval_s = s.sample_h * 3600;
  for (const std::string& f : s.failures) {
    o.failures.push_back(*ParseFailure(f));
    report.what_if.push_back("fail " + f);
  }
  if (!s.random_failures.empty()) {
    const auto parsed = *ParseRandomFailures(s.random_failures);
    o.random_mtbf_h = parsed.first;
    o.random_mttr_h = parsed.second;
    report.what_if.push_back("random-failures " + s.random_failures);
  }
  for (const std::string& t : s.tariff_scales) report.what_if.push_back("tariff-scale " + t);
  for (const std::string& c : s.add_centers) report.what_if.push_back("add-center " + c);
  auto registry = ApplyWhatIf(base, s.tariff_scales, s.add_centers);
  if (!registry) return std::unexpected(registry.error());

  // Validate the trace once; per seed (the seed draws the provinces), the bound and every policy stream it.
  const auto trace = TraceFile::Open(s.trace, *format, *registry, s.strict);
  if (!trace) return std::unexpected(trace.error());
  report.trace = (*trace)->stats();
  const int total = static_cast<int>(s.seeds.size() * (s.policies.size() + 2));
  int done = 0;
  auto step = [&]() -> Status {
    ++done;
    if (progress) progress(done, total);
    if (cancel != nullptr && cancel->load()) return Fail(ErrorCode::kConflict, "cancelled");
    return {};
  };
  for (const uint64_t seed : s.seeds) {
    SimOptions run_options = o;
    run_options.seed = seed;
    if (seed != s.seeds.front()) run_options.sample_interval_s = 0;
    auto bound = OfflineBound(*registry, *(*trace)->Stream(seed, o.load_scale), run_options);
    if (!bound) return std::unexpected(bound.error());
    if (Status st = step(); !st) return std::unexpected(st.error());
    std::vector<SimResult> results;
    for (const std::string& p : s.policies) {
      run_options.policy = p;
      auto result = Simulate(*registry, *(*trace)->Stream(seed, o.load_scale), run_options);
      if (!result) return std::unexpected(result.error());
      results.push_back(std::move(*result));
      if (Status st = step(); !st) return std::unexpected(st.error());
    }
    // The time-indexed bound holds for schedules that finish by the horizon: the latest any policy finished.
    double horizon_h = 0, upper = std::numeric_limits<double>::infinity();
    for (const SimResult& r : results) {
      horizon_h = std::max(horizon_h, r.makespan_h);
      if (r.pending_at_end == 0) upper = std::min(upper, r.tenant_cost_cny);
    }
    if (std::isfinite(upper)) {
      auto ti = ComputeTimeIndexedBound(*registry, *(*trace)->Stream(seed, o.load_scale), run_options,
                                        horizon_h, upper);
      if (!ti) return std::unexpected(ti.error());
      bound->time_indexed = *ti;
    }
    if (Status st = step(); !st) return std::unexpected(st.error());
    if (seed == s.seeds.front()) {
      report.bound = *bound;
      report.results = std::move(results);
    } else {
      report.replicas.push_back({seed, *bound, std::move(results)});
    }
  }
  return report;
}

}  // namespace zhisuan::sim
