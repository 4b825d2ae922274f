// sim/scenario.h — what-if edits of the network for a simulation: added centers, scaled tariffs, failures.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/registry.h"
#include "sim/engine.h"

namespace zhisuan::sim {

// "CENTER@HOURS" or "CENTER@HOURS+DURATION_HOURS" (hours after the first arrival).
Result<Failure> ParseFailure(const std::string& text);

// "1,2,3", "1-5" or a mix ("1-3,7"): the seeds of replicated runs, in the order given, each once; at most
// 1,000.
Result<std::vector<uint64_t>> ParseSeeds(const std::string& text);

// "MTBF_H" or "MTBF_H:MTTR_H" (MTTR defaults to 4 h): mean hours between failures of a center, and to repair.
Result<std::pair<double, double>> ParseRandomFailures(const std::string& text);

// Applies "PROVINCE=FACTOR" tariff scalings and centers from YAML files (`centers: [...]`, the schema of
// data/centers.yaml) to a copy of `base`. Prices that were estimated follow the new tariffs.
Result<Registry> ApplyWhatIf(const Registry& base, const std::vector<std::string>& tariff_scales,
                             const std::vector<std::string>& center_files);

}  // namespace zhisuan::sim
