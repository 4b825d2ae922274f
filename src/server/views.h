// server/views.h — the JSON documents of the API. The HTTP handlers and the CLI's --json (and its tables)
// render the same views, so the two can never disagree.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "accounting/coverage.h"
#include "model/registry.h"
#include "util/error.h"

namespace zhisuan::views {

using Json = nlohmann::ordered_json;

// Query parameters by name.
using Params = std::map<std::string, std::string>;

// Rejects parameters not in `allowed`: "unknown query parameter 'x' (allowed: a, b)".
Status CheckParams(const Params& params, std::initializer_list<std::string_view> allowed);

Json Health(const Registry& registry, int schema_version, double uptime_s);
Json Accelerators(const Registry& registry);
Json Regions(const Registry& registry);

// Centers matching the filters province, hub ("none" = outside the hubs), cluster, kind and accelerator;
// an unknown value is a kInvalidArgument error naming the parameter.
Result<Json> Centers(const Registry& registry, const Params& params);

// One center with its pools, per-device-hour energy, carbon and price; kNotFound for an unknown id.
Result<Json> Center(const Registry& registry, const std::string& id);

// Capacity totals by=province|hub|cluster|kind|category|center|nation at precision=fp16|fp32|fp64|fp32e
// (defaults: province, fp16), in PFLOPS.
Result<Json> Capacity(const Registry& registry, const Params& params);
// Self-reliance (国产化) by the same groupings and precisions: domestic share of capacity and of devices,
// vendors with their shares, CR5 and HHI; the nation's row beside the groups.
Result<Json> SelfReliance(const Registry& registry, const Params& params);
// CAICT's rule for counting intelligent-computing centers (>= 500 AI cards, seed 004:545) applied to the
// registry's intelligent centers in service: which count and which do not.
Json IntelligentCenters(const Registry& registry);
// National coverage: the registry's FP32-equivalent capacity in service (and planned, apart) against the
// national figures of `nation` (data/national/), by category; kNotFound when no national figures are loaded.
Result<Json> Coverage(const Registry& registry, const accounting::NationalCompute* nation);

// Serialises a view; bytes of invalid UTF-8 (which user input can carry into messages) become U+FFFD.
std::string Dump(const Json& j, int indent = -1);

// {"error": {"code": ..., "message": ...}}
Json ErrorBody(const Error& error);

}  // namespace zhisuan::views
