#include "dispatch/sim_backend.h"

#include <fmt/format.h>

#include <cstdio>

namespace zhisuan::dispatch {
namespace {

struct Parsed {
  int64_t job = 0;
  double start = 0, duration = 0;
};

std::optional<Parsed> ParseHandle(const std::string& handle) {
  Parsed p;
  long long job = 0;
  int used = 0;
  if (std::sscanf(handle.c_str(), "sim-%lld-%lf-%lf%n", &job, &p.start, &p.duration, &used) != 3 ||
      static_cast<size_t>(used) != handle.size()) {
    return std::nullopt;
  }
  p.job = job;
  return p;
}

}  // namespace

std::string_view Name(RunState s) {
  switch (s) {
    case RunState::kQueued:
      return "queued";
    case RunState::kRunning:
      return "running";
    case RunState::kSucceeded:
      return "succeeded";
    case RunState::kFailed:
      return "failed";
    case RunState::kCancelled:
      return "cancelled";
    case RunState::kLost:
      return "lost";
  }
  return "unknown";
}

Result<std::string> SimBackend::Submit(const DispatchRequest& r) {
  return fmt::format("sim-{}-{:.6f}-{:.9f}", r.job_id, now_(), r.modelled_run_s * factor_);
}

Result<std::optional<std::string>> SimBackend::Find(const std::string&) {
  return std::optional<std::string>();
}

Result<RunStatus> SimBackend::Poll(const std::string& handle) {
  const std::optional<Parsed> p = ParseHandle(handle);
  if (!p) return Fail(ErrorCode::kNotFound, fmt::format("sim: no job '{}'", handle));
  RunStatus s;
  s.started_at = p->start;
  {
    std::lock_guard lock(mu_);
    if (cancelled_.contains(handle)) {
      s.state = RunState::kCancelled;
      s.finished_at = now_();
      return s;
    }
  }
  if (now_() >= p->start + p->duration) {
    s.state = RunState::kSucceeded;
    s.exit_code = 0;
    s.finished_at = p->start + p->duration;
  } else {
    s.state = RunState::kRunning;
  }
  return s;
}

Status SimBackend::Cancel(const std::string& handle) {
  if (!ParseHandle(handle)) return Fail(ErrorCode::kNotFound, fmt::format("sim: no job '{}'", handle));
  std::lock_guard lock(mu_);
  cancelled_.insert(handle);
  return {};
}

Result<std::string> SimBackend::Logs(const std::string& handle, size_t) {
  const std::optional<Parsed> p = ParseHandle(handle);
  if (!p) return Fail(ErrorCode::kNotFound, fmt::format("sim: no job '{}'", handle));
  return fmt::format("simulated execution: {:.3f} s of wall time from {:.3f}\n", p->duration, p->start);
}

}  // namespace zhisuan::dispatch
