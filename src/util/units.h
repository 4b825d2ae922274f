// util/units.h — quantities with units as they appear in data files ("80 GB", "2.6 GHz", "400 W").
// A data field may hold a bare number (in the unit its name states) or a string with a unit; a unit of the
// wrong dimension is an error, never a silent conversion.
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace zhisuan::units {

enum class Dimension { kPower, kMemory, kCompute, kFrequency, kPrice, kEnergyPrice, kLatency, kBandwidth };

// The canonical unit of a dimension, e.g. "W" for power, "GB" for memory, "TFLOPS" for compute.
std::string_view CanonicalUnit(Dimension dimension);

// Parses "<number> [unit]" and returns the value in the dimension's canonical unit.
// An empty unit means the canonical one. Errors name the unit and the units accepted.
Result<double> ParseQuantity(std::string_view text, Dimension dimension);

}  // namespace zhisuan::units
