// model/load_parts.h — the per-file readers behind LoadRegistry. Each reads one parsed document, records
// problems in Diagnostics and returns what it could read; cross-references are checked against earlier parts.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "model/registry.h"
#include "model/yaml_field.h"

namespace zhisuan::load {

std::vector<Accelerator> Accelerators(const YamlField& doc);
std::vector<Region> Regions(const YamlField& doc);
// Hubs and clusters live in one file; both must name known provinces.
void HubsAndClusters(const YamlField& doc, const std::vector<Region>& regions, std::vector<Hub>& hubs,
                     std::vector<Cluster>& clusters);
NetworkModel Network(const YamlField& doc, const std::vector<Region>& regions);
PricingParams Pricing(const YamlField& doc);
PlacementParams Placement(const YamlField& doc);
// Centers reference everything above; `partial` is a Registry of the parts read so far.
std::vector<Center> Centers(const YamlField& doc, const Registry& partial);

// Ids seen so far in one list; Claim records "duplicate id" (naming the first line) for an id seen twice.
class IdSet {
 public:
  bool Claim(const std::string& id, const YamlField& id_field);

 private:
  std::unordered_map<std::string, int> first_line_;
};

}  // namespace zhisuan::load
