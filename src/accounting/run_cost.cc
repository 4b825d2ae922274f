#include "accounting/run_cost.h"

#include <cmath>

namespace zhisuan::accounting {
namespace {

// Integral of the multiplier from local midnight to `hour_of_day` (0..24).
double DayIntegral(const std::vector<TouPeriod>& periods, double hour_of_day) {
  double sum = 0;
  for (const TouPeriod& p : periods) {
    const double lo = p.start_hour;
    const double hi = std::min<double>(p.end_hour, hour_of_day);
    if (hi > lo) sum += (hi - lo) * p.multiplier;
  }
  return sum;
}

double Integral(const std::vector<TouPeriod>& periods, double t_h) {
  const double days = std::floor(t_h / 24.0);
  return days * DayIntegral(periods, 24.0) + DayIntegral(periods, t_h - days * 24.0);
}

}  // namespace

double AverageTouMultiplier(const std::vector<TouPeriod>& periods, double local_start_h, double duration_h) {
  if (periods.empty()) return 1.0;
  if (duration_h <= 0) {
    const double h = local_start_h - std::floor(local_start_h / 24.0) * 24.0;
    for (const TouPeriod& p : periods) {
      if (h >= p.start_hour && h < p.end_hour) return p.multiplier;
    }
    return 1.0;
  }
  return (Integral(periods, local_start_h + duration_h) - Integral(periods, local_start_h)) / duration_h;
}

double LocalHours(double unix_s, double utc_offset_h) { return unix_s / 3600.0 + utc_offset_h; }

RunCost CostOfRun(std::span<const PoolRun> pools, double run_h, double local_start_h, const Tariff& tariff,
                  double transfer_fee_cny) {
  RunCost c;
  for (const PoolRun& p : pools) {
    const double device_hours = static_cast<double>(p.devices) * run_h;
    c.device_hours += device_hours;
    c.energy_kwh += device_hours * p.energy_kwh_per_device_hour;
    c.price_cny += device_hours * p.price_cny_per_device_hour;
    c.carbon_kg += device_hours * p.carbon_kg_per_device_hour;
  }
  const double multiplier =
      tariff.periods == nullptr ? 1.0 : AverageTouMultiplier(*tariff.periods, local_start_h, run_h);
  c.energy_cny = c.energy_kwh * tariff.cny_per_kwh * multiplier;
  c.transfer_fee_cny = transfer_fee_cny;
  return c;
}

int64_t Fen(double cny) { return std::llround(cny * 100); }

}  // namespace zhisuan::accounting
