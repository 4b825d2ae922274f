#include "placement/snapshot.h"

#include <algorithm>
#include <cmath>

#include "accounting/energy.h"
#include "accounting/flops.h"
#include "model/network.h"

namespace zhisuan::placement {
namespace {

// Maps each id to its first index.
template <typename T, typename Id>
void IndexIds(const std::vector<T>& items, Id id, IdIndex& ids) {
  ids = IdIndex();
  for (size_t i = 0; i < items.size(); ++i) ids.Add(id(items[i]), static_cast<int32_t>(i));
}

}  // namespace

Snapshot Snapshot::Build(const Registry& registry) {
  Snapshot s;
  s.params_ = registry.placement();
  for (const Accelerator& a : registry.accelerators()) {
    AcceleratorInfo info{a.id, {}, a.memory_gb, a.tdp_w, a.domestic()};
    for (Precision p : {Precision::kFp64, Precision::kFp32, Precision::kFp16}) {
      const auto peak = accounting::PeakTflops(a, p);
      info.peak_tflops[static_cast<size_t>(p)] = peak.value_or(-1.0);
    }
    s.accelerators_.push_back(std::move(info));
  }
  for (const Region& r : registry.regions()) s.provinces_.push_back(r.id);
  for (const Hub& h : registry.hubs()) s.hubs_.push_back(h.id);
  auto self = [](const std::string& id) -> const std::string& { return id; };
  IndexIds(
      s.accelerators_, [](const AcceleratorInfo& a) -> const std::string& { return a.id; },
      s.accelerator_ids_);
  IndexIds(s.provinces_, self, s.province_ids_);
  IndexIds(s.hubs_, self, s.hub_ids_);
  const RttMatrix rtt(registry);
  const size_t n = s.provinces_.size();
  s.rtt_ms_.resize(n * n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j)
      s.rtt_ms_[i * n + j] = static_cast<float>(*rtt.RttMs(s.provinces_[i], s.provinces_[j]));
  }
  std::vector<int32_t> tou_of_region(registry.regions().size(), kNone);
  for (size_t i = 0; i < registry.regions().size(); ++i) {
    const auto& periods = registry.regions()[i].tariff.periods;
    if (periods.empty()) continue;
    tou_of_region[i] = static_cast<int32_t>(s.tou_tables_.size());
    s.tou_tables_.push_back(periods);
  }
  const double host = 1.0 + s.params_.host_overhead;
  for (const Center& c : registry.centers()) {
    CenterInfo ci;
    ci.id = c.id;
    ci.province = s.ProvinceIndex(c.province);
    ci.hub = c.hub ? s.HubIndex(*c.hub) : kNone;
    ci.state = c.state;
    ci.in_service = c.AnyInService();
    ci.status = c.status.value;
    ci.status_since = c.status.since;
    ci.pue = c.pue;
    ci.green_share = c.green_share;
    ci.grid_kg_per_kwh = accounting::CenterGridFactor(registry, c);
    ci.tariff_cny_per_kwh = accounting::CenterTariffCnyPerKwh(registry, c);
    // A center's own published tariff is flat; the province's time-of-use periods apply otherwise.
    ci.tou = c.tariff_cny_per_kwh ? kNone : tou_of_region[static_cast<size_t>(ci.province)];
    ci.uplink_gbps = c.uplink_gbps;
    ci.first_pool = static_cast<uint32_t>(s.pools_.size());
    ci.pool_count = static_cast<uint32_t>(c.pools.size());
    for (const Pool& p : c.pools) {
      PoolInfo pi;
      pi.center = static_cast<uint32_t>(s.centers_.size());
      pi.accelerator = static_cast<uint32_t>(s.AcceleratorIndex(p.accelerator));
      pi.devices = p.devices;
      pi.free_devices = p.free_devices;
      pi.in_service = c.InService(p);
      pi.status = c.StatusOf(p).value;
      pi.price_cny_per_device_hour = accounting::PoolPriceCnyPerDeviceHour(registry, c, p);
      pi.energy_kwh_per_device_hour = s.accelerators_[pi.accelerator].tdp_w / 1000.0 * host * c.pue;
      pi.carbon_kg_per_device_hour =
          accounting::CarbonKg(pi.energy_kwh_per_device_hour, c.green_share, ci.grid_kg_per_kwh);
      s.pools_.push_back(std::move(pi));
    }
    s.centers_.push_back(std::move(ci));
  }
  IndexIds(
      s.centers_, [](const CenterInfo& c) -> const std::string& { return c.id; }, s.center_ids_);
  for (PoolInfo& p : s.pools_) s.Rescore(p);
  s.BuildIndex();
  return s;
}

void Snapshot::BuildIndex() {
  const size_t n_acc = accelerators_.size();
  const size_t n_prov = provinces_.size();
  by_rtt_.assign(n_prov, {});
  for (size_t p = 0; p < n_prov; ++p) {
    for (uint32_t c = 0; c < centers_.size(); ++c) by_rtt_[p].push_back(c);
    std::ranges::stable_sort(by_rtt_[p], [&](uint32_t a, uint32_t b) {
      return RttMs(static_cast<int32_t>(p), centers_[a].province) <
             RttMs(static_cast<int32_t>(p), centers_[b].province);
    });
  }
  for (int k = 0; k < kRateKinds; ++k) {
    const auto kind = static_cast<RateKind>(k);
    auto& by_acc = index_[static_cast<size_t>(k)];
    auto& by_prov = by_province_[static_cast<size_t>(k)];
    by_acc.assign(n_acc, {});
    by_prov.assign(n_acc * n_prov, {});
    for (uint32_t p = 0; p < pools_.size(); ++p) {
      if (!pools_[p].in_service) continue;  // never a candidate: the indexed walks need not see it
      const RatedPool rated{Rate(pools_[p], kind), p};
      by_acc[pools_[p].accelerator].push_back(rated);
      by_prov[pools_[p].accelerator * n_prov + static_cast<size_t>(centers_[pools_[p].center].province)]
          .push_back(rated);
    }
    auto by_rate = [](const RatedPool& a, const RatedPool& b) {
      return a.rate != b.rate ? a.rate < b.rate : a.pool < b.pool;
    };
    for (auto& list : by_acc) std::ranges::sort(list, by_rate);
    for (auto& list : by_prov) std::ranges::sort(list, by_rate);
  }
}

int32_t Snapshot::ProvinceIndex(const std::string& id) const { return province_ids_.Find(id); }
int32_t Snapshot::HubIndex(const std::string& id) const { return hub_ids_.Find(id); }
int32_t Snapshot::AcceleratorIndex(const std::string& id) const { return accelerator_ids_.Find(id); }
int32_t Snapshot::CenterIndex(const std::string& id) const { return center_ids_.Find(id); }

void Snapshot::SetPoolState(uint32_t pool, int64_t free_devices, std::vector<Release> releases) {
  pools_[pool].free_devices = free_devices;
  pools_[pool].releases.Assign(std::move(releases));
  Rescore(pools_[pool]);
}

void Snapshot::Allocate(uint32_t pool, int64_t devices, double release_at_s) {
  pools_[pool].free_devices -= devices;
  pools_[pool].releases.Add(release_at_s, devices);
  Rescore(pools_[pool]);
}

void Snapshot::Free(uint32_t pool, int64_t devices, double release_at_s) {
  pools_[pool].free_devices += devices;
  pools_[pool].releases.Remove(release_at_s, devices);
  Rescore(pools_[pool]);
}

void Snapshot::Rescore(PoolInfo& p) const {
  if (params_.scarcity_weight <= 0 || p.devices <= 0) {
    p.scarcity_cny_per_device_hour = 0;
    return;
  }
  const double taken = static_cast<double>(p.devices - p.free_devices + p.queued_devices);
  const double u = std::clamp(taken / static_cast<double>(p.devices), 0.0, 2.0);
  const double k = params_.scarcity_steepness;
  p.scarcity_cny_per_device_hour =
      params_.scarcity_weight * p.price_cny_per_device_hour * std::expm1(k * u) / std::expm1(k);
}

size_t Snapshot::MemoryBytes() const {
  size_t bytes = sizeof(*this);
  for (const auto& a : accelerators_) bytes += sizeof(a) + a.id.capacity();
  for (const auto& c : centers_) bytes += sizeof(c) + (c.id.capacity() > 15 ? c.id.capacity() : 0);
  for (const auto& p : pools_) bytes += sizeof(p) + p.releases.MemoryBytes();
  for (const auto& s : provinces_) bytes += sizeof(s) + s.capacity();
  for (const auto& s : hubs_) bytes += sizeof(s) + s.capacity();
  bytes += rtt_ms_.capacity() * sizeof(float);
  for (const IdIndex* ids : {&accelerator_ids_, &province_ids_, &hub_ids_, &center_ids_})
    bytes += ids->MemoryBytes();
  for (const auto& kind : index_) {
    for (const auto& list : kind) bytes += sizeof(list) + list.capacity() * sizeof(RatedPool);
  }
  for (const auto& kind : by_province_) {
    for (const auto& list : kind) bytes += sizeof(list) + list.capacity() * sizeof(RatedPool);
  }
  return bytes;
}

}  // namespace zhisuan::placement
