// libFuzzer: an indicator system (YAML) and a data CSV for it. The input is split at the first NUL byte: the
// spec before it, the CSV after (no NUL: the shipped CAICT 3.0 spec with the input as CSV).
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "index/dataset.h"
#include "index/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string shipped = [] {
    std::ifstream in(ZHISUAN_SOURCE_DIR "/data/index/caict-3.0.yaml");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }();
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string spec_text = nul == std::string::npos ? shipped : input.substr(0, nul);
  const std::string csv = nul == std::string::npos ? input : input.substr(nul + 1);
  auto spec = zhisuan::index::ParseSpec("spec", spec_text);
  if (!spec) return 0;
  (void)zhisuan::index::ParseDataset(*spec, "data", csv, zhisuan::index::Impute::kMean);
  return 0;
}
