// libFuzzer: the HTTP request head parser and the query decoder, on any bytes a client can send.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/http_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  zhisuan::http::Limits limits;
  limits.max_body = 1 << 20;
  zhisuan::http::Request request;
  const zhisuan::http::HeadResult head = zhisuan::http::ParseHead(bytes, limits, request);
  if (head.kind == zhisuan::http::HeadResult::Kind::kComplete) {
    if (head.head_bytes > bytes.size()) __builtin_trap();
    std::vector<std::pair<std::string, std::string>> query;
    (void)zhisuan::http::ParseQuery(request.query, query);
    (void)request.Header("content-type");
  }
  return 0;
}
