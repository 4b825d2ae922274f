#include "server/http_wire.h"

#include <gtest/gtest.h>

#include <string>

namespace zhisuan::http {
namespace {

HeadResult Parse(std::string_view data, Request& r, const Limits& limits = {}) {
  return ParseHead(data, limits, r);
}

TEST(HttpWire, ParsesAHead) {
  Request r;
  const std::string text =
      "POST /api/v1/jobs%2Fx?a=1&b=two%20words HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "Authorization:  Bearer t  \r\n\r\nhello";
  HeadResult h = Parse(text, r);
  ASSERT_EQ(h.kind, HeadResult::Kind::kComplete) << h.message;
  EXPECT_EQ(h.head_bytes, text.size() - 5);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/api/v1/jobs/x");
  EXPECT_EQ(r.query, "a=1&b=two%20words");
  EXPECT_EQ(r.content_length, 5u);
  EXPECT_EQ(r.Header("authorization"), "Bearer t");
  EXPECT_TRUE(r.keep_alive);
  std::vector<std::pair<std::string, std::string>> q;
  ASSERT_TRUE(ParseQuery(r.query, q));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[1].second, "two words");
}

TEST(HttpWire, IncompleteUntilTheBlankLine) {
  Request r;
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: x\r\n", r).kind, HeadResult::Kind::kIncomplete);
  EXPECT_EQ(Parse("GET / HT", r).kind, HeadResult::Kind::kIncomplete);
  EXPECT_EQ(Parse("GET / HTTP/1.0\n\n", r).kind, HeadResult::Kind::kComplete);
  EXPECT_FALSE(r.keep_alive);  // HTTP/1.0 without keep-alive
}

// Regression: one connection sent 316 MB of headers and grew the server from 17 MB to 858 MB.
TEST(HttpWire, HeaderLimitsAreErrorsBeforeTheHeadEnds) {
  Request r;
  std::string text = "GET / HTTP/1.1\r\n";
  while (text.size() < 20'000) text += "X-Filler: " + std::string(100, 'a') + "\r\n";
  HeadResult h = Parse(text, r);
  EXPECT_EQ(h.kind, HeadResult::Kind::kError);
  EXPECT_EQ(h.status, 431);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 65; ++i) many += "A: b\r\n";
  EXPECT_EQ(Parse(many, r).status, 431);
  EXPECT_EQ(Parse("GET /" + std::string(9000, 'a'), r).status, 414);
}

TEST(HttpWire, BodyLimitIsA413FromTheHead) {
  Request r;
  Limits limits;
  limits.max_body = 100;
  HeadResult h = Parse("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", r, limits);
  EXPECT_EQ(h.status, 413);
  EXPECT_EQ(h.message, "request body: 101 bytes is more than the limit of 100 bytes");
}

TEST(HttpWire, MalformedHeads) {
  Request r;
  EXPECT_EQ(Parse("GET\r\n\r\n", r).status, 400);
  EXPECT_EQ(Parse("GET / HTTP/2.0\r\n\r\n", r).status, 505);
  EXPECT_EQ(Parse("GET x HTTP/1.1\r\n\r\n", r).status, 400);
  EXPECT_EQ(Parse("GET /%zz HTTP/1.1\r\n\r\n", r).status, 400);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nNo colon\r\n\r\n", r).status, 400);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", r).status, 400);
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", r).status, 400);
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", r).status, 400);
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", r).status, 411);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", r).status, 400);
}

TEST(HttpWire, ConnectionAndExpect) {
  Request r;
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n", r).kind, HeadResult::Kind::kComplete);
  EXPECT_FALSE(r.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", r).kind, HeadResult::Kind::kComplete);
  EXPECT_TRUE(r.keep_alive);
  ASSERT_EQ(Parse("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", r).kind,
            HeadResult::Kind::kComplete);
  EXPECT_TRUE(r.expect_continue);
}

TEST(HttpWire, Serialize) {
  Response res;
  res.status = 429;
  res.body = "{}";
  res.SetHeader("Retry-After", "1");
  EXPECT_EQ(Serialize(res, "ab-1", false),
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "X-Request-Id: ab-1\r\nConnection: close\r\nRetry-After: 1\r\n\r\n{}");
}

TEST(HttpWire, Query) {
  std::vector<std::pair<std::string, std::string>> q;
  EXPECT_TRUE(ParseQuery("a&b=&c=1+2", q));
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0], std::make_pair(std::string("a"), std::string()));
  EXPECT_EQ(q[2].second, "1 2");
  EXPECT_FALSE(ParseQuery("a=%4", q));
}

}  // namespace
}  // namespace zhisuan::http
