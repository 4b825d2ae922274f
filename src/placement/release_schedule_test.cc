#include "placement/release_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace zhisuan::placement {
namespace {

// The answer of a flat sorted vector, the structure the schedule replaced.
std::optional<double> FlatWhen(const std::vector<Release>& sorted, int64_t devices) {
  int64_t got = 0;
  for (const Release& r : sorted) {
    got += r.devices;
    if (got >= devices) return r.at_s;
  }
  return std::nullopt;
}

TEST(ReleaseSchedule, AnswersLikeASortedVectorUnderRandomAddsAndRemoves) {
  std::mt19937_64 rng(7);
  ReleaseSchedule schedule;
  std::vector<Release> flat;
  for (int step = 0; step < 40000; ++step) {
    const bool add = flat.empty() || rng() % 100 < 55;
    if (add) {
      // Coarse times, so equal times are common and land on chunk borders.
      const Release r{static_cast<double>(rng() % 2000), static_cast<int64_t>(1 + rng() % 8)};
      schedule.Add(r.at_s, r.devices);
      flat.insert(std::ranges::upper_bound(flat, r.at_s, {}, &Release::at_s), r);
    } else {
      const Release r = flat[rng() % flat.size()];
      ASSERT_TRUE(schedule.Remove(r.at_s, r.devices));
      const auto it = std::ranges::find_if(
          flat, [&](const Release& x) { return x.at_s == r.at_s && x.devices == r.devices; });
      flat.erase(it);
    }
    ASSERT_EQ(schedule.size(), flat.size());
    if (step % 97 == 0) {
      const std::vector<Release> entries = schedule.Entries();
      ASSERT_EQ(entries.size(), flat.size());
      for (size_t i = 0; i < flat.size(); ++i) ASSERT_EQ(entries[i].at_s, flat[i].at_s) << "at " << i;
      int64_t total = 0;
      for (const Release& r : flat) total += r.devices;
      for (int64_t need : {int64_t{1}, total / 3, total / 2, total, total + 1}) {
        ASSERT_EQ(schedule.When(need), FlatWhen(flat, need)) << "need " << need << " step " << step;
      }
    }
  }
}

TEST(ReleaseSchedule, RemoveNeedsTheExactTimeAndDevices) {
  ReleaseSchedule schedule({{100, 4}, {50, 2}, {100, 8}});
  EXPECT_EQ(schedule.Entries().front().at_s, 50);
  EXPECT_FALSE(schedule.Remove(100, 5));
  EXPECT_FALSE(schedule.Remove(99, 4));
  EXPECT_EQ(schedule.When(6), 100);  // 2 at 50, then 4 more at 100
  EXPECT_EQ(schedule.When(15), std::nullopt);
  EXPECT_TRUE(schedule.Remove(100, 8));
  EXPECT_EQ(schedule.When(6), 100);
  EXPECT_EQ(schedule.When(7), std::nullopt);
  EXPECT_TRUE(schedule.Remove(50, 2));
  EXPECT_TRUE(schedule.Remove(100, 4));
  EXPECT_TRUE(schedule.empty());
  EXPECT_FALSE(schedule.Remove(100, 4));
  EXPECT_EQ(schedule.When(1), std::nullopt);
}

}  // namespace
}  // namespace zhisuan::placement
