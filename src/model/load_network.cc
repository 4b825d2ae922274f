#include <fmt/format.h>

#include <algorithm>

#include "model/load_parts.h"

namespace zhisuan::load {

NetworkModel Network(const YamlField& doc, const std::vector<Region>& regions) {
  NetworkModel n;
  if (!doc.ExpectMap({"model", "measured"})) return n;
  const YamlField m = doc.Child("model");
  if (m.ExpectMap({"fibre_km_per_ms", "route_factor", "overhead_ms", "intra_province_rtt_ms", "source",
                   "estimated", "derivation"})) {
    n.fibre_km_per_ms = m.Number("fibre_km_per_ms", 1, 300).value_or(n.fibre_km_per_ms);
    n.route_factor = m.Number("route_factor", 1, 5).value_or(n.route_factor);
    n.overhead_ms = m.Quantity("overhead_ms", units::Dimension::kLatency, 0, 100).value_or(n.overhead_ms);
    n.intra_province_rtt_ms = m.Quantity("intra_province_rtt_ms", units::Dimension::kLatency, 0.01, 100)
                                  .value_or(n.intra_province_rtt_ms);
    n.provenance = m.ReadProvenance();
  }
  auto known = [&](const std::string& id) {
    return std::ranges::any_of(regions, [&](const Region& r) { return r.id == id; });
  };
  for (const YamlField& f : doc.Items("measured", false)) {
    if (!f.ExpectMap({"a", "b", "rtt_ms", "source", "estimated", "derivation"})) continue;
    MeasuredRtt r;
    const auto a = f.Id("a");
    const auto b = f.Id("b");
    const auto rtt = f.Quantity("rtt_ms", units::Dimension::kLatency, 0.01, 1000);
    r.provenance = f.ReadProvenance();
    if (a && !known(*a)) f.Child("a").Error(fmt::format("unknown province '{}'", *a));
    if (b && !known(*b)) f.Child("b").Error(fmt::format("unknown province '{}'", *b));
    if (!a || !b || !rtt) continue;
    r.a = *a;
    r.b = *b;
    r.rtt_ms = *rtt;
    n.measured.push_back(std::move(r));
  }
  return n;
}

PricingParams Pricing(const YamlField& doc) {
  PricingParams p;
  if (!doc.ExpectMap({"pricing"})) return p;
  const YamlField f = doc.Child("pricing");
  if (!f.ExpectMap({"capex_cny_per_fp16_tflops", "capex_cny_per_fp32_tflops_cpu", "life_years", "utilisation",
                    "margin", "source", "estimated", "derivation"})) {
    return p;
  }
  p.capex_cny_per_fp16_tflops =
      f.Number("capex_cny_per_fp16_tflops", 0, 1e7).value_or(p.capex_cny_per_fp16_tflops);
  p.capex_cny_per_fp32_tflops_cpu =
      f.Number("capex_cny_per_fp32_tflops_cpu", 0, 1e8).value_or(p.capex_cny_per_fp32_tflops_cpu);
  p.life_years = f.Number("life_years", 0.5, 30).value_or(p.life_years);
  p.utilisation = f.Number("utilisation", 0.01, 1).value_or(p.utilisation);
  p.margin = f.Number("margin", 0, 10).value_or(p.margin);
  p.provenance = f.ReadProvenance();
  return p;
}

PlacementParams Placement(const YamlField& doc) {
  PlacementParams p;
  if (!doc.ExpectMap({"placement"})) return p;
  const YamlField f = doc.Child("placement");
  if (!f.ExpectMap({"efficiency", "host_overhead", "transfer_fee_cny_per_gb", "inter_province_gbps",
                    "max_wait_h", "scarcity_weight", "scarcity_steepness", "carbon_price_cny_per_t",
                    "utc_offset_h", "source", "estimated", "derivation"})) {
    return p;
  }
  const YamlField e = f.Child("efficiency");
  if (e.ExpectMap({"train", "infer", "hpc", "batch"})) {
    p.efficiency_train = e.Number("train", 0.001, 1).value_or(p.efficiency_train);
    p.efficiency_infer = e.Number("infer", 0.001, 1).value_or(p.efficiency_infer);
    p.efficiency_hpc = e.Number("hpc", 0.001, 1).value_or(p.efficiency_hpc);
    p.efficiency_batch = e.Number("batch", 0.001, 1).value_or(p.efficiency_batch);
  }
  p.host_overhead = f.Number("host_overhead", 0, 5).value_or(p.host_overhead);
  p.transfer_fee_cny_per_gb = f.Quantity("transfer_fee_cny_per_gb", units::Dimension::kPrice, 0, 1000)
                                  .value_or(p.transfer_fee_cny_per_gb);
  p.inter_province_gbps = f.Quantity("inter_province_gbps", units::Dimension::kBandwidth, 0.001, 1e6)
                              .value_or(p.inter_province_gbps);
  p.max_wait_h = f.Number("max_wait_h", 0, 24 * 365).value_or(p.max_wait_h);
  p.scarcity_weight = f.OptNumber("scarcity_weight", 0, 100).value_or(p.scarcity_weight);
  p.scarcity_steepness = f.OptNumber("scarcity_steepness", 0.1, 50).value_or(p.scarcity_steepness);
  p.carbon_price_cny_per_t = f.Number("carbon_price_cny_per_t", 0, 1e6).value_or(p.carbon_price_cny_per_t);
  p.utc_offset_h = f.Number("utc_offset_h", -12, 14).value_or(p.utc_offset_h);
  p.provenance = f.ReadProvenance();
  return p;
}

}  // namespace zhisuan::load
