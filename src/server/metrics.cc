#include "server/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "accounting/capacity.h"
#include "model/registry.h"
#include "util/limits.h"

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

Result<std::string> FilterFamilies(std::string_view text, std::string_view names) {
  std::set<std::string, std::less<>> wanted;
  size_t start = 0;
  while (start <= names.size()) {
    const size_t comma = std::min(names.find(',', start), names.size());
    const std::string_view name = names.substr(start, comma - start);
    const bool valid = !name.empty() && name.size() <= 200 &&
                       !std::isdigit(static_cast<unsigned char>(name[0])) &&
                       std::ranges::all_of(name, [](char ch) {
                         return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == ':';
                       });
    if (!valid) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("name: '{}' is not a metric name", Printable(name, 60)));
    }
    wanted.emplace(name);
    start = comma + 1;
  }
  auto kept = [&](std::string_view metric) {
    if (wanted.contains(metric)) return true;
    for (std::string_view suffix : {"_bucket", "_sum", "_count", "_max"}) {
      if (metric.ends_with(suffix) && wanted.contains(metric.substr(0, metric.size() - suffix.size())))
        return true;
    }
    return false;
  };
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    std::string_view metric = line;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE "))
      metric = line.substr(7);
    else if (line.starts_with('#'))
      continue;
    metric = metric.substr(0, metric.find_first_of("{ "));
    if (kept(metric)) {
      out.append(line);
      out.push_back('\n');
    }
  }
  return out;
}

std::string CapacityGauges(const Registry& registry) {
  std::string out =
      "# HELP zhisuan_center_capacity_pflops Peak capacity of a center in PFLOPS by precision.\n"
      "# TYPE zhisuan_center_capacity_pflops gauge\n";
  for (const Center& c : registry.centers()) {
    for (auto m : {accounting::Measure::kFp16, accounting::Measure::kFp32, accounting::Measure::kFp64,
                   accounting::Measure::kFp32Equivalent}) {
      out += fmt::format(
          "zhisuan_center_capacity_pflops{{center=\"{}\",province=\"{}\",precision=\"{}\"}} {}\n", c.id,
          c.province, accounting::Name(m), accounting::CenterCapacity(registry, c, m).tflops / 1000.0);
    }
  }
  out +=
      "# HELP zhisuan_center_devices Devices of a center (accelerators and CPU servers).\n"
      "# TYPE zhisuan_center_devices gauge\n";
  for (const Center& c : registry.centers()) {
    out += fmt::format("zhisuan_center_devices{{center=\"{}\"}} {}\n", c.id,
                       accounting::CenterCapacity(registry, c, accounting::Measure::kFp16).devices);
  }
  return out;
}

}  // namespace zhisuan
