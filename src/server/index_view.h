// server/index_view.h — POST /api/v1/index/compute: the compute development index of posted data.
//
// Body (JSON): {"data_csv": "region,year,...", "spec": {...} (default: the shipped CAICT 3.0), "weights":
// {...}, "impute": "error", "draws": 1000, "seed": 1, "concentration": 200, "mc": "dirichlet", "explain":
// ["A", "B"]}. The answer is the report JSON of `zhisuan index compute --json`.
#pragma once

#include <string>
#include <string_view>

#include "server/views.h"

namespace zhisuan::views {

// Monte Carlo work allowed in one request: draws x regions.
inline constexpr double kMaxIndexDrawCells = 2e7;

Result<Json> IndexCompute(std::string_view body, const std::string& default_spec_text);

}  // namespace zhisuan::views
