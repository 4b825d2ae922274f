// accounting/energy.h — energy, carbon and price of device-hours.
#pragma once

#include "model/registry.h"

namespace zhisuan::accounting {

// Facility energy of one device running for one hour at its TDP: TDP (kW) x PUE, in kWh.
double DeviceHourEnergyKwh(const Accelerator& accelerator, double pue);

// Carbon of `energy_kwh`: energy x (1 - green share) x grid factor, in kg CO2.
double CarbonKg(double energy_kwh, double green_share, double grid_kg_per_kwh);

// The flat tariff a center pays, CNY/kWh: its own when published, else its province's.
double CenterTariffCnyPerKwh(const Registry& registry, const Center& center);

// Grid carbon factor of the center's province, kg CO2 per kWh.
double CenterGridFactor(const Registry& registry, const Center& center);

// The documented estimate of a tenant price per device-hour (data/pricing.yaml):
// (capex / (life x 8760 h x utilisation) + TDP kW x PUE x tariff) x (1 + margin), in CNY.
double EstimatePriceCnyPerDeviceHour(const PricingParams& params, const Accelerator& accelerator, double pue,
                                     double tariff_cny_per_kwh);

// The pool's price per device-hour: published when given, else the estimate.
double PoolPriceCnyPerDeviceHour(const Registry& registry, const Center& center, const Pool& pool);

}  // namespace zhisuan::accounting
