#include "model/loader.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "model/load_parts.h"

namespace zhisuan {

Result<std::vector<DataFile>> ReadDataDir(const std::filesystem::path& dir) {
  std::vector<DataFile> files;
  for (const char* name : kDataFileNames) {
    const std::filesystem::path path = dir / name;
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail(ErrorCode::kIo, fmt::format("{}: cannot read data file", path.string()));
    std::ostringstream text;
    text << in.rdbuf();
    files.push_back({name, path.string(), text.str()});
  }
  return files;
}

Result<Registry> LoadRegistry(const std::vector<DataFile>& files) {
  Diagnostics diag;
  bool parse_failed = false;
  // Parse every file first, so one run reports syntax errors of all of them.
  std::vector<std::optional<YAML::Node>> docs;
  for (const char* name : kDataFileNames) {
    const DataFile* file = nullptr;
    for (const DataFile& f : files) {
      if (f.name == name) file = &f;
    }
    if (file == nullptr) {
      diag.Add(name, 0, "", "data file is missing");
      docs.emplace_back();
      parse_failed = true;
      continue;
    }
    docs.push_back(ParseYaml(file->label, file->content, diag, kDataFileLimits));
    parse_failed = parse_failed || !docs.back().has_value();
  }
  if (parse_failed) return Fail(ErrorCode::kParse, diag.Join());

  auto label_of = [&](size_t i) -> const std::string& {
    for (const DataFile& f : files) {
      if (f.name == kDataFileNames[i]) return f.label;
    }
    return files.front().label;  // unreachable: presence checked above
  };
  auto field = [&](size_t i) { return YamlField(*docs[i], &label_of(i), "", &diag); };

  std::vector<Accelerator> accelerators = load::Accelerators(field(0));
  std::vector<Region> regions = load::Regions(field(1));
  std::vector<Hub> hubs;
  std::vector<Cluster> clusters;
  load::HubsAndClusters(field(2), regions, hubs, clusters);
  NetworkModel network = load::Network(field(3), regions);
  PricingParams pricing = load::Pricing(field(4));
  const Registry partial(accelerators, regions, hubs, clusters, {}, network, pricing);
  std::vector<Center> centers = load::Centers(field(5), partial);
  PlacementParams placement = load::Placement(field(6));
  if (!diag.empty()) return Fail(ErrorCode::kValidation, diag.Join());
  return Registry(std::move(accelerators), std::move(regions), std::move(hubs), std::move(clusters),
                  std::move(centers), std::move(network), std::move(pricing), std::move(placement));
}

}  // namespace zhisuan
