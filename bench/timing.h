// bench/timing.h — wall time and peak memory for the benchmark drivers.
#pragma once

#include <sys/resource.h>

#include <chrono>

namespace zhisuan::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Peak resident set of this process so far, in MB.
inline double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace zhisuan::bench
