// placement/evaluate.h — the cost model and the feasibility checks of one job on one pool.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "placement/decision.h"
#include "placement/prepared_job.h"

namespace zhisuan::placement {

struct Evaluation {
  Reject reject = Reject::kOk;
  std::string reason;  // filled only when asked for (explaining), since formatting costs more than evaluating
  Candidate candidate;
};

// The score of a candidate under an objective.
double Score(const Candidate& c, const Objective& objective);
// The order of candidates under an objective: lower score, then earlier finish, then lower pool index (a
// total order over one decision's candidates, so every path to the best finds the same one).
inline bool Better(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score < b.score;
  if (a.finish_h != b.finish_h) return a.finish_h < b.finish_h;
  return a.pool < b.pool;
}

class Evaluator {
 public:
  // `now_s` is the decision time (seconds since the Unix epoch, UTC); it places the run in the tariff
  // periods.
  Evaluator(const Snapshot& snapshot, const PreparedJob& job, const Objective& objective, double now_s,
            bool with_reasons);

  // Checks that concern the whole center (state, residency, latency); kNone when it may host the job.
  Reject CheckCenter(uint32_t center, std::string* reason) const;
  // Evaluates the job on one pool of a center that passed CheckCenter.
  Evaluation EvaluatePool(uint32_t pool) const;
  // CheckCenter and then every pool; the best feasible pool, or the furthest rejection. A non-gang job may
  // also be split over the center's pools with devices free now.
  Evaluation EvaluateCenter(uint32_t center) const;

  // How long the job may wait for devices when it has no deadline.
  double max_wait_h() const { return snapshot_.params().max_wait_h; }

 private:
  std::string ModelName(uint32_t accelerator) const;
  // The split of a non-gang job over the center's eligible pools with devices free now, cheapest price per
  // effective TFLOPS first (a heuristic); nullopt when they do not add up to the job's devices.
  std::optional<Candidate> Split(const CenterInfo& center) const;
  // Moving the input data to the center: size, time at the bottleneck bandwidth and fee (nothing within the
  // data's province).
  void AddTransfer(Candidate& c, const CenterInfo& center) const;
  // Fills energy, price, carbon, RTT and score of `c` from its shares (run_h, start and transfer set).
  void Price(Candidate& c, const CenterInfo& center) const;
  // Time shifting: under the weighted objective, a job with a deadline whose devices are free now may start
  // at a later time-of-use period boundary of its center (within a day, finishing by the deadline) when that
  // lowers its score; `c` becomes the best such start.
  void Shift(Candidate& c, const CenterInfo& center, double deadline_h) const;

  const Snapshot& snapshot_;
  const PreparedJob& job_;
  const Objective& objective_;
  double now_s_;
  double local_start_h_;  // the decision time in local hours since some local midnight
  bool with_reasons_;
};

}  // namespace zhisuan::placement
