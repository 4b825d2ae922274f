#include <fmt/format.h>

#include <algorithm>

#include "model/enums.h"
#include "model/load_parts.h"

namespace zhisuan::load {
namespace {

// A figure with its own provenance: `{value: 1.15, source: ...}` or `{value: 1.25, estimated: true, ...}`.
std::optional<double> ReadSourcedValue(const YamlField& f, double min, double max, Provenance& provenance) {
  if (!f.ExpectMap({"value", "source", "estimated", "derivation"})) return std::nullopt;
  provenance = f.ReadProvenance();
  return f.Number("value", min, max);
}

// `{value: planned, since: 2024-06, source: ...}`: a status with its date (optional) and provenance.
std::optional<LifecycleStatus> ReadStatus(const YamlField& f) {
  if (!f.ExpectMap({"value", "since", "source", "estimated", "derivation"})) return std::nullopt;
  LifecycleStatus status;
  status.provenance = f.ReadProvenance();
  status.since = f.OptString("since");
  const auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i) {
      if (i >= status.since.size() || status.since[i] < '0' || status.since[i] > '9') return false;
    }
    return true;
  };
  const size_t n = status.since.size();
  const bool date_ok =
      n == 0 ||
      (digits(0, 4) && (n == 4 || (n >= 7 && status.since[4] == '-' && digits(5, 2) &&
                                   (n == 7 || (n == 10 && status.since[7] == '-' && digits(8, 2))))));
  if (!date_ok) f.Child("since").Error(fmt::format("'{}' is not YYYY, YYYY-MM or YYYY-MM-DD", status.since));
  const auto value = f.String("value");
  if (!value) return std::nullopt;
  const auto parsed = ParseLifecycle(*value);
  if (!parsed) {
    f.Child("value").Error(fmt::format("unknown status '{}' (one of {})", *value, LifecycleNames()));
    return std::nullopt;
  }
  status.value = *parsed;
  return date_ok ? std::optional(status) : std::nullopt;
}

std::optional<Pool> ReadPool(const YamlField& f, const Registry& partial) {
  if (!f.ExpectMap({"accelerator", "devices", "devices_per_node", "price_cny_per_device_hour", "status",
                    "source", "estimated", "derivation"})) {
    return std::nullopt;
  }
  Pool p;
  const auto acc = f.Id("accelerator");
  const Accelerator* accelerator = acc ? partial.FindAccelerator(*acc) : nullptr;
  if (acc && accelerator == nullptr) {
    f.Child("accelerator").Error(fmt::format("unknown accelerator '{}' (not in accelerators.yaml)", *acc));
  }
  const auto devices = f.Integer("devices", 0, 100'000'000);
  const int default_per_node = accelerator != nullptr && accelerator->cpu ? 1 : 8;
  const auto per_node = f.OptInteger("devices_per_node", 1, 1024);
  p.price_cny_per_device_hour = f.OptQuantity("price_cny_per_device_hour", units::Dimension::kPrice, 0, 1e6);
  p.provenance = f.ReadProvenance();
  if (f.Has("status")) {
    p.status = ReadStatus(f.Child("status"));
    if (!p.status) return std::nullopt;
  }
  if (!acc || accelerator == nullptr || !devices) return std::nullopt;
  p.accelerator = *acc;
  p.devices = *devices;
  p.free_devices = *devices;
  p.devices_per_node = static_cast<int>(per_node.value_or(default_per_node));
  return p;
}

std::optional<Center> ReadCenter(const YamlField& f, const Registry& partial, IdSet& ids) {
  if (!f.ExpectMap({"id",
                    "name",
                    "name_en",
                    "kind",
                    "province",
                    "city",
                    "hub",
                    "cluster",
                    "pue",
                    "green_share",
                    "tariff_cny_per_kwh",
                    "uplink_gbps",
                    "published_compute",
                    "pools",
                    "backend",
                    "state",
                    "status",
                    "builder",
                    "source",
                    "estimated",
                    "derivation"})) {
    return std::nullopt;
  }
  Center c;
  const auto id = f.Id("id");
  if (id) ids.Claim(*id, f.Child("id"));
  c.name = f.String("name").value_or("");
  c.name_en = f.String("name_en").value_or("");
  c.city = f.String("city").value_or("");
  c.published_compute = f.OptString("published_compute");
  c.provenance = f.ReadProvenance();
  bool ok = id.has_value();

  if (const auto kind = f.String("kind")) {
    const auto parsed = ParseCenterKind(*kind);
    if (parsed)
      c.kind = *parsed;
    else
      f.Child("kind").Error(fmt::format("unknown kind '{}' (one of {})", *kind, CenterKindNames()));
    ok = ok && parsed.has_value();
  }
  const auto province = f.Id("province");
  if (province && partial.FindRegion(*province) == nullptr) {
    f.Child("province").Error(fmt::format("unknown province '{}' (not in regions.yaml)", *province));
    ok = false;
  }
  ok = ok && province.has_value();
  if (province) c.province = *province;

  // The hub follows from the province; when given it must agree.
  const Hub* hub = province ? partial.HubOfProvince(*province) : nullptr;
  if (f.Has("hub")) {
    const auto named = f.Id("hub");
    if (named && partial.FindHub(*named) == nullptr) {
      f.Child("hub").Error(fmt::format("unknown hub '{}'", *named));
    } else if (named && (hub == nullptr || hub->id != *named)) {
      f.Child("hub").Error(fmt::format("province '{}' is not in hub '{}'", c.province, *named));
    }
  }
  if (hub != nullptr) c.hub = hub->id;
  if (f.Has("cluster")) {
    const auto named = f.Id("cluster");
    const Cluster* cluster = named ? partial.FindCluster(*named) : nullptr;
    if (named && cluster == nullptr) {
      f.Child("cluster").Error(fmt::format("unknown cluster '{}'", *named));
    } else if (cluster != nullptr &&
               std::ranges::find(cluster->provinces, c.province) == cluster->provinces.end()) {
      f.Child("cluster").Error(fmt::format("province '{}' is not in cluster '{}'", c.province, cluster->id));
    } else if (cluster != nullptr) {
      c.cluster = cluster->id;
    }
  }

  const auto pue = ReadSourcedValue(f.Child("pue"), 1.0, 3.0, c.pue_provenance);
  const auto green = ReadSourcedValue(f.Child("green_share"), 0.0, 1.0, c.green_provenance);
  ok = ok && pue && green;
  c.pue = pue.value_or(0);
  c.green_share = green.value_or(0);
  c.tariff_cny_per_kwh = f.OptQuantity("tariff_cny_per_kwh", units::Dimension::kEnergyPrice, 0.01, 10);
  c.uplink_gbps = f.OptQuantity("uplink_gbps", units::Dimension::kBandwidth, 0.001, 1e6).value_or(100);

  if (const auto backend = f.OptString("backend", "sim"); !backend.empty()) {
    const auto parsed = ParseBackendKind(backend);
    if (parsed)
      c.backend = *parsed;
    else
      f.Child("backend").Error(fmt::format("unknown backend '{}' (one of {})", backend, BackendKindNames()));
  }
  if (const auto state = f.OptString("state", "up"); !state.empty()) {
    const auto parsed = ParseCenterState(state);
    if (parsed)
      c.state = *parsed;
    else
      f.Child("state").Error(fmt::format("unknown state '{}' (one of {})", state, CenterStateNames()));
  }
  if (f.Has("status")) {
    auto status = ReadStatus(f.Child("status"));
    ok = ok && status.has_value();
    if (status) c.status = std::move(*status);
  } else {
    c.status.provenance = {"", true, "status not given in the data: in service assumed"};
  }
  if (f.Has("builder")) {
    const YamlField b = f.Child("builder");
    if (b.ExpectMap({"type", "name", "source", "estimated", "derivation"})) {
      Center::Builder builder;
      builder.name = b.OptString("name");
      builder.provenance = b.ReadProvenance();
      if (const auto type = b.String("type")) {
        if (const auto parsed = ParseBuilderType(*type)) {
          builder.type = *parsed;
          c.builder = std::move(builder);
        } else {
          b.Child("type").Error(
              fmt::format("unknown builder type '{}' (one of {})", *type, BuilderTypeNames()));
          ok = false;
        }
      }
    }
  }
  const auto pools = f.Items("pools");
  if (f.Has("pools") && pools.empty()) f.Child("pools").Error("must list at least one pool");
  for (const YamlField& p : pools) {
    if (auto pool = ReadPool(p, partial))
      c.pools.push_back(std::move(*pool));
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  c.id = *id;
  return c;
}

}  // namespace

std::vector<Center> Centers(const YamlField& doc, const Registry& partial) {
  std::vector<Center> out;
  if (!doc.ExpectMap({"centers"})) return out;
  IdSet ids;
  for (const YamlField& item : doc.Items("centers")) {
    if (auto c = ReadCenter(item, partial, ids)) out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace zhisuan::load
