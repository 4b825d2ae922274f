#include "placement/batch.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "model/job.h"
#include "store/registry_source.h"
#include "testing/fixtures.h"

namespace zhisuan::placement {
namespace {

TEST(Batch, JointAssignmentBeatsGreedyOnAClassicTrap) {
  // c2 (cheaper) has 10 acc-a free. Job A (priority 1, 10 devices) is cheaper on c2 by a little; job B (10
  // devices, data in west-b) would pay a large fee anywhere but c2. Greedy gives c2 to A; joint gives it to
  // B.
  const Registry r = testing::TinyRegistry();
  const Snapshot s = Snapshot::Build(r);
  std::vector<Job> jobs(2);
  jobs[0] = *ParseJob(
      "kind: train\ndevices: 10\npriority: 1\naccelerator: {models: [acc-a]}\nwork: {pflop: 100}\n", r);
  jobs[1] = *ParseJob(
      "kind: train\ndevices: 10\naccelerator: {models: [acc-a]}\nwork: {pflop: 100}\n"
      "data: {size_gb: 5000, province: west-b}\n",
      r);
  std::vector<PreparedJob> prepared;
  for (const Job& j : jobs) prepared.push_back(*Prepare(s, j, /*submitted_s=*/0));
  const BatchResult greedy = PlaceGreedy(s, prepared, {});
  const BatchResult joint = PlaceBatchOptimal(s, prepared, {});
  ASSERT_EQ(greedy.placed, 2);
  ASSERT_EQ(joint.placed, 2);
  EXPECT_EQ(s.centers()[greedy.assignment[0]->center].id, "c2");
  EXPECT_EQ(s.centers()[joint.assignment[1]->center].id, "c2");
  EXPECT_EQ(s.centers()[joint.assignment[0]->center].id, "c1");
  EXPECT_LT(joint.total_score, greedy.total_score - 400);  // saves the 500 CNY fee minus the price gap
  EXPECT_LE(joint.lp_bound, joint.penalized_score + 1e-6);
  EXPECT_EQ(joint.method, "lp-rounding");
}

TEST(Batch, UnplaceableJobsStayQueued) {
  const Registry r = testing::TinyRegistry();
  const Snapshot s = Snapshot::Build(r);
  std::vector<Job> jobs;
  for (int i = 0; i < 5; ++i) {
    jobs.push_back(
        *ParseJob("kind: train\ndevices: 40\naccelerator: {models: [acc-a]}\nwork: {pflop: 10}\n", r));
  }
  std::vector<PreparedJob> prepared;
  for (const Job& j : jobs) prepared.push_back(*Prepare(s, j, /*submitted_s=*/0));
  const BatchResult b = PlaceBatchOptimal(s, prepared, {});
  EXPECT_EQ(b.placed, 2);  // c1 has 100 devices: two jobs of 40; c2 has 10
  EXPECT_EQ(std::count_if(b.assignment.begin(), b.assignment.end(), [](const auto& a) { return !a; }), 3);
}

// Property: on random batches over the shipped network, batch-optimal <= greedy and >= its LP bound.
TEST(BatchProperty, NeverWorseThanGreedyAndAboveTheBound) {
  testing::TempDir dir;
  auto opened = OpenRegistry(dir.path() / "z.db", testing::ShippedDataDir());
  ASSERT_TRUE(opened.has_value());
  const Registry& registry = opened->registry;
  std::mt19937_64 rng(7);
  const std::vector<std::string> models = {"huawei-ascend-910b", "nvidia-a800-sxm-80gb", "nvidia-h20",
                                           "huawei-ascend-910c", "thead-ppu"};
  const std::vector<std::string> provinces = {"beijing", "guangdong", "shanghai", "gansu", "guizhou"};
  for (int round = 0; round < 20; ++round) {
    Snapshot s = Snapshot::Build(registry);
    for (uint32_t p = 0; p < s.pools().size(); ++p) {  // scarce capacity, so jobs compete
      s.SetPoolState(p, static_cast<int64_t>(rng() % 600), {});
    }
    std::vector<Job> jobs;
    for (int j = 0; j < 60; ++j) {
      jobs.push_back(
          *ParseJob(fmt::format("kind: train\ndevices: {}\npriority: {}\naccelerator: {{models: [{}, {}]}}\n"
                                "work: {{pflop: {}}}\ndata: {{size_gb: {}, province: {}}}\n",
                                8 << (rng() % 5), rng() % 3, models[rng() % 5], models[rng() % 5],
                                1000 + rng() % 100000, rng() % 20000, provinces[rng() % 5]),
                    registry));
    }
    std::vector<PreparedJob> prepared;
    for (const Job& j : jobs) prepared.push_back(*Prepare(s, j, /*submitted_s=*/0));
    const BatchResult greedy = PlaceGreedy(s, prepared, {});
    const BatchResult joint = PlaceBatchOptimal(s, prepared, {});
    EXPECT_LE(joint.penalized_score, greedy.penalized_score + 1e-6) << round;
    EXPECT_GE(joint.placed, greedy.placed - 0) << round;
    EXPECT_LE(joint.lp_bound, joint.penalized_score * (1 + 1e-9) + 1e-3) << round;
  }
}

}  // namespace
}  // namespace zhisuan::placement
