// placement/decision.h — what placement answers: the chosen candidate, the ranked alternatives with their
// cost breakdowns, and for every rejected center the first constraint that rejected it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zhisuan::placement {

enum class ObjectiveKind { kCost, kEnergy, kCarbon, kTime, kWeighted };
std::string_view Name(ObjectiveKind k);
std::optional<ObjectiveKind> ParseObjective(std::string_view s);
inline constexpr std::string_view kObjectiveNames = "cost, energy, carbon, time, weighted";

// The weighted objective: price + transfer fee + energy CNY x energy_weight + carbon t x carbon price
// + finish hours x time value.
struct Objective {
  ObjectiveKind kind = ObjectiveKind::kCost;
  double energy_weight = 1.0;
  double carbon_price_cny_per_t = 100;
  double time_value_cny_per_h = 0;
};

// Devices taken from one pool by a job split across pools (gang: false).
struct PoolShare {
  uint32_t pool = 0;
  int64_t devices = 0;
};

// One feasible placement with its full breakdown. Times are hours from the decision time.
struct Candidate {
  uint32_t center = 0;
  uint32_t pool = 0;
  uint32_t accelerator = 0;
  int64_t devices = 0;
  double start_h = 0;     // when the devices are free
  double transfer_h = 0;  // moving the input data; overlaps the wait
  double run_h = 0;
  double finish_h = 0;  // max(start, transfer) + run
  double device_hours = 0;
  double energy_kwh = 0;
  double energy_cny = 0;  // at the center's tariff over the run window, time-of-use aware
  double price_cny = 0;   // tenant price: device-hours x price per device-hour
  double transfer_gb = 0;
  double transfer_fee_cny = 0;
  double carbon_kg = 0;
  // The scarcity premium of the pools taken (PlacementParams::scarcity_weight): in the cost and weighted
  // scores so that a job with cheap alternatives leaves a filling pool to jobs that need it; never billed.
  double scarcity_cny = 0;
  // Time shifting (weighted objective, a job with a deadline, devices free now): the job is held this many
  // hours on purpose, to start in a cheaper time-of-use period of its center; start_h is then the shift, and
  // shift_saving_cny what the score gains by it (energy at the tariff, less the value of the later finish).
  double shift_h = 0;
  double shift_saving_cny = 0;
  double rtt_ms = 0;  // to the user province (or the data province when no users are named)
  double score = 0;   // under the decision's objective; lower is better
  // A non-gang job spread over several pools of the center: every pool and its devices (`pool` and
  // `accelerator` are the first share's). Empty for a job in one pool.
  std::vector<PoolShare> split;
};

// Why a pool or center cannot take a job, in the order the checks run. A center's reason is the reason of the
// pool that got furthest.
enum class Reject {
  kOk,
  kCenterState,
  kResidency,
  kLatency,
  kNoModel,
  kNotInService,  // the center, or the pool of an eligible model, is planned, under construction or retired
  kTooSmall,
  kBusy,
  kDeadline
};
// "ok", "center_state", "residency", "latency", "no_model", "not_in_service", "too_small", "busy",
// "deadline": stable codes for programs (the API's `code`), beside the words.
std::string_view Name(Reject r);
// Whether the job's own choices (where it may run, which models) rule the center out, rather than the
// network's state or size: such reasons do not tell a waiting job's owner what it waits for.
inline bool ByTheJobsOwnChoice(Reject r) { return r == Reject::kResidency || r == Reject::kNoModel; }
// Reasons that do not tell a waiting job what it waits for: the job's own choices, and capacity that is not
// in service (planned or retired: it will not free up).
inline bool NotWhatItWaitsFor(Reject r) { return ByTheJobsOwnChoice(r) || r == Reject::kNotInService; }

struct Rejection {
  uint32_t center = 0;
  Reject code = Reject::kOk;
  std::string reason;  // the first constraint that rejected the center, in words
};

struct Decision {
  std::string policy;
  Objective objective;
  std::optional<Candidate> chosen;
  std::vector<Candidate> candidates;  // best first, at most top_k (the chosen one first)
  std::vector<Rejection> rejections;  // filled when explaining
  int64_t feasible_centers = -1;      // -1 when not counted (fast path)
};

}  // namespace zhisuan::placement
