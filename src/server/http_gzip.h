// server/http_gzip.h — large answers compressed for clients that accept gzip.
#pragma once

#include <string>
#include <string_view>

#include "server/http_wire.h"

namespace zhisuan::http {

// Answers of at least this many bytes are compressed when the request accepts gzip: below it, compressing
// costs more than it saves on loopback and LANs.
inline constexpr size_t kGzipMinBytes = 32 * 1024;

// Whether the request's Accept-Encoding names gzip (or *) without q=0.
bool AcceptsGzip(const Request& request);

// `body` in gzip at zlib's `level` (1 fastest .. 9 smallest); empty when compression fails or does not make
// it smaller.
std::string Gzip(std::string_view body, int level);

// Compresses `response`'s body with gzip (zlib, fastest level) when it is large enough, of a textual type,
// not encoded yet, and `request` accepts gzip (Accept-Encoding, q > 0); sets Content-Encoding and Vary.
// Leaves the response as it was when compression fails or does not make it smaller.
void GzipIfAccepted(const Request& request, Response& response);

}  // namespace zhisuan::http
