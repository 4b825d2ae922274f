#include "server/quote_view.h"

#include <gtest/gtest.h>

#include "testing/fixtures.h"

namespace zhisuan::views {
namespace {

constexpr const char* kJob =
    "kind: train\ndevices: 8\naccelerator: {models: [acc-a]}\n"
    "work: {reference_hours: 10, reference: acc-a}\n";

TEST(QuoteView, DecisionWithBreakdownAndReasons) {
  const Registry r = testing::TinyRegistry();
  const auto s = placement::Snapshot::Build(r);
  auto j = Quote(r, s, std::string(kJob) + "residency: {provinces: [east-a]}\n", {{"top", "3"}}, 0);
  ASSERT_TRUE(j.has_value()) << j.error().message;
  EXPECT_EQ((*j)["policy"], "lowest-cost");
  EXPECT_EQ((*j)["chosen"]["center"], "c1");
  EXPECT_EQ((*j)["chosen"]["center_name"], "中心一");
  EXPECT_DOUBLE_EQ((*j)["chosen"]["device_hours"].get<double>(), 80);
  EXPECT_EQ((*j)["rejected"][0]["center"], "c2");
  EXPECT_EQ((*j)["rejected"][0]["reason"], "west-b not in residency [east-a]");
  EXPECT_EQ((*j)["job"]["models"][0]["run_h"], 10.0);
  EXPECT_EQ((*j)["feasible_centers"], 1);
}

TEST(QuoteView, BadInputsNameTheField) {
  const Registry r = testing::TinyRegistry();
  const auto s = placement::Snapshot::Build(r);
  auto bad = Quote(r, s, kJob, {{"objective", "happiness"}}, 0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message,
            "objective: unknown objective 'happiness' (one of cost, energy, carbon, time, weighted)");
  bad = Quote(r, s, kJob, {{"top", "lots"}}, 0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "top: 'lots' is not a number");
  bad = Quote(r, s, kJob, {{"policy", "psychic"}}, 0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  bad = Quote(r, s, "kind: train\ndevices: -3\nwork: {pflop: 1}\n", {}, 0, "body");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kValidation);
  EXPECT_NE(bad.error().message.find("body:2: devices: must be >= 1 (got -3)"), std::string::npos);
  bad = Quote(r, s, "", {}, 0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(HttpStatus(bad.error().code), 400);
}

}  // namespace
}  // namespace zhisuan::views
