// model/loader.h — loading and validating the registry from its data files (YAML).
// Nothing partial escapes: either every file is valid and a consistent Registry is returned, or an Error
// lists every problem as "file:line: field.path: problem".
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "model/registry.h"
#include "util/error.h"

namespace zhisuan {

// The registry's data files by name, in load order.
inline constexpr const char* kDataFileNames[] = {"accelerators.yaml", "regions.yaml", "hubs.yaml",
                                                 "network.yaml",      "pricing.yaml", "centers.yaml",
                                                 "placement.yaml"};

struct DataFile {
  std::string name;     // "centers.yaml"
  std::string label;    // how errors name it, e.g. "data/centers.yaml"
  std::string content;  // the YAML text
};

// Reads every file of kDataFileNames from `dir`; a missing or unreadable file is a kIo error.
Result<std::vector<DataFile>> ReadDataDir(const std::filesystem::path& dir);

// Parses and validates the files (all of kDataFileNames must be present) into a Registry.
Result<Registry> LoadRegistry(const std::vector<DataFile>& files);

}  // namespace zhisuan
