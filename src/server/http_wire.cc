#include "server/http_wire.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace zhisuan::http {
namespace {

bool IsTokenChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HeadResult Error(int status, std::string message) {
  return {HeadResult::Kind::kError, 0, status, std::move(message)};
}

// True when the comma-separated list `value` has `token` (any case).
bool ListHas(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (EqualsIgnoreCase(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

bool Request::HasHeader(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& kv) { return EqualsIgnoreCase(kv.first, name); });
}

bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += in[i];
    }
  }
  return true;
}

bool ParseQuery(std::string_view query, std::vector<std::pair<std::string, std::string>>& out) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      std::string key, value;
      if (!PercentDecode(pair.substr(0, eq), key, true)) return false;
      if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), value, true)) return false;
      out.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return true;
}

HeadResult ParseHead(std::string_view data, const Limits& limits, Request& request) {
  // Clients may send blank lines before a request (RFC 9112 2.2): skip a few.
  size_t start = 0;
  while (start < data.size() && start < 8 && (data[start] == '\r' || data[start] == '\n')) ++start;
  const size_t line_end = data.find('\n', start);
  if (line_end == std::string_view::npos) {
    if (data.size() - start > limits.max_request_line) {
      return Error(414, fmt::format("request line: longer than {} bytes", limits.max_request_line));
    }
    return {};
  }
  if (line_end - start > limits.max_request_line) {
    return Error(414, fmt::format("request line: longer than {} bytes", limits.max_request_line));
  }
  // The end of the head: the first empty line after the request line.
  size_t pos = line_end + 1;
  size_t header_count = 0;
  std::vector<std::pair<size_t, size_t>> lines;  // [begin, end) of each header line, CR stripped
  while (true) {
    const size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) {
      if (data.size() - (line_end + 1) > limits.max_header_bytes) {
        return Error(431, fmt::format("headers: more than {} bytes", limits.max_header_bytes));
      }
      return {};
    }
    if (end + 1 - (line_end + 1) > limits.max_header_bytes) {
      return Error(431, fmt::format("headers: more than {} bytes", limits.max_header_bytes));
    }
    size_t stop = end;
    if (stop > pos && data[stop - 1] == '\r') --stop;
    if (stop == pos) {
      pos = end + 1;
      break;
    }
    if (++header_count > limits.max_headers) {
      return Error(431, fmt::format("headers: more than {} header fields", limits.max_headers));
    }
    lines.emplace_back(pos, stop);
    pos = end + 1;
  }

  // Request line: METHOD SP TARGET SP VERSION
  std::string_view line = data.substr(start, line_end - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Error(400, "request line: must be METHOD TARGET HTTP-VERSION");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Error(400, "request line: the method is not a token");
  if (target.empty() || target.front() != '/')
    return Error(400, "request line: the target must start with '/'");
  for (const char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return Error(400, "request line: the target has a control or non-ASCII byte");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Error(version.starts_with("HTTP/") ? 505 : 400,
                 "request line: the version must be HTTP/1.1 or HTTP/1.0");
  }
  request.method = std::string(method);
  request.target = std::string(target);
  const size_t q = target.find('?');
  if (!PercentDecode(target.substr(0, q), request.path, false)) {
    return Error(400, "request line: the path has a malformed %-escape");
  }
  request.query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));

  request.headers.clear();
  request.headers.reserve(lines.size());
  bool have_length = false, connection_close = false, connection_keep_alive = false;
  request.content_length = 0;
  request.expect_continue = false;
  for (const auto& [b, e] : lines) {
    const std::string_view h = data.substr(b, e - b);
    if (h.front() == ' ' || h.front() == '\t')
      return Error(400, "headers: folded header lines are not accepted");
    const size_t colon = h.find(':');
    if (colon == std::string_view::npos || !IsToken(h.substr(0, colon))) {
      return Error(400, "headers: a header line must be NAME: VALUE");
    }
    const std::string_view value = Trim(h.substr(colon + 1));
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) return Error(400, "headers: a value has a control character");
    }
    std::string name = Lower(h.substr(0, colon));
    if (name == "content-length") {
      size_t length = 0;
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Error(400, "Content-Length: must be a decimal number of bytes");
      }
      for (const char c : value) length = length * 10 + static_cast<size_t>(c - '0');
      if (have_length && length != request.content_length) {
        return Error(400, "Content-Length: given twice with different values");
      }
      have_length = true;
      request.content_length = length;
    } else if (name == "transfer-encoding") {
      return Error(411, "Transfer-Encoding: not accepted; send the body with a Content-Length");
    } else if (name == "connection") {
      connection_close = connection_close || ListHas(value, "close");
      connection_keep_alive = connection_keep_alive || ListHas(value, "keep-alive");
    } else if (name == "expect") {
      if (!EqualsIgnoreCase(value, "100-continue"))
        return Error(417, "Expect: only 100-continue is understood");
      request.expect_continue = true;
    }
    request.headers.emplace_back(std::move(name), std::string(value));
  }
  if (request.content_length > limits.max_body) {
    return Error(413, fmt::format("request body: {} bytes is more than the limit of {} bytes",
                                  request.content_length, limits.max_body));
  }
  request.keep_alive = version == "HTTP/1.1" ? !connection_close : connection_keep_alive && !connection_close;
  return {HeadResult::Kind::kComplete, pos, 0, {}};
}

std::string_view Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string Serialize(const Response& response, std::string_view request_id, bool keep_alive) {
  // 204 and 304 have no body by definition (RFC 9110 8.6): no length, and nothing after the head.
  const bool bodiless = response.status == 204 || response.status == 304;
  // A streamed body has no length: the connection's close ends it.
  if (response.stream) keep_alive = false;
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\n", response.status,
                                Reason(response.status), response.content_type);
  if (!bodiless && !response.stream) out += fmt::format("Content-Length: {}\r\n", response.body.size());
  if (!request_id.empty()) out += fmt::format("X-Request-Id: {}\r\n", request_id);
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  for (const auto& [name, value] : response.headers) out += fmt::format("{}: {}\r\n", name, value);
  out += "\r\n";
  if (!bodiless) out += response.body;
  return out;
}

}  // namespace zhisuan::http
