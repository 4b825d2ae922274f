// model/job.h — a job as tenants describe it (YAML or JSON, one schema; see README "Job spec").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/registry.h"
#include "util/error.h"

namespace zhisuan {

enum class JobKind { kTrain, kInfer, kHpc, kBatch };
std::string_view Name(JobKind k);

struct AcceleratorConstraint {
  std::vector<std::string> models;   // allowed accelerator ids; empty = any meeting the minimums
  std::optional<double> min_tflops;  // minimum peak per device at `precision`
  double min_memory_gb = 0;
  bool domestic = false;  // only accelerators of vendors seated in China (国产), as the registry says
};

struct Work {
  // Exactly one of: hours on `reference` (a device id), or total PFLOP at `precision`.
  std::optional<double> reference_hours;
  std::string reference;
  std::optional<double> pflop;
  // Effective TFLOPS per device of a model for this job, overriding peak x efficiency.
  std::map<std::string, double> throughput_tflops;
};

struct DataInput {
  double size_gb = 0;
  std::string province;  // where the input data lives; empty when size_gb is 0
};

struct Job {
  std::string name;
  std::string tenant;
  JobKind kind = JobKind::kTrain;
  Precision precision = Precision::kFp16;  // of work and min_tflops; default by kind
  int64_t devices = 1;
  AcceleratorConstraint accelerator;
  Work work;
  std::optional<double> deadline_h;      // hours after submission by which the job must finish
  std::optional<double> latency_slo_ms;  // RTT from user_province to the center
  std::string user_province;
  DataInput data;
  std::vector<std::string> residency_provinces;  // allowed provinces; with residency_hubs, the union
  std::vector<std::string> residency_hubs;
  int priority = 0;
  bool gang = true;  // all devices in one pool
  // What runs on a real backend (local, slurm): the program and its arguments, never a shell string. Jobs for
  // simulated centers may omit it.
  std::vector<std::string> command;
  std::optional<double> walltime_h;  // wall-time limit on a real backend; default: 2 x the modelled run time
  std::optional<double> memory_gb;   // host memory limit on a real backend (local: its cgroup; Slurm: --mem)
};

// Parses and validates a job spec (YAML or JSON) against the registry's accelerators, provinces and hubs.
// Errors name `label`, the line and the field path: "job.yaml:7: work.reference_hours: must be > 0".
Result<Job> ParseJob(std::string_view text, const Registry& registry, std::string_view label = "job");

// As ParseJob, for an already-parsed YAML/JSON node at `path` (e.g. "jobs[3]").
class YamlField;
std::optional<Job> ReadJob(const YamlField& field, const Registry& registry);

}  // namespace zhisuan
