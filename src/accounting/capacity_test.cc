#include "accounting/capacity.h"

#include <gtest/gtest.h>

#include "testing/fixtures.h"

namespace zhisuan::accounting {
namespace {

// Tiny network by hand: c1 = 100 x acc-a; c2 = 10 x acc-a + 50 x cpu-b (0.64 FP64, 1.28 FP32 TFLOPS each).
TEST(Capacity, CenterTotals) {
  const Registry r = testing::TinyRegistry();
  const Center& c2 = *r.FindCenter("c2");
  EXPECT_DOUBLE_EQ(CenterCapacity(r, c2, Measure::kFp64).tflops, 10 * 10 + 50 * 0.64);   // 132
  EXPECT_DOUBLE_EQ(CenterCapacity(r, c2, Measure::kFp32).tflops, 10 * 20 + 50 * 1.28);   // 264
  EXPECT_DOUBLE_EQ(CenterCapacity(r, c2, Measure::kFp16).tflops, 10 * 100 + 50 * 1.28);  // 1064
  // c2 is a supercomputing center: FP64 x 2 for both pools.
  EXPECT_DOUBLE_EQ(CenterCapacity(r, c2, Measure::kFp32Equivalent).tflops, 10 * 20 + 50 * 1.28);
  EXPECT_EQ(CenterCapacity(r, c2, Measure::kFp16).devices, 60);
}

TEST(Capacity, ByHubSplitsNone) {
  const Registry r = testing::TinyRegistry();
  const auto groups = CapacityBy(r, GroupBy::kHub, Measure::kFp16);
  ASSERT_EQ(groups.size(), 2u);  // largest first
  EXPECT_EQ(groups[0].key, "none");
  EXPECT_DOUBLE_EQ(groups[0].capacity.tflops, 10000);
  EXPECT_EQ(groups[1].key, "hub-w");
  EXPECT_DOUBLE_EQ(groups[1].capacity.tflops, 1064);
  EXPECT_EQ(groups[1].capacity.centers, 1);
}

TEST(Capacity, GroupsSumToNation) {
  const Registry r = testing::TinyRegistry();
  for (GroupBy by : {GroupBy::kProvince, GroupBy::kHub, GroupBy::kCluster, GroupBy::kKind, GroupBy::kCategory,
                     GroupBy::kCenter, GroupBy::kNation}) {
    for (Measure m : {Measure::kFp64, Measure::kFp32, Measure::kFp16, Measure::kFp32Equivalent}) {
      double sum = 0;
      for (const auto& g : CapacityBy(r, by, m)) sum += g.capacity.tflops;
      EXPECT_NEAR(sum, NationalCapacity(r, m).tflops, 1e-9) << Name(by) << " " << Name(m);
    }
  }
}

// c2 planned (since 2027) with its CPU pool retired: in service is c1 alone; each status counts apart and the
// statuses sum to every pool.
TEST(Capacity, StatusesCountApart) {
  auto files = testing::TinyDataFiles();
  std::string centers = testing::FileContent(files, "centers.yaml");
  centers.replace(centers.find("    city: WB\n"), 12,
                  "    city: WB\n    status: {value: planned, since: 2027, source: t}\n");
  centers.replace(centers.find("{accelerator: cpu-b, devices: 50, source: test}"), 47,
                  "{accelerator: cpu-b, devices: 50, source: test, status: {value: retired, source: t}}");
  Result<Registry> r = LoadRegistry(testing::WithFile(files, "centers.yaml", centers));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_DOUBLE_EQ(NationalCapacity(*r, Measure::kFp16).tflops, 10000);  // in service by default
  EXPECT_EQ(NationalCapacity(*r, Measure::kFp16).centers, 1);
  EXPECT_DOUBLE_EQ(NationalCapacity(*r, Measure::kFp16, Lifecycle::kPlanned).tflops, 1000);
  EXPECT_DOUBLE_EQ(NationalCapacity(*r, Measure::kFp16, Lifecycle::kRetired).tflops, 64);
  EXPECT_DOUBLE_EQ(NationalCapacity(*r, Measure::kFp16, std::nullopt).tflops, 11064);
  const auto hubs = CapacityBy(*r, GroupBy::kHub, Measure::kFp16);
  ASSERT_EQ(hubs.size(), 1u);  // hub-w has nothing in service
  EXPECT_EQ(hubs[0].key, "none");
  const auto planned = CapacityBy(*r, GroupBy::kCategory, Measure::kFp16, Lifecycle::kPlanned);
  ASSERT_EQ(planned.size(), 1u);
  EXPECT_DOUBLE_EQ(planned[0].capacity.tflops, 1000);
  StatusFilter filter = kInService;
  ASSERT_TRUE(ParseStatusFilter("all", filter));
  EXPECT_FALSE(filter.has_value());  // every status
  ASSERT_TRUE(ParseStatusFilter("planned", filter));
  EXPECT_EQ(filter, Lifecycle::kPlanned);
  EXPECT_FALSE(ParseStatusFilter("soon", filter));
}

TEST(Capacity, ByCategory) {
  const Registry r = testing::TinyRegistry();
  const auto groups = CapacityBy(r, GroupBy::kCategory, Measure::kFp32Equivalent);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].key, "intelligent");
  EXPECT_DOUBLE_EQ(groups[0].capacity.tflops, 100 * 50.0);  // c1: FP16 x 0.5
  EXPECT_EQ(groups[1].key, "super");
  EXPECT_DOUBLE_EQ(groups[1].capacity.tflops, 264);
}

TEST(Capacity, UnknownPrecisionCountsDevices) {
  auto files = testing::TinyDataFiles();
  std::string acc = testing::FileContent(files, "accelerators.yaml");
  acc.replace(acc.find("fp64_tflops: 10, "), 17, "");
  Result<Registry> r = LoadRegistry(testing::WithFile(files, "accelerators.yaml", acc));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const Capacity c = NationalCapacity(*r, Measure::kFp64);
  EXPECT_EQ(c.unknown_devices, 110);
  EXPECT_DOUBLE_EQ(c.tflops, 50 * 0.64);
}

}  // namespace
}  // namespace zhisuan::accounting
