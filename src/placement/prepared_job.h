// placement/prepared_job.h — a Job resolved against a Snapshot: which accelerator models may run it and for
// how long, the province indexes of its data, users and residency.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "model/job.h"
#include "placement/snapshot.h"
#include "util/error.h"

namespace zhisuan::placement {

struct JobModel {
  uint32_t accelerator = 0;
  double effective_tflops = 0;  // per device, at the job's precision
  double run_h = 0;             // on `devices` devices of this model
};

struct PreparedJob {
  // The spec, not owned, read for explanations only (what placement needs is copied below). Null when the
  // caller never explains (the simulator keeps no spec): placement then gives no reasons.
  const Job* job = nullptr;
  int64_t devices = 0;
  int priority = 0;
  bool gang = true;
  double data_gb = 0;
  std::optional<double> latency_slo_ms;
  std::vector<JobModel> models;     // eligible models
  std::string no_model_reason;      // why no model is eligible, when models is empty
  std::vector<int32_t> model_slot;  // accelerator index -> position in `models`, or kNone
  int32_t data_province = kNone;
  int32_t user_province = kNone;
  std::vector<char> residency;  // per province: allowed; empty = everywhere
  double work_tflop_h = 0;      // total work in effective TFLOPS x hours (all devices)
  // When the job must be finished, seconds since the epoch (infinity without a deadline). A job re-placed
  // after waiting has less time left than its spec's deadline_h.
  double deadline_at_s = std::numeric_limits<double>::infinity();
};

// Resolves `job` (which must outlive the result), submitted at `submitted_s` (seconds since the epoch; its
// deadline counts from then). Fails when the work cannot be converted, e.g. the reference device has no
// published peak at the job's precision and no throughput override.
Result<PreparedJob> Prepare(const Snapshot& snapshot, const Job& job, double submitted_s);
// The same into `into`, reusing its storage (the simulator prepares millions of jobs); `into` is unspecified
// on failure.
Status Prepare(const Snapshot& snapshot, const Job& job, double submitted_s, PreparedJob& into);

}  // namespace zhisuan::placement
