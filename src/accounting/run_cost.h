// accounting/run_cost.h — what a run costs, in one place: the quote and the estimate at placement
// (placement::Evaluator), the bill of a finished job (lifecycle) and the simulator's totals all price a run
// with these functions. Energy is the devices' facility energy priced at the center's tariff with its
// time-of-use periods integrated over the run's own hours (local clock); the tenant pays the pools' price per
// device-hour plus the fee for moving its input data.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/types.h"

namespace zhisuan::accounting {

// Average time-of-use multiplier over [start, start + duration) hours of local clock time (hours since local
// midnight of day 0 may exceed 24). Flat (1.0) for an empty table; a run of no length takes the multiplier in
// force at its start.
double AverageTouMultiplier(const std::vector<TouPeriod>& periods, double local_start_h, double duration_h);

// `unix_s` on the local clock the tariff periods are written in: hours since the epoch's local midnight.
double LocalHours(double unix_s, double utc_offset_h);

// Devices of one pool and that pool's rates.
struct PoolRun {
  int64_t devices = 0;
  double energy_kwh_per_device_hour = 0;
  double price_cny_per_device_hour = 0;
  double carbon_kg_per_device_hour = 0;
};

// Where the run's energy is bought: the center's flat tariff and its time-of-use periods (null or empty:
// flat).
struct Tariff {
  double cny_per_kwh = 0;
  const std::vector<TouPeriod>* periods = nullptr;
};

struct RunCost {
  double device_hours = 0;
  double energy_kwh = 0;
  double carbon_kg = 0;
  double energy_cny = 0;        // the center's cost of that energy
  double price_cny = 0;         // the tenant's price for the compute
  double transfer_fee_cny = 0;  // the tenant's fee for moving its input data
  double tenant_cny() const { return price_cny + transfer_fee_cny; }
};

// The cost of running `pools` for `run_h` hours from `local_start_h` (LocalHours) under `tariff`, after
// moving data for `transfer_fee_cny`.
RunCost CostOfRun(std::span<const PoolRun> pools, double run_h, double local_start_h, const Tariff& tariff,
                  double transfer_fee_cny);

// Yuan as the integer fen bills are kept in, rounded half away from zero.
int64_t Fen(double cny);

}  // namespace zhisuan::accounting
