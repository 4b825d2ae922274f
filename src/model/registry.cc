#include "model/registry.h"

#include <algorithm>

namespace zhisuan {
namespace {

template <typename T>
void IndexById(const std::vector<T>& items, std::unordered_map<std::string, size_t>& index) {
  index.clear();
  for (size_t i = 0; i < items.size(); ++i) index.emplace(items[i].id, i);
}

template <typename T>
const T* Find(const std::vector<T>& items, const std::unordered_map<std::string, size_t>& index,
              std::string_view id) {
  const auto it = index.find(std::string(id));
  return it == index.end() ? nullptr : &items[it->second];
}

}  // namespace

Registry::Registry(std::vector<Accelerator> accelerators, std::vector<Region> regions, std::vector<Hub> hubs,
                   std::vector<Cluster> clusters, std::vector<Center> centers, NetworkModel network,
                   PricingParams pricing, PlacementParams placement)
    : accelerators_(std::move(accelerators)),
      regions_(std::move(regions)),
      hubs_(std::move(hubs)),
      clusters_(std::move(clusters)),
      centers_(std::move(centers)),
      network_(std::move(network)),
      pricing_(std::move(pricing)),
      placement_(std::move(placement)) {
  BuildIndex();
}

void Registry::BuildIndex() {
  IndexById(accelerators_, accelerator_index_);
  IndexById(regions_, region_index_);
  IndexById(hubs_, hub_index_);
  IndexById(clusters_, cluster_index_);
  IndexById(centers_, center_index_);
}

const Accelerator* Registry::FindAccelerator(std::string_view id) const {
  return Find(accelerators_, accelerator_index_, id);
}
const Region* Registry::FindRegion(std::string_view id) const { return Find(regions_, region_index_, id); }
const Hub* Registry::FindHub(std::string_view id) const { return Find(hubs_, hub_index_, id); }
const Cluster* Registry::FindCluster(std::string_view id) const {
  return Find(clusters_, cluster_index_, id);
}
const Center* Registry::FindCenter(std::string_view id) const { return Find(centers_, center_index_, id); }

Center* Registry::MutableCenter(std::string_view id) {
  return const_cast<Center*>(FindCenter(id));  // NOLINT: same object, non-const *this
}

const Hub* Registry::HubOfProvince(std::string_view province) const {
  for (const Hub& hub : hubs_) {
    if (std::ranges::find(hub.provinces, province) != hub.provinces.end()) return &hub;
  }
  return nullptr;
}

}  // namespace zhisuan
