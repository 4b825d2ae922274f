// server/simulations.h — what-if simulations run by the server for the console and the API
// (POST /api/v1/simulations): on a shipped trace (data/traces/, by name only) or an uploaded one, with chosen
// policies, bounded in size, one at a time on a worker thread of their own, with progress, cancel and the
// report JSON of `zhisuan sim --json` when done. Each caller sees its own runs (operators see all); finished
// runs are kept in memory, the newest `keep` of them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "lifecycle/auth.h"
#include "model/registry.h"
#include "server/views.h"

namespace zhisuan::views {

struct SimulationLimits {
  size_t max_waiting = 8;     // queued runs in all; more are 429
  size_t max_per_caller = 2;  // queued or running runs of one tenant
  double max_work = 3e6;      // trace rows x load scale x seeds x (policies + 1)
  size_t max_seeds = 10;
  double max_load_scale = 10;
  size_t keep = 32;  // finished runs kept
};

class Simulations {
 public:
  // `traces_dir` holds the shipped traces (`*.csv`, `*.jsonl`; empty or absent: none); `scratch_dir` takes
  // uploaded traces while they run. `registry` must outlive this.
  Simulations(const Registry& registry, std::string traces_dir, std::string scratch_dir,
              SimulationLimits limits = {});
  ~Simulations();  // cancels the running one and waits for the worker
  Simulations(const Simulations&) = delete;
  Simulations& operator=(const Simulations&) = delete;

  // 202's body: {id, state: queued, ...}. Errors name the field (400), a full queue is 429.
  Result<Json> Submit(const lifecycle::Principal& who, std::string_view body);
  Result<Json> Get(const lifecycle::Principal& who, int64_t id);
  Json List(const lifecycle::Principal& who);
  Result<Json> Cancel(const lifecycle::Principal& who, int64_t id);
  // The shipped traces: name, file, rows, bytes.
  const Json& Traces() const { return traces_; }

 private:
  struct Run;
  void Work();
  Json Summary(const Run& run) const;
  Result<std::shared_ptr<Run>> Find(const lifecycle::Principal& who, int64_t id);

  const Registry& registry_;
  std::string traces_dir_, scratch_dir_;
  SimulationLimits limits_;
  Json traces_;  // the shipped traces, listed at construction
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Run>> runs_;  // every run kept, oldest first
  int64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace zhisuan::views
