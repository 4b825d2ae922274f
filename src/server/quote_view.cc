#include "server/quote_view.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "model/enums.h"
#include "model/job.h"
#include "placement/policy.h"

namespace zhisuan::views {
namespace {

using placement::Candidate;

Result<double> NumberParam(const Params& params, const std::string& key, double fallback, double min,
                           double max) {
  const auto it = params.find(key);
  if (it == params.end()) return fallback;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (ec != std::errc() || ptr != it->second.data() + it->second.size() || !std::isfinite(value)) {
    return Fail(ErrorCode::kInvalidArgument, fmt::format("{}: '{}' is not a number", key, it->second));
  }
  if (value < min || value > max) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("{}: must be between {} and {} (got {})", key, min, max, value));
  }
  return value;
}

Json CandidateJson(const Registry& registry, const placement::Snapshot& s, const Candidate& c) {
  const placement::CenterInfo& center = s.centers()[c.center];
  const zhisuan::Center* rc = registry.FindCenter(center.id);
  Json split = Json::array();
  for (const placement::PoolShare& share : c.split) {
    split.push_back({{"pool", share.pool - center.first_pool},
                     {"accelerator", s.accelerators()[s.pools()[share.pool].accelerator].id},
                     {"devices", share.devices}});
  }
  return Json{{"center", center.id},
              {"center_name", rc ? rc->name : ""},
              {"province", s.provinces()[static_cast<size_t>(center.province)]},
              {"hub", center.hub == placement::kNone ? Json(nullptr)
                                                     : Json(s.hubs()[static_cast<size_t>(center.hub)])},
              {"pool", c.pool - center.first_pool},
              {"accelerator", s.accelerators()[c.accelerator].id},
              {"devices", c.devices},
              {"start_h", c.start_h},
              {"transfer_h", c.transfer_h},
              {"run_h", c.run_h},
              {"finish_h", c.finish_h},
              {"device_hours", c.device_hours},
              {"energy_kwh", c.energy_kwh},
              {"energy_cny", c.energy_cny},
              {"price_cny", c.price_cny},
              {"transfer_gb", c.transfer_gb},
              {"transfer_fee_cny", c.transfer_fee_cny},
              {"carbon_kg", c.carbon_kg},
              {"scarcity_cny", c.scarcity_cny},
              {"shift_h", c.shift_h},
              {"shift_saving_cny", c.shift_saving_cny},
              {"rtt_ms", c.rtt_ms},
              {"score", c.score},
              {"split", std::move(split)}};
}

}  // namespace

Result<Json> Quote(const Registry& registry, const placement::Snapshot& snapshot, std::string_view body,
                   const Params& params, double now_s, std::string_view label,
                   std::string_view network_state) {
  Result<Job> job = ParseJob(body, registry, label);
  if (!job) return std::unexpected(job.error());
  return Quote(registry, snapshot, *job, params, now_s, network_state);
}

Result<Json> Quote(const Registry& registry, const placement::Snapshot& snapshot, const Job& job,
                   const Params& params, double now_s, std::string_view network_state) {
  if (Status s = CheckParams(params, {"policy", "objective", "top", "explain", "seed", "carbon_price",
                                      "energy_weight", "time_value"});
      !s) {
    return std::unexpected(s.error());
  }
  placement::PlaceOptions options;
  options.now_s = now_s;
  options.objective.carbon_price_cny_per_t = registry.placement().carbon_price_cny_per_t;
  if (const auto it = params.find("objective"); it != params.end()) {
    const auto kind = placement::ParseObjective(it->second);
    if (!kind) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("objective: unknown objective '{}' (one of {})",
                                                           it->second, placement::kObjectiveNames));
    }
    options.objective.kind = *kind;
  }
  const auto top = NumberParam(params, "top", 5, 1, 1000);
  const auto seed = NumberParam(params, "seed", 1, 0, 9.0e15);
  const auto carbon = NumberParam(params, "carbon_price", options.objective.carbon_price_cny_per_t, 0, 1e7);
  const auto energy = NumberParam(params, "energy_weight", 1, 0, 1e6);
  const auto time_value = NumberParam(params, "time_value", 0, 0, 1e9);
  for (const auto* r : {&top, &seed, &carbon, &energy, &time_value}) {
    if (!*r) return std::unexpected(r->error());
  }
  options.top_k = static_cast<int>(*top);
  options.objective.carbon_price_cny_per_t = *carbon;
  options.objective.energy_weight = *energy;
  options.objective.time_value_cny_per_h = *time_value;
  if (const auto it = params.find("explain"); it != params.end()) {
    if (it->second != "true" && it->second != "false") {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("explain: must be true or false (got '{}')", it->second));
    }
    options.explain = it->second == "true";
  }
  const auto policy_it = params.find("policy");
  auto policy = placement::MakePolicy(policy_it == params.end() ? "lowest-cost" : policy_it->second,
                                      static_cast<uint64_t>(*seed));
  if (!policy) return std::unexpected(policy.error());

  Result<placement::PreparedJob> prepared = placement::Prepare(snapshot, job, now_s);
  if (!prepared) return std::unexpected(prepared.error());
  const placement::Decision d = (*policy)->Place(snapshot, *prepared, options);

  Json models = Json::array();
  for (const placement::JobModel& m : prepared->models) {
    models.push_back({{"accelerator", snapshot.accelerators()[m.accelerator].id},
                      {"effective_tflops", m.effective_tflops},
                      {"run_h", m.run_h}});
  }
  Json candidates = Json::array();
  for (const Candidate& c : d.candidates) candidates.push_back(CandidateJson(registry, snapshot, c));
  Json rejected = Json::array();
  for (const placement::Rejection& r : d.rejections) {
    const placement::CenterInfo& c = snapshot.centers()[r.center];
    rejected.push_back({{"center", c.id},
                        {"province", snapshot.provinces()[static_cast<size_t>(c.province)]},
                        {"code", placement::Name(r.code)},
                        {"reason", r.reason}});
  }
  return Json{{"policy", d.policy},
              {"objective", placement::Name(d.objective.kind)},
              {"network_state", network_state},
              {"as_of", now_s},
              {"job",
               {{"name", job.name},
                {"tenant", job.tenant},
                {"kind", Name(job.kind)},
                {"precision", Name(job.precision)},
                {"devices", job.devices},
                {"work_tflop_h", prepared->work_tflop_h},
                {"models", std::move(models)}}},
              {"chosen", d.chosen ? CandidateJson(registry, snapshot, *d.chosen) : Json(nullptr)},
              {"why", placement::Why(snapshot, d)},
              {"feasible_centers", d.feasible_centers < 0 ? Json(nullptr) : Json(d.feasible_centers)},
              {"candidates", std::move(candidates)},
              {"rejected", std::move(rejected)}};
}

}  // namespace zhisuan::views
