#include "model/job.h"

#include <gtest/gtest.h>

#include "testing/fixtures.h"

namespace zhisuan {
namespace {

const Registry& Tiny() {
  static const Registry r = testing::TinyRegistry();
  return r;
}

std::string ErrorOf(std::string_view text) {
  auto job = ParseJob(text, Tiny(), "job.yaml");
  EXPECT_FALSE(job.has_value());
  return job ? "" : job.error().message;
}

TEST(JobSpec, YamlAndJsonAreOneSchema) {
  const char* yaml = R"(name: ft
tenant: lab
kind: train
devices: 8
accelerator: {models: [acc-a], min_memory_gb: 40}
work: {reference_hours: 10, reference: acc-a, throughput_tflops: {acc-a: 60}}
deadline_h: 24
data: {size_gb: 100, province: east-a}
residency: {provinces: [east-a], hubs: [hub-w]}
priority: 3
)";
  const char* json = R"({"name": "ft", "tenant": "lab", "kind": "train", "devices": 8,
    "accelerator": {"models": ["acc-a"], "min_memory_gb": 40},
    "work": {"reference_hours": 10, "reference": "acc-a", "throughput_tflops": {"acc-a": 60}},
    "deadline_h": 24, "data": {"size_gb": 100, "province": "east-a"},
    "residency": {"provinces": ["east-a"], "hubs": ["hub-w"]}, "priority": 3})";
  for (const char* text : {yaml, json}) {
    auto job = ParseJob(text, Tiny());
    ASSERT_TRUE(job.has_value()) << job.error().message;
    EXPECT_EQ(job->kind, JobKind::kTrain);
    EXPECT_EQ(job->precision, Precision::kFp16);
    EXPECT_EQ(job->devices, 8);
    EXPECT_EQ(job->accelerator.models, std::vector<std::string>{"acc-a"});
    EXPECT_DOUBLE_EQ(job->work.throughput_tflops.at("acc-a"), 60);
    EXPECT_EQ(job->residency_hubs, std::vector<std::string>{"hub-w"});
    EXPECT_EQ(job->priority, 3);
    EXPECT_TRUE(job->gang);
  }
}

TEST(JobSpec, FieldPathErrors) {
  EXPECT_NE(ErrorOf("kind: train\ndevices: 0\nwork: {pflop: 1}\n")
                .find("job.yaml:2: devices: must be >= 1 (got 0)"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: train\nwork: {pflop: 1}\naccelerator: {models: [tpu]}\n")
                .find("accelerator.models: unknown accelerator 'tpu'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("devices: 1\nwork: {pflop: 1}\n").find("kind: is required"), std::string::npos);
  EXPECT_NE(ErrorOf("kind: dance\nwork: {pflop: 1}\n").find("kind: unknown kind 'dance'"), std::string::npos);
  EXPECT_NE(ErrorOf("kind: train\nwork: {pflop: 1, reference_hours: 2, reference: acc-a}\n")
                .find("work: give exactly one of reference_hours"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: train\nwork: {pflop: 1}\ndata: {size_gb: 5, province: mars}\n")
                .find("data.province: unknown province 'mars'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: infer\nwork: {pflop: 1}\nlatency_slo_ms: 10\n").find("user_province: is required"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: train\nwork: {pflop: 1, throughput_tflops: {tpu: 5}}\n")
                .find("work.throughput_tflops.tpu: unknown accelerator 'tpu'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("kind: train\nwork: {pflop: 1}\nspeed: fast\n").find("speed: unknown field"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{kind: train, work: {pflop: 1}").find("malformed YAML"), std::string::npos);
  EXPECT_NE(ErrorOf("kind: train\nwork: {pflop: 1}\nlatency_slo_ms: 5 GB\nuser_province: east-a\n")
                .find("latency_slo_ms: wrong unit 'GB'"),
            std::string::npos);
}

TEST(JobSpec, DefaultPrecisionByKind) {
  for (const auto& [spec, precision] : std::vector<std::pair<const char*, Precision>>{
           {"kind: hpc\ndevices: 1\nwork: {pflop: 1}\n", Precision::kFp64},
           {"kind: batch\ndevices: 1\nwork: {pflop: 1}\n", Precision::kFp32},
           {"kind: infer\ndevices: 1\nwork: {pflop: 1}\n", Precision::kFp16},
           {"kind: hpc\ndevices: 1\nprecision: fp32\nwork: {pflop: 1}\n", Precision::kFp32}}) {
    auto job = ParseJob(spec, Tiny());
    ASSERT_TRUE(job.has_value()) << job.error().message;
    EXPECT_EQ(job->precision, precision) << spec;
  }
}

}  // namespace
}  // namespace zhisuan
