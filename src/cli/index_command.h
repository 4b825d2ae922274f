// cli/index_command.h — `zhisuan index compute`: the compute development index of a data file under a spec.
#pragma once

#include <cstdint>
#include <string>

namespace zhisuan::cli {

struct IndexArgs {
  std::string spec;  // default: <data>/index/caict-3.0.yaml
  std::string data;
  std::string weights;
  std::string impute = "error";
  int draws = 1000;
  uint64_t seed = 1;
  double concentration = 200;
  std::string mc = "dirichlet";
  std::string explain;  // "A,B"
  int base_year = 0;    // 0: each year standardised on its own
  int lags = -1;        // -1: min(3, years - 1)
  std::string report_dir;
  bool json = false;
};

// Computes, prints the ranking (or the JSON) and writes the report; returns the exit code.
int RunIndexCompute(const IndexArgs& args, const std::string& data_dir);

}  // namespace zhisuan::cli
