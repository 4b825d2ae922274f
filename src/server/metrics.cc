#include "server/metrics.h"

#include <fmt/format.h>

namespace zhisuan {

void Metrics::Observe(std::string_view route, std::string_view method, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), std::string(method), status}];
  Histogram& h = latency_[std::string(route)];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP zhisuan_http_requests_total HTTP requests answered, by route pattern, method and status.\n";
  out += "# TYPE zhisuan_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    out += fmt::format("zhisuan_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n", route,
                       method, status, count);
  }
  out += "# HELP zhisuan_http_request_duration_seconds Time to answer a request, by route pattern.\n";
  out += "# TYPE zhisuan_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("zhisuan_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
                         kBuckets[i], h.buckets[i]);
    }
    out += fmt::format("zhisuan_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route,
                       h.count);
    out += fmt::format("zhisuan_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("zhisuan_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  return out;
}

}  // namespace zhisuan
