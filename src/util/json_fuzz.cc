// libFuzzer: the strict JSON path every JSON body takes (size, depth, UTF-8, duplicate keys).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  zhisuan::Result<nlohmann::json> parsed = zhisuan::ParseJson(text, "body");
  if (parsed) (void)parsed->dump();  // what was accepted is bounded: dumping it must be safe too
  return 0;
}
