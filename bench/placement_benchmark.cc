// Placement decisions per second on synthetic networks, the indexed lowest-cost search against the naive scan
// of every center (the baseline, measured in the same run), the snapshot's memory, and batch-optimal at
// scale.
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "model/loader.h"
#include "placement/batch.h"
#include "placement/policy.h"
#include "schedule/scheduler.h"
#include "synthetic.h"

namespace zhisuan::bench {
namespace {

// The decision time of every benchmark decision; jobs are submitted then too.
constexpr double kNow = 1.7e9;

const Registry& Shipped() {
  static const Registry r = [] {
    auto files = ReadDataDir(std::filesystem::path(ZHISUAN_SOURCE_DIR) / "data");
    return std::move(*LoadRegistry(*files));
  }();
  return r;
}

struct Fixture {
  Registry network;
  placement::Snapshot snapshot;
  std::vector<Job> jobs;
  std::vector<placement::PreparedJob> prepared;

  explicit Fixture(int centers, int jobs_count = 1024, const PlacementParams* placement = nullptr)
      : network(SyntheticNetwork(Shipped(), centers, 42, placement)),
        snapshot(placement::Snapshot::Build(network)),
        jobs(SyntheticJobs(network, jobs_count, 7)) {
    for (const Job& j : jobs) prepared.push_back(*placement::Prepare(snapshot, j, kNow));
  }
};

// The shipped coefficients, or (`scarcity` false) the same without the scarcity premium: its cost's baseline.
Fixture& FixtureFor(int centers, bool scarcity = true) {
  static std::map<std::pair<int, bool>, std::unique_ptr<Fixture>> cache;
  auto& f = cache[{centers, scarcity}];
  if (!f) {
    PlacementParams without = Shipped().placement();
    without.scarcity_weight = 0;
    f = std::make_unique<Fixture>(centers, 1024, scarcity ? nullptr : &without);
  }
  return *f;
}

// Decisions as the simulator and the lifecycle make them: top 1, no explanation, at kNow.
placement::PlaceOptions FastOptions() {
  placement::PlaceOptions o;
  o.top_k = 1;
  o.explain = false;
  o.now_s = kNow;
  return o;
}

// The baseline: evaluate every center and take the least score; nullopt when nothing is feasible.
std::optional<double> ScanBest(const Fixture& f, const placement::PreparedJob& job,
                               const placement::PlaceOptions& o) {
  const placement::Scan scan = placement::ScanAll(f.snapshot, job, o, false);
  const auto best = std::ranges::min_element(scan.feasible, {}, &placement::Candidate::score);
  if (best == scan.feasible.end()) return std::nullopt;
  return best->score;
}

// Figures count only if the fast path answers right: the indexed choice must match the full scan's optimum.
int64_t Disagreements(Fixture& f, placement::Policy& policy, const placement::PlaceOptions& o) {
  int64_t bad = 0;
  for (const auto& job : f.prepared) {
    const placement::Decision d = policy.Place(f.snapshot, job, o);
    const std::optional<double> best = ScanBest(f, job, o);
    if (d.chosen.has_value() != best.has_value() ||
        (best && std::abs(d.chosen->score - *best) > 1e-9 * std::max(1.0, *best))) {
      ++bad;
    }
  }
  return bad;
}

void Decide(benchmark::State& state, bool indexed, bool scarcity = true) {
  Fixture& f = FixtureFor(static_cast<int>(state.range(0)), scarcity);
  auto policy = std::move(*placement::MakePolicy("lowest-cost"));
  const placement::PlaceOptions o = FastOptions();
  if (indexed) state.counters["disagreements"] = static_cast<double>(Disagreements(f, *policy, o));
  size_t i = 0, placed = 0;
  for (auto _ : state) {
    const auto& job = f.prepared[i++ % f.prepared.size()];
    if (indexed) {
      const placement::Decision d = policy->Place(f.snapshot, job, o);
      placed += d.chosen.has_value();
    } else {
      placed += ScanBest(f, job, o).has_value();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["placed_share"] = static_cast<double>(placed) / static_cast<double>(state.iterations());
  state.counters["snapshot_MB"] = static_cast<double>(f.snapshot.MemoryBytes()) / 1e6;
  state.counters["pools"] = static_cast<double>(f.snapshot.pools().size());
}

void BM_DecideIndexed(benchmark::State& state) { Decide(state, true); }
void BM_DecideScanBaseline(benchmark::State& state) { Decide(state, false); }
// The scarcity premium's cost: the same decisions with it off (scarcity_weight 0).
void BM_DecideIndexedWithoutScarcity(benchmark::State& state) { Decide(state, true, false); }
BENCHMARK(BM_DecideIndexed)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_DecideIndexedWithoutScarcity)->Arg(100)->Arg(10000);
BENCHMARK(BM_DecideScanBaseline)->Arg(100)->Arg(1000)->Arg(10000);

// Prepare + decide: what a quote costs beyond parsing.
void BM_PrepareAndDecide(benchmark::State& state) {
  Fixture& f = FixtureFor(static_cast<int>(state.range(0)));
  auto policy = std::move(*placement::MakePolicy("lowest-cost"));
  const placement::PlaceOptions o = FastOptions();
  size_t i = 0;
  for (auto _ : state) {
    auto prepared = placement::Prepare(f.snapshot, f.jobs[i++ % f.jobs.size()], kNow);
    benchmark::DoNotOptimize(policy->Place(f.snapshot, *prepared, o));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PrepareAndDecide)->Arg(100)->Arg(10000);

// Explaining: every center evaluated and every rejection worded.
void BM_DecideExplained(benchmark::State& state) {
  Fixture& f = FixtureFor(static_cast<int>(state.range(0)));
  auto policy = std::move(*placement::MakePolicy("lowest-cost"));
  placement::PlaceOptions o;
  o.now_s = kNow;
  size_t i = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(policy->Place(f.snapshot, f.prepared[i++ % f.prepared.size()], o));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_DecideExplained)->Arg(100)->Arg(10000);

void Batch(benchmark::State& state, bool optimal) {
  static Fixture f(100, 10000);
  const placement::PlaceOptions o = FastOptions();
  placement::BatchResult r;
  for (auto _ : state) {
    r = optimal ? placement::PlaceBatchOptimal(f.snapshot, f.prepared, o)
                : placement::PlaceGreedy(f.snapshot, f.prepared, o);
  }
  state.counters["jobs"] = static_cast<double>(f.prepared.size());
  state.counters["placed"] = static_cast<double>(r.placed);
  state.counters["total_cny"] = r.total_score;
  if (optimal) state.counters["lp_bound_penalized"] = r.lp_bound;
  state.counters["penalized"] = r.penalized_score;
}
void BM_BatchOptimal_10000x100(benchmark::State& state) { Batch(state, true); }
void BM_BatchGreedy_10000x100(benchmark::State& state) { Batch(state, false); }
BENCHMARK(BM_BatchGreedy_10000x100)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_BatchOptimal_10000x100)->Unit(benchmark::kMillisecond)->Iterations(1);

// A scheduling pass of the scheduler core over 10,000 jobs waiting at once on the shipped network (the live
// service after a burst, or its restart): each placed in priority then age order, started or queued on its
// pool. The baseline, in the same run: the greedy batch over the same prepared jobs (one Choose each, no
// queues).
struct ShippedBurst {
  placement::Snapshot snapshot = placement::Snapshot::Build(Shipped());
  std::vector<Job> jobs = SyntheticJobs(Shipped(), 10000, 7);
  std::vector<placement::PreparedJob> prepared;
  ShippedBurst() {
    for (size_t i = 0; i < jobs.size(); ++i) {
      prepared.push_back(*placement::Prepare(snapshot, jobs[i], kNow + static_cast<double>(i) * 1e-3));
    }
  }
};
const ShippedBurst& Burst() {
  static const ShippedBurst b;
  return b;
}

void BM_SchedulerPass_10000_Shipped(benchmark::State& state) {
  const ShippedBurst& b = Burst();
  schedule::Scheduler::PassResult out;
  for (auto _ : state) {
    state.PauseTiming();
    schedule::Scheduler core(b.snapshot, std::move(*placement::MakePolicy("lowest-cost")), {});
    for (size_t i = 0; i < b.prepared.size(); ++i) {
      const schedule::Ticket t = core.NewJob();
      schedule::JobSpec& spec = core.job(t);
      spec.prepared = b.prepared[i];
      spec.priority = b.jobs[i].priority;
      spec.submitted_s = kNow + static_cast<double>(i) * 1e-3;
      spec.tenant = core.Tenant(b.jobs[i].tenant);
      core.Submit(t);
    }
    state.ResumeTiming();
    core.Pass(kNow + 60, out);
    benchmark::DoNotOptimize(out.starts.data());
  }
  state.counters["jobs"] = static_cast<double>(b.prepared.size());
  state.counters["started"] = static_cast<double>(out.starts.size());
  state.counters["queued"] = static_cast<double>(out.waits.size());
  state.counters["never"] = static_cast<double>(out.never.size());
}
void BM_GreedyPassBaseline_10000_Shipped(benchmark::State& state) {
  const ShippedBurst& b = Burst();
  placement::PlaceOptions o = FastOptions();
  o.now_s = kNow + 60;
  placement::BatchResult r;
  for (auto _ : state) r = placement::PlaceGreedy(b.snapshot, b.prepared, o);
  state.counters["jobs"] = static_cast<double>(b.prepared.size());
  state.counters["placed"] = static_cast<double>(r.placed);
}
BENCHMARK(BM_SchedulerPass_10000_Shipped)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_GreedyPassBaseline_10000_Shipped)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace zhisuan::bench

BENCHMARK_MAIN();
