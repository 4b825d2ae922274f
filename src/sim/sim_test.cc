#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <tuple>

#include "sim/bound.h"
#include "sim/event_queue.h"
#include "sim/report.h"
#include "sim/run_scenario.h"
#include "sim/scenario.h"
#include "store/registry_source.h"
#include "testing/fixtures.h"

namespace zhisuan::sim {
namespace {

const std::string kGoldenDir = std::string(ZHISUAN_SOURCE_DIR) + "/tests/golden";

std::string WriteTemp(const testing::TempDir& dir, const std::string& name, const std::string& content) {
  const std::string path = (dir.path() / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The tiny trace through every policy on the tiny network, as the report JSON.
std::string TinyReport(const Registry& registry, SimOptions o) {
  RunReport report;
  report.trace_path = "tiny_trace.jsonl";
  report.trace_format = "jsonl";
  report.options = o;
  auto source = OpenTrace(kGoldenDir + "/tiny_trace.jsonl", TraceFormat::kJsonl, registry, o.seed, false);
  EXPECT_TRUE(source.has_value());
  report.trace = (*source)->stats();
  report.bound = *OfflineBound(registry, **source, o);
  for (const char* policy : {"lowest-cost", "nearest-data", "least-loaded", "first-fit", "random"}) {
    auto s = OpenTrace(kGoldenDir + "/tiny_trace.jsonl", TraceFormat::kJsonl, registry, o.seed, false);
    o.policy = policy;
    auto r = Simulate(registry, **s, o);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    report.results.push_back(std::move(*r));
  }
  report.options.policy = "";
  // The golden file must not depend on where the checkout lives.
  std::string json = ToJson(report).dump(2) + "\n";
  for (size_t at = json.find(kGoldenDir + "/"); at != std::string::npos;
       at = json.find(kGoldenDir + "/", at)) {
    json.erase(at, kGoldenDir.size() + 1);
  }
  return json;
}

SimOptions TinyOptions() {
  SimOptions o;
  o.seed = 3;
  o.sample_interval_s = 1800;
  o.failures.push_back(*ParseFailure("c2@0.5+1"));
  return o;
}

TEST(Sim, GoldenReportOnTheTinyNetwork) {
  const Registry r = testing::TinyRegistry();
  const std::string got = TinyReport(r, TinyOptions());
  const std::string golden_path = kGoldenDir + "/tiny_report.json";
  if (std::getenv("ZHISUAN_UPDATE_GOLDEN") != nullptr) std::ofstream(golden_path, std::ios::binary) << got;
  EXPECT_EQ(got, ReadFile(golden_path))
      << "regenerate with ZHISUAN_UPDATE_GOLDEN=1 after checking the change";
}

TEST(Sim, SameInputsAndSeedGiveByteIdenticalJson) {
  const Registry r = testing::TinyRegistry();
  EXPECT_EQ(TinyReport(r, TinyOptions()), TinyReport(r, TinyOptions()));
}

TEST(Sim, TinyTraceBehaviour) {
  const Registry r = testing::TinyRegistry();
  auto source = OpenTrace(kGoldenDir + "/tiny_trace.jsonl", TraceFormat::kJsonl, r, 3, false);
  ASSERT_TRUE(source.has_value());
  EXPECT_EQ((*source)->stats().rows, 8);
  EXPECT_EQ((*source)->stats().jobs, 6);
  EXPECT_EQ((*source)->stats().malformed, 2);
  ASSERT_EQ((*source)->stats().problems.size(), 2u);
  EXPECT_NE((*source)->stats().problems[0].find("tiny_trace.jsonl:6: not a JSON object"), std::string::npos);
  EXPECT_NE((*source)->stats().problems[1].find("devices: must be >= 1"), std::string::npos);
  SimOptions o = TinyOptions();
  auto result = Simulate(r, **source, o);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->jobs, 6);
  EXPECT_EQ(result->unplaceable, 1);  // d: an SLO of 1 ms holds nowhere (2 ms within a province)
  EXPECT_EQ(result->slo_jobs, 1);
  EXPECT_EQ(result->slo_misses, 1);
  EXPECT_EQ(result->completed, 5);
  EXPECT_EQ(result->pending_at_end, 0);
  EXPECT_GE(result->moved_by_failures, 1);    // c2 fails at 0.5 h with b running
  EXPECT_GT(result->queue_delay_h.p99, 3.5);  // c waits about 4 h for b to finish
  EXPECT_EQ(result->deadline_misses, 1);      // and so misses its 5 h deadline, running best-effort
  EXPECT_GT(result->fairness_jain, 0);
  EXPECT_LE(result->fairness_jain, 1.0 + 1e-12);
}

// A pool's queue head starts as soon as the pool has its devices: the jobs queued behind it do not count
// against it (they did, and a freed pool then sat idle until it could hold the whole queue).
// The time-indexed bound where capacity binds, by hand: three jobs of 8 acc-a for 10 h arrive at once, each
// with 1 GB in mid-c (no center there: a 0.1 CNY fee and a second's transfer anywhere); c2 sells acc-a
// cheaper (2.7073653 CNY/device-hour) than c1 (3.0583653) but has 10 devices. Within a horizon of H h c2
// holds 10 H of the 240 device-hours: the LP optimum pays c2's price for those and c1's for the rest, above
// the static bound (all 240 at c2's) and below what lowest-cost pays (80 + 160: a job needs 8 devices at
// once).
TEST(Sim, TimeIndexedBoundWhereCapacityBinds) {
  constexpr double kPriceC1 = (100 * 500.0 / 26280 + 0.5 * 1.5 * 0.6) * 1.3;
  constexpr double kPriceC2 = (100 * 500.0 / 26280 + 0.5 * 1.2 * 0.3) * 1.3;
  constexpr double kFees = 3 * 0.1;
  const Registry r = testing::TinyRegistry();
  testing::TempDir dir;
  std::string trace;
  for (int i = 0; i < 3; ++i) {
    trace +=
        R"({"arrival_s": 0, "job": {"kind": "train", "devices": 8, "accelerator": {"models": ["acc-a"]}, )"
        R"("work": {"reference_hours": 10, "reference": "acc-a"}, "data": {"size_gb": 1, "province": )"
        R"("mid-c"}}})"
        "\n";
  }
  const std::string path = WriteTemp(dir, "b.jsonl", trace);
  auto file = TraceFile::Open(path, TraceFormat::kJsonl, r, true);
  ASSERT_TRUE(file.has_value()) << file.error().message;
  SimOptions o;
  o.sample_interval_s = 0;
  auto run = Simulate(r, *(*file)->Stream(1), o);
  ASSERT_TRUE(run.has_value());
  ASSERT_EQ(run->completed, 3);
  EXPECT_NEAR(run->tenant_cost_cny, 80 * kPriceC2 + 160 * kPriceC1 + kFees, 1e-6);
  const double h = run->makespan_h;
  EXPECT_NEAR(h, 10 + 1.0 / 3600, 1e-9);  // after the second's transfer
  auto fixed = OfflineBound(r, *(*file)->Stream(1), o);
  ASSERT_TRUE(fixed.has_value());
  EXPECT_NEAR(fixed->tenant_cost_cny, 240 * kPriceC2 + kFees, 1e-6);
  EXPECT_EQ(fixed->binding_pools, 1);

  auto ti = ComputeTimeIndexedBound(r, *(*file)->Stream(1), o, h, run->tenant_cost_cny);
  ASSERT_TRUE(ti.has_value()) << ti.error().message;
  const double lp = 10 * h * kPriceC2 + (240 - 10 * h) * kPriceC1 + kFees;
  EXPECT_LE(ti->tenant_cost_cny, lp + 1e-6);  // a lower bound on the LP, hence on every schedule
  EXPECT_GT(ti->tenant_cost_cny, lp - 0.02 * (lp - fixed->tenant_cost_cny));  // and close to it
  EXPECT_EQ(ti->horizon_h, h);
  // With room for all three at c2 in turn (30 h), capacity does not bind and the bound is the static one.
  auto loose = ComputeTimeIndexedBound(r, *(*file)->Stream(1), o, 30, run->tenant_cost_cny);
  ASSERT_TRUE(loose.has_value());
  EXPECT_NEAR(loose->tenant_cost_cny, fixed->tenant_cost_cny, 1e-6);
  EXPECT_EQ(loose->iterations, 1);
}

// Time shifting through the engine: under the weighted objective a job that may finish within a day, arriving
// at 20:00 China Standard Time, waits for c2's valley at midnight — the engine passes again at that time with
// no other event to wake it — and pays the valley tariff.
TEST(Sim, AHeldJobStartsAtItsTimeWithNoOtherEvent) {
  const Registry r = testing::TinyRegistryWithValley();
  testing::TempDir dir;
  const std::string trace =
      R"({"arrival_s": 0, "job": {"kind": "train", "devices": 8, "accelerator": {"models": ["acc-a"]}, )"
      R"("work": {"reference_hours": 2, "reference": "acc-a"}, "residency": {"provinces": ["west-b"]}, )"
      R"("data": {"size_gb": 1, "province": "west-b"}, "deadline_h": 24}})"
      "\n";
  auto source = OpenTrace(WriteTemp(dir, "v.jsonl", trace), TraceFormat::kJsonl, r, 1, true);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  SimOptions o;
  o.objective.kind = placement::ObjectiveKind::kWeighted;
  o.objective.carbon_price_cny_per_t = 0;
  o.start_epoch_s = std::floor(1.7e9 / 86400) * 86400 + 12 * 3600;  // 20:00 CST
  o.sample_interval_s = 0;
  double start_s = 0;
  o.on_finish = [&](const JobRun& run) { start_s = run.start_s; };
  auto result = Simulate(r, **source, o);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->completed, 1);
  EXPECT_NEAR(start_s - o.start_epoch_s, 4 * 3600, 1e-6);
  EXPECT_NEAR(result->queue_delay_h.mean, 4, 1e-4);
  EXPECT_NEAR(result->energy_cny, 9.6 * 0.3 * 0.3, 1e-9);  // 8 x 2 h x 0.5 kW x PUE 1.2 in the valley
  EXPECT_EQ(result->deadline_misses, 0);
}

TEST(Sim, QueueHeadStartsWhenItsDevicesAreFree) {
  const Registry r = testing::TinyRegistry();
  testing::TempDir dir;
  std::string trace;
  // arrival s, devices, hours; c1 (100 devices) only. X and A fill c1; B waits for A's 60 devices; C (40)
  // queues behind B, its estimate counting both A's and X's releases.
  const std::tuple<int, int, int> jobs[] = {{0, 40, 2}, {1, 60, 1}, {60, 60, 1}, {120, 40, 1}};
  for (const auto& [arrival, devices, hours] : jobs) {
    trace += fmt::format(
        R"({{"arrival_s": {}, "job": {{"kind": "train", "devices": {}, "accelerator": {{"models": )"
        R"(["acc-a"]}}, "work": {{"reference_hours": {}, "reference": "acc-a"}}, "residency": )"
        R"({{"provinces": ["east-a"]}}, "data": {{"size_gb": 1, "province": "east-a"}}}}}})"
        "\n",
        arrival, devices, hours);
  }
  auto source = OpenTrace(WriteTemp(dir, "q.jsonl", trace), TraceFormat::kJsonl, r, 1, true);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  SimOptions o;
  o.sample_interval_s = 0;
  auto result = Simulate(r, **source, o);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->completed, 4);
  // B starts at 1 h + 1 s, when A frees its 60 devices, though C waits behind it; C starts at 2 h when X
  // ends.
  EXPECT_NEAR(result->makespan_h, 3.0, 1e-9);
  EXPECT_NEAR(result->queue_delay_h.p99, (7200.0 - 120) / 3600, 1e-4);
  EXPECT_NEAR(result->queue_delay_h.mean, ((3601.0 - 60) + (7200.0 - 120)) / 4 / 3600, 1e-4);
}

TEST(Sim, StrictMakesMalformedRowsFatal) {
  const Registry r = testing::TinyRegistry();
  auto source = OpenTrace(kGoldenDir + "/tiny_trace.jsonl", TraceFormat::kJsonl, r, 3, true);
  ASSERT_FALSE(source.has_value());
  EXPECT_NE(source.error().message.find("tiny_trace.jsonl:6: not a JSON object"), std::string::npos);
}

class ShippedNetwork : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenRegistry(dir_.path() / "z.db", testing::ShippedDataDir());
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    registry_ = std::make_unique<Registry>(std::move(opened->registry));
  }
  testing::TempDir dir_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(ShippedNetwork, PhillyRowsMapAndMalformedRowsAreCounted) {
  const std::string path = WriteTemp(dir_, "p.csv",
                                     "timestamp,duration,num_gpus,gpu_time,cluster\n"
                                     "2017-10-09 07:01:55,3600.0,8,28800.0,vc1\n"
                                     "2017-10-09 06:01:55,60.0,1,60.0,vc2\n"
                                     "2017-10-09 99:01:55,60.0,1,60.0,vc2\n"
                                     "2017-10-09 08:00:00,-5,1,60.0,vc2\n"
                                     "2017-10-09 08:00:00,5,0.5,60.0,vc2\n"
                                     "2017-10-09 08:00:00,5\n"
                                     "2017-10-09 08:00:00,5,2e85,60.0,vc2\n");
  auto source = OpenTrace(path, TraceFormat::kPhilly, *registry_, 1, false);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  const TraceStats& st = (*source)->stats();
  EXPECT_EQ(st.rows, 7);
  EXPECT_EQ(st.jobs, 2);
  EXPECT_EQ(st.malformed, 5);
  EXPECT_NE(st.problems[0].find("p.csv:4: timestamp"), std::string::npos) << st.problems[0];
  EXPECT_NE(st.problems[1].find("p.csv:5: duration"), std::string::npos);
  EXPECT_NE(st.problems[2].find("p.csv:6: num_gpus"), std::string::npos);
  EXPECT_NE(st.problems[3].find("p.csv:7: expected 5 fields, got 2"), std::string::npos);
  EXPECT_NE(st.problems[4].find("p.csv:8: num_gpus: '2e85' is not a positive integer up to a million"),
            std::string::npos)
      << st.problems[4];
  auto first = (*source)->Next();  // sorted by arrival: the 06:01:55 row first, at 0 s
  ASSERT_TRUE(first);
  EXPECT_EQ(first->arrival_s, 0);
  EXPECT_EQ(first->job.tenant, "vc2");
  auto second = (*source)->Next();
  EXPECT_EQ(second->arrival_s, 3600);
  EXPECT_EQ(second->job.devices, 8);
  EXPECT_DOUBLE_EQ(*second->job.work.reference_hours, 1.0);
  EXPECT_EQ(second->job.work.reference, "nvidia-p100-sxm2-16gb");
  EXPECT_FALSE(second->job.data.province.empty());
  EXPECT_FALSE((*source)->Next());
}

// Streaming: rows out of arrival order come out sorted (ties in file order) with their own line numbers, CRLF
// endings and a last line without a newline are read, every stream of a file yields the same jobs and the
// same drawn provinces, and a file already in order is streamed without an index.
TEST_F(ShippedNetwork, TraceStreamsInArrivalOrderAndDrawsDoNotDependOnReadOrder) {
  const std::string unsorted = WriteTemp(dir_, "u.csv",
                                         "timestamp,duration,num_gpus,gpu_time,cluster\r\n"
                                         "2017-10-09 09:00:00,60.0,1,60.0,late\r\n"
                                         "2017-10-09 07:00:00,60.0,2,60.0,tie-a\r\n"
                                         "\r\n"
                                         "2017-10-09 08:00:00,60.0,4,60.0,middle\r\n"
                                         "2017-10-09 07:00:00,60.0,8,60.0,tie-b");
  auto file = TraceFile::Open(unsorted, TraceFormat::kPhilly, *registry_, true);
  ASSERT_TRUE(file.has_value()) << file.error().message;
  EXPECT_FALSE((*file)->in_file_order());
  EXPECT_EQ((*file)->stats().jobs, 4);
  std::vector<TraceJob> first, second;
  for (auto stream = (*file)->Stream(9); auto j = stream->Next();) first.push_back(std::move(*j));
  for (auto stream = (*file)->Stream(9); auto j = stream->Next();) second.push_back(std::move(*j));
  ASSERT_EQ(first.size(), 4u);
  const std::vector<std::string> tenants = {"tie-a", "tie-b", "middle", "late"};
  const std::vector<double> arrivals = {0, 0, 3600, 7200};
  const std::vector<std::string> names = {"philly-3", "philly-6", "philly-5", "philly-2"};
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].job.tenant, tenants[i]);
    EXPECT_EQ(first[i].arrival_s, arrivals[i]);
    EXPECT_EQ(first[i].job.name, names[i]);
    EXPECT_EQ(second[i].job.data.province, first[i].job.data.province);
    EXPECT_EQ(second[i].job.data.size_gb, first[i].job.data.size_gb);
    EXPECT_GE(first[i].job.data.size_gb, 1.0);
    EXPECT_LE(first[i].job.data.size_gb, 1000.0);
  }
  // The same rows already in order: streamed in file order, nothing kept per row.
  const std::string sorted = WriteTemp(dir_, "s.csv",
                                       "timestamp,duration,num_gpus,gpu_time,cluster\n"
                                       "2017-10-09 07:00:00,60.0,2,60.0,tie-a\n"
                                       "2017-10-09 08:00:00,60.0,4,60.0,middle\n");
  auto in_order = TraceFile::Open(sorted, TraceFormat::kPhilly, *registry_, true);
  ASSERT_TRUE(in_order.has_value());
  EXPECT_TRUE((*in_order)->in_file_order());
  auto stream = (*in_order)->Stream(9);
  EXPECT_EQ(stream->Next()->job.tenant, "tie-a");
  EXPECT_EQ(stream->Next()->arrival_s, 3600);
  EXPECT_FALSE(stream->Next());
  // Different seeds draw differently somewhere in a larger file.
  std::string many = "timestamp,duration,num_gpus,gpu_time,cluster\n";
  for (int i = 0; i < 50; ++i) many += fmt::format("2017-10-09 07:{:02d}:00,60.0,1,60.0,vc\n", i);
  const std::string many_path = WriteTemp(dir_, "m.csv", many);
  auto a = OpenTrace(many_path, TraceFormat::kPhilly, *registry_, 1, true);
  auto b = OpenTrace(many_path, TraceFormat::kPhilly, *registry_, 2, true);
  int differ = 0;
  while (auto ja = (*a)->Next()) differ += ja->job.data.province != (*b)->Next()->job.data.province;
  EXPECT_GT(differ, 10);
}

TEST_F(ShippedNetwork, LoadScaleCopiesOrThinsRowsTheSameWayInEveryRun) {
  // 200 rows, the last two unsorted (the arrival index is used) and one malformed row among them.
  std::string rows = "timestamp,duration,num_gpus,gpu_time,cluster\n";
  for (int i = 0; i < 198; ++i) {
    rows +=
        fmt::format("2017-10-09 {:02d}:{:02d}:00,60.0,{},60.0,vc{}\n", 8 + i / 60, i % 60, 1 + i % 4, i % 3);
  }
  rows += "2017-10-09 07:00:00,60.0,8,60.0,early\nnot,a,row\n2017-10-09 07:30:00,60.0,2,60.0,early\n";
  auto file = TraceFile::Open(WriteTemp(dir_, "ls.csv", rows), TraceFormat::kPhilly, *registry_, false);
  ASSERT_TRUE(file.has_value()) << file.error().message;
  ASSERT_EQ((*file)->stats().jobs, 200);
  auto all = [&](double scale) {
    std::vector<TraceJob> out;
    for (auto stream = (*file)->Stream(4, scale); auto j = stream->Next();) out.push_back(std::move(*j));
    return out;
  };
  const std::vector<TraceJob> base = all(1.0);
  ASSERT_EQ(base.size(), 200u);
  EXPECT_EQ(base.front().job.tenant, "early");

  // 3: every row three times, arriving together in arrival order; the first copy is the unscaled job, the
  // others draw their own data.
  const std::vector<TraceJob> tripled = all(3.0);
  ASSERT_EQ(tripled.size(), 600u);
  int own_draws = 0;
  for (size_t i = 0; i < base.size(); ++i) {
    for (size_t k = 0; k < 3; ++k) {
      const TraceJob& copy = tripled[3 * i + k];
      EXPECT_EQ(copy.arrival_s, base[i].arrival_s);
      EXPECT_EQ(copy.job.tenant, base[i].job.tenant);
      EXPECT_EQ(copy.job.devices, base[i].job.devices);
      if (k == 0) {
        EXPECT_EQ(copy.job.data.province, base[i].job.data.province);
        EXPECT_EQ(copy.job.data.size_gb, base[i].job.data.size_gb);
      } else {
        own_draws += copy.job.data.size_gb != base[i].job.data.size_gb;
      }
    }
  }
  EXPECT_GT(own_draws, 390);

  // 1.5: every row once and about half twice; 0.5 keeps about half the rows. The same rows in every run,
  // and the rows 0.5 keeps are among those 1.5 copies (one draw per row and seed).
  const std::vector<TraceJob> more = all(1.5), again = all(1.5), fewer = all(0.5);
  EXPECT_GT(more.size(), 260u);
  EXPECT_LT(more.size(), 340u);
  ASSERT_EQ(again.size(), more.size());
  for (size_t i = 0; i < more.size(); ++i) EXPECT_EQ(again[i].job.data.size_gb, more[i].job.data.size_gb);
  EXPECT_EQ(fewer.size() + 200, more.size());
  EXPECT_TRUE(std::ranges::is_sorted(fewer, {}, &TraceJob::arrival_s));
  EXPECT_TRUE(std::ranges::is_sorted(more, {}, &TraceJob::arrival_s));
}

TEST_F(ShippedNetwork, TraceOpenErrorsNameTheFile) {
  auto missing =
      TraceFile::Open((dir_.path() / "none.csv").string(), TraceFormat::kPhilly, *registry_, false);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("none.csv: cannot read trace"), std::string::npos);
  auto empty = TraceFile::Open(WriteTemp(dir_, "e.csv", ""), TraceFormat::kPhilly, *registry_, false);
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().message.find("e.csv:1: not a Philly trace header"), std::string::npos);
  auto directory = TraceFile::Open(dir_.path().string(), TraceFormat::kJsonl, *registry_, false);
  ASSERT_FALSE(directory.has_value());
  EXPECT_NE(directory.error().message.find("not a regular file"), std::string::npos);
  auto no_rows = TraceFile::Open(WriteTemp(dir_, "n.jsonl", "\n\n"), TraceFormat::kJsonl, *registry_, true);
  ASSERT_TRUE(no_rows.has_value());
  EXPECT_EQ((*no_rows)->stats().rows, 0);
  EXPECT_FALSE((*no_rows)->Stream(1)->Next());
}

TEST_F(ShippedNetwork, AlibabaPodsMap) {
  const std::string path =
      WriteTemp(dir_, "a.csv",
                "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
                "deletion_time,scheduled_time\n"
                "p0,12000,16384,1,1000,,LS,Running,0,7200,0\n"
                "p1,6000,12288,0,0,,BE,Running,10,100,10\n"
                "p2,6000,12288,2,1000,A10|T4,BE,Succeeded,20,3620,20\n"
                "p3,6000,12288,2,1000,,BE,Succeeded,20,10,20\n"
                "p4,6000,12288,1,1000,,BE,Pending,30,90,\n"
                "p5,6000,12288,1,1000,,BE,Running,30,90,\n"
                "p6,6000,12288,2e85,1000,,BE,Running,30,90,30\n");
  auto source = OpenTrace(path, TraceFormat::kAlibaba, *registry_, 1, false);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  EXPECT_EQ((*source)->stats().skipped, 2);  // p1 has no GPU; p4 was never scheduled
  // p3 ends before it starts; p5 runs without a scheduled time; p6 asks for 2e85 GPUs (found by trace_fuzz)
  EXPECT_EQ((*source)->stats().malformed, 3);
  auto ls = (*source)->Next();
  EXPECT_EQ(ls->job.kind, JobKind::kInfer);
  EXPECT_EQ(ls->job.latency_slo_ms, 20);
  auto be = (*source)->Next();
  EXPECT_EQ(be->job.kind, JobKind::kBatch);
  EXPECT_EQ(be->job.work.reference, "nvidia-a10");
  EXPECT_DOUBLE_EQ(be->job.accelerator.min_memory_gb, 16);  // the smaller of A10 (24 GB) and T4 (16 GB)
  EXPECT_DOUBLE_EQ(*be->job.accelerator.min_tflops, 65);    // and the slower FP16 peak: T4's 65 TFLOPS
  EXPECT_DOUBLE_EQ(*ls->job.accelerator.min_tflops,
                   21.2);  // no spec: a P100's, so no CPU server runs a GPU pod
}

TEST(Sim, SeedListsParseAndBadOnesAreNamed) {
  EXPECT_EQ(*ParseSeeds("7"), (std::vector<uint64_t>{7}));
  EXPECT_EQ(*ParseSeeds("1-3,7,2"), (std::vector<uint64_t>{1, 2, 3, 7}));
  EXPECT_EQ(ParseSeeds("0-999")->size(), 1000u);
  for (const char* bad : {"", "x", "1,,2", "3-1", "1-", "-2", "0-1000", "1.5"}) {
    auto r = ParseSeeds(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("seeds: '"), std::string::npos) << r.error().message;
  }
}

// Replicas: every seed's run is summarised per policy, and each run counts exactly one cheapest policy.
TEST(Sim, ReplicasAreSummarisedPerPolicy) {
  const Registry r = testing::TinyRegistry();
  RunReport report;
  report.options = TinyOptions();
  for (const uint64_t seed : {3u, 4u, 5u}) {
    SimOptions o = TinyOptions();
    o.seed = seed;
    auto bound_source = OpenTrace(kGoldenDir + "/tiny_trace.jsonl", TraceFormat::kJsonl, r, seed, false);
    const Bound bound = *OfflineBound(r, **bound_source, o);
    std::vector<SimResult> results;
    for (const char* policy : {"lowest-cost", "first-fit"}) {
      auto s = OpenTrace(kGoldenDir + "/tiny_trace.jsonl", TraceFormat::kJsonl, r, seed, false);
      o.policy = policy;
      results.push_back(*Simulate(r, **s, o));
    }
    if (seed == 3) {
      report.bound = bound;
      report.results = std::move(results);
    } else {
      report.replicas.push_back({seed, bound, std::move(results)});
    }
  }
  const std::vector<SeedStats> stats = SummariseSeeds(report);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].cheapest_in + stats[1].cheapest_in, 3);
  for (const SeedStats& st : stats) {
    ASSERT_EQ(st.ratio.size(), 3u);
    EXPECT_LE(st.ratio_min, st.ratio_mean);
    EXPECT_LE(st.ratio_mean, st.ratio_max);
    EXPECT_GE(st.ratio_min, 1.0 - 1e-12);  // no policy beats the bound
  }
  EXPECT_NEAR(stats[0].ratio[1],
              report.replicas[0].results[0].tenant_cost_cny / report.replicas[0].bound.tenant_cost_cny,
              1e-12);
  const auto json = ToJson(report);
  EXPECT_EQ(json["seeds"]["seeds"], nlohmann::ordered_json({3, 4, 5}));
  EXPECT_EQ(json["seeds"]["policies"]["first-fit"]["cost_ratio_to_bound"]["values"].size(), 3u);
  report.replicas.clear();
  EXPECT_FALSE(ToJson(report).contains("seeds"));  // a single run's report is unchanged
}

TEST_F(ShippedNetwork, WhatIfEditsAndErrors) {
  auto scaled = ApplyWhatIf(*registry_, {"guizhou=2"}, {});
  ASSERT_TRUE(scaled.has_value());
  EXPECT_DOUBLE_EQ(scaled->FindRegion("guizhou")->tariff.flat_cny_per_kwh, 0.70);
  EXPECT_FALSE(ApplyWhatIf(*registry_, {"atlantis=2"}, {}).has_value());
  EXPECT_FALSE(ApplyWhatIf(*registry_, {"guizhou=-1"}, {}).has_value());
  const std::string extra =
      WriteTemp(dir_, "extra.yaml",
                "centers:\n  - id: new-west\n    name: 新西部\n    name_en: New West\n"
                "    kind: intelligent\n    province: ningxia\n    city: Zhongwei\n"
                "    source: what-if\n    pue: {value: 1.15, source: what-if}\n"
                "    green_share: {value: 0.9, source: what-if}\n"
                "    pools: [{accelerator: huawei-ascend-910b, devices: 4096, source: what-if}]\n");
  auto added = ApplyWhatIf(*registry_, {}, {extra});
  ASSERT_TRUE(added.has_value()) << added.error().message;
  EXPECT_NE(added->FindCenter("new-west"), nullptr);
  EXPECT_EQ(added->FindCenter("new-west")->hub, "ningxia");
  const std::string bad = WriteTemp(dir_, "bad.yaml", "centers:\n  - id: x\n    province: mars\n");
  auto rejected = ApplyWhatIf(*registry_, {}, {bad});
  ASSERT_FALSE(rejected.has_value());
  EXPECT_NE(rejected.error().message.find("unknown province 'mars'"), std::string::npos);
  EXPECT_FALSE(ParseFailure("nsc-wuxi").has_value());
  EXPECT_FALSE(ParseFailure("nsc-wuxi@x").has_value());
  EXPECT_FALSE(ParseFailure("nsc-wuxi@1+0").has_value());
  EXPECT_DOUBLE_EQ(ParseFailure("nsc-wuxi@2+3")->duration_s, 3 * 3600);
}

TEST_F(ShippedNetwork, LowestCostNeverBelowTheBound) {
  const std::string path = WriteTemp(dir_, "p.csv", [] {
    std::string s = "timestamp,duration,num_gpus,gpu_time,cluster\n";
    for (int i = 0; i < 300; ++i) {
      s += fmt::format("2017-10-09 {:02d}:{:02d}:00,{}.0,{},0,vc{}\n", 6 + i / 60, i % 60, 600 + 97 * i,
                       1 << (i % 6), i % 5);
    }
    return s;
  }());
  SimOptions o;
  o.time_scale = 200;  // compress to create queues
  auto bound_source = OpenTrace(path, TraceFormat::kPhilly, *registry_, 5, false);
  const Bound bound = *OfflineBound(*registry_, **bound_source, o);
  for (const char* policy : {"lowest-cost", "first-fit", "random"}) {
    auto source = OpenTrace(path, TraceFormat::kPhilly, *registry_, 5, false);
    o.policy = policy;
    auto r = Simulate(*registry_, **source, o);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->completed, 300) << policy;
    EXPECT_GE(r->tenant_cost_cny, bound.tenant_cost_cny * (1 - 1e-9)) << policy;
  }
}

TEST_F(ShippedNetwork, SeededRandomFailuresMoveJobsAndRepeatExactly) {
  const std::string path = WriteTemp(dir_, "p.csv", [] {
    std::string s = "timestamp,duration,num_gpus,gpu_time,cluster\n";
    for (int i = 0; i < 400; ++i) {
      s += fmt::format("2017-10-{:02d} {:02d}:00:00,{}.0,{},0,vc{}\n", 1 + i / 24, i % 24, 20000 + 97 * i,
                       1 << (i % 4), i % 3);
    }
    return s;
  }());
  auto run = [&](uint64_t seed) {
    auto source = OpenTrace(path, TraceFormat::kPhilly, *registry_, 5, false);
    SimOptions o;
    o.seed = seed;
    o.random_mtbf_h = 48;
    o.random_mttr_h = 6;
    return *Simulate(*registry_, **source, o);
  };
  const SimResult a = run(11), b = run(11), c = run(12);
  EXPECT_EQ(a.completed, 400);
  EXPECT_GT(a.moved_by_failures, 0);
  EXPECT_EQ(a.moved_by_failures, b.moved_by_failures);
  EXPECT_EQ(a.tenant_cost_cny, b.tenant_cost_cny);
  EXPECT_NE(a.tenant_cost_cny, c.tenant_cost_cny);
  EXPECT_FALSE(ParseRandomFailures("0").has_value());
  EXPECT_FALSE(ParseRandomFailures("24:x").has_value());
  EXPECT_EQ(ParseRandomFailures("24")->second, 4.0);
}

TEST_F(ShippedNetwork, UnknownFailureCenterIsAnError) {
  const std::string path = WriteTemp(
      dir_, "p.csv", "timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-09 07:01:55,60,1,60,v\n");
  auto source = OpenTrace(path, TraceFormat::kPhilly, *registry_, 1, false);
  SimOptions o;
  o.failures.push_back(*ParseFailure("atlantis@1"));
  auto r = Simulate(*registry_, **source, o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "fail: unknown center 'atlantis'");
}

}  // namespace
}  // namespace zhisuan::sim

namespace zhisuan::sim {
namespace {

// The event queue against a sorted reference: times drawn from a small set (many ties), pushes interleaved
// with pops; ties come out in push order.
TEST(EventQueue, PopsInTimeThenPushOrder) {
  std::mt19937_64 rng(11);
  EventQueue q;
  std::vector<std::pair<double, uint64_t>> reference;  // (time, push index), a multiset kept sorted
  uint64_t pushed = 0;
  for (int step = 0; step < 20000; ++step) {
    if (reference.empty() || rng() % 3 != 0) {
      const double t = static_cast<double>(rng() % 50);
      q.Push(t, EventKind::kFinish, pushed);
      reference.insert(std::ranges::upper_bound(reference, std::pair{t, pushed}), {t, pushed});
      ++pushed;
    } else {
      const Event e = q.Pop();
      ASSERT_EQ(e.t_s, reference.front().first);
      ASSERT_EQ(e.ref, reference.front().second);
      reference.erase(reference.begin());
    }
    ASSERT_EQ(q.size(), reference.size());
  }
}

}  // namespace
}  // namespace zhisuan::sim

namespace zhisuan::sim {
namespace {

// Samples stay bounded however finely they are asked for: every 0.5 s over a run of many hours gives
// hundreds of thousands, thinned to at most 20,000 with the interval doubled, in time order; the run's
// figures do not change.
TEST(Sim, SamplesAreThinnedToABoundedSeries) {
  const Registry registry = testing::TinyRegistry();
  SimOptions o;
  o.sample_interval_s = 0.5;
  auto fine_source = OpenTrace(kGoldenDir + "/tiny_trace.jsonl", TraceFormat::kJsonl, registry, 1, false);
  ASSERT_TRUE(fine_source);
  Result<SimResult> fine = Simulate(registry, **fine_source, o);
  ASSERT_TRUE(fine) << fine.error().message;
  ASSERT_GT(fine->makespan_h * 3600 / 0.5, 40000);  // unthinned, there would be more than twice the bound
  EXPECT_LE(fine->samples.size(), 20000u);
  EXPECT_GT(fine->samples.size(), 10000u / 2);
  for (size_t i = 1; i < fine->samples.size(); ++i) ASSERT_LT(fine->samples[i - 1].t_h, fine->samples[i].t_h);
  o.sample_interval_s = 3600;
  auto hourly_source = OpenTrace(kGoldenDir + "/tiny_trace.jsonl", TraceFormat::kJsonl, registry, 1, false);
  Result<SimResult> hourly = Simulate(registry, **hourly_source, o);
  ASSERT_TRUE(hourly);
  EXPECT_DOUBLE_EQ(fine->tenant_cost_cny, hourly->tenant_cost_cny);
  EXPECT_EQ(fine->completed, hourly->completed);
}

// The scenario runner that `zhisuan sim` and POST /api/v1/simulations share: progress after each step (per
// seed: the bound, each policy, the time-indexed bound), the same figures as running the steps by hand, a
// cancel between steps, and field errors before any work.
TEST(RunScenario, ProgressCancelAndErrors) {
  const Registry registry = testing::TinyRegistry();
  Scenario s;
  s.trace = kGoldenDir + "/tiny_trace.jsonl";
  s.policies = {"lowest-cost", "first-fit"};
  s.seeds = {1, 2};
  std::vector<std::pair<int, int>> steps;
  Result<RunReport> run =
      RunScenario(registry, s, [&](int done, int total) { steps.emplace_back(done, total); });
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_EQ(steps.size(), 8u);  // 2 seeds x (bound + 2 policies + time-indexed bound)
  for (size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i], std::make_pair(static_cast<int>(i) + 1, 8));
  ASSERT_EQ(run->results.size(), 2u);
  ASSERT_EQ(run->replicas.size(), 1u);
  EXPECT_EQ(run->replicas[0].seed, 2u);
  // The same as one policy run by hand on seed 1.
  SimOptions o = run->options;
  o.policy = "lowest-cost";
  o.seed = 1;
  auto source = OpenTrace(s.trace, TraceFormat::kJsonl, registry, 1, false);
  ASSERT_TRUE(source);
  Result<SimResult> by_hand = Simulate(registry, **source, o);
  ASSERT_TRUE(by_hand);
  EXPECT_DOUBLE_EQ(run->results[0].tenant_cost_cny, by_hand->tenant_cost_cny);
  // Cancelled after the first step.
  std::atomic<bool> cancel{false};
  int calls = 0;
  Result<RunReport> stopped = RunScenario(
      registry, s,
      [&](int, int) {
        ++calls;
        cancel = true;
      },
      &cancel);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::kConflict);
  EXPECT_EQ(stopped.error().message, "cancelled");
  EXPECT_EQ(calls, 1);
  // Errors name the field, before the trace is read.
  for (const auto& [edit, expect] : std::vector<std::pair<std::function<void(Scenario&)>, std::string>>{
           {[](Scenario& x) { x.policies.clear(); }, "policy: give at least one policy"},
           {[](Scenario& x) { x.load_scale = 0; }, "load-scale: must be > 0 and at most 100 (got 0)"},
           {[](Scenario& x) { x.objective = "fastest"; }, "objective: unknown objective 'fastest'"},
           {[](Scenario& x) { x.time_scale = -1; }, "time-scale: must be > 0"},
           {[](Scenario& x) { x.trace = "/nonexistent.jsonl"; }, "/nonexistent.jsonl"}}) {
    Scenario bad = s;
    edit(bad);
    Result<RunReport> r = RunScenario(registry, bad);
    ASSERT_FALSE(r) << expect;
    EXPECT_NE(r.error().message.find(expect), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace zhisuan::sim
