// server/metrics.h — request counters and latency histograms, rendered in the Prometheus text format.
// Thread-safe: handlers on any worker thread call Observe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "util/error.h"

namespace zhisuan {

// The metric families named in `names` (a comma-separated list, e.g. "zhisuan_jobs,zhisuan_backend_up") out
// of a Prometheus text exposition: their HELP, TYPE and sample lines; a histogram's or summary's _bucket,
// _sum and _count and a _max gauge go with their family's name. An ill-formed name is kInvalidArgument naming
// it. (At 10,000 centers the whole exposition is 13 MB; the console's health page needs a few KB of it.)
Result<std::string> FilterFamilies(std::string_view text, std::string_view names);

class Registry;
// The registry's capacity per center by precision, and its devices (zhisuan_center_capacity_pflops,
// zhisuan_center_devices): what /metrics has without the job service too.
std::string CapacityGauges(const Registry& registry);

class Metrics {
 public:
  // Upper bounds of the latency buckets, seconds.
  static constexpr std::array<double, 14> kBuckets{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                   0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1.0};

  // Records one request to `route` (the route pattern, not the raw path) answered with `status`.
  void Observe(std::string_view route, std::string_view method, int status, double seconds);

  // zhisuan_http_requests_total and zhisuan_http_request_duration_seconds, Prometheus text format.
  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // GUARDED_BY(mu_)
  std::map<std::string, Histogram> latency_;                                // GUARDED_BY(mu_)
};

}  // namespace zhisuan
