// sim/engine.h — the discrete-event simulation of the compute network on a virtual clock. Events: job
// arrival, job finish, center down and up (scheduled failures), and utilisation samples. Data transfers and
// time-of-use tariff periods are integrated analytically into each placement (placement/evaluate.h): a job's
// start waits for its transfer, its energy cost averages the tariff over its run window. The engine calls the
// very placement code the server runs (placement::Policy on a placement::Snapshot).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "placement/policy.h"
#include "sim/trace.h"

namespace zhisuan::sim {

struct Failure {
  std::string center;
  double at_s = 0;  // simulated seconds after the first arrival
  double duration_s = std::numeric_limits<double>::infinity();
};

// A job's run as the simulator ends it: for observers (a per-job log, the live-versus-simulator test).
struct JobRun {
  int64_t ordinal = 0;  // the job's place in the trace's arrival order, from 0
  const placement::Candidate* placement = nullptr;
  double start_s = 0;   // seconds since the epoch
  double finish_s = 0;  // seconds since the epoch
};

struct SimOptions {
  std::string policy = "lowest-cost";
  placement::Objective objective;
  uint64_t seed = 1;
  double time_scale = 1.0;  // arrivals are divided by it (2 = the trace in half the time)
  double load_scale = 1.0;  // jobs per trace row (TraceFile::Stream); recorded here, applied by the stream
  double start_epoch_s =
      1.7040348e9;  // 2024-01-01 00:00 China Standard Time: places the run in tariff periods
  std::vector<Failure> failures;
  // Seeded random failures: every center fails after an exponential time with this mean, and is repaired
  // after an exponential time with mean random_mttr_h. 0 turns them off.
  double random_mtbf_h = 0;
  double random_mttr_h = 4;
  double sample_interval_s = 3600;  // utilisation samples; 0 turns them off; past 20,000 samples every other
                                    // one is dropped and the interval doubles (bounded memory)
  int max_pending_tries = 64;       // jobs without a candidate re-tried per capacity change
  std::function<void(const JobRun&)> on_finish;  // each completed job; empty: none
};

struct Sample {
  double t_h = 0;
  std::vector<double> hub_utilisation;  // busy / total devices per hub, then one for centers outside the hubs
  std::vector<float> center_utilisation;  // busy / total devices per center (SimResult::center_ids)
  double busy_share = 0;                  // of all devices
  int64_t running = 0;
  int64_t pending = 0;
};

struct Distribution {
  double mean = 0, p50 = 0, p95 = 0, p99 = 0;
};

struct SimResult {
  std::string policy;
  int64_t jobs = 0;
  int64_t completed = 0;
  int64_t unplaceable = 0;  // no feasible pool even on an empty network (e.g. latency SLO unmet anywhere)
  int64_t pending_at_end = 0;
  int64_t moved_by_failures = 0;
  double lost_price_cny = 0;  // price of the work failures destroyed: not billed to tenants
  int64_t deadline_misses = 0;
  int64_t slo_jobs = 0;    // jobs with a latency SLO; those placed always run within it
  int64_t slo_misses = 0;  // jobs with a latency SLO that no center could serve within it (also unplaceable)
  double tenant_cost_cny = 0;  // price + transfer fees of completed jobs
  double price_cny = 0;
  double transfer_fee_cny = 0;
  double energy_kwh = 0;
  double energy_cny = 0;
  double carbon_t = 0;
  double device_hours = 0;
  Distribution queue_delay_h;
  Distribution jct_h;
  double fairness_jain = 0;  // over tenants, of mean run time / job completion time
  // East-to-west (东数西算): shares of device-hours, energy and cost that ran in western hubs, and of the
  // jobs whose data lives outside the western hubs that ran there.
  double west_device_hours_share = 0;
  double west_energy_share = 0;
  double west_cost_share = 0;
  double east_data_jobs_to_west_share = 0;
  std::vector<std::string> hub_ids;        // names of Sample::hub_utilisation, last "none"
  std::vector<double> center_utilisation;  // mean busy share per center over the run
  std::vector<std::string> center_ids;
  std::vector<Sample> samples;
  double makespan_h = 0;
  double last_arrival_h = 0;  // when the last job arrived: samples up to it show the network under the load
  int64_t events = 0;
};

// Runs `source` through the network. `registry` gives the initial state; nothing of it is modified.
Result<SimResult> Simulate(const Registry& registry, JobSource& source, const SimOptions& options);

}  // namespace zhisuan::sim
