// Time shifting in the scheduler core: under the weighted objective a job with a deadline whose devices are
// free now may be held for a cheaper time-of-use period of its center. The tiny network with a tariff for
// west-b (c2): valley 0-8 h at 0.3 of the flat 0.3 CNY/kWh, flat 8-24 h; the clock is stepped, no sleeps.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <string>

#include "model/job.h"
#include "schedule/scheduler.h"
#include "testing/fixtures.h"

namespace zhisuan::schedule {
namespace {

class TimeShift : public ::testing::Test {
 protected:
  TimeShift()
      : registry_(testing::TinyRegistryWithValley()), core_(Make(placement::ObjectiveKind::kWeighted)) {}

  Scheduler Make(placement::ObjectiveKind kind) {
    SchedulerOptions o;
    o.objective.kind = kind;
    o.objective.carbon_price_cny_per_t = 0;  // the energy alone decides, by hand
    return Scheduler(placement::Snapshot::Build(registry_), std::move(*placement::MakePolicy("lowest-cost")),
                     o);
  }

  // 8 acc-a for 2 h in west-b (c2 only), finishing within `deadline_h`.
  Ticket Submit(Scheduler& core, double deadline_h) {
    auto job = ParseJob(
        "name: t\nkind: train\ndevices: 8\naccelerator: {models: [acc-a]}\nwork: {reference_hours: 2, "
        "reference: acc-a}\nresidency: {provinces: [west-b]}\ndeadline_h: " +
            std::to_string(deadline_h) + "\n",
        registry_);
    EXPECT_TRUE(job.has_value()) << job.error().message;
    jobs_.push_back(std::move(*job));
    const Ticket t = core.NewJob();
    JobSpec& s = core.job(t);
    EXPECT_TRUE(placement::Prepare(core.snapshot(), jobs_.back(), now_, s.prepared));
    s.submitted_s = now_;
    s.tenant = core.Tenant("acme");
    core.Submit(t);
    return t;
  }

  Scheduler::PassResult Pass(Scheduler& core) {
    Scheduler::PassResult out;
    core.Pass(now_, out);
    return out;
  }

  Registry registry_;
  Scheduler core_;
  std::deque<Job> jobs_;
  // 20:00 China Standard Time (12:00 UTC) of a day in 2023: the valley begins in 4 h.
  double now_ = std::floor(1.7e9 / 86400) * 86400 + 12 * 3600;
};

TEST_F(TimeShift, AJobThatCanWaitIsHeldForTheValleyAndStartsThere) {
  const Ticket t = Submit(core_, 24);
  auto r = Pass(core_);
  EXPECT_TRUE(r.starts.empty());
  ASSERT_EQ(r.waits, std::vector<Ticket>{t});
  EXPECT_EQ(core_.held_jobs(), 1u);
  EXPECT_DOUBLE_EQ(core_.next_wake_s(), now_ + 4 * 3600);
  // Its devices are not taken while it is held. It uses 8 devices x 2 h x 0.5 kW x PUE 1.2 = 9.6 kWh at 0.3
  // CNY/kWh, 0.7 of which the valley saves: 2.016 CNY.
  EXPECT_EQ(core_.snapshot().pools()[core_.snapshot().centers()[1].first_pool].free_devices, 10);
  Explanation e = core_.Explain(t, now_);
  EXPECT_EQ(e.wait, Wait::kTimeShift);
  EXPECT_EQ(e.code, "time_shift");
  EXPECT_NEAR(e.expected_start_h, 4, 1e-9);
  EXPECT_NEAR(core_.candidate(t).shift_saving_cny, 9.6 * 0.3 * 0.7, 1e-9);
  EXPECT_NE(e.reason.find("starts in 4.00 h at c2"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("2.02 CNY"), std::string::npos) << e.reason;
  // The decision's sentence says so too.
  placement::Decision d;
  d.policy = "lowest-cost";
  d.objective.kind = placement::ObjectiveKind::kWeighted;
  d.chosen = core_.candidate(t);
  EXPECT_NE(
      placement::Why(core_.snapshot(), d).find("held 4.00 h on purpose for a cheaper time-of-use period"),
      std::string::npos)
      << placement::Why(core_.snapshot(), d);
  // An hour later it still waits, three hours from its start.
  now_ += 3600;
  r = Pass(core_);
  EXPECT_TRUE(r.starts.empty());
  EXPECT_NEAR(core_.Explain(t, now_).expected_start_h, 3, 1e-9);
  // At midnight it starts, in the valley, on c2.
  now_ += 3 * 3600;
  r = Pass(core_);
  ASSERT_EQ(r.starts, std::vector<Ticket>{t});
  EXPECT_EQ(core_.held_jobs(), 0u);
  EXPECT_TRUE(std::isinf(core_.next_wake_s()));
  const placement::Candidate& c = core_.candidate(t);
  EXPECT_EQ(c.shift_h, 0);
  EXPECT_NEAR(c.energy_cny, 9.6 * 0.3 * 0.3, 1e-9);
  EXPECT_EQ(core_.snapshot().pools()[c.pool].free_devices, 2);
}

TEST_F(TimeShift, NotWhenTheDeadlineOrTheObjectiveSaysNo) {
  // Finishing by 5 h leaves no room for a 4 h wait and a 2 h run: it starts now.
  const Ticket tight = Submit(core_, 5);
  auto r = Pass(core_);
  EXPECT_EQ(r.starts, std::vector<Ticket>{tight});
  EXPECT_EQ(core_.candidate(tight).shift_h, 0);
  core_.End(tight);
  // Under the cost objective the tenant's price is the same at any hour: no reason to wait.
  Scheduler cost = Make(placement::ObjectiveKind::kCost);
  const Ticket t = Submit(cost, 24);
  r = Pass(cost);
  EXPECT_EQ(r.starts, std::vector<Ticket>{t});
  EXPECT_EQ(cost.held_jobs(), 0u);
}

TEST_F(TimeShift, AHeldJobThatIsCancelledLeavesNothingBehind) {
  const Ticket a = Submit(core_, 24);
  Pass(core_);
  ASSERT_EQ(core_.held_jobs(), 1u);
  EXPECT_EQ(core_.waiting(), 1);
  core_.End(a);
  EXPECT_EQ(core_.held_jobs(), 0u);
  EXPECT_EQ(core_.waiting(), 0);
  EXPECT_TRUE(std::isinf(core_.next_wake_s()));
  // Its stale entry is skipped at its time; a new job (perhaps in the same slot) is unaffected.
  now_ += 4 * 3600;
  const Ticket b = Submit(core_, 5);
  const auto r = Pass(core_);
  EXPECT_EQ(r.starts, std::vector<Ticket>{b});
}

}  // namespace
}  // namespace zhisuan::schedule
