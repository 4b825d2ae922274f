#include "server/job_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <limits>
#include <tuple>

namespace zhisuan::views {
namespace {

Json Optional(const std::optional<double>& x) { return x ? Json(*x) : Json(); }

// Seconds since the epoch (a finite number, 0 to year 9999) or a real calendar date YYYY-MM-DD (UTC).
// Regression: from=nan and -inf were accepted, and 2024-02-30 became March 1.
Result<double> ParseTime(const std::string& key, const std::string& text) {
  auto bad = [&] {
    return Fail(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: '{}' is not a time (seconds since the epoch, or a date YYYY-MM-DD)", key, text));
  };
  double x = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), x, std::chars_format::fixed);
  if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) {
    if (!std::isfinite(x) || x < 0 || x > 253402300799.0) return bad();
    return x;
  }
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int year = 0, month = 0, day = 0;
  for (auto [from, len, out] : {std::tuple{0, 4, &year}, std::tuple{5, 2, &month}, std::tuple{8, 2, &day}}) {
    auto [p, e] = std::from_chars(text.data() + from, text.data() + from + len, *out);
    if (e != std::errc() || p != text.data() + from + len) return bad();
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  const time_t t = timegm(&tm);
  std::tm back{};
  gmtime_r(&t, &back);
  // timegm normalises Feb 30 to Mar 1: a date is real only when it comes back unchanged.
  if (year < 1970 || back.tm_year != tm.tm_year || back.tm_mon != month - 1 || back.tm_mday != day)
    return bad();
  return static_cast<double>(t);
}

// A running job's cost so far: its placement's estimate per hour of run (price, energy, carbon; the transfer
// fee whole, paid as it starts) times the hours it has run, in its backend's time. Null for a job not running
// or whose decision has no estimate.
Json SoFar(const JobRecord& r, double now_s) {
  if (r.state != JobState::kRunning || !r.started_at || r.decision.empty()) return nullptr;
  const Json d = Json::parse(r.decision, nullptr, false);
  if (d.is_discarded() || !d.contains("estimate")) return nullptr;
  const double run_h = d.value("run_h", 0.0);
  const double scale = d.value("time_scale", 1.0);
  if (!(run_h > 0) || !(scale > 0)) return nullptr;
  const Json& e = d["estimate"];
  const double hours = std::max(0.0, now_s - *r.started_at) / 3600.0 * scale;
  const double price = e.value("price_cny", 0.0) / run_h * hours;
  const double transfer = e.value("transfer_fee_cny", 0.0);
  return Json{{"hours", hours},
              {"device_hours", hours * r.devices},
              {"price_cny", price},
              {"transfer_fee_cny", transfer},
              {"bill_cny", price + transfer},
              {"energy_kwh", e.value("energy_kwh", 0.0) / run_h * hours},
              {"carbon_kg", e.value("carbon_kg", 0.0) / run_h * hours},
              {"of_estimate", hours / run_h}};
}

}  // namespace

Json JobJson(const JobRecord& r, double now_s) {
  Json j = {{"id", r.id},
            {"tenant", r.tenant},
            {"state", Name(r.state)},
            {"priority", r.priority},
            {"submitted_at", r.submitted_at},
            {"updated_at", r.updated_at},
            {"center", r.center.empty() ? Json() : Json(r.center)},
            {"accelerator", r.accelerator.empty() ? Json() : Json(r.accelerator)},
            {"devices", r.devices},
            {"backend", r.backend.empty() ? Json() : Json(r.backend)},
            {"backend_id", r.backend_id.empty() ? Json() : Json(r.backend_id)},
            {"attempts", r.attempts},
            {"message", r.message},
            {"waiting", r.waiting.empty() ? Json()
                        : r.queue_position > 0
                            ? Json{{"code", r.waiting}, {"reason", r.message}, {"position", r.queue_position}}
                            : Json{{"code", r.waiting}, {"reason", r.message}}},
            {"started_at", Optional(r.started_at)},
            {"finished_at", Optional(r.finished_at)},
            {"exit_code", r.exit_code ? Json(*r.exit_code) : Json()}};
  if (!r.idempotency_key.empty()) j["idempotency_key"] = r.idempotency_key;
  if (r.accounting) {
    const JobAccounting& a = *r.accounting;
    j["accounting"] = {{"device_hours", a.device_hours},
                       {"energy_kwh", a.energy_kwh},
                       {"energy_cost_fen", a.energy_fen},
                       {"price_fen", a.price_fen},
                       {"price_cny", fmt::format("{}.{:02}", a.price_fen / 100, a.price_fen % 100)},
                       {"transfer_fee_fen", a.transfer_fee_fen},
                       {"bill_fen", a.bill_fen()},
                       {"carbon_kg", a.carbon_kg}};
  } else {
    j["accounting"] = nullptr;
  }
  j["so_far"] = SoFar(r, now_s);
  return j;
}

Json JobDetail(const JobRecord& r, const std::vector<JobEvent>& history, double now_s) {
  Json j = JobJson(r, now_s);
  j["spec"] = r.spec;
  j["decision"] = r.decision.empty() ? Json() : Json::parse(r.decision, nullptr, false);
  if (j["decision"].is_discarded()) j["decision"] = nullptr;
  Json h = Json::array();
  for (const JobEvent& e : history)
    h.push_back({{"seq", e.seq}, {"at", e.at}, {"state", Name(e.state)}, {"detail", e.detail}});
  j["history"] = h;
  return j;
}

Result<Json> ListJobs(lifecycle::JobService& jobs, const lifecycle::Principal& who, const Params& params,
                      double now_s) {
  if (Status s = CheckParams(params, {"state", "tenant", "center", "after", "limit"}); !s)
    return std::unexpected(s.error());
  JobFilter f;
  if (auto it = params.find("state"); it != params.end()) {
    f.state = ParseJobState(it->second);
    if (!f.state) {
      return Fail(
          ErrorCode::kInvalidArgument,
          fmt::format("state: unknown state '{}' (pending, placed, dispatched, running, succeeded, failed, "
                      "cancelled, requeued)",
                      it->second));
    }
  }
  if (auto it = params.find("tenant"); it != params.end()) f.tenant = it->second;
  if (auto it = params.find("center"); it != params.end()) f.center = it->second;
  for (const auto& [key, target, lo, hi] : {std::tuple<const char*, int64_t*, int64_t, int64_t>{
           "after", &f.after_id, 0, std::numeric_limits<int64_t>::max()}}) {
    if (auto it = params.find(key); it != params.end()) {
      auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), *target);
      if (ec != std::errc() || ptr != it->second.data() + it->second.size() || *target < lo || *target > hi) {
        return Fail(ErrorCode::kInvalidArgument, fmt::format("{}: '{}' is not a job id", key, it->second));
      }
    }
  }
  if (auto it = params.find("limit"); it != params.end()) {
    auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), f.limit);
    if (ec != std::errc() || ptr != it->second.data() + it->second.size()) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("limit: '{}' is not a number", it->second));
    }
  }
  Result<std::vector<JobRecord>> rows = jobs.List(who, f);
  if (!rows) return std::unexpected(rows.error());
  Json list = Json::array();
  for (const JobRecord& r : *rows) list.push_back(JobJson(r, now_s));
  const bool more = static_cast<int>(rows->size()) == f.limit;
  return Json{{"jobs", list}, {"next_after", more ? Json(rows->back().id) : Json()}};
}

namespace {

// The period [from, to) of a usage query: from 0 and to the end of time unless given.
Status ParsePeriod(const Params& params, double& from, double& to) {
  from = 0;
  to = std::numeric_limits<double>::max();
  for (auto [key, out] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    if (!params.contains(key)) continue;
    Result<double> t = ParseTime(key, params.at(key));
    if (!t) return std::unexpected(t.error());
    *out = *t;
  }
  return {};
}

Json TotalsJson(const accounting::DemandTotals& t) {
  return {{"jobs", t.jobs},         {"device_hours", t.device_hours}, {"share", t.share},
          {"bill_fen", t.bill_fen}, {"energy_kwh", t.energy_kwh},     {"carbon_kg", t.carbon_kg}};
}

}  // namespace

Result<Json> Demand(lifecycle::JobService& jobs, const Registry& registry,
                    const accounting::NationalCompute* nation, const lifecycle::Principal& who,
                    const Params& params) {
  if (Status s = CheckParams(params, {"from", "to"}); !s) return std::unexpected(s.error());
  double from = 0, to = 0;
  if (Status s = ParsePeriod(params, from, to); !s) return std::unexpected(s.error());
  Result<lifecycle::JobService::Demand> in = jobs.DemandOf(who, from, to);
  if (!in) return std::unexpected(in.error());
  std::map<std::string, accounting::TenantProfile> profiles;
  for (const auto& [tenant, l] : in->tenants) profiles[tenant] = {l.sector, l.home_province};
  std::vector<accounting::DemandUse> uses;
  for (const UsageRow& u : in->uses) {
    uses.push_back({u.key, u.center, u.jobs, u.device_hours, u.energy_kwh, u.carbon_kg,
                    u.price_fen + u.transfer_fee_fen});
  }
  static const std::vector<accounting::NationalSector> kNone;
  const std::vector<accounting::NationalSector>& sectors = nation != nullptr ? nation->sectors : kNone;
  const accounting::DemandReport r = accounting::BuildDemand(registry, profiles, sectors, uses);

  Json by_code = Json::array();
  for (const auto& [code, t] : r.by_code) {
    Json j = TotalsJson(t);
    j["code"] = code.empty() ? Json() : Json(code);
    j["section_zh"] = code.empty() ? Json() : Json(std::string(accounting::SectionName(code[0])));
    by_code.push_back(std::move(j));
  }
  Json by_sector = Json::array();
  auto sector_row = [&](const std::string& id, const accounting::NationalSector* s) {
    const auto it = r.by_sector.find(id);
    Json j = TotalsJson(it != r.by_sector.end() ? it->second : accounting::DemandTotals{});
    j["sector"] = id;
    if (s != nullptr) {
      j["name_zh"] = s->name_zh;
      j["name_en"] = s->name_en;
      j["codes"] = s->codes;
      j["national"] = {{"general_share", s->general_share ? Json(*s->general_share) : Json()},
                       {"intelligent_share", s->intelligent_share ? Json(*s->intelligent_share) : Json()},
                       {"intelligent_place", s->intelligent_place ? Json(*s->intelligent_place) : Json()}};
    }
    by_sector.push_back(std::move(j));
  };
  for (const accounting::NationalSector& s : sectors)
    sector_row(s.id, &s);  // every national sector, even idle
  for (const char* extra : {"other", "unknown"}) {
    if (r.by_sector.contains(extra)) sector_row(extra, nullptr);
  }
  Json by_province = Json::array();
  for (const auto& [province, t] : r.by_province) {
    Json j = TotalsJson(t);
    j["province"] = province;
    if (const Region* region = registry.FindRegion(province)) j["name_zh"] = region->name_zh;
    const auto home = r.home_device_hours.find(province), west = r.west_device_hours.find(province);
    j["in_home_province_share"] =
        t.device_hours > 0 ? (home != r.home_device_hours.end() ? home->second : 0) / t.device_hours : 0.0;
    j["in_western_hubs_share"] =
        t.device_hours > 0 ? (west != r.west_device_hours.end() ? west->second : 0) / t.device_hours : 0.0;
    by_province.push_back(std::move(j));
  }
  Json by_hub = Json::array();
  for (const auto& [hub, t] : r.by_hub) {
    Json j = TotalsJson(t);
    j["hub"] = hub;
    if (const Hub* h = registry.FindHub(hub)) {
      j["name_zh"] = h->name_zh;
      j["west"] = h->west;
    }
    by_hub.push_back(std::move(j));
  }
  Json flows = Json::array();
  for (const auto& [key, t] : r.flows) {
    const size_t gt = key.find('>');
    Json j = TotalsJson(t);
    j["from_province"] = key.substr(0, gt);
    j["to_hub"] = key.substr(gt + 1);
    flows.push_back(std::move(j));
  }
  return Json{
      {"from", from},
      {"to", params.contains("to") ? Json(to) : Json()},
      {"measure", "device-hours of finished jobs (the bill in fen, energy and carbon beside them)"},
      {"total", TotalsJson(r.total)},
      {"by_sector", by_sector},
      {"by_code", by_code},
      {"by_province", by_province},
      {"by_hub", by_hub},
      {"flows", flows},
      {"east_to_west",
       {{"rule",
         "demand from tenants whose home province is in no western hub, and the part of it that ran in "
         "a western hub (内蒙古, 贵州, 甘肃, 宁夏)"},
        {"device_hours", r.east_device_hours},
        {"in_western_hubs_device_hours", r.east_in_west_device_hours},
        {"share",
         r.east_device_hours > 0 ? Json(r.east_in_west_device_hours / r.east_device_hours) : Json()}}},
      {"national_sectors", nation != nullptr && !nation->sectors.empty()
                               ? Json{{"year", nation->year},
                                      {"line", nation->sectors_line},
                                      {"quote", nation->sectors_quote},
                                      {"codes",
                                       "our mapping of CAICT's sector names onto GB/T 4754-2017 (an "
                                       "estimate: CAICT does not publish "
                                       "its definitions)"}}
                               : Json()}};
}

Result<Json> Usage(lifecycle::JobService& jobs, const lifecycle::Principal& who, const Params& params) {
  if (Status s = CheckParams(params, {"by", "from", "to", "tenant"}); !s) return std::unexpected(s.error());
  const std::string by = params.contains("by") ? params.at("by") : "tenant";
  const std::optional<UsageBy> group = by == "tenant"        ? std::optional(UsageBy::kTenant)
                                       : by == "center"      ? std::optional(UsageBy::kCenter)
                                       : by == "accelerator" ? std::optional(UsageBy::kAccelerator)
                                                             : std::nullopt;
  if (!group) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("by: '{}' is not one of: tenant, center, accelerator", by.substr(0, 60)));
  }
  double from = 0, to = 0;
  if (Status s = ParsePeriod(params, from, to); !s) return std::unexpected(s.error());
  const std::string tenant = params.contains("tenant") ? params.at("tenant") : "";
  Result<std::vector<UsageRow>> rows = jobs.Usage(who, *group, from, to, tenant);
  if (!rows) return std::unexpected(rows.error());
  Json groups = Json::array();
  for (const UsageRow& u : *rows) {
    groups.push_back({{by, u.key},
                      {"jobs", u.jobs},
                      {"device_hours", u.device_hours},
                      {"energy_kwh", u.energy_kwh},
                      {"energy_cost_fen", u.energy_fen},
                      {"price_fen", u.price_fen},
                      {"transfer_fee_fen", u.transfer_fee_fen},
                      {"bill_fen", u.price_fen + u.transfer_fee_fen},
                      {"carbon_kg", u.carbon_kg}});
  }
  return Json{
      {"by", by},
      {"tenant", who.is_operator && tenant.empty() ? Json() : Json(who.is_operator ? tenant : who.tenant)},
      {"from", from},
      {"to", params.contains("to") ? Json(to) : Json()},
      {"groups", groups}};
}

}  // namespace zhisuan::views
