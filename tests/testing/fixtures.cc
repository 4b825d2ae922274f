#include "testing/fixtures.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace zhisuan::testing {
namespace {

constexpr const char* kAccelerators = R"(accelerators:
  - {id: acc-a, name: Accel A, vendor: V, class: gpu, fp64_tflops: 10, fp32_tflops: 20, fp16_tflops: 100,
     memory_gb: 80, tdp_w: 500, source: test}
  - id: cpu-b
    name: CPU B
    vendor: V
    class: cpu
    cpu: {chips: 2, cores_per_chip: 10, frequency_ghz: 2.0, fp64_flops_per_cycle: 16, fp32_flops_per_cycle: 32}
    memory_gb: 256
    tdp_w: 400
    source: test
)";

constexpr const char* kRegions = R"(regions:
  - {id: east-a, name_zh: 东A, name_en: East A, capital: EA, lat: 30.0, lon: 120.0, grid: east, source: test,
     carbon: {kg_per_kwh: 0.6, source: test}, tariff: {flat_cny_per_kwh: 0.6, source: test}}
  - {id: west-b, name_zh: 西B, name_en: West B, capital: WB, lat: 36.0, lon: 100.0, grid: west, source: test,
     carbon: {kg_per_kwh: 0.2, source: test}, tariff: {flat_cny_per_kwh: 0.3, source: test}}
  - {id: mid-c, name_zh: 中C, name_en: Mid C, capital: MC, lat: 30.0, lon: 110.0, grid: mid, source: test,
     carbon: {kg_per_kwh: 0.5, estimated: true, derivation: test}, tariff: {flat_cny_per_kwh: 0.5, source: test}}
)";

constexpr const char* kHubs = R"(hubs:
  - {id: hub-w, name_zh: 西枢纽, name_en: West hub, west: true, provinces: [west-b], source: test}
clusters:
  - {id: cl-w, name_zh: 西集群, name_en: West cluster, hub: hub-w, provinces: [west-b], cities: [WB], source: test}
)";

constexpr const char* kNetwork = R"(model:
  fibre_km_per_ms: 200
  route_factor: 1.5
  overhead_ms: 0.5
  intra_province_rtt_ms: 2.0
  source: test
measured:
  - {a: east-a, b: mid-c, rtt_ms: 9.0, source: test}
)";

constexpr const char* kPricing = R"(pricing:
  capex_cny_per_fp16_tflops: 500
  capex_cny_per_fp32_tflops_cpu: 10000
  life_years: 5
  utilisation: 0.6
  margin: 0.3
  source: test
)";

constexpr const char* kCenters = R"(centers:
  - id: c1
    name: 中心一
    name_en: Center One
    kind: intelligent
    province: east-a
    city: EA
    source: test
    pue: {value: 1.5, source: test}
    green_share: {value: 0.0, source: test}
    pools:
      - {accelerator: acc-a, devices: 100, source: test}
  - id: c2
    name: 中心二
    name_en: Center Two
    kind: super
    province: west-b
    city: WB
    cluster: cl-w
    source: test
    pue: {value: 1.2, source: test}
    green_share: {value: 0.5, estimated: true, derivation: test}
    pools:
      - {accelerator: acc-a, devices: 10, source: test}
      - {accelerator: cpu-b, devices: 50, source: test}
)";

constexpr const char* kPlacement = R"(placement:
  efficiency: {train: 0.5, infer: 0.25, hpc: 0.5, batch: 0.5}
  host_overhead: 0.0
  transfer_fee_cny_per_gb: 0.1
  inter_province_gbps: 8
  max_wait_h: 2
  carbon_price_cny_per_t: 100
  utc_offset_h: 8
  source: test
)";

}  // namespace

std::vector<DataFile> TinyDataFiles() {
  const std::pair<const char*, const char*> contents[] = {
      {"accelerators.yaml", kAccelerators}, {"regions.yaml", kRegions}, {"hubs.yaml", kHubs},
      {"network.yaml", kNetwork},           {"pricing.yaml", kPricing}, {"centers.yaml", kCenters},
      {"placement.yaml", kPlacement}};
  std::vector<DataFile> files;
  for (const auto& [name, content] : contents) files.push_back({name, std::string("tiny/") + name, content});
  return files;
}

std::vector<DataFile> WithFile(std::vector<DataFile> files, std::string_view name, std::string content) {
  for (DataFile& f : files) {
    if (f.name == name) f.content = std::move(content);
  }
  return files;
}

std::string FileContent(const std::vector<DataFile>& files, std::string_view name) {
  for (const DataFile& f : files) {
    if (f.name == name) return f.content;
  }
  return {};
}

Registry TinyRegistry() {
  Result<Registry> r = LoadRegistry(TinyDataFiles());
  if (!r) {
    std::cerr << "tiny fixture does not load: " << r.error().message << "\n";
    std::abort();
  }
  return std::move(*r);
}

std::vector<DataFile> TinyDataFilesWithValley() {
  std::string regions = FileContent(TinyDataFiles(), "regions.yaml");
  const std::string flat = "tariff: {flat_cny_per_kwh: 0.3, source: test}";
  regions.replace(
      regions.find(flat), flat.size(),
      "tariff: {flat_cny_per_kwh: 0.3, source: test, tou: [{label: valley, start_hour: 0, end_hour: "
      "8, multiplier: 0.3}, {label: flat, start_hour: 8, end_hour: 24, multiplier: 1.0}]}");
  return WithFile(TinyDataFiles(), "regions.yaml", regions);
}

Registry TinyRegistryWithValley() {
  Result<Registry> r = LoadRegistry(TinyDataFilesWithValley());
  if (!r) {
    std::cerr << "tiny fixture with a valley does not load: " << r.error().message << "\n";
    std::abort();
  }
  return std::move(*r);
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("zhisuan-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteDataDir(const std::filesystem::path& dir, const std::vector<DataFile>& files) {
  std::filesystem::create_directories(dir);
  for (const DataFile& f : files) std::ofstream(dir / f.name, std::ios::binary) << f.content;
}

std::filesystem::path ShippedDataDir() { return std::filesystem::path(ZHISUAN_SOURCE_DIR) / "data"; }

}  // namespace zhisuan::testing
