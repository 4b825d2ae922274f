// The scarcity premium (PlacementParams::scarcity_weight) on the tiny network: c2 (west-b) sells acc-a at
// 2.7073653 CNY per device-hour from 10 devices, c1 (east-a) at 3.0583653 from 100
// (tests/testing/fixtures.h).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "model/job.h"
#include "placement/evaluate.h"
#include "placement/policy.h"
#include "testing/fixtures.h"

namespace zhisuan::placement {
namespace {

constexpr double kPriceC1 = (100 * 500.0 / 26280 + 0.5 * 1.5 * 0.6) * 1.3;
constexpr double kPriceC2 = (100 * 500.0 / 26280 + 0.5 * 1.2 * 0.3) * 1.3;

Registry WithScarcity(double weight) {
  std::string placement = testing::FileContent(testing::TinyDataFiles(), "placement.yaml");
  placement.replace(
      placement.find("  max_wait_h: 2\n"), 15,
      "  max_wait_h: 2\n  scarcity_weight: " + std::to_string(weight) + "\n  scarcity_steepness: 8\n");
  auto r = LoadRegistry(testing::WithFile(testing::TinyDataFiles(), "placement.yaml", placement));
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return std::move(*r);
}

// A train job of `devices` acc-a running 10 h, with `data` (e.g. "data: {province: west-b, size_gb: 100}").
std::string Spec(int devices, const std::string& data = "") {
  return "name: t\nkind: train\ndevices: " + std::to_string(devices) +
         "\naccelerator: {models: [acc-a]}\nwork: {reference_hours: 10, reference: acc-a}\n" + data;
}

class Scarcity : public ::testing::Test {
 protected:
  // The premium factor at utilisation u for steepness 8.
  static double Factor(double u) { return std::expm1(8 * u) / std::expm1(8); }

  Decision Place(const Registry& registry, Snapshot& snapshot, const std::string& spec) {
    auto job = ParseJob(spec, registry);
    EXPECT_TRUE(job.has_value()) << job.error().message;
    job_ = std::move(*job);
    auto prepared = Prepare(snapshot, job_, 0);
    EXPECT_TRUE(prepared.has_value());
    auto policy = MakePolicy("lowest-cost");
    PlaceOptions o;
    Decision explained = (*policy)->Place(snapshot, *prepared, o);
    o.explain = false;
    // The rate index's bound ignores the premium (it is never negative), so the fast path agrees.
    const std::optional<Candidate> fast = (*policy)->Choose(snapshot, *prepared, o);
    EXPECT_EQ(fast.has_value(), explained.chosen.has_value());
    if (fast && explained.chosen) {
      EXPECT_EQ(fast->pool, explained.chosen->pool);
    }
    return explained;
  }

  static std::string CenterOf(const Snapshot& s, const Decision& d) {
    return d.chosen ? s.centers()[d.chosen->center].id : "(none)";
  }

  static uint32_t AccPoolOfC2(const Snapshot& s) { return s.centers()[1].first_pool; }

  Job job_;
};

TEST_F(Scarcity, FollowsThePoolsLoadAndIsNeverBilled) {
  const Registry registry = WithScarcity(1);
  Snapshot snapshot = Snapshot::Build(registry);
  const uint32_t pool = AccPoolOfC2(snapshot);
  EXPECT_EQ(snapshot.pools()[pool].scarcity_cny_per_device_hour, 0);  // idle: none
  Decision d = Place(registry, snapshot, Spec(8));
  ASSERT_TRUE(d.chosen);
  EXPECT_EQ(CenterOf(snapshot, d), "c2");
  EXPECT_EQ(d.chosen->scarcity_cny, 0);
  // 5 of 10 taken, then 3 of them back, then 2 booked by a waiting job: the rate follows each change.
  snapshot.Allocate(pool, 5, 7200);
  EXPECT_NEAR(snapshot.pools()[pool].scarcity_cny_per_device_hour, kPriceC2 * Factor(0.5), 1e-12);
  snapshot.Free(pool, 3, 7200);
  EXPECT_NEAR(snapshot.pools()[pool].scarcity_cny_per_device_hour, kPriceC2 * Factor(0.2), 1e-12);
  snapshot.Queue(pool, 2);
  EXPECT_NEAR(snapshot.pools()[pool].scarcity_cny_per_device_hour, kPriceC2 * Factor(0.4), 1e-12);
  snapshot.SetPoolState(pool, 10, {});
  EXPECT_NEAR(snapshot.pools()[pool].scarcity_cny_per_device_hour, kPriceC2 * Factor(0.2), 1e-12);  // queued
  d = Place(registry, snapshot, Spec(8));
  ASSERT_TRUE(d.chosen);
  const Candidate& c = *d.chosen;
  EXPECT_NEAR(c.scarcity_cny, kPriceC2 * Factor(0.2) * 80, 1e-9);
  EXPECT_LT(c.scarcity_cny, 0.01 * c.price_cny);
  EXPECT_NEAR(c.price_cny, 80 * kPriceC2, 1e-9);  // the price (what is billed) has no premium in it
  EXPECT_NEAR(c.score, c.price_cny + c.transfer_fee_cny + c.scarcity_cny, 1e-9);
  // Other objectives never see it.
  PlaceOptions energy;
  energy.objective.kind = ObjectiveKind::kEnergy;
  auto prepared = Prepare(snapshot, job_, 0);
  const Decision e = (*MakePolicy("lowest-cost"))->Place(snapshot, *prepared, energy);
  ASSERT_TRUE(e.chosen);
  EXPECT_EQ(e.chosen->scarcity_cny, 0);
}

TEST_F(Scarcity, AFillingPoolIsLeftToTheJobThatNeedsIt) {
  for (const double weight : {0.0, 1.0}) {
    SCOPED_TRACE(weight);
    const Registry registry = WithScarcity(weight);
    Snapshot snapshot = Snapshot::Build(registry);
    snapshot.Allocate(AccPoolOfC2(snapshot), 8, 36000);  // c2: 2 of 10 acc-a left

    // A job with no data: c2 is 11% cheaper, but at 80% full its premium (20% of its price) outweighs that.
    const Decision roaming = Place(registry, snapshot, Spec(1));
    ASSERT_TRUE(roaming.chosen);
    if (weight == 0) {
      EXPECT_EQ(CenterOf(snapshot, roaming), "c2");
      EXPECT_EQ(roaming.chosen->scarcity_cny, 0);
      EXPECT_EQ(Why(snapshot, roaming).find("scarcity"), std::string::npos);
      continue;
    }
    EXPECT_EQ(CenterOf(snapshot, roaming), "c1") << Why(snapshot, roaming);
    ASSERT_EQ(roaming.candidates.size(), 2u);
    const Candidate& c2 = roaming.candidates[1];
    EXPECT_NEAR(c2.scarcity_cny, kPriceC2 * Factor(0.8) * 10, 1e-9);
    EXPECT_GT(c2.score, roaming.chosen->score);
    EXPECT_LT(c2.price_cny, roaming.chosen->price_cny);  // it would have been billed less there
    EXPECT_NE(Why(snapshot, roaming).find("scarcity premium"), std::string::npos) << Why(snapshot, roaming);

    // A job with 100 GB in west-b saves a 10 CNY transfer fee at c2: it still takes c2.
    const Decision local = Place(registry, snapshot, Spec(1, "data: {province: west-b, size_gb: 100}\n"));
    ASSERT_TRUE(local.chosen);
    EXPECT_EQ(CenterOf(snapshot, local), "c2") << Why(snapshot, local);
    EXPECT_EQ(local.chosen->transfer_fee_cny, 0);
    EXPECT_NEAR(local.candidates[1].transfer_fee_cny, 10, 1e-9);
    EXPECT_NEAR(local.candidates[1].price_cny, 10 * kPriceC1, 1e-9);
  }
}

TEST_F(Scarcity, QueuedDevicesCountAsTaken) {
  const Registry registry = WithScarcity(1);
  Snapshot snapshot = Snapshot::Build(registry);
  snapshot.Allocate(AccPoolOfC2(snapshot), 10, 3600);  // c2 full for an hour
  snapshot.Queue(AccPoolOfC2(snapshot), 4);            // and 4 devices booked by waiting jobs
  const Decision d = Place(registry, snapshot, Spec(2));
  ASSERT_TRUE(d.chosen);
  // Waiting an hour for c2 saved 11% before; with 14 of its 10 devices taken the premium is many times the
  // price: c1 now.
  EXPECT_EQ(CenterOf(snapshot, d), "c1") << Why(snapshot, d);
  EXPECT_EQ(d.chosen->start_h, 0);
  EXPECT_NEAR(d.candidates[1].scarcity_cny, kPriceC2 * Factor(1.4) * 20, 1e-6);
}

}  // namespace
}  // namespace zhisuan::placement
