// model/job_record.h — a submitted job as the platform tracks it: the immutable submission and its mutable
// state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zhisuan {

// pending -> placed -> dispatched -> running -> succeeded | failed | cancelled; requeued after a backend
// failure (then placed again, elsewhere when the center failed it).
enum class JobState { kPending, kPlaced, kDispatched, kRunning, kSucceeded, kFailed, kCancelled, kRequeued };

std::string_view Name(JobState s);
std::optional<JobState> ParseJobState(std::string_view name);
inline bool Terminal(JobState s) {
  return s == JobState::kSucceeded || s == JobState::kFailed || s == JobState::kCancelled;
}

// What a finished job used and costs. Money billed is integer fen (0.01 CNY).
struct JobAccounting {
  double device_hours = 0;
  double energy_kwh = 0;
  int64_t energy_fen = 0;  // the center's cost of that energy
  int64_t price_fen = 0;   // the tenant's price for the compute
  double carbon_kg = 0;
  int64_t transfer_fee_fen = 0;  // the tenant's fee for moving its input data
  int64_t bill_fen() const { return price_fen + transfer_fee_fen; }  // what the tenant is billed
};

struct JobRecord {
  // Immutable, stored when the job is accepted.
  int64_t id = 0;
  std::string tenant;
  std::string idempotency_key;  // empty: none
  std::string spec;             // the job spec as submitted (YAML or JSON)
  int priority = 0;
  double submitted_at = 0;  // seconds since the Unix epoch
  // Mutable.
  JobState state = JobState::kPending;
  std::string center;
  int64_t pool = -1;  // index among the center's pools
  std::string accelerator;
  int64_t devices = 0;
  std::string backend;  // sim, local, slurm
  std::string backend_id;
  std::string decision;  // JSON: the chosen candidate, its cost breakdown and why
  int attempts = 0;      // placements so far
  std::string excluded;  // centers that failed this job, comma-separated
  std::optional<double> started_at, finished_at;
  std::optional<int> exit_code;
  std::optional<JobAccounting> accounting;
  std::string message;  // the last transition's reason
  // Why an unfinished job waits, as a stable code (devices_busy, quota, backend_refusing, or the telling
  // placement rejection: center_state, latency, too_small, busy, deadline, ...); empty when it does not wait.
  // The scheduler's live state, not stored: a restarted server says it again at its first pass.
  std::string waiting;
  int64_t queue_position = 0;  // devices_busy: 1 = next to start in its pool's queue (not stored either)
  double updated_at = 0;
};

struct JobEvent {
  int64_t seq = 0;
  double at = 0;
  JobState state = JobState::kPending;
  std::string detail;
};

}  // namespace zhisuan
