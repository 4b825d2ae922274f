#include "util/units.h"

#include <gtest/gtest.h>

namespace zhisuan::units {
namespace {

TEST(Units, BareNumberIsCanonical) { EXPECT_DOUBLE_EQ(*ParseQuantity("400", Dimension::kPower), 400.0); }

TEST(Units, ConvertsWithinDimension) {
  EXPECT_DOUBLE_EQ(*ParseQuantity("0.7 kW", Dimension::kPower), 700.0);
  EXPECT_DOUBLE_EQ(*ParseQuantity("1 PFLOPS", Dimension::kCompute), 1000.0);
  EXPECT_DOUBLE_EQ(*ParseQuantity("2600 MHz", Dimension::kFrequency), 2.6);
}

TEST(Units, WrongDimensionIsAnError) {
  auto r = ParseQuantity("80 W", Dimension::kMemory);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kValidation);
  EXPECT_NE(r.error().message.find("wrong unit 'W'"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("GB"), std::string::npos);
}

TEST(Units, GarbageIsAnError) {
  EXPECT_FALSE(ParseQuantity("lots", Dimension::kPower).has_value());
  EXPECT_FALSE(ParseQuantity("", Dimension::kPower).has_value());
  EXPECT_FALSE(ParseQuantity("nan", Dimension::kPower).has_value());
}

}  // namespace
}  // namespace zhisuan::units
