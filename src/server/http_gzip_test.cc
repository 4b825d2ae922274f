// Large answers are gzip-compressed for clients that accept it, and only for them.
#include "server/http_gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace zhisuan::http {
namespace {

std::string Gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

Response Big(std::string type = "application/json") {
  Response r;
  r.content_type = std::move(type);
  for (int i = 0; r.body.size() < 100'000; ++i) r.body += "{\"center\": \"c-" + std::to_string(i) + "\"},";
  return r;
}

Request Asking(std::string accept) {
  Request q;
  if (!accept.empty()) q.headers.emplace_back("accept-encoding", std::move(accept));
  return q;
}

bool Gzipped(const Response& r) {
  for (const auto& [name, value] : r.headers)
    if (name == "Content-Encoding") return value == "gzip";
  return false;
}

TEST(Gzip, LargeTextualAnswersForClientsThatAcceptIt) {
  for (const char* accept : {"gzip, deflate, br, zstd", "GZIP", "br;q=1.0, gzip;q=0.5", "*"}) {
    const Response original = Big();
    Response r = original;
    GzipIfAccepted(Asking(accept), r);
    ASSERT_TRUE(Gzipped(r)) << accept;
    EXPECT_LT(r.body.size(), original.body.size() / 4) << accept;
    EXPECT_EQ(Gunzip(r.body), original.body) << accept;
    bool vary = false;
    for (const auto& [name, value] : r.headers) vary = vary || (name == "Vary" && value == "Accept-Encoding");
    EXPECT_TRUE(vary);
  }
}

TEST(Gzip, NotForClientsThatRefuseItNorSmallOrBinaryAnswers) {
  for (const char* accept : {"", "identity", "br", "gzip;q=0", "gzip; q=0.000", "deflate, gzip;q=0"}) {
    Response r = Big();
    GzipIfAccepted(Asking(accept), r);
    EXPECT_FALSE(Gzipped(r)) << "'" << accept << "'";
  }
  Response small;
  small.body = std::string(1000, 'x');
  GzipIfAccepted(Asking("gzip"), small);
  EXPECT_FALSE(Gzipped(small));
  Response png = Big("image/png");
  GzipIfAccepted(Asking("gzip"), png);
  EXPECT_FALSE(Gzipped(png));
}

}  // namespace
}  // namespace zhisuan::http
