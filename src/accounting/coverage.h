// accounting/coverage.h — how much of the nation's compute the registry sees: the national stock a source
// publishes (data/national/, each figure with its seed file and line) against the registry's capacity in
// service (and, apart, planned), by category, at the same FP32-equivalent basis.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "accounting/demand.h"
#include "model/registry.h"
#include "util/error.h"

namespace zhisuan::accounting {

struct NationalFigure {
  std::string category;  // total, basic, intelligent or super
  double eflops = 0;
  std::string line;   // where the source says it ("004:533-535")
  std::string quote;  // what it says
};

struct NationalCompute {
  int year = 0;
  std::string basis;  // fp32e
  std::string source;
  std::vector<NationalFigure> figures;
  // Demand by sector (004:685-699), with its line and quote; empty when the file has none.
  std::vector<NationalSector> sectors;
  std::string sectors_line, sectors_quote;
};

// Parses a national file; every problem names its file, line and field ("national.figures[1].eflops: ...").
Result<NationalCompute> ParseNationalCompute(const std::string& label, const std::string& content);
// Reads and parses the national file at `path`; kIo naming the path when it cannot be read.
Result<NationalCompute> LoadNationalCompute(const std::string& path);

struct CoverageRow {
  std::string category;  // total, basic, intelligent, super
  double in_service_eflops = 0;
  double planned_eflops = 0;  // planned or under construction, not counted in the coverage
  std::optional<double> national_eflops;
  std::optional<double> coverage;  // in service / national
  const NationalFigure* figure = nullptr;
};

// One row per category the registry or the source has, then the total; FP32-equivalent EFLOPS.
std::vector<CoverageRow> Coverage(const Registry& registry, const NationalCompute& nation);

}  // namespace zhisuan::accounting
