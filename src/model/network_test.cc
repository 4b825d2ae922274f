#include "model/network.h"

#include <gtest/gtest.h>

#include "testing/fixtures.h"
#include "util/geo.h"

namespace zhisuan {
namespace {

TEST(Network, ModelFromDistance) {
  const Registry r = testing::TinyRegistry();
  const RttMatrix rtt(r);
  const double km = geo::DistanceKm({30.0, 120.0}, {36.0, 100.0});
  // 2 x km x 1.5 / 200 + 0.5
  EXPECT_NEAR(*rtt.RttMs("east-a", "west-b"), 2 * km * 1.5 / 200 + 0.5, 1e-9);
  EXPECT_NEAR(*rtt.RttMs("west-b", "east-a"), *rtt.RttMs("east-a", "west-b"), 1e-12);
  EXPECT_FALSE(rtt.Measured("east-a", "west-b"));
}

TEST(Network, IntraProvinceIsFixed) {
  const Registry r = testing::TinyRegistry();
  EXPECT_DOUBLE_EQ(*RttMatrix(r).RttMs("mid-c", "mid-c"), 2.0);
}

TEST(Network, MeasuredOverridesBothWays) {
  const Registry r = testing::TinyRegistry();
  const RttMatrix rtt(r);
  EXPECT_DOUBLE_EQ(*rtt.RttMs("east-a", "mid-c"), 9.0);
  EXPECT_DOUBLE_EQ(*rtt.RttMs("mid-c", "east-a"), 9.0);
  EXPECT_TRUE(rtt.Measured("mid-c", "east-a"));
}

TEST(Network, UnknownProvince) {
  EXPECT_FALSE(RttMatrix(testing::TinyRegistry()).RttMs("atlantis", "east-a"));
}

}  // namespace
}  // namespace zhisuan
