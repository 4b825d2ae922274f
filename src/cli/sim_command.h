// cli/sim_command.h — `zhisuan sim`: replays a trace through the network under several policies.
#pragma once

#include <string>
#include <vector>

#include "model/registry.h"

namespace zhisuan::cli {

struct SimArgs {
  std::string trace;
  std::string format = "auto";
  std::string policies = "lowest-cost,nearest-data,least-loaded,first-fit,random";
  std::string objective = "cost";
  uint64_t seed = 1;
  std::string seeds;  // "1-5" or "1,2,3": replicated runs (the first is the report's main run)
  double time_scale = 1;
  double load_scale = 1;
  double sample_h = 1;
  std::vector<std::string> failures;
  std::string random_failures;  // "MTBF_H[:MTTR_H]"
  std::vector<std::string> add_centers;
  std::vector<std::string> tariff_scales;
  bool strict = false;
  std::string report_dir;
  bool json = false;
};

// Runs the simulation and prints the policy table (or the report JSON); returns the exit code.
int RunSim(const Registry& registry, const SimArgs& args);

}  // namespace zhisuan::cli
