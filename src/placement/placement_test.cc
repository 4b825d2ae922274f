#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "accounting/run_cost.h"
#include "model/job.h"
#include "placement/evaluate.h"
#include "placement/policy.h"
#include "store/registry_source.h"
#include "testing/fixtures.h"

namespace zhisuan::placement {
namespace {

// The tiny network (tests/testing/fixtures.h). Hand-computed rates:
//   price of acc-a at c1 = (100 x 500 / 26280 + 0.5 kW x 1.5 x 0.6) x 1.3 = 3.0583653 CNY/device-hour
//   price of acc-a at c2 = (100 x 500 / 26280 + 0.5 kW x 1.2 x 0.3) x 1.3 = 2.7073653
// A train job of 8 acc-a taking 10 hours on 8 acc-a: effective 100 x 0.5 = 50 TFLOPS a device, work
// 10 x 8 x 50 = 4000 TFLOPS-h, run 10 h, 80 device-hours.
constexpr double kPriceC1 = (100 * 500.0 / 26280 + 0.5 * 1.5 * 0.6) * 1.3;
constexpr double kPriceC2 = (100 * 500.0 / 26280 + 0.5 * 1.2 * 0.3) * 1.3;
constexpr const char* kTrain8 =
    "name: t\nkind: train\ndevices: 8\naccelerator: {models: [acc-a]}\n"
    "work: {reference_hours: 10, reference: acc-a}\n";

class Tiny : public ::testing::Test {
 protected:
  Tiny() : registry_(testing::TinyRegistry()), snapshot_(Snapshot::Build(registry_)) {}

  Decision Place(const std::string& spec, PlaceOptions o = {}, std::string_view policy = "lowest-cost") {
    auto job = ParseJob(spec, registry_);
    EXPECT_TRUE(job.has_value()) << job.error().message;
    job_ = std::move(*job);
    auto prepared = Prepare(snapshot_, job_, o.now_s);
    EXPECT_TRUE(prepared.has_value()) << prepared.error().message;
    auto p = MakePolicy(policy, 7);
    return (*p)->Place(snapshot_, *prepared, o);
  }

  std::string ReasonFor(const Decision& d, const std::string& center) const {
    for (const Rejection& r : d.rejections) {
      if (snapshot_.centers()[r.center].id == center) return r.reason;
    }
    return "(not rejected)";
  }

  double PoolPrice(uint32_t pool_of_c2) const {
    return snapshot_.pools()[snapshot_.centers()[1].first_pool + pool_of_c2].price_cny_per_device_hour;
  }

  std::string CenterOf(const Decision& d) const {
    return d.chosen ? snapshot_.centers()[d.chosen->center].id : "(none)";
  }

  Registry registry_;
  Snapshot snapshot_;
  Job job_;
};

TEST_F(Tiny, HandComputedBreakdownOnC2) {
  const Decision d = Place(kTrain8);
  ASSERT_TRUE(d.chosen);
  EXPECT_EQ(CenterOf(d), "c2");  // cheaper tariff, lower PUE
  const Candidate& c = *d.chosen;
  EXPECT_DOUBLE_EQ(c.run_h, 10);
  EXPECT_DOUBLE_EQ(c.device_hours, 80);
  EXPECT_NEAR(c.price_cny, 80 * kPriceC2, 1e-9);
  EXPECT_NEAR(c.energy_kwh, 80 * 0.5 * 1.2, 1e-12);  // no host overhead in the fixture
  EXPECT_NEAR(c.energy_cny, 48.0 * 0.3, 1e-12);      // flat tariff
  EXPECT_NEAR(c.carbon_kg, 48.0 * (1 - 0.5) * 0.2, 1e-12);
  EXPECT_EQ(c.transfer_fee_cny, 0);
  EXPECT_EQ(c.start_h, 0);
  EXPECT_DOUBLE_EQ(c.finish_h, 10);
  ASSERT_EQ(d.candidates.size(), 2u);
  EXPECT_NEAR(d.candidates[1].price_cny, 80 * kPriceC1, 1e-9);
  EXPECT_NE(Why(snapshot_, d).find("lowest cost among 2 feasible centers: c2"), std::string::npos)
      << Why(snapshot_, d);
}

TEST_F(Tiny, DataTransferMovesCostTowardsTheData) {
  // 500 GB in east-a: to c2 costs 0.1 CNY/GB = 50 CNY (more than the 28 CNY c2 saves) and 500 x 8 / 8 Gbps
  // = 500 s.
  const std::string spec = std::string(kTrain8) + "data: {size_gb: 500, province: east-a}\n";
  const Decision d = Place(spec);
  EXPECT_EQ(CenterOf(d), "c1");
  const Candidate& c2 = d.candidates[1];
  EXPECT_NEAR(c2.transfer_fee_cny, 50.0, 1e-12);
  EXPECT_NEAR(c2.transfer_h, 500.0 / 3600, 1e-12);
  EXPECT_NEAR(c2.finish_h, 500.0 / 3600 + 10, 1e-12);
  EXPECT_NEAR(c2.score, 80 * kPriceC2 + 50, 1e-9);
}

TEST_F(Tiny, CarbonObjectivePicksTheGreenWesternCenter) {
  const std::string spec = std::string(kTrain8) + "data: {size_gb: 500, province: east-a}\n";
  PlaceOptions o;
  o.objective.kind = ObjectiveKind::kCarbon;
  EXPECT_EQ(CenterOf(Place(spec, o)), "c2");
  o.objective.kind = ObjectiveKind::kEnergy;
  EXPECT_EQ(CenterOf(Place(spec, o)), "c2");  // PUE 1.2 < 1.5
  o.objective.kind = ObjectiveKind::kTime;
  EXPECT_EQ(CenterOf(Place(spec, o)), "c1");  // no transfer
}

TEST_F(Tiny, TightLatencySloKeepsInferenceNearItsUsers) {
  const char* spec =
      "kind: infer\ndevices: 2\naccelerator: {models: [acc-a]}\nwork: {pflop: 100}\n"
      "user_province: east-a\nlatency_slo_ms: 20\n";
  const Decision d = Place(spec);
  EXPECT_EQ(CenterOf(d), "c1");
  const std::string reason = ReasonFor(d, "c2");
  EXPECT_NE(reason.find("RTT "), std::string::npos) << reason;
  EXPECT_NE(reason.find(" ms from east-a > SLO 20 ms"), std::string::npos) << reason;
}

TEST_F(Tiny, EachConstraintRejectsWithItsReason) {
  EXPECT_EQ(ReasonFor(Place(std::string(kTrain8) + "residency: {provinces: [west-b]}\n"), "c1"),
            "east-a not in residency [west-b]");
  EXPECT_EQ(
      ReasonFor(Place("kind: train\ndevices: 16\naccelerator: {models: [acc-a]}\nwork: {pflop: 10}\n"), "c2"),
      "no pool with 16 acc-a (largest has 10)");
  EXPECT_EQ(ReasonFor(Place(std::string(kTrain8) + "deadline_h: 1\n"), "c2"),
            "estimated finish 10.0 h > deadline 1 h (on 8 acc-a)");
  EXPECT_NE(
      ReasonFor(Place("kind: train\ndevices: 1\naccelerator: {min_memory_gb: 300}\nwork: {pflop: 1}\n"), "c1")
          .find("no accelerator model satisfies the job"),
      std::string::npos);
  snapshot_.SetCenterState(0, CenterState::kDraining);
  EXPECT_EQ(ReasonFor(Place(kTrain8), "c1"), "center is draining");
  snapshot_.SetCenterState(0, CenterState::kUp);
  snapshot_.SetPoolState(0, 4, {{3.0 * 3600, 60}});
  snapshot_.SetPoolState(1, 0, {});
  EXPECT_EQ(ReasonFor(Place(kTrain8), "c1"),
            "no pool with 8 free acc-a (earliest start in 3.0 h > max wait 2 h)");
  EXPECT_EQ(ReasonFor(Place(kTrain8), "c2"), "no pool with 8 free acc-a (0 free, no release known)");
}

// A planned center takes no job and says so with its date; a retired pool of a center in service neither.
TEST(PlacementStatus, OnlyCapacityInServiceTakesJobs) {
  auto files = testing::TinyDataFiles();
  std::string centers = testing::FileContent(files, "centers.yaml");
  centers.replace(centers.find("    city: EA\n"), 12,
                  "    city: EA\n    status: {value: planned, since: 2027-03, source: t}\n");
  centers.replace(centers.find("{accelerator: acc-a, devices: 10, source: test}"), 47,
                  "{accelerator: acc-a, devices: 10, source: test, status: {value: retired, source: t}}");
  Result<Registry> r = LoadRegistry(testing::WithFile(files, "centers.yaml", centers));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const Snapshot s = Snapshot::Build(*r);
  auto job = ParseJob(kTrain8, *r);
  ASSERT_TRUE(job.has_value());
  auto prepared = Prepare(s, *job, 0);
  ASSERT_TRUE(prepared.has_value());
  for (const bool explain : {true, false}) {
    PlaceOptions o;
    o.explain = explain;
    const Decision d = (*MakePolicy("lowest-cost"))->Place(s, *prepared, o);
    EXPECT_FALSE(d.chosen.has_value());  // c1 planned, c2's acc-a retired
    if (!explain) continue;
    ASSERT_EQ(d.rejections.size(), 2u);
    for (const Rejection& rej : d.rejections) {
      const std::string& center = s.centers()[rej.center].id;
      EXPECT_EQ(rej.code, Reject::kNotInService);
      EXPECT_EQ(rej.reason, center == "c1" ? "center is planned (since 2027-03), not in service"
                                           : "pool of acc-a is retired, not in service");
    }
  }
}

TEST_F(Tiny, WaitAwareLowestCostWaitsForTheCheaperPool) {
  // c2 (cheaper) is busy until 1.5 h; c1 is free now.
  snapshot_.SetPoolState(1, 0, {{1.5 * 3600, 10}});
  const std::string spec = std::string(kTrain8) + "deadline_h: 20\n";
  const Decision lowest = Place(spec);
  EXPECT_EQ(CenterOf(lowest), "c2");
  EXPECT_DOUBLE_EQ(lowest.chosen->start_h, 1.5);
  EXPECT_DOUBLE_EQ(lowest.chosen->finish_h, 11.5);
  EXPECT_NE(Why(snapshot_, lowest).find("waiting 1.50 h"), std::string::npos) << Why(snapshot_, lowest);
  EXPECT_EQ(CenterOf(Place(spec, {}, "first-fit")), "c1");  // baselines take what is free now
  // A deadline the wait would miss sends it to c1.
  EXPECT_EQ(CenterOf(Place(std::string(kTrain8) + "deadline_h: 11\n")), "c1");
}

TEST_F(Tiny, ThroughputOverrideChangesRunTime) {
  const Decision d = Place(
      "kind: train\ndevices: 8\naccelerator: {models: [acc-a]}\n"
      "work: {reference_hours: 10, reference: acc-a, throughput_tflops: {acc-a: 25}}\n");
  ASSERT_TRUE(d.chosen);
  EXPECT_DOUBLE_EQ(d.chosen->run_h, 10 * 25.0 / 25.0);  // the override is the reference's throughput too
  const Decision faster = Place(
      "kind: train\ndevices: 8\naccelerator: {models: [acc-a]}\n"
      "work: {reference_hours: 10, reference: cpu-b, throughput_tflops: {acc-a: 64}}\n");
  // 10 h on 8 cpu-b (1.28 x 0.5 = 0.64 effective each) is 10 x 0.64 / 64 h on acc-a at the override.
  EXPECT_DOUBLE_EQ(faster.chosen->run_h, 0.1);
  // Work in PFLOP: 90 PFLOP = 90 x 1000 / 3600 = 25 TFLOPS-h, on 8 x 50 effective TFLOPS.
  const Decision p = Place("kind: train\ndevices: 8\naccelerator: {models: [acc-a]}\nwork: {pflop: 90}\n");
  EXPECT_DOUBLE_EQ(p.chosen->run_h, 25.0 / 400.0);
}

TEST_F(Tiny, NoFeasiblePlacementSaysWhy) {
  const Decision d = Place(std::string(kTrain8) + "residency: {provinces: [mid-c]}\n");
  EXPECT_FALSE(d.chosen);
  EXPECT_EQ(d.rejections.size(), 2u);
  EXPECT_EQ(Why(snapshot_, d), "no feasible placement: all 2 centers rejected");
}

TEST_F(Tiny, BaselinePolicies) {
  const std::string spec = std::string(kTrain8) + "data: {size_gb: 100, province: west-b}\n";
  EXPECT_EQ(CenterOf(Place(spec, {}, "nearest-data")), "c2");
  EXPECT_EQ(CenterOf(Place(spec, {}, "first-fit")), "c1");
  EXPECT_EQ(CenterOf(Place(spec, {}, "least-loaded")), "c2");  // both wholly free: the tie goes to cost
  snapshot_.SetPoolState(1, 8, {{5 * 3600, 2}});               // c2 now 58 of 60 free
  EXPECT_EQ(CenterOf(Place(spec, {}, "least-loaded")), "c1");
  const Decision r = Place(spec, {}, "random");
  EXPECT_TRUE(r.chosen);
  EXPECT_FALSE(MakePolicy("smartest").has_value());
}

TEST(Tou, AverageMultiplier) {
  const std::vector<TouPeriod> gd = {{"valley", 0, 8, 0.38}, {"flat", 8, 10, 1.0},  {"peak", 10, 12, 1.7},
                                     {"flat", 12, 14, 1.0},  {"peak", 14, 19, 1.7}, {"flat", 19, 24, 1.0}};
  EXPECT_DOUBLE_EQ(accounting::AverageTouMultiplier(gd, 0, 8), 0.38);
  EXPECT_DOUBLE_EQ(accounting::AverageTouMultiplier(gd, 10, 2), 1.7);
  EXPECT_NEAR(accounting::AverageTouMultiplier(gd, 0, 24), (8 * 0.38 + 9 * 1.0 + 7 * 1.7) / 24, 1e-12);
  EXPECT_NEAR(accounting::AverageTouMultiplier(gd, 7, 2), (0.38 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(accounting::AverageTouMultiplier(gd, 23, 2), (1.0 + 0.38) / 2, 1e-12);  // across midnight
  EXPECT_NEAR(accounting::AverageTouMultiplier(gd, 24 * 5 + 10.5, 1), 1.7, 1e-12);
  EXPECT_DOUBLE_EQ(accounting::AverageTouMultiplier({}, 3, 5), 1.0);
  EXPECT_DOUBLE_EQ(accounting::AverageTouMultiplier(gd, 11, 0), 1.7);
}

// Models and provinces the property tests draw random jobs from.
const std::vector<std::string> kModels = {"huawei-ascend-910b", "nvidia-a800-sxm-80gb", "nvidia-h20",
                                          "huawei-ascend-910",  "nvidia-a100-sxm-80gb", "hygon-k100-ai"};
const std::vector<std::string> kProvinces = {"beijing", "guangdong", "shanghai", "gansu", "sichuan", "hubei"};

// A random state: each pool with a random share of its devices free (none when `busy`), the rest coming back
// at one of 50 times in the 5 h after 1.7e9 s.
void RandomisePools(Snapshot& s, std::mt19937_64& rng, bool busy) {
  for (uint32_t p = 0; p < s.pools().size(); ++p) {
    const int64_t total = s.pools()[p].devices;
    const int64_t free = busy ? 0 : static_cast<int64_t>(rng() % static_cast<uint64_t>(total + 1));
    std::vector<Release> releases;
    if (free < total) releases.push_back({1.7e9 + static_cast<double>(rng() % 50) * 360.0, total - free});
    s.SetPoolState(p, free, releases);
  }
}

// Property: on random states of the shipped network, the chosen candidate is never worse under the objective
// than any feasible candidate, and the indexed search finds the same optimum as the full scan.
TEST(PlacementProperty, ChosenIsNeverWorseAndIndexAgrees) {
  testing::TempDir dir;
  auto opened = OpenRegistry(dir.path() / "z.db", testing::ShippedDataDir());
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  const Registry& registry = opened->registry;
  std::mt19937_64 rng(20261122);
  auto policy = MakePolicy("lowest-cost");
  int compared = 0;
  for (int round = 0; round < 300; ++round) {
    Snapshot s = Snapshot::Build(registry);
    RandomisePools(s, rng, false);
    const std::string m1 = kModels[rng() % kModels.size()], m2 = kModels[rng() % kModels.size()];
    std::string spec = fmt::format(
        "kind: train\ndevices: {}\naccelerator: {{models: [{}, {}]}}\n"
        "work: {{reference_hours: {}, reference: nvidia-a100-sxm-80gb}}\n",
        1 << (rng() % 9), m1, m2, 1 + rng() % 500);
    if (rng() % 2)
      spec += fmt::format("data: {{size_gb: {}, province: {}}}\n", rng() % 5000,
                          kProvinces[rng() % kProvinces.size()]);
    if (rng() % 3 == 0) spec += fmt::format("deadline_h: {}\n", 1 + rng() % 200);
    if (rng() % 4 == 0)
      spec += fmt::format("residency: {{provinces: [{}, {}]}}\n", kProvinces[rng() % kProvinces.size()],
                          kProvinces[rng() % kProvinces.size()]);
    auto job = ParseJob(spec, registry);
    ASSERT_TRUE(job.has_value()) << job.error().message << "\n" << spec;
    const double now_s = 1.7e9 + static_cast<double>(rng() % 3600);
    auto prepared = Prepare(s, *job, now_s);
    ASSERT_TRUE(prepared.has_value());
    for (ObjectiveKind kind : {ObjectiveKind::kCost, ObjectiveKind::kEnergy, ObjectiveKind::kCarbon}) {
      PlaceOptions full;
      full.objective.kind = kind;
      full.now_s = now_s;
      PlaceOptions fast = full;
      fast.explain = false;
      const Decision a = (*policy)->Place(s, *prepared, full);
      const Decision b = (*policy)->Place(s, *prepared, fast);
      ASSERT_EQ(a.chosen.has_value(), b.chosen.has_value()) << spec;
      if (!a.chosen) continue;
      ++compared;
      for (const Candidate& c : ScanAll(s, *prepared, full, false).feasible) {
        EXPECT_LE(a.chosen->score, c.score * (1 + 1e-12) + 1e-12) << spec;
      }
      EXPECT_NEAR(a.chosen->score, b.chosen->score, 1e-9 * std::max(1.0, a.chosen->score)) << spec;
    }
  }
  EXPECT_GT(compared, 300);  // most rounds have a feasible placement
}

}  // namespace
}  // namespace zhisuan::placement

namespace zhisuan::placement {
namespace {

// Property: every policy's Choose picks exactly the candidate its Place ranks first, explained or not (the
// random policy draws the same keys on both paths when seeded alike).
TEST(PlacementProperty, ChooseAgreesWithPlaceForEveryPolicy) {
  testing::TempDir dir;
  auto opened = OpenRegistry(dir.path() / "z.db", testing::ShippedDataDir());
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  const Registry& registry = opened->registry;
  std::mt19937_64 rng(7);
  for (const char* name : {"lowest-cost", "nearest-data", "least-loaded", "first-fit", "random"}) {
    auto ranked = MakePolicy(name, 5), explained = MakePolicy(name, 5), chooser = MakePolicy(name, 5);
    int chosen = 0, waiting = 0;
    for (int round = 0; round < 150; ++round) {
      Snapshot s = Snapshot::Build(registry);
      RandomisePools(s, rng, round % 2 == 1);  // busy half the time, so waiting candidates compete too
      std::string spec = fmt::format(
          "kind: train\ndevices: {}\naccelerator: {{models: [{}, {}]}}\n"
          "work: {{reference_hours: {}, reference: nvidia-a100-sxm-80gb}}\n",
          1 << (rng() % 9), kModels[rng() % kModels.size()], kModels[rng() % kModels.size()],
          1 + rng() % 500);
      if (rng() % 2)
        spec += fmt::format("data: {{size_gb: {}, province: {}}}\n", rng() % 5000,
                            kProvinces[rng() % kProvinces.size()]);
      if (rng() % 3 == 0) spec += fmt::format("deadline_h: {}\n", 1 + rng() % 200);
      if (rng() % 4 == 0) spec += "gang: false\n";
      auto job = ParseJob(spec, registry);
      ASSERT_TRUE(job.has_value()) << job.error().message << "\n" << spec;
      const double now_s = 1.7e9 + static_cast<double>(rng() % 3600);
      auto prepared = Prepare(s, *job, now_s);
      ASSERT_TRUE(prepared.has_value());
      PlaceOptions o;
      o.now_s = now_s;
      o.objective.kind = round % 3 == 0 ? ObjectiveKind::kTime : ObjectiveKind::kCost;
      PlaceOptions fast = o;
      fast.explain = false;
      fast.top_k = 1;
      const Decision a = (*ranked)->Place(s, *prepared, fast);
      const Decision b = (*explained)->Place(s, *prepared, o);
      const std::optional<Candidate> c = (*chooser)->Choose(s, *prepared, o);
      ASSERT_EQ(a.chosen.has_value(), c.has_value()) << name << "\n" << spec;
      ASSERT_EQ(b.chosen.has_value(), c.has_value()) << name << "\n" << spec;
      if (!c) continue;
      ++chosen;
      if (c->start_h > 0) ++waiting;
      for (const Decision* d : {&a, &b}) {
        EXPECT_EQ(d->chosen->pool, c->pool) << name << "\n" << spec;
        EXPECT_EQ(d->chosen->split.size(), c->split.size()) << name << "\n" << spec;
        EXPECT_EQ(d->chosen->score, c->score) << name << "\n" << spec;
        EXPECT_EQ(d->chosen->start_h, c->start_h) << name << "\n" << spec;
      }
    }
    EXPECT_GT(chosen, 50) << name;
    EXPECT_GT(waiting, 10) << name;  // busy pools are among the choices
  }
}

TEST_F(Tiny, NonGangJobSpansPoolsOfOneCenter) {
  // 55 devices: neither c2 pool has 55 (acc-a 10, cpu-b 50), but together they do when not gang.
  snapshot_.SetCenterState(0, CenterState::kDown);
  const char* gang = "kind: batch\ndevices: 55\nprecision: fp32\nwork: {pflop: 36}\n";
  EXPECT_FALSE(Place(gang).chosen);
  const Decision d = Place(std::string(gang) + "gang: false\n");
  ASSERT_TRUE(d.chosen) << Why(snapshot_, d);
  const Candidate& c = *d.chosen;
  ASSERT_EQ(c.split.size(), 2u);
  // acc-a: 20 TFLOPS fp32 x 0.5 = 10 effective, price/TFLOPS 0.27; cpu-b: 1.28 x 0.5 = 0.64 effective.
  EXPECT_EQ(snapshot_.pools()[c.split[0].pool].accelerator, 0u);
  EXPECT_EQ(c.split[0].devices, 10);
  EXPECT_EQ(c.split[1].devices, 45);
  // 36 PFLOP = 10 TFLOPS-h over 10 x 10 + 45 x 0.64 = 128.8 effective TFLOPS.
  EXPECT_NEAR(c.run_h, 10.0 / 128.8, 1e-12);
  EXPECT_NEAR(c.device_hours, 55 * c.run_h, 1e-12);
  EXPECT_NEAR(c.price_cny, c.run_h * (10 * kPriceC2 + 45 * PoolPrice(1)), 1e-9);
}

}  // namespace
}  // namespace zhisuan::placement

namespace zhisuan::placement {
namespace {

TEST_F(Tiny, AllocateAndFreeKeepTheReleaseSchedule) {
  snapshot_.Allocate(0, 60, 7200);
  snapshot_.Allocate(0, 30, 3600);
  const PoolInfo& pool = snapshot_.pools()[0];
  EXPECT_EQ(pool.free_devices, 10);
  ASSERT_EQ(pool.releases.size(), 2u);
  EXPECT_EQ(pool.releases.Entries()[0].at_s, 3600);
  // A job of 50 needs the 10 free plus the release at 1 h.
  const Decision d =
      Place(std::string("kind: train\ndevices: 40\naccelerator: {models: [acc-a]}\nwork: {pflop: 1}\n") +
            "residency: {provinces: [east-a]}\ndeadline_h: 5\n");
  ASSERT_TRUE(d.chosen);
  EXPECT_DOUBLE_EQ(d.chosen->start_h, 1.0);
  snapshot_.Free(0, 30, 3600);
  EXPECT_EQ(pool.free_devices, 40);
  ASSERT_EQ(pool.releases.size(), 1u);
  EXPECT_EQ(pool.releases.Entries()[0].at_s, 7200);
}

}  // namespace
}  // namespace zhisuan::placement

namespace zhisuan::placement {
namespace {

TEST_F(Tiny, DeadlineCountsFromSubmissionNotFromThePlacement) {
  // Submitted at 0 with 11 h to finish; placed 2 h later only 9 h remain, and a 10 h run no longer fits.
  auto job = ParseJob(std::string(kTrain8) + "deadline_h: 11\n", registry_);
  ASSERT_TRUE(job.has_value());
  auto prepared = Prepare(snapshot_, *job, /*submitted_s=*/0);
  ASSERT_TRUE(prepared.has_value());
  PlaceOptions o;
  o.now_s = 2 * 3600;
  const Decision d = (*MakePolicy("lowest-cost"))->Place(snapshot_, *prepared, o);
  EXPECT_FALSE(d.chosen);
  ASSERT_FALSE(d.rejections.empty());
  EXPECT_EQ(d.rejections[0].reason, "estimated finish 10.0 h > deadline 9 h (on 8 acc-a)");
}

}  // namespace
}  // namespace zhisuan::placement

namespace zhisuan::placement {
namespace {

// A job that asks for domestic accelerators (accelerator.domestic: true) is never placed on, nor offered, a
// pool of a foreign vendor, on random states of the shipped network and under every policy; a center with
// only foreign accelerators says so; a job that names a foreign model and asks for domestic ones is refused.
TEST(PlacementProperty, DomesticJobsStayOnDomesticAccelerators) {
  testing::TempDir dir;
  auto opened = OpenRegistry(dir.path() / "z.db", testing::ShippedDataDir());
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  const Registry& registry = opened->registry;
  ASSERT_TRUE(registry.FindAccelerator("huawei-ascend-910b")->domestic());
  ASSERT_FALSE(registry.FindAccelerator("nvidia-a800-sxm-80gb")->domestic());
  std::mt19937_64 rng(20261130);
  int placed = 0;
  for (int round = 0; round < 120; ++round) {
    Snapshot s = Snapshot::Build(registry);
    RandomisePools(s, rng, false);
    std::string spec = fmt::format(
        "kind: train\ndevices: {}\naccelerator: {{domestic: true}}\n"
        "work: {{reference_hours: {}, reference: nvidia-a100-sxm-80gb}}\n",
        1 << (rng() % 8), 1 + rng() % 100);
    if (rng() % 2) spec += fmt::format("data: {{size_gb: 100, province: {}}}\n", kProvinces[rng() % 6]);
    auto job = ParseJob(spec, registry);
    ASSERT_TRUE(job.has_value()) << job.error().message;
    auto prepared = Prepare(s, *job, 1.7e9);
    ASSERT_TRUE(prepared.has_value());
    for (const JobModel& m : prepared->models) EXPECT_TRUE(s.accelerators()[m.accelerator].domestic);
    for (const char* name : {"lowest-cost", "nearest-data", "least-loaded", "first-fit", "random"}) {
      auto policy = MakePolicy(name, 7);
      ASSERT_TRUE(policy.has_value());
      PlaceOptions o;
      o.now_s = 1.7e9;
      for (const bool explain : {true, false}) {
        o.explain = explain;
        const Decision d = (*policy)->Place(s, *prepared, o);
        if (d.chosen) ++placed;
        for (const Candidate& c : d.candidates) {
          EXPECT_TRUE(s.accelerators()[c.accelerator].domestic) << name << " offered " << c.accelerator;
          for (const PoolShare& share : c.split) {
            EXPECT_TRUE(s.accelerators()[s.pools()[share.pool].accelerator].domestic) << name;
          }
        }
        if (!explain) continue;
        for (const Rejection& r : d.rejections) {
          const CenterInfo& c = s.centers()[r.center];
          bool any_domestic = false;
          for (uint32_t p = c.first_pool; p < c.first_pool + c.pool_count; ++p) {
            any_domestic = any_domestic || s.accelerators()[s.pools()[p].accelerator].domestic;
          }
          if (!any_domestic && c.state == CenterState::kUp && c.in_service) {
            EXPECT_NE(r.reason.find("no pool of a domestic accelerator"), std::string::npos) << r.reason;
          }
        }
      }
    }
  }
  EXPECT_GT(placed, 500);  // most jobs fit somewhere domestic
  auto foreign = ParseJob(
      "kind: train\ndevices: 8\naccelerator: {domestic: true, models: [huawei-ascend-910b, nvidia-h20]}\n"
      "work: {pflop: 10}\n",
      registry, "job.yaml");
  ASSERT_FALSE(foreign.has_value());
  EXPECT_NE(
      foreign.error().message.find(
          "accelerator.models: 'nvidia-h20' is not domestic (NVIDIA, US) but accelerator.domestic is true"),
      std::string::npos)
      << foreign.error().message;
}

}  // namespace
}  // namespace zhisuan::placement
