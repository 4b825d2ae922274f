// placement/snapshot.h — a compact, immutable view of the network for placement: flat arrays of accelerators,
// centers and pools with their per-device-hour rates precomputed, the RTT matrix, and per-accelerator pool
// lists sorted by each static objective (the index that lets a decision skip most of the network). Pure data:
// no clock, no store, no I/O. The server, the simulator and the benchmarks build it from a Registry.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/registry.h"
#include "placement/release_schedule.h"
#include "util/id_index.h"

namespace zhisuan::placement {

inline constexpr int32_t kNone = -1;

struct AcceleratorInfo {
  std::string id;
  std::array<double, 3> peak_tflops{};  // by Precision; < 0 when unpublished
  double memory_gb = 0;
  double tdp_w = 0;
  bool domestic = false;  // its vendor is seated in China (Accelerator::domestic)
};

struct CenterInfo {
  std::string id;
  int32_t province = 0;  // index into Snapshot::provinces()
  int32_t hub = kNone;   // index into Snapshot::hubs()
  CenterState state = CenterState::kUp;
  // Not in service (planned, under construction, retired): no pool takes jobs. A center in service may still
  // have pools that are not (PoolInfo::in_service).
  bool in_service = true;
  Lifecycle status = Lifecycle::kInService;
  std::string status_since;
  double pue = 1;
  double green_share = 0;
  double grid_kg_per_kwh = 0;
  double tariff_cny_per_kwh = 0;  // flat
  int32_t tou = kNone;            // index into Snapshot::tou_tables(), kNone = flat all day
  double uplink_gbps = 100;
  uint32_t first_pool = 0;
  uint32_t pool_count = 0;
};

struct PoolInfo {
  uint32_t center = 0;
  uint32_t accelerator = 0;
  int64_t devices = 0;
  int64_t free_devices = 0;
  double price_cny_per_device_hour = 0;
  double energy_kwh_per_device_hour = 0;  // TDP x (1 + host overhead) x PUE
  double carbon_kg_per_device_hour = 0;
  ReleaseSchedule releases;  // running jobs' devices coming back
  // Devices that jobs already waiting for this pool will take first: a newcomer's start estimate counts them.
  int64_t queued_devices = 0;
  // The scarcity premium per device-hour at the pool's load (busy and queued devices), kept current by every
  // change of them: weight x price x (e^(k u) - 1) / (e^k - 1) (PlacementParams::scarcity_weight).
  double scarcity_cny_per_device_hour = 0;
  bool in_service = true;
  Lifecycle status = Lifecycle::kInService;
};

// A pool in a rate-sorted list, with its rate inline so a walk touches one array.
struct RatedPool {
  double rate = 0;
  uint32_t pool = 0;
};

// Static objectives whose score is a per-device-hour rate of the pool times device-hours, plus non-negative
// terms.
enum class RateKind { kPrice = 0, kEnergy = 1, kCarbon = 2 };
inline constexpr int kRateKinds = 3;

class Snapshot {
 public:
  // Builds from the registry's centers with their current free devices. `registry` need not outlive it.
  static Snapshot Build(const Registry& registry);

  const std::vector<AcceleratorInfo>& accelerators() const { return accelerators_; }
  const std::vector<CenterInfo>& centers() const { return centers_; }
  const std::vector<PoolInfo>& pools() const { return pools_; }
  const std::vector<std::string>& provinces() const { return provinces_; }
  const std::vector<std::string>& hubs() const { return hubs_; }
  const std::vector<std::vector<TouPeriod>>& tou_tables() const { return tou_tables_; }
  const PlacementParams& params() const { return params_; }

  double RttMs(int32_t a, int32_t b) const { return rtt_ms_[static_cast<size_t>(a) * provinces_.size() + b]; }
  int32_t ProvinceIndex(const std::string& id) const;
  int32_t HubIndex(const std::string& id) const;
  int32_t AcceleratorIndex(const std::string& id) const;
  int32_t CenterIndex(const std::string& id) const;

  // Pools of an accelerator sorted by a static rate (ascending), over all provinces or one.
  const std::vector<RatedPool>& PoolsByRate(uint32_t accelerator, RateKind kind) const {
    return index_[static_cast<size_t>(kind)][accelerator];
  }
  const std::vector<RatedPool>& PoolsByRate(uint32_t accelerator, int32_t province, RateKind kind) const {
    return by_province_[static_cast<size_t>(kind)]
                       [accelerator * provinces_.size() + static_cast<size_t>(province)];
  }
  // Centers in order of RTT from a province (ties by index): the nearest first.
  const std::vector<uint32_t>& CentersByRtt(int32_t province) const {
    return by_rtt_[static_cast<size_t>(province)];
  }
  static double Rate(const PoolInfo& pool, RateKind kind) {
    switch (kind) {
      case RateKind::kPrice:
        return pool.price_cny_per_device_hour;
      case RateKind::kEnergy:
        return pool.energy_kwh_per_device_hour;
      case RateKind::kCarbon:
        return pool.carbon_kg_per_device_hour;
    }
    return 0;
  }

  // Runtime state for the lifecycle and the simulator: free devices and the release schedule of a pool, the
  // state of a center.
  void SetPoolState(uint32_t pool, int64_t free_devices, std::vector<Release> releases);
  // Incremental changes for an event-driven caller: devices taken now and given back at `release_at_s`, and
  // their return.
  void Allocate(uint32_t pool, int64_t devices, double release_at_s);
  void Free(uint32_t pool, int64_t devices, double release_at_s);
  // Jobs begin or stop waiting for a pool (`devices` > 0 when they begin).
  void Queue(uint32_t pool, int64_t devices) {
    pools_[pool].queued_devices += devices;
    Rescore(pools_[pool]);
  }
  void SetCenterState(uint32_t center, CenterState state) { centers_[center].state = state; }

  // Bytes held, for the memory target of the benchmarks.
  size_t MemoryBytes() const;

 private:
  void BuildIndex();
  // Recomputes the pool's scarcity premium after its load changed.
  void Rescore(PoolInfo& pool) const;

  std::vector<AcceleratorInfo> accelerators_;
  std::vector<CenterInfo> centers_;
  std::vector<PoolInfo> pools_;
  std::vector<std::string> provinces_;
  std::vector<std::string> hubs_;
  std::vector<std::vector<TouPeriod>> tou_tables_;
  std::vector<float> rtt_ms_;  // provinces squared
  // Id -> index of accelerators, provinces, hubs and centers (Prepare resolves a job's names on every
  // arrival).
  IdIndex accelerator_ids_, province_ids_, hub_ids_, center_ids_;
  PlacementParams params_;
  // index_[kind][accelerator] and by_province_[kind][accelerator * provinces + province]: pool ids by rate.
  std::array<std::vector<std::vector<RatedPool>>, kRateKinds> index_;
  std::array<std::vector<std::vector<RatedPool>>, kRateKinds> by_province_;
  std::vector<std::vector<uint32_t>> by_rtt_;  // per province
};

}  // namespace zhisuan::placement
