#include "accounting/energy.h"

#include "accounting/flops.h"

namespace zhisuan::accounting {

double DeviceHourEnergyKwh(const Accelerator& accelerator, double pue) {
  return accelerator.tdp_w / 1000.0 * pue;
}

double CarbonKg(double energy_kwh, double green_share, double grid_kg_per_kwh) {
  return energy_kwh * (1.0 - green_share) * grid_kg_per_kwh;
}

double CenterTariffCnyPerKwh(const Registry& registry, const Center& center) {
  if (center.tariff_cny_per_kwh) return *center.tariff_cny_per_kwh;
  const Region* region = registry.FindRegion(center.province);
  return region ? region->tariff.flat_cny_per_kwh : 0.0;
}

double CenterGridFactor(const Registry& registry, const Center& center) {
  const Region* region = registry.FindRegion(center.province);
  return region ? region->carbon_kg_per_kwh : 0.0;
}

double EstimatePriceCnyPerDeviceHour(const PricingParams& params, const Accelerator& accelerator, double pue,
                                     double tariff_cny_per_kwh) {
  double capex_cny = 0;
  if (accelerator.cpu) {
    capex_cny = params.capex_cny_per_fp32_tflops_cpu * CpuPeakTflops(*accelerator.cpu, Precision::kFp32);
  } else if (accelerator.fp16_tflops) {
    capex_cny = params.capex_cny_per_fp16_tflops * *accelerator.fp16_tflops;
  } else if (accelerator.fp32_tflops) {
    capex_cny = params.capex_cny_per_fp16_tflops * 2.0 * *accelerator.fp32_tflops;
  } else if (accelerator.fp64_tflops) {
    capex_cny = params.capex_cny_per_fp16_tflops * 4.0 * *accelerator.fp64_tflops;
  }
  const double hours = params.life_years * 8760.0 * params.utilisation;
  const double capex_per_hour = capex_cny / hours;
  const double energy_per_hour = DeviceHourEnergyKwh(accelerator, pue) * tariff_cny_per_kwh;
  return (capex_per_hour + energy_per_hour) * (1.0 + params.margin);
}

double PoolPriceCnyPerDeviceHour(const Registry& registry, const Center& center, const Pool& pool) {
  if (pool.price_cny_per_device_hour) return *pool.price_cny_per_device_hour;
  const Accelerator* accelerator = registry.FindAccelerator(pool.accelerator);
  if (accelerator == nullptr) return 0.0;
  return EstimatePriceCnyPerDeviceHour(registry.pricing(), *accelerator, center.pue,
                                       CenterTariffCnyPerKwh(registry, center));
}

}  // namespace zhisuan::accounting
