// libFuzzer: the trace readers (JSON lines, Philly CSV, Alibaba CSV; the first byte chooses) on a file of any
// bytes, opened, validated and streamed to the end as the simulator would.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_support.h"
#include "sim/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const std::string path = "/tmp/zhisuan-trace-fuzz-" + std::to_string(::getpid());
  const zhisuan::sim::TraceFormat formats[] = {zhisuan::sim::TraceFormat::kJsonl,
                                               zhisuan::sim::TraceFormat::kPhilly,
                                               zhisuan::sim::TraceFormat::kAlibaba};
  const zhisuan::sim::TraceFormat format = formats[data[0] % 3];
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data + 1, 1, size - 1, f);
  std::fclose(f);
  auto trace = zhisuan::sim::TraceFile::Open(path, format, zhisuan::fuzz::ShippedRegistry(), false);
  if (trace) {
    std::unique_ptr<zhisuan::sim::JobSource> stream = (*trace)->Stream(7);
    zhisuan::sim::TraceJob job;
    for (int i = 0; i < 100000 && stream->Next(job); ++i) {
    }
  }
  return 0;
}
