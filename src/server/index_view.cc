#include "server/index_view.h"

#include <fmt/format.h>

#include "index/run.h"
#include "util/json.h"

namespace zhisuan::views {
namespace {

Status Expect(const nlohmann::json& body, const char* key, bool (nlohmann::json::*is)() const noexcept,
              const char* what) {
  if (body.contains(key) && !(body.at(key).*is)()) {
    return Fail(ErrorCode::kValidation, fmt::format("{}: must be {}", key, what));
  }
  return {};
}

}  // namespace

Result<Json> IndexCompute(std::string_view body_text, const std::string& default_spec_text) {
  Result<nlohmann::json> parsed = ParseJson(body_text, "request body");
  if (!parsed) return std::unexpected(parsed.error());
  nlohmann::json& body = *parsed;
  if (!body.is_object()) return Fail(ErrorCode::kValidation, "request body: must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    static const char* kKnown[] = {"data_csv",      "spec", "weights", "impute",    "draws", "seed",
                                   "concentration", "mc",   "explain", "base_year", "lags"};
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known) return Fail(ErrorCode::kValidation, fmt::format("{}: unknown field", key));
  }
  for (Status s : {Expect(body, "data_csv", &nlohmann::json::is_string, "a string (the CSV text)"),
                   Expect(body, "spec", &nlohmann::json::is_object, "an object (an indicator system)"),
                   Expect(body, "weights", &nlohmann::json::is_object, "an object (node id -> weighting)"),
                   Expect(body, "impute", &nlohmann::json::is_string, "a string"),
                   Expect(body, "draws", &nlohmann::json::is_number_integer, "an integer"),
                   Expect(body, "seed", &nlohmann::json::is_number_unsigned, "a non-negative integer"),
                   Expect(body, "concentration", &nlohmann::json::is_number, "a number"),
                   Expect(body, "mc", &nlohmann::json::is_string, "a string"),
                   Expect(body, "explain", &nlohmann::json::is_array, "a list of two regions"),
                   Expect(body, "base_year", &nlohmann::json::is_number_integer, "an integer (a year)"),
                   Expect(body, "lags", &nlohmann::json::is_number_integer, "an integer, 0-5")}) {
    if (!s) return std::unexpected(s.error());
  }
  if (!body.contains("data_csv")) return Fail(ErrorCode::kValidation, "data_csv: is required (the CSV text)");
  // A JSON document is YAML, so the spec parser reads it with its usual field-path errors.
  const std::string spec_text = body.contains("spec") ? body["spec"].dump() : default_spec_text;
  if (spec_text.empty())
    return Fail(ErrorCode::kValidation, "spec: is required (this server has no default spec)");
  Result<index::IndexSpec> spec = index::ParseSpec("spec", spec_text);
  if (!spec) return std::unexpected(spec.error());
  if (body.contains("weights")) {
    if (Status s = index::ApplyWeights(*spec, "weights", body["weights"].dump()); !s)
      return std::unexpected(s.error());
  }
  index::RunOptions o;
  Result<index::Impute> impute = index::ParseImpute(body.value("impute", std::string("error")));
  if (!impute) return std::unexpected(impute.error());
  o.impute = *impute;
  const int64_t draws = body.value("draws", int64_t{1000});
  if (draws < 0 || draws > 100000) return Fail(ErrorCode::kValidation, "draws: must be between 0 and 100000");
  const std::string mc = body.value("mc", std::string("dirichlet"));
  if (mc != "dirichlet" && mc != "experts") {
    return Fail(ErrorCode::kValidation, fmt::format("mc: '{}' is not one of: dirichlet, experts", mc));
  }
  const double concentration = body.value("concentration", 200.0);
  if (!(concentration > 0)) return Fail(ErrorCode::kValidation, "concentration: must be positive");
  o.stability = {.draws = static_cast<int>(draws),
                 .seed = body.value("seed", uint64_t{1}),
                 .concentration = concentration,
                 .experts = mc == "experts"};
  o.typology_seed = o.stability.seed;
  if (body.contains("base_year")) {
    const int64_t year = body["base_year"].get<int64_t>();
    if (year < 1 || year > 9999) return Fail(ErrorCode::kValidation, "base_year: must be a year of the data");
    o.base_year = static_cast<int>(year);
  }
  if (body.contains("lags")) {
    const int64_t lags = body["lags"].get<int64_t>();
    if (lags < 0 || lags > 5) return Fail(ErrorCode::kValidation, "lags: must be between 0 and 5");
    o.lags = static_cast<int>(lags);
  }
  if (body.contains("explain")) {
    for (const auto& r : body["explain"]) {
      if (!r.is_string()) return Fail(ErrorCode::kValidation, "explain: must list region names (strings)");
      o.explain.push_back(r.get<std::string>());
    }
    if (o.explain.size() != 2) return Fail(ErrorCode::kValidation, "explain: name exactly two regions");
  }
  // Bound the Monte Carlo before running it: count the data rows of the largest year cheaply via the run
  // itself would cost the work we want to bound, so bound by the CSV's line count.
  const std::string& csv = body["data_csv"].get_ref<const std::string&>();
  const double rows = static_cast<double>(std::count(csv.begin(), csv.end(), '\n') + 1);
  if (static_cast<double>(draws) * rows > kMaxIndexDrawCells) {
    return Fail(ErrorCode::kValidation,
                fmt::format("draws: {} draws x {} rows exceeds the {:.0f} a request may ask for; "
                            "use fewer draws or zhisuan index compute",
                            draws, rows, kMaxIndexDrawCells));
  }
  Result<index::IndexRun> run = index::RunIndex(std::move(*spec), "data_csv", csv, o);
  if (!run) return std::unexpected(run.error());
  return index::ToJson(*run);
}

}  // namespace zhisuan::views
