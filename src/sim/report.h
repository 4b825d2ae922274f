// sim/report.h — simulation results as JSON (byte-identical for identical inputs and seeds), CSV tables and a
// self-contained HTML report with ECharts inlined (no network needed to view it).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/bound.h"

namespace zhisuan::sim {

struct RunReport {
  std::string trace_path;
  std::string trace_format;
  TraceStats trace;
  SimOptions options;
  std::vector<std::string> what_if;  // the scenario edits, as given
  Bound bound;
  std::vector<SimResult> results;    // one per policy
};

nlohmann::ordered_json ToJson(const RunReport& report);

// policies.csv: one row per policy; utilisation.csv: the samples of every policy.
std::string PoliciesCsv(const RunReport& report);
std::string UtilisationCsv(const RunReport& report);

// The HTML report; `echarts_js` is the content of echarts.min.js.
std::string Html(const RunReport& report, const std::string& echarts_js);

// Writes report.json, policies.csv, utilisation.csv and report.html into `dir` (created). The ECharts bundle is
// read from `echarts_path`.
Status WriteReport(const RunReport& report, const std::filesystem::path& dir, const std::filesystem::path& echarts_path);

}  // namespace zhisuan::sim
