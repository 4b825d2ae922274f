// bench/synthetic.h — synthetic compute networks and job mixes for the placement and simulator benchmarks,
// built on the shipped accelerators, regions, hubs and coefficients with seeded random centers.
#pragma once

#include <cstdint>
#include <vector>

#include "model/job.h"
#include "model/registry.h"

namespace zhisuan::bench {

// `centers` centers, 1-4 pools each of 8-2048 devices of mixed accelerators, in random provinces; the
// shipped placement coefficients unless `placement` is given.
Registry SyntheticNetwork(const Registry& shipped, int centers, uint64_t seed,
                          const PlacementParams* placement = nullptr);

// Train/infer jobs of 8-64 devices allowing two or three of the network's models, some with data, residency
// and deadlines.
std::vector<Job> SyntheticJobs(const Registry& network, int count, uint64_t seed);

}  // namespace zhisuan::bench
