// A tenant's minimum domestic share (issue 16; seed 004:1289-1293 asks for domestic procurement ratios): on
// the tiny network with a domestic accelerator added (acc-d, vendor D seated in CN, 20 devices in c1, dearer
// than acc-a), a tenant that must keep half its running devices domestic gets foreign devices only while its
// share allows, is placed on domestic ones otherwise, and waits for its own jobs to end when no domestic
// accelerator can run the job — saying why.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <deque>

#include "model/job.h"
#include "model/loader.h"
#include "schedule/scheduler.h"
#include "testing/fixtures.h"

namespace zhisuan::schedule {
namespace {

Registry WithDomestic() {
  std::vector<DataFile> files = testing::TinyDataFiles();
  std::string acc = testing::FileContent(files, "accelerators.yaml");
  acc.replace(acc.find("accelerators:"), std::string("accelerators:").size(),
              "vendors:\n  - {id: V, country: US, source: test}\n  - {id: D, country: CN, source: test}\n"
              "accelerators:\n  - {id: acc-d, name: Accel D, vendor: D, class: npu, fp64_tflops: 10, "
              "fp32_tflops: 20, fp16_tflops: 100, memory_gb: 64, tdp_w: 400, source: test}");
  std::string centers = testing::FileContent(files, "centers.yaml");
  const std::string c1_pool = "      - {accelerator: acc-a, devices: 100, source: test}\n";
  centers.replace(centers.find(c1_pool), c1_pool.size(),
                  c1_pool + "      - {accelerator: acc-d, devices: 20, source: test}\n");
  files = testing::WithFile(testing::WithFile(files, "accelerators.yaml", acc), "centers.yaml", centers);
  Result<Registry> r = LoadRegistry(files);
  EXPECT_TRUE(r) << r.error().message;
  return std::move(*r);
}

class DomesticShareTest : public ::testing::Test {
 protected:
  DomesticShareTest()
      : registry_(WithDomestic()),
        core_(placement::Snapshot::Build(registry_), std::move(*placement::MakePolicy("lowest-cost")), {}) {}

  Ticket Submit(int devices, const std::string& models, const std::string& tenant = "acme") {
    auto job = ParseJob(fmt::format("name: t\nkind: train\ndevices: {}\naccelerator: {{models: [{}]}}\n"
                                    "work: {{reference_hours: 1, reference: acc-a}}\n",
                                    devices, models),
                        registry_);
    EXPECT_TRUE(job.has_value()) << job.error().message;
    jobs_.push_back(std::move(*job));
    const Ticket t = core_.NewJob();
    JobSpec& s = core_.job(t);
    EXPECT_TRUE(placement::Prepare(core_.snapshot(), jobs_.back(), now_, s.prepared));
    s.submitted_s = now_;
    s.tenant = core_.Tenant(tenant);
    core_.Submit(t);
    return t;
  }
  Scheduler::PassResult Pass() {
    Scheduler::PassResult out;
    core_.Pass(now_, out);
    return out;
  }
  std::string AcceleratorOf(Ticket t) const {
    return core_.snapshot().accelerators()[core_.candidate(t).accelerator].id;
  }

  Registry registry_;
  Scheduler core_;
  std::deque<Job> jobs_;
  double now_ = 1.7e9;
};

TEST_F(DomesticShareTest, TheFixtureHasADomesticAndAForeignAccelerator) {
  ASSERT_TRUE(registry_.FindAccelerator("acc-d")->domestic());
  ASSERT_FALSE(registry_.FindAccelerator("acc-a")->domestic());
  // Without a rule, the cheaper foreign acc-a wins.
  const Ticket t = Submit(4, "acc-a, acc-d");
  Pass();
  EXPECT_EQ(AcceleratorOf(t), "acc-a");
}

TEST_F(DomesticShareTest, ForeignDevicesOnlyWhileTheShareAllows) {
  const uint32_t acme = core_.Tenant("acme");
  core_.SetMinDomesticShare(acme, 0.5);
  // Nothing runs: a foreign start would leave 0 of 4 domestic, so the job goes to acc-d.
  const Ticket first = Submit(4, "acc-a, acc-d");
  ASSERT_EQ(Pass().starts, std::vector<Ticket>{first});
  EXPECT_EQ(AcceleratorOf(first), "acc-d");
  EXPECT_DOUBLE_EQ(core_.domestic_share_kept(first), 0.5);
  // 4 domestic of 4: 4 foreign keep it at 4 of 8 = 50%, allowed, on the cheaper acc-a.
  const Ticket second = Submit(4, "acc-a, acc-d");
  ASSERT_EQ(Pass().starts, std::vector<Ticket>{second});
  EXPECT_EQ(AcceleratorOf(second), "acc-a");
  EXPECT_DOUBLE_EQ(core_.domestic_share_kept(second), 0);
  // 4 more foreign would leave 4 of 12: domestic instead.
  const Ticket third = Submit(4, "acc-a, acc-d");
  ASSERT_EQ(Pass().starts, std::vector<Ticket>{third});
  EXPECT_EQ(AcceleratorOf(third), "acc-d");
  // Another tenant has no rule: foreign.
  const Ticket other = Submit(4, "acc-a, acc-d", "zeta");
  Pass();
  EXPECT_EQ(AcceleratorOf(other), "acc-a");
}

TEST_F(DomesticShareTest, AJobNoDomesticAcceleratorCanRunWaitsForItsTenantAndSaysWhy) {
  const uint32_t acme = core_.Tenant("acme");
  core_.SetMinDomesticShare(acme, 0.5);
  const Ticket foreign = Submit(4, "acc-a");  // 0 of 4 domestic after it: it waits
  auto r = Pass();
  EXPECT_TRUE(r.starts.empty());
  EXPECT_FALSE(core_.running(foreign));
  const Explanation e = core_.Explain(foreign, now_);
  EXPECT_EQ(e.wait, Wait::kQuota);
  EXPECT_EQ(e.code, "domestic_share");
  EXPECT_NE(e.reason.find("tenant 'acme' must keep at least 50% of its running devices on domestic"),
            std::string::npos)
      << e.reason;
  EXPECT_NE(e.reason.find("runs 0 domestic of 0"), std::string::npos) << e.reason;
  // A domestic job of the tenant raises its share: 4 domestic of 4, then 4 of 8 allows the foreign one.
  const Ticket domestic = Submit(4, "acc-d");
  r = Pass();
  EXPECT_TRUE(core_.running(domestic));
  r = Pass();
  EXPECT_TRUE(core_.running(foreign)) << core_.Explain(foreign, now_).reason;
  EXPECT_EQ(AcceleratorOf(foreign), "acc-a");
  // 4 domestic of 8: 2 more foreign would leave 4 of 10. The rule lifted, it starts at the next pass.
  const Ticket more = Submit(2, "acc-a");
  Pass();
  EXPECT_FALSE(core_.running(more));
  core_.SetMinDomesticShare(acme, 0);
  Pass();
  EXPECT_TRUE(core_.running(more));
}

}  // namespace
}  // namespace zhisuan::schedule
