#include "util/geo.h"

#include <gtest/gtest.h>

namespace zhisuan::geo {
namespace {

TEST(Geo, ZeroDistance) { EXPECT_DOUBLE_EQ(DistanceKm({39.9, 116.4}, {39.9, 116.4}), 0.0); }

TEST(Geo, BeijingShanghaiIsAbout1068Km) {
  // Hand check: Beijing (39.9042, 116.4074) to Shanghai (31.2304, 121.4737) is 1067-1068 km great-circle.
  EXPECT_NEAR(DistanceKm({39.9042, 116.4074}, {31.2304, 121.4737}), 1067.5, 2.0);
}

TEST(Geo, QuarterMeridian) {
  // Equator to pole along a meridian is pi/2 * R.
  EXPECT_NEAR(DistanceKm({0, 0}, {90, 0}), 10007.5, 0.5);
}

}  // namespace
}  // namespace zhisuan::geo
