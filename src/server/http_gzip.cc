#include "server/http_gzip.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

namespace zhisuan::http {
namespace {

bool Textual(std::string_view type) {
  return type.starts_with("application/json") || type.starts_with("text/") ||
         type.starts_with("application/javascript") || type.starts_with("image/svg");
}

// Whether an Accept-Encoding value names gzip (or *) without q=0.
bool AcceptsGzip(std::string_view value) {
  std::string v(value);
  std::ranges::transform(v, v.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  size_t start = 0;
  while (start <= v.size()) {
    const size_t end = std::min(v.find(',', start), v.size());
    std::string_view item = std::string_view(v).substr(start, end - start);
    const size_t semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding == "gzip" || coding == "*") {
      if (semi == std::string_view::npos) return true;
      std::string_view params = item.substr(semi + 1);
      const size_t q = params.find("q=");
      if (q == std::string_view::npos) return true;
      const std::string number(params.substr(q + 2));
      return std::strtod(number.c_str(), nullptr) > 0;  // q=0 refuses it; a bad number reads as 0
    }
    start = end + 1;
  }
  return false;
}

}  // namespace

bool AcceptsGzip(const Request& request) { return AcceptsGzip(request.Header("accept-encoding")); }

std::string Gzip(std::string_view body, int level) {
  if (body.empty() || body.size() > UINT32_MAX / 2) return {};
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, static_cast<uLong>(body.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const size_t written = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END || written >= body.size()) return {};
  out.resize(written);
  return out;
}

void GzipIfAccepted(const Request& request, Response& response) {
  if (response.body.size() < kGzipMinBytes || !Textual(response.content_type)) return;
  for (const auto& [name, value] : response.headers) {
    if (name == "Content-Encoding") return;
  }
  if (!AcceptsGzip(request)) return;
  // Level 1, the fastest: a 6.7 MB answer in tens of ms.
  std::string packed = Gzip(response.body, 1);
  if (packed.empty()) return;
  response.body = std::move(packed);
  response.SetHeader("Content-Encoding", "gzip");
  response.SetHeader("Vary", "Accept-Encoding");
}

}  // namespace zhisuan::http
