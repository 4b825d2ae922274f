// index/dataset.h — indicator data: CSV with one row per region and year and one column per indicator.
//
//   region,year,server-compute [EFlops],ai-compute [EFlops],...,gdp [亿元]
//   广东,2023,12.1,8.3,...,135673
//
// A header may carry its unit in brackets; it must be the spec's unit or convert to it by a magnitude prefix
// (SI k M G T P E for Flops, bps, B, W, Wh; 千 万 亿 万亿 for Chinese counts and 元). Covariates (e.g. GDP)
// are optional columns declared by the spec. Missing values (empty, NA, NaN, -) are an error unless an
// imputation is chosen.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "index/spec.h"

namespace zhisuan::index {

enum class Impute { kError, kMean, kZero, kPreviousYear };

struct YearData {
  int year = 0;
  std::vector<std::string> regions;
  std::vector<double> values;      // regions x spec.leaves, in the spec's units
  std::vector<double> covariates;  // regions x spec.covariates; NaN where absent
};

struct Dataset {
  std::vector<YearData> years;       // ascending
  std::vector<std::string> imputed;  // one note per imputed cell
};

Result<Impute> ParseImpute(std::string_view text);  // error | mean | zero | previous-year

Result<Dataset> ParseDataset(const IndexSpec& spec, const std::string& file, const std::string& csv,
                             Impute impute);

// The factor that converts a value in `from` into `to` (e.g. PFlops -> EFlops = 0.001), or an error naming
// both.
Result<double> UnitFactor(std::string_view from, std::string_view to);

}  // namespace zhisuan::index
