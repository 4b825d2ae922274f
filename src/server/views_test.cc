#include "server/views.h"

#include <gtest/gtest.h>

#include "testing/fixtures.h"

namespace zhisuan::views {
namespace {

TEST(Views, CapacityByHubOnTinyNetwork) {
  const Registry r = testing::TinyRegistry();
  auto j = Capacity(r, {{"by", "hub"}, {"precision", "fp16"}});
  ASSERT_TRUE(j.has_value()) << j.error().message;
  EXPECT_EQ((*j)["unit"], "PFLOPS");
  EXPECT_DOUBLE_EQ((*j)["total"]["pflops"].get<double>(), 11.064);
  ASSERT_EQ((*j)["groups"].size(), 2u);
  EXPECT_EQ((*j)["groups"][1]["key"], "hub-w");
  EXPECT_DOUBLE_EQ((*j)["groups"][1]["pflops"].get<double>(), 1.064);
  EXPECT_NEAR((*j)["groups"][1]["share"].get<double>(), 1.064 / 11.064, 1e-12);
}

TEST(Views, CapacityDefaultsAndErrors) {
  const Registry r = testing::TinyRegistry();
  auto j = Capacity(r, {});
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["by"], "province");
  EXPECT_EQ((*j)["precision"], "fp16");
  auto bad = Capacity(r, {{"by", "planet"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("by: unknown grouping 'planet'"), std::string::npos);
  bad = Capacity(r, {{"precision", "fp8"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("precision: unknown precision 'fp8'"), std::string::npos);
  bad = Capacity(r, {{"bye", "hub"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("unknown query parameter 'bye'"), std::string::npos);
  bad = Capacity(r, {{"by", ""}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("by: must not be empty"), std::string::npos);
}

TEST(Views, CenterFilters) {
  const Registry r = testing::TinyRegistry();
  EXPECT_EQ((*Centers(r, {}))["count"], 2);
  EXPECT_EQ((*Centers(r, {{"province", "west-b"}}))["centers"][0]["id"], "c2");
  EXPECT_EQ((*Centers(r, {{"hub", "none"}}))["centers"][0]["id"], "c1");
  EXPECT_EQ((*Centers(r, {{"hub", "hub-w"}, {"kind", "super"}}))["count"], 1);
  EXPECT_EQ((*Centers(r, {{"accelerator", "cpu-b"}}))["count"], 1);
  EXPECT_EQ((*Centers(r, {{"kind", "edge"}}))["count"], 0);
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{{"province", "atlantis"},
                                                                                   {"hub", "x"},
                                                                                   {"kind", "quantum"},
                                                                                   {"accelerator", "tpu"},
                                                                                   {"cluster", "y"}}) {
    auto bad = Centers(r, {{key, value}});
    ASSERT_FALSE(bad.has_value()) << key;
    EXPECT_EQ(bad.error().message.rfind(key + ": unknown", 0), 0u) << bad.error().message;
  }
}

TEST(Views, CenterDetailByHand) {
  const Registry r = testing::TinyRegistry();
  auto j = Center(r, "c2");
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["hub"], "hub-w");
  EXPECT_DOUBLE_EQ((*j)["tariff_cny_per_kwh"].get<double>(), 0.3);
  const auto& pool = (*j)["pools"][0];
  EXPECT_EQ(pool["category"], "super");
  EXPECT_DOUBLE_EQ(pool["energy_kwh_per_device_hour"].get<double>(), 0.6);
  EXPECT_NEAR(pool["carbon_kg_per_device_hour"].get<double>(), 0.06, 1e-12);
  EXPECT_TRUE(pool["price_estimated"].get<bool>());
  EXPECT_DOUBLE_EQ((*j)["capacity_pflops"]["fp64"].get<double>(), 0.132);
  auto missing = Center(r, "nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(Views, AcceleratorsShowFormulaPeaks) {
  const Registry r = testing::TinyRegistry();
  const Json j = Accelerators(r);
  EXPECT_DOUBLE_EQ(j["accelerators"][1]["peak_tflops"]["fp64"].get<double>(), 0.64);
  EXPECT_EQ(j["accelerators"][1]["cpu"]["chips"], 2);
  EXPECT_FALSE(j["accelerators"][0].contains("cpu"));
}

}  // namespace
}  // namespace zhisuan::views
