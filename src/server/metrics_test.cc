#include "server/metrics.h"

#include <gtest/gtest.h>

namespace zhisuan {
namespace {

TEST(Metrics, CountsAndBuckets) {
  Metrics m;
  m.Observe("/a", "GET", 200, 0.0002);
  m.Observe("/a", "GET", 200, 0.003);
  m.Observe("/a", "GET", 404, 2.0);
  const std::string text = m.Render();
  EXPECT_NE(text.find("zhisuan_http_requests_total{route=\"/a\",method=\"GET\",status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("zhisuan_http_requests_total{route=\"/a\",method=\"GET\",status=\"404\"} 1\n"),
            std::string::npos);
  // Cumulative buckets: 0.0002 <= 0.00025; 0.003 <= 0.005; 2.0 only in +Inf.
  EXPECT_NE(text.find("zhisuan_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.0001\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("zhisuan_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.00025\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("zhisuan_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.005\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("zhisuan_http_request_duration_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("zhisuan_http_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("zhisuan_http_request_duration_seconds_count{route=\"/a\"} 3\n"), std::string::npos);
}

}  // namespace
}  // namespace zhisuan
