// Start-up and request-computation costs on the shipped dataset, with the bare parse as the in-run baseline.
//   BM_ParseAndValidate  read data/ and validate it (the floor of any start)
//   BM_ColdStart         first start: validate, create the SQLite file, migrate, save, bind the HTTP port
//   BM_WarmStart         later start: open the store, load and re-validate the saved documents, bind
//   BM_CapacityView      the JSON document of /api/v1/stats/capacity?by=hub&precision=fp16, serialised
#include <benchmark/benchmark.h>

#include <filesystem>

#include "server/http_server.h"
#include "server/views.h"
#include "store/registry_source.h"

namespace zhisuan {
namespace {

const std::filesystem::path kData = std::filesystem::path(ZHISUAN_SOURCE_DIR) / "data";

std::filesystem::path ScratchDb(const char* name) {
  return std::filesystem::temp_directory_path() / (std::string("zhisuan-bench-") + name + ".db");
}

void RemoveDb(const std::filesystem::path& db) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
}

void BM_ParseAndValidate(benchmark::State& state) {
  for (auto _ : state) {
    auto files = ReadDataDir(kData);
    auto registry = LoadRegistry(*files);
    if (!registry) state.SkipWithError(registry.error().message.c_str());
    benchmark::DoNotOptimize(registry);
  }
}
BENCHMARK(BM_ParseAndValidate)->Unit(benchmark::kMillisecond);

void StartOnce(benchmark::State& state, const std::filesystem::path& db) {
  auto opened = OpenRegistry(db, kData);
  if (!opened) {
    state.SkipWithError(opened.error().message.c_str());
    return;
  }
  auto server = HttpServer::Create(opened->registry, opened->store->SchemaVersion(), {"127.0.0.1", 0, 8});
  if (!server) state.SkipWithError(server.error().message.c_str());
  benchmark::DoNotOptimize(server);
}

void BM_ColdStart(benchmark::State& state) {
  const auto db = ScratchDb("cold");
  for (auto _ : state) {
    state.PauseTiming();
    RemoveDb(db);
    state.ResumeTiming();
    StartOnce(state, db);
  }
  RemoveDb(db);
}
BENCHMARK(BM_ColdStart)->Unit(benchmark::kMillisecond);

void BM_WarmStart(benchmark::State& state) {
  const auto db = ScratchDb("warm");
  RemoveDb(db);
  (void)OpenRegistry(db, kData);
  for (auto _ : state) StartOnce(state, db);
  RemoveDb(db);
}
BENCHMARK(BM_WarmStart)->Unit(benchmark::kMillisecond);

void BM_CapacityView(benchmark::State& state) {
  auto files = ReadDataDir(kData);
  auto registry = LoadRegistry(*files);
  const views::Params params{{"by", "hub"}, {"precision", "fp16"}};
  for (auto _ : state) {
    auto body = views::Capacity(*registry, params)->dump();
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_CapacityView)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace zhisuan

BENCHMARK_MAIN();
