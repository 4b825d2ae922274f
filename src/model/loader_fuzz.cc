// libFuzzer: the registry's data loaders. The input replaces one data file of the shipped set (its first byte
// chooses which), so every loader sees hostile text with valid neighbours.
#include <cstddef>
#include <cstdint>
#include <string>

#include "model/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<zhisuan::DataFile> shipped = [] {
    auto files = zhisuan::ReadDataDir(ZHISUAN_SOURCE_DIR "/data");
    if (!files) std::abort();
    return *files;
  }();
  if (size == 0) return 0;
  std::vector<zhisuan::DataFile> files = shipped;
  files[data[0] % files.size()].content.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)zhisuan::LoadRegistry(files);
  return 0;
}
