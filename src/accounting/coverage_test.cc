#include "accounting/coverage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/loader.h"
#include "testing/fixtures.h"

namespace zhisuan::accounting {
namespace {

constexpr const char* kNation = R"(national:
  year: 2023
  basis: fp32e
  unit: EFLOPS
  source: test
  figures:
    - {category: total, eflops: 0.02, line: "t:1", quote: a}
    - {category: intelligent, eflops: 0.01, line: "t:2", quote: b}
    - {category: super, eflops: 0.001, line: "t:3", quote: c}
)";

const CoverageRow& RowOf(const std::vector<CoverageRow>& rows, const std::string& category) {
  for (const CoverageRow& r : rows) {
    if (r.category == category) return r;
  }
  static const CoverageRow none;
  ADD_FAILURE() << "no row " << category;
  return none;
}

// The tiny network, FP32-equivalent: c1 (intelligent) 100 acc-a at FP16 100 x 0.5 = 5,000 TFLOPS; c2 (super)
// at FP64 x 2: 10 acc-a x 20 + 50 cpu-b x 1.28 = 264 TFLOPS; nothing basic.
TEST(Coverage, RegistryAgainstTheNationByHand) {
  const auto nation = ParseNationalCompute("n.yaml", kNation);
  ASSERT_TRUE(nation.has_value()) << nation.error().message;
  EXPECT_EQ(nation->year, 2023);
  const Registry registry = testing::TinyRegistry();
  const std::vector<CoverageRow> rows = Coverage(registry, *nation);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_NEAR(RowOf(rows, "intelligent").in_service_eflops, 5000e-6, 1e-12);
  EXPECT_NEAR(*RowOf(rows, "intelligent").coverage, 0.5, 1e-9);
  EXPECT_NEAR(RowOf(rows, "super").in_service_eflops, 264e-6, 1e-12);
  EXPECT_NEAR(*RowOf(rows, "super").coverage, 0.264, 1e-9);
  EXPECT_NEAR(*RowOf(rows, "total").coverage, 5264e-6 / 0.02, 1e-9);
  EXPECT_EQ(RowOf(rows, "total").figure->line, "t:1");
  // The source gives no basic figure: no coverage, rather than a made-up one.
  EXPECT_EQ(RowOf(rows, "basic").in_service_eflops, 0);
  EXPECT_FALSE(RowOf(rows, "basic").national_eflops);
  EXPECT_FALSE(RowOf(rows, "basic").coverage);
}

TEST(Coverage, ShippedFileAgainstTheShippedRegistry) {
  const std::filesystem::path path = testing::ShippedDataDir() / "national" / "compute-2023.yaml";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const auto nation = ParseNationalCompute(path.string(), text.str());
  ASSERT_TRUE(nation.has_value()) << nation.error().message;
  ASSERT_EQ(nation->figures.size(), 4u);
  auto files = ReadDataDir(testing::ShippedDataDir());
  ASSERT_TRUE(files.has_value());
  const auto registry = LoadRegistry(*files);
  ASSERT_TRUE(registry.has_value());
  const std::vector<CoverageRow> rows = Coverage(*registry, *nation);
  const CoverageRow& total = RowOf(rows, "total");
  EXPECT_EQ(*total.national_eflops, 435);
  EXPECT_EQ(total.figure->line, "004:523-525");
  EXPECT_NEAR(*total.coverage, total.in_service_eflops / 435, 1e-12);
  // The platform sees a small share of the country, and plans it does not count (燧弘华创's 50,000 P).
  EXPECT_GT(*total.coverage, 0.01);
  EXPECT_LT(*total.coverage, 0.5);
  EXPECT_GT(total.planned_eflops, 10);
  double parts = 0;
  for (const char* c : {"basic", "intelligent", "super"}) parts += RowOf(rows, c).in_service_eflops;
  EXPECT_NEAR(parts, total.in_service_eflops, 1e-9);
  EXPECT_NEAR(*RowOf(rows, "intelligent").national_eflops, 289.4, 1e-12);
}

TEST(Coverage, BadFilesNameTheField) {
  auto error_of = [](const std::string& text) {
    const auto r = ParseNationalCompute("n.yaml", text);
    return r ? std::string("(parsed)") : r.error().message;
  };
  std::string bad = kNation;
  bad.replace(bad.find("eflops: 0.01"), 12, "eflops: -1");
  EXPECT_NE(error_of(bad).find("n.yaml:8: national.figures[1].eflops"), std::string::npos) << error_of(bad);
  bad = kNation;
  bad.replace(bad.find("category: super"), 15, "category: intelligent");
  EXPECT_NE(error_of(bad).find("'intelligent' is given twice"), std::string::npos) << error_of(bad);
  bad = kNation;
  bad.replace(bad.find("category: super"), 15, "category: quantum");
  EXPECT_NE(
      error_of(bad).find("national.figures[2].category: must be one of basic, intelligent, super, total"),
      std::string::npos)
      << error_of(bad);
  bad = kNation;
  bad.replace(bad.find("basis: fp32e"), 12, "basis: fp16");
  EXPECT_NE(error_of(bad).find("national.basis: must be fp32e"), std::string::npos) << error_of(bad);
  EXPECT_NE(error_of("national: [1, 2]\n").find("national"), std::string::npos);
  EXPECT_NE(error_of("national: {year: 2023\n").find("n.yaml"), std::string::npos);
}

// Racks by hand on the tiny network: c1 100 acc-a x 500 W = 50 kW = 20 rack-equivalents; c2 (in hub-w) 10 x
// 500 W + 50 cpu-b x 400 W = 25 kW = 10. Builders: c1 is the only intelligent center, without a builder.
TEST(Coverage, RacksAndBuildersByHand) {
  const std::string text =
      std::string(kNation) +
      "  builders_line: \"001:8\"\n  builders: {government: 0.339, carrier: 0.191}\n"
      "  infrastructure:\n"
      "    - {measure: racks, scope: nation, value: 100, line: a, quote: q}\n"
      "    - {measure: occupancy, scope: nation, value: 0.6, line: a, quote: q}\n"
      "    - {measure: racks, scope: hubs, value: 40, line: b, quote: q}\n"
      "    - {measure: investment_cny, scope: hubs, value: 4.35e10, line: c, quote: q}\n";
  const auto nation = ParseNationalCompute("n.yaml", text);
  ASSERT_TRUE(nation.has_value()) << nation.error().message;
  const Registry registry = testing::TinyRegistry();
  const std::vector<RackRow> racks = RackCoverage(registry, *nation);
  ASSERT_EQ(racks.size(), 2u);
  EXPECT_NEAR(racks[0].registry_rack_equivalents, 30, 1e-9);
  EXPECT_NEAR(*racks[0].occupied_racks, 60, 1e-9);
  EXPECT_NEAR(*racks[0].coverage, 0.5, 1e-12);
  EXPECT_NEAR(racks[1].registry_rack_equivalents, 10, 1e-9);
  EXPECT_EQ(*racks[1].racks, 40);
  EXPECT_FALSE(racks[1].occupancy.has_value());  // the hubs' occupancy is not in this file: no coverage
  EXPECT_FALSE(racks[1].coverage.has_value());
  const std::vector<BuilderRow> builders = BuilderCoverage(registry, *nation);
  ASSERT_EQ(builders.size(), 5u);
  EXPECT_EQ(builders[0].type, "government");
  EXPECT_EQ(*builders[0].national_share, 0.339);
  EXPECT_EQ(builders[0].centers, 0);
  EXPECT_EQ(builders[4].type, "unknown");
  EXPECT_EQ(builders[4].centers, 1);
  EXPECT_EQ(builders[4].share, 1.0);
  EXPECT_NEAR(builders[4].fp32e_eflops, 0.005, 1e-12);   // c1: 100 x 100 TFLOPS FP16 x 0.5
  EXPECT_FALSE(builders[3].national_share.has_value());  // other: not broken down

  auto error_of = [&](const std::string& extra) {
    const auto r = ParseNationalCompute("n.yaml", std::string(kNation) + extra);
    return r ? std::string("(parsed)") : r.error().message;
  };
  EXPECT_NE(
      error_of("  builders_line: x\n  builders: {government: 0.7, carrier: 0.7}\n").find("add up to 1.4"),
      std::string::npos);
  EXPECT_NE(error_of("  builders: {government: 0.3}\n").find("builders_line: is required"),
            std::string::npos);
  EXPECT_NE(
      error_of("  infrastructure:\n    - {measure: occupancy, scope: nation, value: 60, line: a, quote: q}\n")
          .find("infrastructure[0].value"),
      std::string::npos);
  EXPECT_NE(error_of("  infrastructure:\n    - {measure: racks, scope: moon, value: 6, line: a, quote: q}\n")
                .find("scope: must be nation or hubs"),
            std::string::npos);
}

// The stock model by hand: 1,000 AI servers over six years, two years given with their average compute; the
// tiny registry's c1 has 100 acc-a = 12.5 servers of 8 at 400 TFLOPS FP32e each (100 TFLOPS FP16 x 0.5 x 8).
TEST(Coverage, StockModelByHand) {
  const std::string text =
      std::string(kNation) +
      "  stock:\n"
      "    - {category: intelligent, six_year_servers: 1000, line: s, quote: q, years: "
      "[{year: 2022, servers: 400, avg_tflops: 10}, {year: 2023, servers: 600, avg_tflops: "
      "20}]}\n"
      "    - {category: basic, six_year_servers: 50, lower_bound: true, line: s, quote: q}\n";
  const auto nation = ParseNationalCompute("n.yaml", text);
  ASSERT_TRUE(nation.has_value()) << nation.error().message;
  const std::vector<StockRow> rows = StockModel(testing::TinyRegistry(), *nation);
  ASSERT_EQ(rows.size(), 2u);
  const StockRow& ai = rows[0];
  EXPECT_NEAR(*ai.national_eflops, 0.01, 1e-15);
  EXPECT_NEAR(*ai.implied_tflops_per_server, 10, 1e-9);  // 0.01 EFLOPS / 1,000 servers
  EXPECT_NEAR(*ai.modelled_eflops, 0.016, 1e-12);        // 400 x 10 + 600 x 20 TFLOPS
  EXPECT_EQ(ai.modelled_years, 2);
  EXPECT_NEAR(ai.registry_servers, 12.5, 1e-12);
  EXPECT_NEAR(ai.registry_eflops, 0.005, 1e-12);
  EXPECT_NEAR(*ai.registry_tflops_per_server, 400, 1e-9);
  EXPECT_NEAR(*ai.server_coverage, 0.0125, 1e-12);
  EXPECT_NEAR(*ai.compute_coverage, 0.5, 1e-12);
  const StockRow& basic = rows[1];  // c2's CPUs are in a supercomputing center: no basic servers
  EXPECT_TRUE(basic.lower_bound);
  EXPECT_FALSE(basic.national_eflops.has_value());  // the fixture gives no basic figure
  EXPECT_FALSE(basic.modelled_eflops.has_value());
  EXPECT_EQ(basic.registry_servers, 0);
  const auto bad = ParseNationalCompute(
      "n.yaml",
      std::string(kNation) + "  stock:\n    - {category: super, six_year_servers: 5, line: s, quote: q}\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("national.stock[0].category: must be basic or intelligent"),
            std::string::npos)
      << bad.error().message;
}

TEST(Coverage, TheShippedBuildersAndRacks) {
  Result<NationalCompute> shipped =
      LoadNationalCompute((testing::ShippedDataDir() / "national" / "compute-2023.yaml").string());
  ASSERT_TRUE(shipped) << shipped.error().message;
  EXPECT_EQ(shipped->builders.at("government"), 0.339);
  EXPECT_EQ(shipped->builders_line, "001:8");
  Result<std::vector<DataFile>> files = ReadDataDir(testing::ShippedDataDir());
  ASSERT_TRUE(files);
  Result<Registry> registry = LoadRegistry(*files);
  ASSERT_TRUE(registry) << registry.error().message;
  int classified = 0, centers = 0;
  for (const BuilderRow& b : BuilderCoverage(*registry, *shipped)) {
    centers += b.centers;
    if (b.type != "unknown") classified += b.centers;
  }
  EXPECT_GT(classified, centers / 2);  // most intelligent centers say who built them
  const std::vector<RackRow> racks = RackCoverage(*registry, *shipped);
  EXPECT_NEAR(*racks[0].occupied_racks, 8100000 * 0.60, 1e-3);
  EXPECT_NEAR(*racks[1].occupied_racks, 1950000 * 0.63, 1e-3);
  EXPECT_GT(racks[0].registry_rack_equivalents, racks[1].registry_rack_equivalents);
  EXPECT_LT(*racks[0].coverage, 1);
  // The stock model on the shipped figures: 140.4 EFLOPS over 21.9 M servers, 289.4 over (at least) 1.14 M.
  const std::vector<StockRow> stock = StockModel(*registry, *shipped);
  ASSERT_EQ(stock.size(), 2u);
  EXPECT_NEAR(*stock[0].implied_tflops_per_server, 140.4e6 / 21.9e6, 1e-9);
  EXPECT_NEAR(*stock[1].implied_tflops_per_server, 289.4e6 / 1.14e6, 1e-9);
  EXPECT_TRUE(stock[1].lower_bound);
  EXPECT_GT(stock[1].registry_servers, 0);
}

}  // namespace
}  // namespace zhisuan::accounting
