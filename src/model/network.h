// model/network.h — round-trip times between provinces from the network model.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/registry.h"

namespace zhisuan {

// A dense RTT table over the registry's regions, in ms. Built once; lookups are O(1) by region index.
class RttMatrix {
 public:
  explicit RttMatrix(const Registry& registry);

  // RTT between two provinces by id; nullopt when either is unknown.
  std::optional<double> RttMs(std::string_view a, std::string_view b) const;
  // True when the value comes from a measured point rather than the distance model.
  bool Measured(std::string_view a, std::string_view b) const;

 private:
  std::optional<size_t> IndexOf(std::string_view id) const;

  std::vector<std::string> ids_;
  std::vector<double> rtt_ms_;  // ids_.size() squared, row-major
  std::vector<bool> measured_;
};

// The distance model alone: 2 x distance x route factor / fibre speed + overhead (intra-province: fixed).
double ModelRttMs(const NetworkModel& model, const Region& a, const Region& b);

}  // namespace zhisuan
