#include "accounting/demand.h"

#include <gtest/gtest.h>

#include "accounting/coverage.h"
#include "testing/fixtures.h"

namespace zhisuan::accounting {
namespace {

std::vector<NationalSector> Sectors() {
  return {{"internet", "互联网", "Internet", {"I"}, 0.386, 0.52, 1},
          {"government", "政府", "Government", {"S"}, std::nullopt, std::nullopt, 3},
          {"telecom", "电信", "Telecom", {"I63"}, std::nullopt, std::nullopt, 4}};
}

TEST(Demand, SectorCodesAreGbT4754SectionsOrDivisions) {
  for (const char* ok : {"", "A", "I", "I64", "T", "C39"}) EXPECT_TRUE(CheckSector(ok)) << ok;
  for (const char* bad : {"U", "i", "I6", "I640", "64", "I6x", "互联网"}) {
    const Status s = CheckSector(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().message.rfind("sector: '", 0), 0u) << s.error().message;
  }
  EXPECT_EQ(SectionName('I'), "信息传输、软件和信息技术服务业");
  EXPECT_EQ(SectionName('S'), "公共管理、社会保障和社会组织");
  EXPECT_TRUE(SectionName('U').empty());
  // The longest code wins: I63 is telecom, every other I internet.
  const std::vector<NationalSector> sectors = Sectors();
  EXPECT_EQ(SectorOf(sectors, "I63")->id, "telecom");
  EXPECT_EQ(SectorOf(sectors, "I64")->id, "internet");
  EXPECT_EQ(SectorOf(sectors, "I")->id, "internet");
  EXPECT_EQ(SectorOf(sectors, "C"), nullptr);
  EXPECT_EQ(SectorOf(sectors, ""), nullptr);
}

// The tiny network: c1 in east-a (no hub), c2 in west-b (hub-w, western). 100 device-hours in all.
TEST(Demand, BySectorHomeProvinceAndHubByHand) {
  const Registry registry = testing::TinyRegistry();
  const std::map<std::string, TenantProfile> profiles = {
      {"acme", {"I64", "east-a"}}, {"gov", {"S", "east-a"}}, {"tel", {"I63", "west-b"}}, {"mfg", {"C", ""}}};
  const std::vector<DemandUse> uses = {{"acme", "c1", 1, 10, 1, 2, 100}, {"acme", "c2", 2, 30, 3, 4, 300},
                                       {"gov", "c2", 1, 20, 2, 1, 200},  {"tel", "c2", 1, 5, 0.5, 0.5, 50},
                                       {"anon", "c1", 3, 25, 2, 3, 250}, {"mfg", "gone", 1, 10, 1, 1, 100}};
  const DemandReport r = BuildDemand(registry, profiles, Sectors(), uses);
  EXPECT_EQ(r.total.jobs, 9);
  EXPECT_DOUBLE_EQ(r.total.device_hours, 100);
  EXPECT_EQ(r.total.bill_fen, 1000);
  EXPECT_DOUBLE_EQ(r.by_sector.at("internet").device_hours, 40);
  EXPECT_DOUBLE_EQ(r.by_sector.at("internet").share, 0.4);
  EXPECT_EQ(r.by_sector.at("internet").jobs, 3);
  EXPECT_DOUBLE_EQ(r.by_sector.at("government").device_hours, 20);
  EXPECT_DOUBLE_EQ(r.by_sector.at("telecom").device_hours, 5);
  EXPECT_DOUBLE_EQ(r.by_sector.at("other").device_hours, 10);    // C: no national sector in this list
  EXPECT_DOUBLE_EQ(r.by_sector.at("unknown").device_hours, 25);  // no profile
  EXPECT_DOUBLE_EQ(r.by_code.at("I64").device_hours, 40);
  EXPECT_DOUBLE_EQ(r.by_code.at("").device_hours, 25);
  // Demand: east-a 60 (10 at home in c1, 50 in the western hub), west-b 5 (all at home, which is western).
  EXPECT_DOUBLE_EQ(r.by_province.at("east-a").device_hours, 60);
  EXPECT_DOUBLE_EQ(r.home_device_hours.at("east-a"), 10);
  EXPECT_DOUBLE_EQ(r.west_device_hours.at("east-a"), 50);
  EXPECT_DOUBLE_EQ(r.home_device_hours.at("west-b"), 5);
  EXPECT_DOUBLE_EQ(r.by_province.at("unknown").device_hours, 35);
  // Supply: hub-w 55; outside the hubs 45 (c1's 35 and the unknown center's 10).
  EXPECT_DOUBLE_EQ(r.by_hub.at("hub-w").device_hours, 55);
  EXPECT_DOUBLE_EQ(r.by_hub.at("none").device_hours, 45);
  EXPECT_DOUBLE_EQ(r.flows.at("east-a>hub-w").device_hours, 50);
  EXPECT_DOUBLE_EQ(r.flows.at("east-a>none").device_hours, 10);
  EXPECT_DOUBLE_EQ(r.flows.at("west-b>hub-w").device_hours, 5);
  EXPECT_DOUBLE_EQ(r.flows.at("unknown>none").device_hours, 35);
  // 东数西算: only east-a's 60 is demand from outside the western hubs; 50 of it went west.
  EXPECT_DOUBLE_EQ(r.east_device_hours, 60);
  EXPECT_DOUBLE_EQ(r.east_in_west_device_hours, 50);
  // Nothing finished: zeros, no division by zero.
  const DemandReport none = BuildDemand(registry, profiles, Sectors(), {});
  EXPECT_EQ(none.total.share, 0);
  EXPECT_TRUE(none.by_sector.empty());
}

TEST(Demand, TheShippedNationalSectorsAndBadFiles) {
  Result<NationalCompute> shipped =
      LoadNationalCompute((testing::ShippedDataDir() / "national" / "compute-2023.yaml").string());
  ASSERT_TRUE(shipped) << shipped.error().message;
  ASSERT_EQ(shipped->sectors.size(), 8u);
  EXPECT_EQ(shipped->sectors_line, "004:685-699");
  EXPECT_EQ(shipped->sectors[0].id, "internet");
  EXPECT_DOUBLE_EQ(*shipped->sectors[0].intelligent_share, 0.52);
  EXPECT_DOUBLE_EQ(*shipped->sectors[0].general_share, 0.386);
  for (size_t i = 0; i < shipped->sectors.size(); ++i)
    EXPECT_EQ(shipped->sectors[i].intelligent_place, static_cast<int>(i) + 1) << shipped->sectors[i].id;
  EXPECT_EQ(SectorOf(shipped->sectors, "I63")->id, "telecom");
  EXPECT_EQ(SectorOf(shipped->sectors, "J66")->id, "finance");

  const std::string head =
      "national:\n  year: 2023\n  basis: fp32e\n  unit: EFLOPS\n  source: t\n  figures: []\n";
  Result<NationalCompute> bad_code = ParseNationalCompute(
      "n.yaml",
      head + "  sectors_line: x\n  sectors:\n    - {id: a, name_zh: 甲, name_en: A, codes: [Z9]}\n");
  ASSERT_FALSE(bad_code);
  EXPECT_NE(bad_code.error().message.find("national.sectors[0].codes"), std::string::npos)
      << bad_code.error().message;
  Result<NationalCompute> bad_share =
      ParseNationalCompute("n.yaml", head +
                                         "  sectors_line: x\n  sectors:\n    - {id: a, name_zh: 甲, name_en: "
                                         "A, codes: [C], general_share: 38.6}\n");
  ASSERT_FALSE(bad_share);
  EXPECT_NE(bad_share.error().message.find("general_share"), std::string::npos);
  Result<NationalCompute> no_line = ParseNationalCompute(
      "n.yaml", head + "  sectors:\n    - {id: a, name_zh: 甲, name_en: A, codes: [C]}\n");
  ASSERT_FALSE(no_line);
  EXPECT_NE(no_line.error().message.find("sectors_line: is required"), std::string::npos)
      << no_line.error().message;
}

}  // namespace
}  // namespace zhisuan::accounting
