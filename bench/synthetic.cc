#include "synthetic.h"

#include <fmt/format.h>

#include <random>

namespace zhisuan::bench {
namespace {

const std::vector<std::string> kModels = {
    "nvidia-a100-sxm-80gb", "nvidia-a800-sxm-80gb", "nvidia-h100-sxm-80gb", "nvidia-h800-sxm-80gb",
    "nvidia-h20",           "nvidia-l40s",          "huawei-ascend-910b",   "huawei-ascend-910",
    "cambricon-mlu370-x8",  "hygon-k100-ai",        "kunlunxin-r200",       "thead-ppu"};

}  // namespace

Registry SyntheticNetwork(const Registry& shipped, int count, uint64_t seed,
                          const PlacementParams* placement) {
  std::mt19937_64 rng(seed);
  std::vector<Center> centers;
  centers.reserve(static_cast<size_t>(count));
  const auto& regions = shipped.regions();
  for (int i = 0; i < count; ++i) {
    Center c;
    c.id = fmt::format("syn-{:05d}", i);
    c.name = c.id;
    c.name_en = c.id;
    c.kind = CenterKind::kIntelligent;
    c.province = regions[rng() % regions.size()].id;
    if (const Hub* hub = shipped.HubOfProvince(c.province)) c.hub = hub->id;
    c.pue = 1.1 + static_cast<double>(rng() % 50) / 100.0;
    c.green_share = static_cast<double>(rng() % 80) / 100.0;
    c.uplink_gbps = 100;
    const int pools = 1 + static_cast<int>(rng() % 4);
    for (int p = 0; p < pools; ++p) {
      Pool pool;
      pool.accelerator = kModels[rng() % kModels.size()];
      pool.devices = 8 << (rng() % 9);
      pool.free_devices = pool.devices * static_cast<int64_t>(30 + rng() % 71) / 100;
      c.pools.push_back(std::move(pool));
    }
    centers.push_back(std::move(c));
  }
  return Registry(shipped.accelerators(), shipped.regions(), shipped.hubs(), shipped.clusters(),
                  std::move(centers), shipped.network(), shipped.pricing(),
                  placement != nullptr ? *placement : shipped.placement());
}

std::vector<Job> SyntheticJobs(const Registry& network, int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Job> jobs;
  const auto& regions = network.regions();
  for (int i = 0; i < count; ++i) {
    Job j;
    j.name = fmt::format("job-{}", i);
    j.tenant = fmt::format("tenant-{}", i % 7);
    j.kind = rng() % 4 == 0 ? JobKind::kInfer : JobKind::kTrain;
    j.devices = 8 << (rng() % 4);
    for (int m = 0; m < 2 + static_cast<int>(rng() % 2); ++m)
      j.accelerator.models.push_back(kModels[rng() % kModels.size()]);
    // 1-2,000 device-hours of A100 work, as wall hours on the job's devices.
    j.work.reference_hours = (1.0 + static_cast<double>(rng() % 2000)) / static_cast<double>(j.devices);
    j.work.reference = "nvidia-a100-sxm-80gb";
    if (rng() % 2) {
      j.data.size_gb = static_cast<double>(rng() % 5000);
      j.data.province = regions[rng() % regions.size()].id;
    }
    if (rng() % 5 == 0) {
      for (int r = 0; r < 3; ++r) j.residency_provinces.push_back(regions[rng() % regions.size()].id);
    }
    if (rng() % 4 == 0) j.deadline_h = 24.0 + static_cast<double>(rng() % 200);
    jobs.push_back(std::move(j));
  }
  return jobs;
}

}  // namespace zhisuan::bench
