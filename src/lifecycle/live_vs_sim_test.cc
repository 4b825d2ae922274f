// One job stream through the live service (simulated backends, a clock the test steps, a real SQLite store)
// and through the simulator: the same centers, the same starts and the same bills to the fen, because both
// run the scheduler core (schedule/) and price runs with accounting/run_cost. The stream loads the tiny
// network so that pools queue, priorities reorder them, and jobs overflow to the dearer center; east-a has
// time-of-use tariffs, so bills integrate tariff periods over the runs.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "accounting/run_cost.h"
#include "lifecycle/backends.h"
#include "lifecycle/service.h"
#include "sim/engine.h"
#include "store/job_store.h"
#include "store/registry_source.h"
#include "testing/fixtures.h"

namespace zhisuan {
namespace {

constexpr double kEpoch = 1.7040348e9;  // 2024-01-01 00:00 China Standard Time

struct StreamJob {
  double arrival_s = 0;  // after kEpoch, whole seconds
  std::string spec;
};

// Jobs arriving every 5-15 minutes, 2-10 acc-a for 15 min to 3 h (whole quarters, so every time is a whole
// second and both sides compute the same doubles), a few larger ones and a few of higher priority.
std::vector<StreamJob> MakeStream(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<StreamJob> out;
  double t = 60;
  for (int i = 0; i < n; ++i) {
    t += 300 + static_cast<double>(rng() % 600);
    const int devices = (i % 9 == 4) ? 40 : 2 + static_cast<int>(rng() % 9);
    const double hours = 0.25 * static_cast<double>(1 + rng() % 12);
    const int priority = (i % 7 == 3) ? 2 : 0;
    out.push_back(
        {t, fmt::format("name: j{}\ntenant: acme\nkind: train\ndevices: {}\npriority: {}\n"
                        "accelerator: {{models: [acc-a]}}\nwork: {{reference_hours: {}, reference: acc-a}}\n",
                        i, devices, priority, hours)});
  }
  return out;
}

class VectorSource final : public sim::JobSource {
 public:
  VectorSource(const std::vector<StreamJob>& jobs, const Registry& registry)
      : jobs_(jobs), registry_(registry) {}
  bool Next(sim::TraceJob& into) override {
    if (next_ >= jobs_.size()) return false;
    into.arrival_s = jobs_[next_].arrival_s;
    into.job = *ParseJob(jobs_[next_].spec, registry_);
    ++next_;
    return true;
  }
  const sim::TraceStats& stats() const override { return stats_; }

 private:
  const std::vector<StreamJob>& jobs_;
  const Registry& registry_;
  size_t next_ = 0;
  sim::TraceStats stats_;
};

struct SimRun {
  std::string center;
  double start_s = 0, finish_s = 0;
  int64_t price_fen = 0, energy_fen = 0;
};

std::vector<SimRun> Simulate(const Registry& registry, const std::vector<StreamJob>& jobs) {
  std::vector<SimRun> runs(jobs.size());
  sim::SimOptions o;
  o.start_epoch_s = kEpoch;
  o.sample_interval_s = 0;
  const placement::Snapshot names = placement::Snapshot::Build(registry);
  o.on_finish = [&](const sim::JobRun& r) {
    runs[static_cast<size_t>(r.ordinal)] = {names.centers()[r.placement->center].id, r.start_s, r.finish_s,
                                            accounting::Fen(r.placement->price_cny),
                                            accounting::Fen(r.placement->energy_cny)};
  };
  VectorSource source(jobs, registry);
  auto result = sim::Simulate(registry, source, o);
  EXPECT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->completed, static_cast<int64_t>(jobs.size()));
  return runs;
}

// A live service on `registry` with simulated backends (sim_factor 1) on the test's clock, started.
std::unique_ptr<lifecycle::JobService> StartService(const Registry& registry, JobStore& store,
                                                    const std::filesystem::path& dir,
                                                    std::function<double()> now,
                                                    lifecycle::ServiceOptions options = {}) {
  auto backends = lifecycle::MakeBackends(registry, "test", "sim_factor: 1", dir.string(), now);
  if (!backends) {
    ADD_FAILURE() << backends.error().message;
    return nullptr;
  }
  options.tick_s = 0.002;
  options.poll_interval_s = 0;
  auto service = lifecycle::JobService::Create(registry, store, std::move(*backends), options, now);
  if (!service) {
    ADD_FAILURE() << service.error().message;
    return nullptr;
  }
  EXPECT_TRUE((*service)->Start());
  return std::move(*service);
}

// Until the loop has made a few whole passes at the clock's time: every finish seen, every start made.
void Settle(lifecycle::JobService& live) {
  const uint64_t from = live.LoopPasses();
  while (live.LoopPasses() < from + 4) std::this_thread::sleep_for(std::chrono::microseconds(200));
}

TEST(LiveVsSim, SameCentersStartsAndBills) {
  testing::TempDir dir;
  std::vector<DataFile> files = testing::TinyDataFiles();
  std::string regions = testing::FileContent(files, "regions.yaml");
  const std::string flat = "tariff: {flat_cny_per_kwh: 0.6, source: test}";
  ASSERT_NE(regions.find(flat), std::string::npos);
  regions.replace(regions.find(flat), flat.size(),
                  "tariff: {flat_cny_per_kwh: 0.6, source: test, tou: ["
                  "{label: valley, start_hour: 0, end_hour: 8, multiplier: 0.4}, "
                  "{label: peak, start_hour: 8, end_hour: 20, multiplier: 1.5}, "
                  "{label: flat, start_hour: 20, end_hour: 24, multiplier: 1.0}]}");
  files = testing::WithFile(files, "regions.yaml", regions);
  testing::WriteDataDir(dir.path() / "data", files);
  const std::string db = (dir.path() / "z.db").string();
  auto opened = OpenRegistry(db, dir.path() / "data");
  ASSERT_TRUE(opened) << opened.error().message;
  const Registry& registry = opened->registry;

  // The stream, with no arrival at the very second a job finishes (at a tie the simulator takes the arrival
  // first; the live loop may see either first), nudged until the simulator says so.
  std::vector<StreamJob> jobs = MakeStream(60, 7);
  std::vector<SimRun> expected;
  for (int round = 0;; ++round) {
    ASSERT_LT(round, 50);
    expected = Simulate(registry, jobs);
    bool tie = false;
    for (StreamJob& j : jobs) {
      for (const SimRun& r : expected) {
        if (r.finish_s == kEpoch + j.arrival_s) {
          j.arrival_s += 1;
          tie = true;
        }
      }
    }
    if (!tie) break;
  }
  std::set<std::string> centers;
  int queued = 0;
  for (size_t k = 0; k < jobs.size(); ++k) {
    centers.insert(expected[k].center);
    if (expected[k].start_s > kEpoch + jobs[k].arrival_s) ++queued;
  }
  EXPECT_EQ(centers.size(), 2u) << "the stream should load c2 past its capacity";
  EXPECT_GE(queued, 10) << "the stream should make jobs queue";

  auto store = JobStore::Open(db);
  ASSERT_TRUE(store) << store.error().message;
  std::atomic<double> clock{kEpoch};
  auto now = [&] { return clock.load(); };
  auto service = StartService(registry, **store, dir.path(), now);
  ASSERT_TRUE(service);
  lifecycle::JobService& live = *service;
  const lifecycle::Principal ops{"acme", true, "", ""};
  auto settle = [&] { Settle(live); };

  std::vector<int64_t> ids;
  std::map<int64_t, double> finishing;  // running job -> when it finishes
  size_t next = 0;
  while (next < jobs.size() || !finishing.empty()) {
    double at = next < jobs.size() ? kEpoch + jobs[next].arrival_s : std::numeric_limits<double>::infinity();
    for (const auto& [id, f] : finishing) at = std::min(at, f);
    clock = at;
    if (next < jobs.size() && kEpoch + jobs[next].arrival_s == at) {
      auto submitted = live.Submit(ops, jobs[next].spec, "");
      ASSERT_TRUE(submitted) << submitted.error().message;
      ids.push_back(submitted->job.id);
      ++next;
    }
    settle();
    finishing.clear();
    for (int64_t id : ids) {
      auto rec = live.Get(ops, id);
      ASSERT_TRUE(rec) << rec.error().message;
      if (rec->state != JobState::kRunning) continue;
      const auto decision = nlohmann::json::parse(rec->decision);
      finishing[id] = *rec->started_at + decision["run_h"].get<double>() * 3600;
    }
  }
  for (size_t k = 0; k < ids.size(); ++k) {
    auto rec = live.Get(ops, ids[k]);
    ASSERT_TRUE(rec);
    SCOPED_TRACE(fmt::format("job {} ({})", k, jobs[k].spec.substr(0, jobs[k].spec.find('\n'))));
    ASSERT_EQ(rec->state, JobState::kSucceeded) << rec->message;
    EXPECT_EQ(rec->center, expected[k].center);
    EXPECT_EQ(*rec->started_at, expected[k].start_s);
    EXPECT_EQ(*rec->finished_at, expected[k].finish_s);
    ASSERT_TRUE(rec->accounting);
    EXPECT_EQ(rec->accounting->price_fen, expected[k].price_fen);
    EXPECT_EQ(rec->accounting->energy_fen, expected[k].energy_fen);
  }
  live.Stop();
}

// Time shifting in the live service: under the weighted objective a job that may finish within a day,
// submitted at 20:00 China Standard Time, is held for c2's valley at midnight (waiting.code time_shift, no
// devices taken) and started by the loop at that time, as the simulator starts it
// (Sim.AHeldJobStartsAtItsTimeWithNoOtherEvent).
TEST(LiveVsSim, AJobHeldForTheValleyStartsAtItsTime) {
  testing::TempDir dir;
  const double evening = std::floor(1.7e9 / 86400) * 86400 + 12 * 3600;  // 20:00 CST
  testing::WriteDataDir(dir.path() / "data", testing::TinyDataFilesWithValley());
  const std::string db = (dir.path() / "z.db").string();
  auto opened = OpenRegistry(db, dir.path() / "data");
  ASSERT_TRUE(opened) << opened.error().message;
  const Registry& registry = opened->registry;
  auto store = JobStore::Open(db);
  ASSERT_TRUE(store) << store.error().message;
  std::atomic<double> clock{evening};
  auto now = [&] { return clock.load(); };
  lifecycle::ServiceOptions options;
  options.objective.kind = placement::ObjectiveKind::kWeighted;
  options.objective.carbon_price_cny_per_t = 0;
  auto service = StartService(registry, **store, dir.path(), now, options);
  ASSERT_TRUE(service);
  lifecycle::JobService& live = *service;
  const lifecycle::Principal ops{"acme", true, "", ""};
  auto settle = [&] { Settle(live); };
  auto submitted =
      live.Submit(ops,
                  "name: night\ntenant: acme\nkind: train\ndevices: 8\naccelerator: {models: [acc-a]}\n"
                  "work: {reference_hours: 2, reference: acc-a}\nresidency: {provinces: [west-b]}\n"
                  "data: {size_gb: 1, province: west-b}\ndeadline_h: 24\n",
                  "");
  ASSERT_TRUE(submitted) << submitted.error().message;
  const int64_t id = submitted->job.id;
  settle();
  auto rec = live.Get(ops, id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->state, JobState::kPending);
  EXPECT_EQ(rec->waiting, "time_shift");
  EXPECT_NE(rec->message.find("starts in 4.00 h at c2"), std::string::npos) << rec->message;
  clock = evening + 3 * 3600;  // not yet
  settle();
  EXPECT_EQ(live.Get(ops, id)->state, JobState::kPending);
  clock = evening + 4 * 3600;  // midnight: the valley
  settle();
  rec = live.Get(ops, id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->state, JobState::kRunning) << rec->message;
  ASSERT_TRUE(rec->started_at);
  EXPECT_EQ(*rec->started_at, evening + 4 * 3600);
  clock = evening + 6 * 3600;
  settle();
  rec = live.Get(ops, id);
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->state, JobState::kSucceeded) << rec->message;
  ASSERT_TRUE(rec->accounting);
  EXPECT_EQ(rec->accounting->energy_fen, accounting::Fen(9.6 * 0.3 * 0.3));  // billed at the valley tariff
  live.Stop();
}

}  // namespace
}  // namespace zhisuan
