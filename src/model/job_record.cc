#include "model/job_record.h"

#include <array>
#include <utility>

namespace zhisuan {
namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 8> kStates = {
    {{JobState::kPending, "pending"},
     {JobState::kPlaced, "placed"},
     {JobState::kDispatched, "dispatched"},
     {JobState::kRunning, "running"},
     {JobState::kSucceeded, "succeeded"},
     {JobState::kFailed, "failed"},
     {JobState::kCancelled, "cancelled"},
     {JobState::kRequeued, "requeued"}}};

}  // namespace

std::string_view Name(JobState s) {
  for (const auto& [state, name] : kStates) {
    if (state == s) return name;
  }
  return "unknown";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (const auto& [state, n] : kStates) {
    if (n == name) return state;
  }
  return std::nullopt;
}

}  // namespace zhisuan
