// server/http_wire.h — HTTP/1.1 on the wire: the request and response types the API's handlers see, a parser
// of a request's head that enforces every size limit before it allocates, and the response's serialisation.
// Pure functions over bytes: no sockets, no clock (the event loop in http_loop.h owns those), so the fuzzer
// and the unit tests drive them directly.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zhisuan::http {

struct Limits {
  size_t max_request_line = 8 << 10;   // 414 past this
  size_t max_header_bytes = 16 << 10;  // all header lines together; 431 past this
  size_t max_headers = 64;             // 431 past this
  size_t max_body = 8 << 20;           // 413 past this
};

struct Request {
  std::string method;                                        // as sent (methods are case-sensitive)
  std::string target;                                        // the request target as sent: path and query
  std::string path;                                          // the target's path, percent-decoded
  std::string query;                                         // the raw query string after '?', or empty
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::string body;
  bool keep_alive = true;
  bool expect_continue = false;
  size_t content_length = 0;
  // Filled in by the server: the captured path segments of the route, the peer address and the request id.
  std::vector<std::string> matches;
  std::string remote_address;
  std::string id;

  // The value of the first header named `name` (any case), or empty.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

class Stream;  // server/http_stream.h

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, as given
  // Set: the body is `body` and then what the stream sends until it ends (no Content-Length; the connection
  // closes after it). Server-sent events.
  std::shared_ptr<Stream> stream;

  void SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// The outcome of parsing a request's head from the bytes received so far.
struct HeadResult {
  enum class Kind { kIncomplete, kComplete, kError };
  Kind kind = Kind::kIncomplete;
  size_t head_bytes = 0;  // with kComplete: the bytes of the request line and headers, blank line included
  int status = 0;         // with kError: the HTTP status to answer (400, 413, 414, 431, 505, 411, 501)
  std::string message;    // with kError: what was wrong, for the JSON error body
};

// Parses the request line and headers at the start of `data` into `request` (method, target, path, query,
// headers, keep_alive, expect_continue, content_length). kIncomplete while no blank line has arrived and no
// limit is passed yet; a limit passed is an error at once, however many bytes are still to come.
HeadResult ParseHead(std::string_view data, const Limits& limits, Request& request);

// Splits a query string (a=1&b=x%20y) into decoded pairs, in order; false when a %-escape is malformed.
bool ParseQuery(std::string_view query, std::vector<std::pair<std::string, std::string>>& out);

// Decodes %-escapes (and '+' as a space when `plus_is_space`); false when an escape is malformed.
bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space);

// The reason phrase of a status code ("Not Found").
std::string_view Reason(int status);

// The response as bytes: status line, Content-Type, Content-Length, X-Request-Id (when `request_id` is not
// empty), Connection (keep-alive or close), extra headers, blank line, body.
std::string Serialize(const Response& response, std::string_view request_id, bool keep_alive);

}  // namespace zhisuan::http
