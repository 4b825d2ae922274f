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
// Jobs placed in one pass of the loop, and jobs polled in one pass.
inline constexpr size_t kMaxPerPass = 512;
inline constexpr size_t kMaxPolledPerPass = 50000;

struct JobService::Live {
  JobRecord rec;
  Job job;
  std::vector<std::pair<uint32_t, int64_t>> shares;  // snapshot pool index, devices held
  std::vector<int> device_ids;
  double release_at = 0;  // when the shares were booked to come back in the snapshot's release schedule
  // capacity_generation_ when placement last found no place for the job: it is not tried again until capacity
  // frees, a center comes back or quotas change (placement can only get harder in between).
  uint64_t tried_at_generation = 0;
  bool tried = false;
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
