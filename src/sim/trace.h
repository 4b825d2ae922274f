// sim/trace.h — job sources for the simulator: the Philly and Alibaba GPU 2023 traces, zhisuan's own JSONL, and
// (in bench/) a synthetic generator. A source yields jobs in non-decreasing arrival order.
//
// Mapping of trace fields onto zhisuan jobs (README "Simulator" repeats it):
//   philly.csv     timestamp -> arrival (s after the trace's first submission); num_gpus -> devices;
//                  duration (s) -> work: hours on an NVIDIA P100 (the trace's GPU generation) at FP16;
//                  cluster (virtual cluster) -> tenant; kind train; accelerator: >= 16 GB and >= the P100's
//                  FP16 peak (no CPU servers); no deadline.
//   alibaba pods   creation_time -> arrival; num_gpu -> devices (a fractional gpu_milli share counts as one
//                  device; pods without GPUs are skipped); deletion_time - scheduled_time -> work in hours on
//                  the first GPU type of gpu_spec (P100, T4, V100M16/M32, A10; else P100); gpu_spec ->
//                  minimum memory and FP16 peak of its types (a P100's without a spec, so no CPU server
//                  qualifies); qos LS -> infer with a 20 ms latency SLO to the user province, BE -> batch,
//                  Burstable/Guaranteed -> train.
//   jsonl          one object per line: {"arrival_s": ..., "job": {job spec}}.
// For every trace job the data province is drawn with probability proportional to provincial GDP (seeded), the
// users sit in the same province, and the input size is log-uniform between 1 GB and 1 TB.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "model/job.h"
#include "util/error.h"

namespace zhisuan::sim {

struct TraceJob {
  double arrival_s = 0;
  Job job;
};

struct TraceStats {
  int64_t rows = 0;
  int64_t jobs = 0;
  int64_t skipped = 0;    // valid rows that map to no job (e.g. CPU-only pods)
  int64_t malformed = 0;
  std::vector<std::string> problems;  // the first malformed rows, "file:line: problem"
};

class JobSource {
 public:
  virtual ~JobSource() = default;
  // The next job, or nullopt at the end. Arrivals never decrease.
  virtual std::optional<TraceJob> Next() = 0;
  virtual const TraceStats& stats() const = 0;
};

enum class TraceFormat { kPhilly, kAlibaba, kJsonl };

// Draws data/user provinces by GDP weight and input sizes, from a seed.
class ProvinceDraw {
 public:
  ProvinceDraw(const Registry& registry, uint64_t seed);
  // Sets the job's data (size and province) and user province.
  void Apply(Job& job);

 private:
  std::vector<std::string> provinces_;
  std::discrete_distribution<size_t> weights_;
  std::mt19937_64 rng_;
};

// A trace read whole and sorted by arrival, to replay any number of times.
struct LoadedTrace {
  std::vector<TraceJob> jobs;
  TraceStats stats;
};

// Reads a trace file. A malformed row is counted and reported, or with `strict` fails the whole read with its
// line number.
Result<LoadedTrace> LoadTrace(const std::string& path, TraceFormat format, const Registry& registry, uint64_t seed,
                              bool strict);

// A source serving copies of `trace`'s jobs; `trace` must outlive it.
std::unique_ptr<JobSource> Replay(const LoadedTrace& trace);

// LoadTrace, served once.
Result<std::unique_ptr<JobSource>> OpenTrace(const std::string& path, TraceFormat format, const Registry& registry,
                                              uint64_t seed, bool strict);

// "philly", "alibaba" or "jsonl"; "auto" guesses from the file name (.jsonl) and header.
Result<TraceFormat> ParseTraceFormat(const std::string& name, const std::string& path);

}  // namespace zhisuan::sim
