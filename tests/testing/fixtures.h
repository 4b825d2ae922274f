// tests/testing/fixtures.h — a tiny hand-checkable data set and temporary directories for tests.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "model/loader.h"

namespace zhisuan::testing {

// The tiny network: accelerators acc-a (GPU: fp64 10, fp32 20, fp16 100 TFLOPS, 500 W) and cpu-b
// (2 chips x 10 cores x 2.0 GHz, 16/32 FP64/FP32 FLOPs per cycle: 0.64 / 1.28 TFLOPS, 400 W);
// regions east-a (carbon 0.6, tariff 0.6), west-b (0.2, 0.3), mid-c (0.5, 0.5); hub hub-w = {west-b} with
// cluster cl-w; centers c1 (east-a, intelligent, PUE 1.5, green 0, 100 x acc-a) and c2 (west-b, super, cl-w,
// PUE 1.2, green 0.5, 10 x acc-a + 50 x cpu-b); placement: train efficiency 0.5, no host overhead, transfer
// fee 0.1 CNY/GB at 8 Gbps, max wait 2 h.
std::vector<DataFile> TinyDataFiles();

// `files` with the content of `name` replaced.
std::vector<DataFile> WithFile(std::vector<DataFile> files, std::string_view name, std::string content);

// Content of `name` in `files`.
std::string FileContent(const std::vector<DataFile>& files, std::string_view name);

// Loads TinyDataFiles(); aborts the test binary on failure (a broken fixture is a bug in the test).
Registry TinyRegistry();

// The tiny network with a time-of-use tariff in west-b (c2's province): valley 0-8 h (China Standard Time) at
// 0.3 of the flat 0.3 CNY/kWh, flat 8-24 h; its files, and the loaded registry.
std::vector<DataFile> TinyDataFilesWithValley();
Registry TinyRegistryWithValley();

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes every file into `dir`.
void WriteDataDir(const std::filesystem::path& dir, const std::vector<DataFile>& files);

// The shipped data directory of the source tree.
std::filesystem::path ShippedDataDir();

}  // namespace zhisuan::testing
