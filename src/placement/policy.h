// placement/policy.h — placement policies behind one interface. All are pure: (snapshot, job, options) ->
// decision; the random policy carries its seeded generator.
//   lowest-cost   the feasible candidate of least score under the objective; waits for a busy cheaper pool
//   when
//                 the finish still meets the deadline (or the wait is within max_wait_h); indexed search
//   nearest-data  least RTT from the data (or the users) among feasible candidates, preferring those free now
//   least-loaded  the center with the largest free share, preferring candidates free now
//   first-fit     the first feasible pool in registry order, preferring candidates free now
//   random        uniform among feasible candidates free now (else among all feasible), seeded
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "placement/decision.h"
#include "placement/prepared_job.h"
#include "util/error.h"

namespace zhisuan::placement {

struct PlaceOptions {
  Objective objective;
  int top_k = 5;
  // Evaluate every center and give each rejected one its reason. Without it lowest-cost uses the rate index
  // and visits only the pools that can still beat the best found.
  bool explain = true;
  double now_s = 0;  // decision time, seconds since the Unix epoch (UTC)
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;
  virtual Decision Place(const Snapshot& snapshot, const PreparedJob& job, const PlaceOptions& options) = 0;
  // The candidate Place would choose, without ranking alternatives or explaining (options.explain and top_k
  // are ignored) and without allocating on the way: the simulator's and the scheduling loop's path.
  virtual std::optional<Candidate> Choose(const Snapshot& snapshot, const PreparedJob& job,
                                          const PlaceOptions& options) = 0;
};

inline constexpr std::string_view kPolicyNames = "lowest-cost, nearest-data, least-loaded, first-fit, random";

// A policy by name; `seed` seeds the random policy.
Result<std::unique_ptr<Policy>> MakePolicy(std::string_view name, uint64_t seed = 1);

// One sentence on a decision: the rule, the choice with its score, any wait, and the margin over the next
// best.
std::string Why(const Snapshot& snapshot, const Decision& decision);

// Every feasible center's best candidate and every rejected center's reason (the naive scan; also the
// baseline of the benchmarks).
struct Scan {
  std::vector<Candidate> feasible;
  std::vector<Rejection> rejections;
};
Scan ScanAll(const Snapshot& snapshot, const PreparedJob& job, const PlaceOptions& options,
             bool with_reasons);

}  // namespace zhisuan::placement
