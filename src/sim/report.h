// sim/report.h — simulation results as JSON (byte-identical for identical inputs and seeds), CSV tables and a
// self-contained HTML report with ECharts inlined (no network needed to view it).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/bound.h"

namespace zhisuan::sim {

// The scenario run again under another seed (province draws, the random policy, random failures).
struct Replica {
  uint64_t seed = 0;
  Bound bound;
  std::vector<SimResult> results;  // one per policy, in RunReport::results' order
};

struct RunReport {
  std::string trace_path;
  std::string trace_format;
  TraceStats trace;
  SimOptions options;
  std::vector<std::string> what_if;  // the scenario edits, as given
  Bound bound;
  std::vector<SimResult> results;  // one per policy
  std::vector<Replica> replicas;   // further seeds; the JSON then summarises every seed's run, this one first
};

// Every seed's run: the primary first, then the replicas.
struct SeedRun {
  uint64_t seed = 0;
  const Bound* bound = nullptr;
  const std::vector<SimResult>* results = nullptr;
};
std::vector<SeedRun> SeedRuns(const RunReport& report);

// Per policy across every seed's run: the cost ratio to that run's bound, and in how many runs the policy had
// the lowest tenant cost of all (ties to the policy listed first).
struct SeedStats {
  std::string policy;
  std::vector<double> ratio;  // per run
  double ratio_mean = 0, ratio_min = 0, ratio_max = 0;
  int cheapest_in = 0;
};
std::vector<SeedStats> SummariseSeeds(const RunReport& report);

// With replicas, a last member "seeds" holds every seed's figures per policy (values, mean, min, max) and
// "cheapest_in".
nlohmann::ordered_json ToJson(const RunReport& report);

// policies.csv: one row per policy; utilisation.csv: the samples of every policy.
std::string PoliciesCsv(const RunReport& report);
std::string UtilisationCsv(const RunReport& report);

// The HTML report; `echarts_js` is the content of echarts.min.js.
std::string Html(const RunReport& report, const std::string& echarts_js);

// Writes report.json, policies.csv, utilisation.csv and report.html into `dir` (created). The ECharts bundle
// is read from `echarts_path`.
Status WriteReport(const RunReport& report, const std::filesystem::path& dir,
                   const std::filesystem::path& echarts_path);

}  // namespace zhisuan::sim
