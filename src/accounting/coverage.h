// accounting/coverage.h — how much of the nation's compute the registry sees: the national stock a source
// publishes (data/national/, each figure with its seed file and line) against the registry's capacity in
// service (and, apart, planned), by category, at the same FP32-equivalent basis.
#pragma once

#include <map>
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
  // Who builds 智算中心: shares by count per builder type (seed 001:8); empty when the file has none.
  std::map<std::string, double> builders;
  std::string builders_line, builders_quote;
  // Racks, occupancy and investment of the nation or the 8 hubs as the seeds publish them.
  struct Infrastructure {
    std::string measure;  // racks, occupancy, investment_cny, leveraged_investment_cny
    std::string scope;    // nation or hubs
    double value = 0;
    std::string as_of, line, quote;
  };
  std::vector<Infrastructure> infrastructure;
  // The top-down stock model's inputs per category (basic, intelligent): servers shipped over the last six
  // years and, where published, per year with that year's average compute (004:246-252).
  struct StockYear {
    int year = 0;
    double servers = 0;
    std::optional<double> avg_tflops;  // FP32-equivalent per server
  };
  struct Stock {
    std::string category;
    double six_year_servers = 0;
    bool lower_bound = false;  // "超过": at least this many
    std::vector<StockYear> years;
    std::string line, quote;
  };
  std::vector<Stock> stock;
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

// The registry's intelligent-computing centers in service by builder type ("unknown" without one), set beside
// the national shares by count.
struct BuilderRow {
  std::string type;  // government, carrier, cloud, other, unknown
  int centers = 0;
  double share = 0;                      // of the registry's intelligent centers, by count
  double fp32e_eflops = 0;               // their capacity in service
  std::optional<double> national_share;  // seed 001:8
};
std::vector<BuilderRow> BuilderCoverage(const Registry& registry, const NationalCompute& nation);

// A standard rack draws 2.5 kW; the registry's IT load in service (devices x TDP, without PUE) over 2.5 kW is
// its rack-equivalents: the racks its devices fill when they run at TDP, an estimate to set against the
// occupied racks the seeds imply (racks x occupancy).
inline constexpr double kStandardRackKw = 2.5;
struct RackRow {
  std::string scope;  // nation or hubs
  double registry_rack_equivalents = 0;
  std::optional<double> racks, occupancy;  // published
  std::optional<double> occupied_racks;    // racks x occupancy
  std::optional<double> coverage;          // registry rack-equivalents / occupied racks
};
std::vector<RackRow> RackCoverage(const Registry& registry, const NationalCompute& nation);

// The top-down stock model against the bottom-up registry, per category (basic, intelligent). Registry
// servers are an estimate: CPU devices are servers; accelerators count 8 to an AI server (the common HGX and
// Atlas 800 configuration), or their pool's devices_per_node when it is 2-16.
struct StockRow {
  std::string category;
  std::optional<double> national_eflops;  // CAICT's figure (the model's result)
  double six_year_servers = 0;            // shipped
  bool lower_bound = false;
  std::optional<double> implied_tflops_per_server;  // national / six-year servers: the mean the model implies
  std::optional<double> modelled_eflops;  // Σ servers x avg_tflops over the years given with both (else null)
  int modelled_years = 0;
  double registry_servers = 0, registry_eflops = 0;
  std::optional<double> registry_tflops_per_server;
  std::optional<double> server_coverage, compute_coverage;  // registry / nation
  const NationalCompute::Stock* input = nullptr;
};
std::vector<StockRow> StockModel(const Registry& registry, const NationalCompute& nation);

}  // namespace zhisuan::accounting
