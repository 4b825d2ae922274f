// model/types.h — the plain types of the compute-network registry. No behaviour beyond lookups;
// accounting/ computes FLOPS, energy, carbon and prices from these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/geo.h"

namespace zhisuan {

enum class Precision { kFp64, kFp32, kFp16 };
enum class DeviceClass { kGpu, kNpu, kDcu, kXpu, kCpu };
enum class CenterKind { kIntelligent, kSuper, kGeneral, kEdge };
enum class CenterState { kUp, kDraining, kDown };
enum class BackendKind { kSim, kLocal, kSlurm };
// Who built a center, in the categories seed 001:8 counts 智算中心 by: local government, basic telecom
// carrier, internet and cloud company, and the rest.
enum class BuilderType { kGovernment, kCarrier, kCloud, kOther };
// Where a center or pool is in its life: only capacity in service takes jobs and counts in the statistics by
// default; planned and building capacity are shown apart.
enum class Lifecycle { kPlanned, kBuilding, kInService, kRetired };

// Where a figure comes from. `estimated` marks a derived value; `derivation` says how it was derived.
struct Provenance {
  std::string source;
  bool estimated = false;
  std::string derivation;
};

// A CPU server: its peak follows chips x FLOPs per cycle x frequency x cores (seed 004).
struct CpuSpec {
  int chips = 0;
  int cores_per_chip = 0;
  double frequency_ghz = 0;
  double fp64_flops_per_cycle = 0;  // per core
  double fp32_flops_per_cycle = 0;  // per core
};

struct Accelerator {
  std::string id;
  std::string name;
  std::string vendor;
  // Where the vendor is headquartered (ISO 3166 alpha-2, from the vendors list; empty when the data names no
  // vendors) and the source of that. A vendor in China makes the device domestic (国产).
  std::string vendor_country;
  Provenance vendor_provenance;
  DeviceClass device_class = DeviceClass::kGpu;
  // Published dense peaks per device; nullopt where the vendor publishes none. Unused for CPU servers.
  std::optional<double> fp64_tflops;
  std::optional<double> fp32_tflops;
  std::optional<double> fp16_tflops;
  std::optional<CpuSpec> cpu;  // set for CPU servers
  double memory_gb = 0;        // device memory (accelerators) or server memory (CPU servers)
  double tdp_w = 0;            // per device, or per server for CPU servers
  Provenance provenance;

  bool domestic() const { return vendor_country == "CN"; }
};

// One time-of-use period: [start_hour, end_hour) local time, tariff = flat x multiplier.
struct TouPeriod {
  std::string label;  // "peak", "flat", "valley"
  int start_hour = 0;
  int end_hour = 24;
  double multiplier = 1.0;
};

struct Tariff {
  double flat_cny_per_kwh = 0;
  std::vector<TouPeriod> periods;  // empty: flat all day
  Provenance provenance;
};

struct Region {
  std::string id;  // "guangdong"
  std::string name_zh;
  std::string name_en;
  std::string capital;
  geo::LatLon capital_location;
  std::string grid;             // regional grid id, e.g. "south"
  double gdp_trillion_cny = 0;  // economic weight (0 when not given)
  Provenance gdp_provenance;
  double carbon_kg_per_kwh = 0;
  Provenance carbon_provenance;
  Tariff tariff;
  Provenance provenance;  // of the coordinates and names
};

struct Hub {
  std::string id;
  std::string name_zh;
  std::string name_en;
  bool west = false;  // one of the four western hubs of 东数西算
  std::vector<std::string> provinces;
  Provenance provenance;
};

struct Cluster {
  std::string id;
  std::string name_zh;
  std::string name_en;
  std::string hub;
  std::vector<std::string> provinces;
  std::vector<std::string> cities;
  std::optional<double> pue_target;
  Provenance provenance;
};

// A center's or pool's lifecycle status, since when (YYYY, YYYY-MM or YYYY-MM-DD; empty when not published)
// and its source.
struct LifecycleStatus {
  Lifecycle value = Lifecycle::kInService;
  std::string since;
  Provenance provenance;
};

struct Pool {
  std::string accelerator;  // Accelerator::id
  int64_t devices = 0;
  int devices_per_node = 1;
  int64_t free_devices = 0;
  std::optional<double> price_cny_per_device_hour;  // nullopt: estimated by accounting::EstimatePrice
  std::optional<LifecycleStatus> status;            // nullopt: the center's
  Provenance provenance;
};

struct Center {
  std::string id;
  std::string name;  // Chinese name as published
  std::string name_en;
  CenterKind kind = CenterKind::kIntelligent;
  std::string province;  // Region::id
  std::string city;
  std::optional<std::string> hub;      // Hub::id, when the province belongs to a hub
  std::optional<std::string> cluster;  // Cluster::id, when the center lies in a cluster's area
  double pue = 1.5;
  Provenance pue_provenance;
  double green_share = 0;  // share of contracted green power beyond the grid mix, 0..1
  Provenance green_provenance;
  std::optional<double> tariff_cny_per_kwh;  // overrides the region's flat tariff
  double uplink_gbps = 100;
  std::string published_compute;  // the compute figure as published, e.g. "1000 P AI"
  std::vector<Pool> pools;
  BackendKind backend = BackendKind::kSim;
  CenterState state = CenterState::kUp;
  LifecycleStatus status;  // not given in the data: in service, marked as assumed
  struct Builder {
    BuilderType type = BuilderType::kOther;
    std::string name;  // who, as published (中国移动, 阿里云, 武汉市人民政府)
    Provenance provenance;
  };
  std::optional<Builder> builder;
  Provenance provenance;

  const LifecycleStatus& StatusOf(const Pool& pool) const { return pool.status ? *pool.status : status; }
  bool InService(const Pool& pool) const { return StatusOf(pool).value == Lifecycle::kInService; }
  bool AnyInService() const {
    for (const Pool& p : pools) {
      if (InService(p)) return true;
    }
    return false;
  }
};

struct MeasuredRtt {
  std::string a;  // Region::id
  std::string b;
  double rtt_ms = 0;
  Provenance provenance;
};

// RTT between provinces: great-circle distance between capitals x route factor / speed in fibre, twice,
// plus a fixed overhead; measured points override the model.
struct NetworkModel {
  double fibre_km_per_ms = 200;
  double route_factor = 1.5;
  double overhead_ms = 0.5;
  double intra_province_rtt_ms = 2.0;
  std::vector<MeasuredRtt> measured;
  Provenance provenance;
};

// Parameters of the documented price-per-device-hour estimate (accounting::EstimatePrice).
struct PricingParams {
  double capex_cny_per_fp16_tflops = 500;  // accelerator capex incl. host share
  double capex_cny_per_fp32_tflops_cpu = 10000;
  double life_years = 5;
  double utilisation = 0.6;
  double margin = 0.3;
  Provenance provenance;
};

// Coefficients of the placement cost model (data/placement.yaml); every one configurable.
struct PlacementParams {
  // Effective share of peak a job of each kind reaches (train, infer, hpc, batch).
  double efficiency_train = 0.4;
  double efficiency_infer = 0.25;
  double efficiency_hpc = 0.7;
  double efficiency_batch = 0.5;
  double host_overhead = 0.25;           // host power as a share of accelerator TDP
  double transfer_fee_cny_per_gb = 0.2;  // between provinces; none within one
  double inter_province_gbps = 10;       // bottleneck of a transfer between provinces
  double max_wait_h = 2;                 // how long a job without deadline may wait for a cheaper pool
  // The scarcity premium: an opportunity cost per device-hour added to the cost objective (never billed) as a
  // pool fills, weight x the pool's price x (e^(steepness x u) - 1) / (e^steepness - 1) at its utilisation u
  // (busy and queued devices over devices, before the job); 0 turns it off.
  double scarcity_weight = 0;
  double scarcity_steepness = 8;
  double carbon_price_cny_per_t = 100;  // for the weighted objective
  double utc_offset_h = 8;              // local time of the tariff periods
  Provenance provenance;
};

}  // namespace zhisuan
