// model/registry.h — the registry of compute supply: every accelerator, region, hub, cluster, center and the
// network model, with id lookups. Built only by LoadRegistry (model/loader.h), which validates every
// reference, so a Registry in hand is consistent: every id a center names exists.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/types.h"

namespace zhisuan {

class Registry {
 public:
  Registry() = default;
  Registry(std::vector<Accelerator> accelerators, std::vector<Region> regions, std::vector<Hub> hubs,
           std::vector<Cluster> clusters, std::vector<Center> centers, NetworkModel network,
           PricingParams pricing, PlacementParams placement = {});

  const std::vector<Accelerator>& accelerators() const { return accelerators_; }
  const std::vector<Region>& regions() const { return regions_; }
  const std::vector<Hub>& hubs() const { return hubs_; }
  const std::vector<Cluster>& clusters() const { return clusters_; }
  const std::vector<Center>& centers() const { return centers_; }
  const NetworkModel& network() const { return network_; }
  const PricingParams& pricing() const { return pricing_; }
  const PlacementParams& placement() const { return placement_; }

  // Lookups return nullptr when the id is unknown. Pointers stay valid while the Registry lives unmoved.
  const Accelerator* FindAccelerator(std::string_view id) const;
  const Region* FindRegion(std::string_view id) const;
  const Hub* FindHub(std::string_view id) const;
  const Cluster* FindCluster(std::string_view id) const;
  const Center* FindCenter(std::string_view id) const;

  // The hub whose provinces include `province`, or nullptr.
  const Hub* HubOfProvince(std::string_view province) const;

  // Mutable access for runtime state (center state, free devices); ids and pools' shape stay fixed.
  Center* MutableCenter(std::string_view id);

 private:
  void BuildIndex();

  std::vector<Accelerator> accelerators_;
  std::vector<Region> regions_;
  std::vector<Hub> hubs_;
  std::vector<Cluster> clusters_;
  std::vector<Center> centers_;
  NetworkModel network_;
  PricingParams pricing_;
  PlacementParams placement_;
  std::unordered_map<std::string, size_t> accelerator_index_;
  std::unordered_map<std::string, size_t> region_index_;
  std::unordered_map<std::string, size_t> hub_index_;
  std::unordered_map<std::string, size_t> cluster_index_;
  std::unordered_map<std::string, size_t> center_index_;
};

}  // namespace zhisuan
