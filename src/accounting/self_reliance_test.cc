#include "accounting/self_reliance.h"

#include <gtest/gtest.h>

#include "testing/fixtures.h"

namespace zhisuan::accounting {
namespace {

// The tiny network with vendors: acc-a by V (seated in China), cpu-b by W (abroad).
// c1 (no hub) = 100 x acc-a at 100 FP16 TFLOPS; c2 (hub-w) = 10 x acc-a + 50 x cpu-b at 1.28 TFLOPS.
Registry WithVendors(bool with_w = true) {
  auto files = testing::TinyDataFiles();
  std::string acc = testing::FileContent(files, "accelerators.yaml");
  acc.replace(acc.find("    vendor: V\n"), 14, "    vendor: W\n");  // cpu-b
  acc = std::string("vendors:\n  - {id: V, country: CN, source: test}\n") +
        (with_w ? "  - {id: W, country: US, source: test}\n" : "") + acc;
  Result<Registry> r = LoadRegistry(testing::WithFile(files, "accelerators.yaml", acc));
  if (!r) ADD_FAILURE() << r.error().message;
  return r ? std::move(*r) : Registry{};
}

TEST(SelfReliance, NationByHand) {
  const Registry r = WithVendors();
  ASSERT_TRUE(r.FindAccelerator("acc-a")->domestic());
  ASSERT_FALSE(r.FindAccelerator("cpu-b")->domestic());
  const auto rows = SelfRelianceBy(r, GroupBy::kNation, Measure::kFp16);
  ASSERT_EQ(rows.size(), 1u);
  const SelfReliance& n = rows[0];
  EXPECT_DOUBLE_EQ(n.total.tflops, 11064);  // 10000 + 1000 + 64
  EXPECT_DOUBLE_EQ(n.domestic.tflops, 11000);
  ASSERT_TRUE(n.domestic_share.has_value());
  EXPECT_DOUBLE_EQ(*n.domestic_share, 11000.0 / 11064);
  EXPECT_DOUBLE_EQ(n.domestic_device_share, 110.0 / 160);
  EXPECT_EQ(n.total.centers, 2);
  ASSERT_EQ(n.vendors.size(), 2u);
  EXPECT_EQ(n.vendors[0].vendor, "V");
  EXPECT_EQ(n.vendors[1].country, "US");
  EXPECT_DOUBLE_EQ(n.cr5, 1.0);
  const double v = 100 * 11000.0 / 11064, w = 100 * 64.0 / 11064;
  EXPECT_NEAR(n.hhi, v * v + w * w, 1e-9);  // 9884.8...: one vendor holds nearly everything
  EXPECT_EQ(n.unknown_origin.devices, 0);
}

TEST(SelfReliance, ByHubAndMeasureWithoutPeaks) {
  const Registry r = WithVendors();
  const auto rows = SelfRelianceBy(r, GroupBy::kHub, Measure::kFp16);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].key, "none");
  EXPECT_DOUBLE_EQ(*rows[0].domestic_share, 1.0);
  EXPECT_DOUBLE_EQ(rows[0].hhi, 10000);
  EXPECT_EQ(rows[1].key, "hub-w");
  EXPECT_DOUBLE_EQ(*rows[1].domestic_share, 1000.0 / 1064);
  EXPECT_DOUBLE_EQ(rows[1].domestic_device_share, 10.0 / 60);
  EXPECT_EQ(rows[1].total.centers, 1);  // two pools, one center
}

TEST(SelfReliance, GroupsSumToNation) {
  const Registry r = WithVendors();
  const double nation = SelfRelianceBy(r, GroupBy::kNation, Measure::kFp32Equivalent)[0].domestic.tflops;
  for (GroupBy by : {GroupBy::kProvince, GroupBy::kHub, GroupBy::kCluster, GroupBy::kKind, GroupBy::kCategory,
                     GroupBy::kCenter}) {
    double sum = 0;
    for (const auto& g : SelfRelianceBy(r, by, Measure::kFp32Equivalent)) sum += g.domestic.tflops;
    EXPECT_NEAR(sum, nation, 1e-9) << Name(by);
  }
}

TEST(SelfReliance, DataWithoutVendorsKnowsNoOrigin) {
  const Registry r = testing::TinyRegistry();
  EXPECT_FALSE(r.FindAccelerator("acc-a")->domestic());
  const auto rows = SelfRelianceBy(r, GroupBy::kNation, Measure::kFp16);
  EXPECT_EQ(rows[0].unknown_origin.devices, 160);
  EXPECT_DOUBLE_EQ(*rows[0].domestic_share, 0);
}

TEST(SelfReliance, AnUnlistedVendorIsNamed) {
  auto files = testing::TinyDataFiles();
  std::string acc = testing::FileContent(files, "accelerators.yaml");
  acc.replace(acc.find("    vendor: V\n"), 14, "    vendor: W\n");
  acc = "vendors:\n  - {id: V, country: CN, source: test}\n" + acc;
  Result<Registry> r = LoadRegistry(testing::WithFile(files, "accelerators.yaml", acc));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("accelerators[1].vendor: 'W' is not among the vendors"), std::string::npos)
      << r.error().message;
  acc.replace(acc.find("country: CN"), 11, "country: China");
  r = LoadRegistry(testing::WithFile(files, "accelerators.yaml", acc));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("vendors[0].country: 'China' is not an ISO 3166"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace zhisuan::accounting
