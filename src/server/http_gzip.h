// server/http_gzip.h — large answers compressed for clients that accept gzip.
#pragma once

#include "server/http_wire.h"

namespace zhisuan::http {

// Answers of at least this many bytes are compressed when the request accepts gzip: below it, compressing
// costs more than it saves on loopback and LANs.
inline constexpr size_t kGzipMinBytes = 32 * 1024;

// Compresses `response`'s body with gzip (zlib, fastest level) when it is large enough, of a textual type,
// not encoded yet, and `request` accepts gzip (Accept-Encoding, q > 0); sets Content-Encoding and Vary.
// Leaves the response as it was when compression fails or does not make it smaller.
void GzipIfAccepted(const Request& request, Response& response);

}  // namespace zhisuan::http
