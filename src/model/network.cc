#include "model/network.h"

#include <algorithm>

namespace zhisuan {

double ModelRttMs(const NetworkModel& model, const Region& a, const Region& b) {
  if (a.id == b.id) return model.intra_province_rtt_ms;
  const double km = geo::DistanceKm(a.capital_location, b.capital_location);
  return 2.0 * km * model.route_factor / model.fibre_km_per_ms + model.overhead_ms;
}

RttMatrix::RttMatrix(const Registry& registry) {
  const auto& regions = registry.regions();
  const size_t n = regions.size();
  for (const Region& r : regions) ids_.push_back(r.id);
  rtt_ms_.assign(n * n, 0.0);
  measured_.assign(n * n, false);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j)
      rtt_ms_[i * n + j] = ModelRttMs(registry.network(), regions[i], regions[j]);
  }
  for (const MeasuredRtt& m : registry.network().measured) {
    const auto i = IndexOf(m.a);
    const auto j = IndexOf(m.b);
    if (!i || !j) continue;  // the loader rejects unknown provinces
    rtt_ms_[*i * n + *j] = rtt_ms_[*j * n + *i] = m.rtt_ms;
    measured_[*i * n + *j] = measured_[*j * n + *i] = true;
  }
}

std::optional<size_t> RttMatrix::IndexOf(std::string_view id) const {
  const auto it = std::ranges::find(ids_, id);
  if (it == ids_.end()) return std::nullopt;
  return static_cast<size_t>(it - ids_.begin());
}

std::optional<double> RttMatrix::RttMs(std::string_view a, std::string_view b) const {
  const auto i = IndexOf(a);
  const auto j = IndexOf(b);
  if (!i || !j) return std::nullopt;
  return rtt_ms_[*i * ids_.size() + *j];
}

bool RttMatrix::Measured(std::string_view a, std::string_view b) const {
  const auto i = IndexOf(a);
  const auto j = IndexOf(b);
  return i && j && measured_[*i * ids_.size() + *j];
}

}  // namespace zhisuan
