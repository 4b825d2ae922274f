// libFuzzer: a job spec (YAML or JSON) against the shipped registry, as POST /api/v1/jobs and quote read it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "model/job.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)zhisuan::ParseJob(text, zhisuan::fuzz::ShippedRegistry(), "job");
  return 0;
}
