// lifecycle/live.h — the in-memory side of an unfinished job (internal to the lifecycle module).
#pragma once

#include <future>
#include <string>
#include <utility>
#include <vector>

#include "lifecycle/service.h"

namespace zhisuan::lifecycle {

// Pools with at most this many devices get device ids (ZHISUAN_VISIBLE_DEVICES); larger ones are simulated
// fleets.
inline constexpr int64_t kMaxTrackedDevices = 4096;
// Jobs handed to the scheduler core in one pass of the loop, and jobs polled in one pass.
inline constexpr size_t kMaxPerPass = 512;
inline constexpr size_t kMaxPolledPerPass = 50000;

struct JobService::Live {
  JobRecord rec;
  Job job;
  std::vector<std::pair<uint32_t, int64_t>> shares;  // snapshot pool index, devices held
  std::vector<int> device_ids;
  schedule::Ticket ticket = schedule::kNoTicket;  // in the scheduler core, from Enter to Release
  double run_s = -1;            // the decision's modelled run time (-1: read it from the decision)
  double transfer_fee_cny = 0;  // the decision's data transfer fee, billed when the job ends
  bool dispatching = false;     // being submitted to its backend outside the lock
};

struct JobService::Pending {
  NewJob job;
  Job parsed;
  std::promise<Result<Accepted>> done;
};

}  // namespace zhisuan::lifecycle
