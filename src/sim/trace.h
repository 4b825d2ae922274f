// sim/trace.h — job sources for the simulator: the Philly and Alibaba GPU 2023 traces, zhisuan's own JSONL
// (all streamed from the file), and (in bench/) a synthetic generator. A source yields jobs in non-decreasing
// arrival order.
//
// Mapping of trace fields onto zhisuan jobs (README "Simulator" repeats it):
//   philly.csv     timestamp -> arrival (s after the trace's first submission); num_gpus -> devices;
//                  duration (s) -> work: hours on an NVIDIA P100 (the trace's GPU generation) at FP16;
//                  cluster (virtual cluster) -> tenant; kind train; accelerator: >= 16 GB and >= the P100's
//                  FP16 peak (no CPU servers); no deadline.
//   alibaba pods   creation_time -> arrival; num_gpu -> devices (a fractional gpu_milli share counts as one
//                  device; pods without GPUs, and Pending pods never scheduled, are skipped); deletion_time -
//                  scheduled_time -> work in hours on the first GPU type of gpu_spec (P100, T4, V100M16/M32,
//                  A10; else P100); gpu_spec -> minimum memory and FP16 peak of its types (a P100's without a
//                  spec, so no CPU server qualifies); qos LS -> infer with a 20 ms latency SLO to the user
//                  province, BE -> batch, Burstable/Guaranteed -> train.
//   jsonl          one object per line: {"arrival_s": ..., "job": {job spec}}.
// For every trace job without its own data province, the data province is drawn with probability
// proportional to provincial GDP from the seed and the row's offset in the file, the users sit in the same
// province, and the input size is log-uniform between 1 GB and 1 TB.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
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
  int64_t skipped = 0;  // valid rows that map to no job (e.g. CPU-only pods)
  int64_t malformed = 0;
  std::vector<std::string> problems;  // the first malformed rows, "file:line: problem"
};

class JobSource {
 public:
  virtual ~JobSource() = default;
  // Fills `into` with the next job, false at the end; arrivals never decrease. `into` may hold an earlier
  // job, whose storage a source may reuse, so every field a source leaves alone must be its default in all
  // its jobs.
  virtual bool Next(TraceJob& into) = 0;
  // The next job in a new TraceJob, or nullopt at the end.
  std::optional<TraceJob> Next() {
    TraceJob job;
    if (!Next(job)) return std::nullopt;
    return job;
  }
  virtual const TraceStats& stats() const = 0;
};

enum class TraceFormat { kPhilly, kAlibaba, kJsonl };

// Draws data/user provinces by GDP weight and input sizes. A job's draw depends only on the seed and the
// job's key (a trace row's byte offset), never on the order rows are read in.
class ProvinceDraw {
 public:
  ProvinceDraw(const Registry& registry, uint64_t seed);
  // Sets the job's data (size and province) and user province.
  void Apply(Job& job, uint64_t key) const;

 private:
  std::vector<std::string> provinces_;
  std::vector<double> cumulative_;  // GDP weights, running sum
  uint64_t seed_;
};

// A trace file opened for streaming (any number of streams, under any seed). Opening validates every row once
// (a malformed row is counted and reported with its line number, or with `strict` fails the open) and learns
// the arrival order; each stream then builds jobs one at a time as the engine pulls them, from the file
// mapped read-only. A file already in arrival order keeps nothing per row; otherwise (philly.csv is grouped
// by cluster) a second pass indexes 24 bytes per job (arrival, offset, line) and sorts them, equal arrivals
// in file order.
class TraceFile {
 public:
  static Result<std::shared_ptr<const TraceFile>> Open(const std::string& path, TraceFormat format,
                                                       const Registry& registry, bool strict);
  ~TraceFile();
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;

  const TraceStats& stats() const { return stats_; }
  bool in_file_order() const { return order_.empty(); }
  // A new pass over the jobs in arrival order, drawing provinces from `seed`; the TraceFile must outlive it.
  // `load_scale` loads the network with more (or fewer) jobs of the same trace: each row becomes its whole
  // part of jobs and one more with the probability of its fraction (0.5 keeps about half the rows, 2.5 gives
  // two or three copies), drawn from the seed and the row; copies arrive together, each with its own data
  // province and size.
  std::unique_ptr<JobSource> Stream(uint64_t seed, double load_scale = 1.0) const;

 private:
  friend class TraceStream;
  explicit TraceFile(const Registry& registry);

  std::string path_;
  TraceFormat format_ = TraceFormat::kJsonl;
  const Registry& registry_;
  const char* data_ = nullptr;  // the mapped file
  size_t size_ = 0;
  size_t body_ = 0;      // offset of the first row after any header
  double origin_s_ = 0;  // subtracted from row times: philly's first submission; 0 for the others
  struct OrderEntry {
    double time_s = 0;
    uint64_t offset = 0;
    int64_t line = 0;
  };
  std::vector<OrderEntry> order_;  // rows in arrival order; empty: file order
  TraceStats stats_;
};

// TraceFile::Open and one stream that keeps the file open.
Result<std::unique_ptr<JobSource>> OpenTrace(const std::string& path, TraceFormat format,
                                             const Registry& registry, uint64_t seed, bool strict);

// "philly", "alibaba" or "jsonl"; "auto" guesses from the file name (.jsonl) and header.
Result<TraceFormat> ParseTraceFormat(const std::string& name, const std::string& path);

}  // namespace zhisuan::sim
