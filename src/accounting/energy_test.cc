#include "accounting/energy.h"

#include <gtest/gtest.h>

#include "testing/fixtures.h"

namespace zhisuan::accounting {
namespace {

TEST(Energy, DeviceHour) {
  Accelerator a100;
  a100.tdp_w = 400;
  EXPECT_DOUBLE_EQ(DeviceHourEnergyKwh(a100, 1.3), 0.52);
  // 0.52 kWh x (1 - 0.2) x 0.5 kg/kWh = 0.208 kg.
  EXPECT_DOUBLE_EQ(CarbonKg(0.52, 0.2, 0.5), 0.208);
  EXPECT_DOUBLE_EQ(CarbonKg(0.52, 1.0, 0.5), 0.0);
}

TEST(Energy, PriceEstimateByHand) {
  PricingParams p;  // 500 CNY/FP16 TFLOPS, 5 years, 60%, 30% margin
  Accelerator a100;
  a100.fp16_tflops = 312;
  a100.tdp_w = 400;
  // capex 156000 / 26280 h = 5.93607; energy 0.4 x 1.3 x 0.62 = 0.3224; x 1.3 = 8.13600
  EXPECT_NEAR(EstimatePriceCnyPerDeviceHour(p, a100, 1.3, 0.62), (156000.0 / 26280 + 0.3224) * 1.3, 1e-9);
  EXPECT_NEAR(EstimatePriceCnyPerDeviceHour(p, a100, 1.3, 0.62), 8.136, 1e-3);
}

TEST(Energy, CenterTariffAndCarbonFromRegion) {
  const Registry r = testing::TinyRegistry();
  const Center& c2 = *r.FindCenter("c2");
  EXPECT_DOUBLE_EQ(CenterTariffCnyPerKwh(r, c2), 0.3);
  EXPECT_DOUBLE_EQ(CenterGridFactor(r, c2), 0.2);
  // acc-a at c2: 0.5 kW x 1.2 = 0.6 kWh; carbon 0.6 x 0.5 x 0.2 = 0.06 kg.
  const double kwh = DeviceHourEnergyKwh(*r.FindAccelerator("acc-a"), c2.pue);
  EXPECT_DOUBLE_EQ(kwh, 0.6);
  EXPECT_NEAR(CarbonKg(kwh, c2.green_share, CenterGridFactor(r, c2)), 0.06, 1e-12);
  // Price: (100 x 500 / 26280 + 0.6 x 0.3) x 1.3
  EXPECT_NEAR(PoolPriceCnyPerDeviceHour(r, c2, c2.pools[0]), (50000.0 / 26280 + 0.18) * 1.3, 1e-9);
}

}  // namespace
}  // namespace zhisuan::accounting
