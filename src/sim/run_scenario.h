// sim/run_scenario.h — one what-if end to end, as `zhisuan sim` and POST /api/v1/simulations run it: the
// trace validated once, then per seed the offline bound, every policy and the time-indexed bound, into a
// RunReport (sim/report.h). Progress is reported after each of those steps; a cancel flag stops between them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/report.h"

namespace zhisuan::sim {

struct Scenario {
  std::string trace;            // a path
  std::string format = "auto";  // philly, alibaba, jsonl or auto
  std::vector<std::string> policies = {"lowest-cost", "nearest-data", "least-loaded", "first-fit", "random"};
  std::string objective = "cost";
  std::vector<uint64_t> seeds = {1};  // the first is the report's main run, the others replicas
  double time_scale = 1;
  double load_scale = 1;
  double sample_h = 1;
  std::vector<std::string> failures;  // CENTER@HOURS[+DURATION]
  std::string random_failures;        // MTBF_H[:MTTR_H]
  std::vector<std::string> add_centers;
  std::vector<std::string> tariff_scales;
  bool strict = false;
};

// Checks what needs no trace (policies, objective, scales, failures) and names the field of the first
// problem.
Status CheckScenario(const Scenario& scenario);

// `progress(done, total)` after each step (total = seeds x (policies + 2)); `cancel` (may be null) is read
// between steps and stops the run with kConflict "cancelled".
Result<RunReport> RunScenario(const Registry& base, const Scenario& scenario,
                              const std::function<void(int done, int total)>& progress = {},
                              const std::atomic<bool>* cancel = nullptr);

}  // namespace zhisuan::sim
