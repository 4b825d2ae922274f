// The scheduler core on the tiny network (tests/testing/fixtures.h: c1 east-a 100 x acc-a at 3.06 CNY per
// device-hour, c2 west-b 10 x acc-a at 2.71 and 50 x cpu-b; lowest-cost waits up to 2 h for a cheaper busy
// pool), on a clock the test steps: no sleeps, no threads.
#include "schedule/scheduler.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "model/job.h"
#include "testing/fixtures.h"

namespace zhisuan::schedule {
namespace {

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest()
      : registry_(testing::TinyRegistry()),
        core_(placement::Snapshot::Build(registry_), std::move(*placement::MakePolicy("lowest-cost")), {}) {}

  // A train job of `devices` acc-a taking `hours` on them.
  static std::string Train(int devices, double hours, const std::string& extra = "") {
    return fmt::format(
        "name: t\nkind: train\ndevices: {}\naccelerator: {{models: [acc-a]}}\n"
        "work: {{reference_hours: {}, reference: acc-a}}\n{}",
        devices, hours, extra);
  }

  Ticket Submit(const std::string& spec, int priority = 0, const std::string& tenant = "acme") {
    auto job = ParseJob(spec, registry_);
    EXPECT_TRUE(job.has_value()) << job.error().message;
    jobs_.push_back(std::move(*job));
    const Ticket t = core_.NewJob();
    JobSpec& s = core_.job(t);
    EXPECT_TRUE(placement::Prepare(core_.snapshot(), jobs_.back(), now_, s.prepared));
    s.priority = priority;
    s.submitted_s = now_;
    s.tenant = core_.Tenant(tenant);
    s.tag = jobs_.size();
    core_.Submit(t);
    return t;
  }

  Scheduler::PassResult Pass() {
    Scheduler::PassResult out;
    core_.Pass(now_, out);
    return out;
  }

  std::string CenterOf(Ticket t) const { return core_.snapshot().centers()[core_.candidate(t).center].id; }
  uint32_t Center(const std::string& id) const {
    return static_cast<uint32_t>(core_.snapshot().CenterIndex(id));
  }
  bool Started(const Scheduler::PassResult& r, Ticket t) const {
    return std::ranges::find(r.starts, t) != r.starts.end();
  }

  Registry registry_;
  Scheduler core_;
  std::deque<Job> jobs_;
  double now_ = 1.7e9;
};

TEST_F(SchedulerTest, StartsOnTheCheapestPoolAndTakesItsDevices) {
  const Ticket a = Submit(Train(8, 1));
  const auto r = Pass();
  ASSERT_EQ(r.starts, std::vector<Ticket>{a});
  EXPECT_EQ(CenterOf(a), "c2");
  EXPECT_TRUE(core_.running(a));
  EXPECT_EQ(core_.snapshot().pools()[core_.candidate(a).pool].free_devices, 2);
  EXPECT_DOUBLE_EQ(core_.release_at(a), now_ + 3600);
  core_.End(a);
  EXPECT_EQ(core_.snapshot().pools()[core_.candidate(a).pool].free_devices, 10);
  EXPECT_EQ(core_.running_jobs(), 0);
}

TEST_F(SchedulerTest, APoolServesItsQueueFirstComeFirstServedAndSaysWhereEachJobStands) {
  const Ticket a = Submit(Train(5, 1));
  const Ticket a2 = Submit(Train(5, 1.5));
  Pass();
  ASSERT_EQ(CenterOf(a2), "c2");
  // c2 is cheaper than c1 and frees devices within the policy's 2 h: 5-device jobs wait for it, in order.
  const Ticket b = Submit(Train(5, 1));
  auto r = Pass();
  const Ticket c = Submit(Train(5, 1));
  r = Pass();
  EXPECT_TRUE(r.starts.empty());
  const Explanation eb = core_.Explain(b, now_), ec = core_.Explain(c, now_);
  EXPECT_EQ(eb.wait, Wait::kDevicesBusy);
  EXPECT_EQ(eb.code, "devices_busy");
  EXPECT_EQ(eb.position, 1);
  EXPECT_NEAR(eb.expected_start_h, 1, 1e-6);
  EXPECT_EQ(ec.position, 2);
  EXPECT_EQ(ec.queued_ahead, 5);
  EXPECT_NEAR(ec.expected_start_h, 1.5, 1e-6);
  EXPECT_NE(ec.reason.find("number 2 in its queue"), std::string::npos) << ec.reason;
  EXPECT_NE(ec.reason.find("at c2"), std::string::npos) << ec.reason;
  // Nobody jumps the queue: a third job finds no release left for it at c2 and starts at c1 now.
  const Ticket d = Submit(Train(5, 1));
  r = Pass();
  ASSERT_TRUE(Started(r, d));
  EXPECT_EQ(CenterOf(d), "c1");
  now_ += 3600;
  core_.End(a);
  r = Pass();
  EXPECT_EQ(r.starts, std::vector<Ticket>{b});
  EXPECT_EQ(CenterOf(b), "c2");
  EXPECT_EQ(core_.Explain(c, now_).position, 1);
  now_ += 1800;
  core_.End(a2);
  r = Pass();
  EXPECT_EQ(r.starts, std::vector<Ticket>{c});
  EXPECT_EQ(CenterOf(c), "c2");
}

TEST_F(SchedulerTest, HigherPriorityGoesAheadInAQueueAndAmongArrivals) {
  const Ticket a = Submit(Train(5, 1));
  Submit(Train(5, 1.5));
  Pass();
  const Ticket low = Submit(Train(5, 1), 0);
  Pass();
  const Ticket high = Submit(Train(5, 1), 5);
  Pass();
  EXPECT_EQ(core_.Explain(high, now_).position, 1);
  EXPECT_EQ(core_.Explain(low, now_).position, 2);
  now_ += 3600;
  core_.End(a);
  const auto r = Pass();
  EXPECT_EQ(r.starts, std::vector<Ticket>{high});
  // Among jobs arriving together, the higher priority is placed first and takes the free devices.
  const Ticket x = Submit(Train(100, 1), 0);
  const Ticket y = Submit(Train(100, 1), 3);
  const auto r2 = Pass();
  EXPECT_EQ(r2.starts, std::vector<Ticket>{y});
  EXPECT_FALSE(Started(r2, x));
}

TEST_F(SchedulerTest, QuotasHoldATenantBackUntilItFreesDevices) {
  core_.SetQuota(core_.Tenant("acme"), static_cast<uint32_t>(core_.snapshot().AcceleratorIndex("acc-a")), 8);
  const Ticket a = Submit(Train(8, 1));
  const Ticket b = Submit(Train(8, 1));
  const Ticket other = Submit(Train(2, 1), 0, "zeta");
  auto r = Pass();
  EXPECT_TRUE(Started(r, a));
  EXPECT_FALSE(Started(r, b));
  EXPECT_TRUE(Started(r, other));  // another tenant is not held back by acme's quota
  // Over its quota a job does not even queue for a pool (it would hold others back there).
  const Explanation e = core_.Explain(b, now_);
  EXPECT_EQ(e.wait, Wait::kQuota);
  EXPECT_EQ(e.code, "quota");
  EXPECT_NE(e.reason.find("tenant 'acme' holds 8 of its 8 acc-a"), std::string::npos) << e.reason;
  r = Pass();
  EXPECT_TRUE(r.starts.empty());
  core_.End(a);
  r = Pass();
  EXPECT_TRUE(Started(r, b));
  // Lifting a quota lets the waiting job go at once.
  const Ticket c = Submit(Train(8, 1));
  EXPECT_FALSE(Started(Pass(), c));
  EXPECT_EQ(core_.Explain(c, now_).code, "quota");
  core_.ClearQuotas();
  r = Pass();
  EXPECT_NE(core_.Explain(c, now_).code, "quota");
  EXPECT_TRUE(Started(r, c) || core_.Explain(c, now_).code == "devices_busy");
}

TEST_F(SchedulerTest, AGangJobNeverStartsOnPartOfItsDevices) {
  const Ticket big = Submit(Train(95, 1));  // c1 only: c2 has 10 acc-a
  ASSERT_TRUE(Started(Pass(), big));
  EXPECT_EQ(CenterOf(big), "c1");
  // 5 free at c1, 10 at c2: a 12-device gang job fits nowhere now and waits whole.
  const Ticket gang = Submit(Train(12, 1));
  auto r = Pass();
  EXPECT_FALSE(Started(r, gang));
  EXPECT_EQ(core_.snapshot().pools()[0].free_devices + core_.snapshot().pools()[1].free_devices, 15);
  core_.End(big);
  r = Pass();
  ASSERT_TRUE(Started(r, gang));
  EXPECT_EQ(core_.candidate(gang).devices, 12);
  // More devices than any center has: never, with the reason.
  const Ticket huge = Submit(Train(500, 1));
  r = Pass();
  ASSERT_EQ(r.never, std::vector<Ticket>{huge});
  const Explanation e = core_.Explain(huge, now_);
  EXPECT_NE(e.reason.find("even with the whole network free"), std::string::npos) << e.reason;
  core_.End(huge);
  EXPECT_EQ(core_.waiting(), 0);
}

TEST_F(SchedulerTest, AJobOfAFailedCenterIsPlacedAgainElsewhereAndNotBackThere) {
  const Ticket a = Submit(Train(8, 1));
  Pass();
  ASSERT_EQ(CenterOf(a), "c2");
  const Ticket queued = Submit(Train(8, 0.5));
  Pass();
  ASSERT_EQ(core_.Explain(queued, now_).code, "devices_busy");
  core_.SetCenterState(Center("c2"), CenterState::kDown);
  core_.Requeue(a, static_cast<int32_t>(Center("c2")));
  const auto r = Pass();
  // Both leave the down center: the queued one and the requeued one start at c1.
  ASSERT_TRUE(Started(r, a));
  ASSERT_TRUE(Started(r, queued));
  EXPECT_EQ(CenterOf(a), "c1");
  EXPECT_EQ(CenterOf(queued), "c1");
  EXPECT_EQ(core_.job(a).closed, std::vector<uint32_t>{Center("c2")});
  // c2 comes back; the requeued job still never returns there.
  core_.SetCenterState(Center("c2"), CenterState::kUp);
  core_.Requeue(a);
  Pass();
  EXPECT_EQ(CenterOf(a), "c1");
}

TEST_F(SchedulerTest, ADrainedCenterTakesNoNewJobsAndItsQueueMovesOn) {
  const Ticket a = Submit(Train(10, 1));
  Pass();
  const Ticket waiting = Submit(Train(10, 1));
  Pass();
  ASSERT_EQ(core_.Explain(waiting, now_).pool, static_cast<int32_t>(core_.candidate(a).pool));
  core_.SetCenterState(Center("c2"), CenterState::kDraining);
  auto r = Pass();
  ASSERT_TRUE(Started(r, waiting));
  EXPECT_EQ(CenterOf(waiting), "c1");
  EXPECT_TRUE(core_.running(a));  // the running job finishes where it is
  // A job that may run only in west-b waits while c2 drains, and says so.
  const Ticket west = Submit(Train(2, 1, "residency: {provinces: [west-b]}\n"));
  r = Pass();
  EXPECT_TRUE(r.never.empty());
  EXPECT_FALSE(Started(r, west));
  const Explanation e = core_.Explain(west, now_);
  EXPECT_EQ(e.code, "center_state") << e.reason;
  EXPECT_NE(e.reason.find("draining"), std::string::npos) << e.reason;
  core_.SetCenterState(Center("c2"), CenterState::kUp);
  Pass();
  EXPECT_EQ(core_.Explain(west, now_).code, "devices_busy");  // back in c2's queue, behind nobody
  EXPECT_EQ(core_.Explain(west, now_).position, 1);
}

TEST_F(SchedulerTest, CancellingAWaitingJobTakesItOutOfItsQueue) {
  Submit(Train(5, 1));
  Submit(Train(5, 1.5));
  Pass();
  const Ticket b = Submit(Train(5, 1));
  Pass();
  const Ticket c = Submit(Train(5, 1));
  Pass();
  const Explanation before = core_.Explain(c, now_);
  ASSERT_EQ(before.position, 2);
  EXPECT_EQ(core_.snapshot().pools()[static_cast<size_t>(before.pool)].queued_devices, 10);
  core_.End(b);
  const Explanation e = core_.Explain(c, now_);
  EXPECT_EQ(e.position, 1);
  EXPECT_EQ(core_.snapshot().pools()[static_cast<size_t>(e.pool)].queued_devices, 5);
  EXPECT_EQ(core_.waiting(), 1);
}

TEST_F(SchedulerTest, AdoptedRunsHoldTheirDevices) {
  const Ticket a = Submit(Train(8, 1));
  Pass();
  placement::Candidate where = core_.candidate(a);
  const double release = core_.release_at(a);
  core_.End(a);
  const Ticket again = core_.NewJob();
  core_.job(again).tenant = core_.Tenant("acme");
  core_.Adopt(again, where, release);
  EXPECT_EQ(core_.snapshot().pools()[where.pool].free_devices, 2);
  EXPECT_EQ(core_.held(core_.Tenant("acme"), where.accelerator), 8);
  core_.End(again);
  EXPECT_EQ(core_.snapshot().pools()[where.pool].free_devices, 10);
}

}  // namespace
}  // namespace zhisuan::schedule
