// tests/fuzz/fuzz_support.h — what the libFuzzer harnesses share: the shipped registry, loaded once (the data
// directory comes from ZHISUAN_DATA or the source tree).
#pragma once

#include <cstdlib>
#include <string>

#include "model/loader.h"

namespace zhisuan::fuzz {

inline const Registry& ShippedRegistry() {
  static const Registry registry = [] {
    const char* env = std::getenv("ZHISUAN_DATA");
    Result<std::vector<DataFile>> files = ReadDataDir(env != nullptr ? env : ZHISUAN_SOURCE_DIR "/data");
    if (!files) std::abort();
    Result<Registry> loaded = LoadRegistry(*files);
    if (!loaded) std::abort();
    return std::move(*loaded);
  }();
  return registry;
}

}  // namespace zhisuan::fuzz
