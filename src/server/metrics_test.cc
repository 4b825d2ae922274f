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

namespace zhisuan {
namespace {

TEST(Metrics, FilterFamiliesKeepsTheNamedFamiliesWithTheirParts) {
  const std::string text =
      "# HELP zhisuan_jobs Jobs by state.\n# TYPE zhisuan_jobs gauge\nzhisuan_jobs{state=\"running\"} 2\n"
      "# TYPE zhisuan_jobs_finished_total counter\nzhisuan_jobs_finished_total{state=\"failed\"} 1\n"
      "# TYPE zhisuan_pass_seconds summary\nzhisuan_pass_seconds_sum 0.5\nzhisuan_pass_seconds_count 4\n"
      "# TYPE zhisuan_pass_seconds_max gauge\nzhisuan_pass_seconds_max 0.2\n"
      "# TYPE zhisuan_uptime_seconds gauge\nzhisuan_uptime_seconds 9\n# a comment\n";
  Result<std::string> kept = FilterFamilies(text, "zhisuan_jobs,zhisuan_pass_seconds");
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(
      *kept,
      "# HELP zhisuan_jobs Jobs by state.\n# TYPE zhisuan_jobs gauge\nzhisuan_jobs{state=\"running\"} 2\n"
      "# TYPE zhisuan_pass_seconds summary\nzhisuan_pass_seconds_sum 0.5\nzhisuan_pass_seconds_count 4\n"
      "# TYPE zhisuan_pass_seconds_max gauge\nzhisuan_pass_seconds_max 0.2\n");
  EXPECT_EQ(*FilterFamilies(text, "zhisuan_nothing"), "");
  for (const char* bad : {"", "a,,b", "9lives", "a b", "x{y}", "zhisuan_jobs,"}) {
    Result<std::string> r = FilterFamilies(text, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message.rfind("name: '", 0), 0u) << r.error().message;
  }
}

}  // namespace
}  // namespace zhisuan
