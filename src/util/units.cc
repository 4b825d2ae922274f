#include "util/units.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <string>

namespace zhisuan::units {
namespace {

struct UnitFactor {
  std::string_view name;
  double factor;  // multiply by this to reach the canonical unit
};

struct DimensionUnits {
  Dimension dimension;
  std::string_view canonical;
  std::array<UnitFactor, 5> units;  // unused slots have an empty name
};

constexpr std::array<DimensionUnits, 8> kUnits{{
    {Dimension::kPower, "W", {{{"W", 1.0}, {"kW", 1e3}, {"MW", 1e6}}}},
    {Dimension::kMemory, "GB", {{{"GB", 1.0}, {"TB", 1e3}, {"MB", 1e-3}, {"GiB", 1.073741824}}}},
    {Dimension::kCompute, "TFLOPS", {{{"TFLOPS", 1.0}, {"PFLOPS", 1e3}, {"GFLOPS", 1e-3}, {"EFLOPS", 1e6}}}},
    {Dimension::kFrequency, "GHz", {{{"GHz", 1.0}, {"MHz", 1e-3}}}},
    {Dimension::kPrice, "CNY", {{{"CNY", 1.0}, {"fen", 0.01}}}},
    {Dimension::kEnergyPrice, "CNY/kWh", {{{"CNY/kWh", 1.0}, {"CNY/MWh", 1e-3}}}},
    {Dimension::kLatency, "ms", {{{"ms", 1.0}, {"us", 1e-3}, {"s", 1e3}}}},
    {Dimension::kBandwidth, "Gbps", {{{"Gbps", 1.0}, {"Tbps", 1e3}, {"Mbps", 1e-3}}}},
}};

const DimensionUnits& Lookup(Dimension dimension) {
  for (const auto& d : kUnits) {
    if (d.dimension == dimension) return d;
  }
  return kUnits[0];  // unreachable: every Dimension has a row
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view CanonicalUnit(Dimension dimension) { return Lookup(dimension).canonical; }

Result<double> ParseQuantity(std::string_view text, Dimension dimension) {
  const std::string_view trimmed = Trim(text);
  double value = 0;
  const char* begin = trimmed.data();
  const char* end = begin + trimmed.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || !std::isfinite(value)) {
    return Fail(ErrorCode::kValidation, fmt::format("'{}' is not a number with a unit", text));
  }
  const std::string_view unit = Trim(std::string_view(ptr, static_cast<size_t>(end - ptr)));
  const DimensionUnits& d = Lookup(dimension);
  if (unit.empty()) return value;
  std::string accepted;
  for (const auto& u : d.units) {
    if (u.name.empty()) continue;
    if (u.name == unit) return value * u.factor;
    if (!accepted.empty()) accepted += ", ";
    accepted += u.name;
  }
  return Fail(ErrorCode::kValidation, fmt::format("wrong unit '{}' (expected one of {})", unit, accepted));
}

}  // namespace zhisuan::units
