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
  std::optional<int> base_year;      // every year on this year's references and weights (comparable)
  int lags = -1;                     // distributed-lag regression over 0..lags years; -1: min(3, years - 1)
};

struct Regression {
  std::string covariate, name_zh, name_en, unit;
  Ols ols;
};

// A covariate of year t on the index of years t, t-1, ..., t-lags, pooled over regions and years (seed
// 004:1159-1165: compute takes 1-3 years to show in the economy). long_run = the sum of the coefficients.
struct LaggedRegression {
  std::string covariate, name_zh, name_en, unit;
  int lags = 0;
  int first_year = 0, last_year = 0;  // the years of the dependent variable
  MultiOls fit;
  double long_run = 0;
};

struct IndexRun {
  IndexSpec spec;
  Dataset data;
  std::vector<YearResult> years;  // ascending; the report details the latest
  std::optional<Typology> types;
  std::vector<RankInterval> stability;
  std::vector<Regression> regressions;
  std::vector<LaggedRegression> lagged;
  std::string lagged_note;  // why there is no lagged regression, or a caution about it
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
