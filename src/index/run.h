// index/run.h — one index computation end to end, as `zhisuan index compute` and POST /api/v1/index/compute
// run it, and its report: JSON (the API's answer), CSV (one row per region) and a self-contained HTML page.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "index/analysis.h"

namespace zhisuan::index {

struct RunOptions {
  Impute impute = Impute::kError;
  StabilityOptions stability;  // draws = 0 skips the Monte Carlo
  uint64_t typology_seed = 1;
  std::vector<std::string> explain;  // two regions to explain, or empty for rank 1 against rank 2
};

struct Regression {
  std::string covariate, name_zh, name_en, unit;
  Ols ols;
};

struct IndexRun {
  IndexSpec spec;
  Dataset data;
  std::vector<YearResult> years;  // ascending; the report details the latest
  std::optional<Typology> types;
  std::vector<RankInterval> stability;
  std::vector<Regression> regressions;
  int explain_a = -1, explain_b = -1;
  RunOptions options;

  const YearResult& latest() const { return years.back(); }
};

Result<IndexRun> RunIndex(IndexSpec spec, const std::string& data_file, const std::string& csv,
                          const RunOptions& options);

nlohmann::ordered_json ToJson(const IndexRun& run);
std::string ToCsv(const IndexRun& run);
// `echarts_js` is echarts.min.js; `china_geojson` the province map (empty: no map).
std::string ToHtml(const IndexRun& run, const std::string& echarts_js, const std::string& china_geojson);

}  // namespace zhisuan::index
