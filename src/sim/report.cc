#include "sim/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "placement/decision.h"

namespace zhisuan::sim {
namespace {

using Json = nlohmann::ordered_json;

Json DistJson(const Distribution& d) {
  return Json{{"mean", d.mean}, {"p50", d.p50}, {"p95", d.p95}, {"p99", d.p99}};
}

double Ratio(double cost, double bound) { return bound > 0 ? cost / bound : 0.0; }

// The metrics compared across seeds.
struct SeedMetric {
  const char* name;
  double (*value)(const SimResult&, const Bound&);
};
constexpr SeedMetric kSeedMetrics[] = {
    {"cost_ratio_to_bound",
     [](const SimResult& s, const Bound& b) { return Ratio(s.tenant_cost_cny, b.tenant_cost_cny); }},
    {"cost_ratio_to_time_indexed_bound",
     [](const SimResult& s, const Bound& b) {
       return b.time_indexed ? Ratio(s.tenant_cost_cny, b.time_indexed->tenant_cost_cny) : 0.0;
     }},
    {"tenant_cost_cny", [](const SimResult& s, const Bound&) { return s.tenant_cost_cny; }},
    {"carbon_t", [](const SimResult& s, const Bound&) { return s.carbon_t; }},
    {"queue_delay_mean_h", [](const SimResult& s, const Bound&) { return s.queue_delay_h.mean; }},
    {"jct_p50_h", [](const SimResult& s, const Bound&) { return s.jct_h.p50; }},
    {"jct_p99_h", [](const SimResult& s, const Bound&) { return s.jct_h.p99; }},
    {"slo_misses", [](const SimResult& s, const Bound&) { return static_cast<double>(s.slo_misses); }},
    {"deadline_misses",
     [](const SimResult& s, const Bound&) { return static_cast<double>(s.deadline_misses); }},
    {"fairness_jain", [](const SimResult& s, const Bound&) { return s.fairness_jain; }},
    {"west_device_hours_share", [](const SimResult& s, const Bound&) { return s.west_device_hours_share; }},
};

// Mean, least and greatest of a non-empty list.
struct Spread {
  double mean = 0, min = 0, max = 0;
};
Spread SpreadOf(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return {sum / static_cast<double>(v.size()), *std::ranges::min_element(v), *std::ranges::max_element(v)};
}

}  // namespace

std::vector<SeedRun> SeedRuns(const RunReport& r) {
  std::vector<SeedRun> runs{{r.options.seed, &r.bound, &r.results}};
  for (const Replica& x : r.replicas) runs.push_back({x.seed, &x.bound, &x.results});
  return runs;
}

std::vector<SeedStats> SummariseSeeds(const RunReport& r) {
  const std::vector<SeedRun> runs = SeedRuns(r);
  std::vector<SeedStats> out;
  for (size_t p = 0; p < r.results.size(); ++p) {
    SeedStats st;
    st.policy = r.results[p].policy;
    for (const SeedRun& run : runs) {
      const SimResult& s = (*run.results)[p];
      st.ratio.push_back(Ratio(s.tenant_cost_cny, run.bound->tenant_cost_cny));
      // Cheapest among the policies in this seed's run (ties to the first listed).
      bool cheapest = true;
      for (size_t q = 0; q < run.results->size() && cheapest; ++q) {
        const double other = (*run.results)[q].tenant_cost_cny;
        cheapest = !(other < s.tenant_cost_cny || (other == s.tenant_cost_cny && q < p));
      }
      st.cheapest_in += cheapest ? 1 : 0;
    }
    const Spread spread = SpreadOf(st.ratio);
    st.ratio_mean = spread.mean;
    st.ratio_min = spread.min;
    st.ratio_max = spread.max;
    out.push_back(std::move(st));
  }
  return out;
}

namespace {

Json SeedsJson(const RunReport& r) {
  const std::vector<SeedRun> runs = SeedRuns(r);
  Json seeds = Json::array(), bounds = Json::array();
  for (const SeedRun& run : runs) {
    seeds.push_back(run.seed);
    bounds.push_back(run.bound->tenant_cost_cny);
  }
  const std::vector<SeedStats> stats = SummariseSeeds(r);
  Json policies = Json::object();
  for (size_t p = 0; p < r.results.size(); ++p) {
    Json metrics = Json::object();
    for (const SeedMetric& m : kSeedMetrics) {
      std::vector<double> values;
      for (const SeedRun& run : runs) values.push_back(m.value((*run.results)[p], *run.bound));
      const Spread spread = SpreadOf(values);
      metrics[m.name] = {{"values", values}, {"mean", spread.mean}, {"min", spread.min}, {"max", spread.max}};
    }
    metrics["cheapest_in"] = stats[p].cheapest_in;
    policies[r.results[p].policy] = std::move(metrics);
  }
  return Json{
      {"seeds", std::move(seeds)}, {"bound_cny", std::move(bounds)}, {"policies", std::move(policies)}};
}

Status WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) return Fail(ErrorCode::kIo, fmt::format("{}: cannot write", path.string()));
  return {};
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

Json TimeIndexedJson(const Bound& b) {
  if (!b.time_indexed) return nullptr;
  const TimeIndexedBound& t = *b.time_indexed;
  return {
      {"tenant_cost_cny", t.tenant_cost_cny},
      {"horizon_h", t.horizon_h},
      {"buckets", t.buckets},
      {"iterations", t.iterations},
      {"max_violation_device_hours", t.max_violation},
      {"method",
       "Lagrangian relaxation of the time-indexed LP: each pool's device-hours after every bucket boundary "
       "hold the work of the jobs released from then on, for schedules finishing by the horizon (the latest "
       "any policy finished); a lower bound on each policy's tenant cost"}};
}

}  // namespace

Json ToJson(const RunReport& r) {
  Json policies = Json::array();
  for (const SimResult& s : r.results) {
    policies.push_back(
        {{"policy", s.policy},
         {"jobs", s.jobs},
         {"completed", s.completed},
         {"unplaceable", s.unplaceable},
         {"pending_at_end", s.pending_at_end},
         {"tenant_cost_cny", s.tenant_cost_cny},
         {"cost_ratio_to_bound", Ratio(s.tenant_cost_cny, r.bound.tenant_cost_cny)},
         {"cost_ratio_to_time_indexed_bound",
          r.bound.time_indexed ? Json(Ratio(s.tenant_cost_cny, r.bound.time_indexed->tenant_cost_cny))
                               : Json(nullptr)},
         {"price_cny", s.price_cny},
         {"transfer_fee_cny", s.transfer_fee_cny},
         {"energy_kwh", s.energy_kwh},
         {"energy_cny", s.energy_cny},
         {"carbon_t", s.carbon_t},
         {"device_hours", s.device_hours},
         {"queue_delay_h", DistJson(s.queue_delay_h)},
         {"jct_h", DistJson(s.jct_h)},
         {"deadline_misses", s.deadline_misses},
         {"slo_jobs", s.slo_jobs},
         {"slo_misses", s.slo_misses},
         {"moved_by_failures", s.moved_by_failures},
         {"lost_price_cny", s.lost_price_cny},
         {"fairness_jain", s.fairness_jain},
         {"west",
          {{"device_hours_share", s.west_device_hours_share},
           {"energy_share", s.west_energy_share},
           {"cost_share", s.west_cost_share},
           {"east_data_jobs_to_west_share", s.east_data_jobs_to_west_share}}},
         {"makespan_h", s.makespan_h},
         {"last_arrival_h", s.last_arrival_h},
         {"events", s.events}});
  }
  Json series = Json::object();
  for (const SimResult& s : r.results) {
    Json t = Json::array(), busy = Json::array(), running = Json::array(), pending = Json::array();
    Json hubs = Json::object(), center_series = Json::object();
    for (size_t h = 0; h < s.hub_ids.size(); ++h) hubs[s.hub_ids[h]] = Json::array();
    for (size_t c = 0; c < s.center_ids.size(); ++c) center_series[s.center_ids[c]] = Json::array();
    for (const Sample& x : s.samples) {
      t.push_back(x.t_h);
      busy.push_back(x.busy_share);
      running.push_back(x.running);
      pending.push_back(x.pending);
      for (size_t h = 0; h < s.hub_ids.size(); ++h) hubs[s.hub_ids[h]].push_back(x.hub_utilisation[h]);
      // Four decimals: a long run has centers x samples of these.
      for (size_t c = 0; c < s.center_ids.size(); ++c) {
        center_series[s.center_ids[c]].push_back(std::round(x.center_utilisation[c] * 1e4) / 1e4);
      }
    }
    Json centers = Json::object();
    for (size_t c = 0; c < s.center_ids.size(); ++c) centers[s.center_ids[c]] = s.center_utilisation[c];
    series[s.policy] = {{"t_h", std::move(t)},
                        {"busy_share", std::move(busy)},
                        {"running", std::move(running)},
                        {"pending", std::move(pending)},
                        {"hub_utilisation", std::move(hubs)},
                        {"center_utilisation", std::move(center_series)},
                        {"center_mean_utilisation", std::move(centers)}};
  }
  Json failures = Json::array();
  for (const Failure& f : r.options.failures) {
    failures.push_back(
        {{"center", f.center},
         {"at_h", f.at_s / 3600},
         {"duration_h", std::isfinite(f.duration_s) ? Json(f.duration_s / 3600) : Json(nullptr)}});
  }
  Json report{{"trace",
               {{"path", r.trace_path},
                {"format", r.trace_format},
                {"rows", r.trace.rows},
                {"jobs", r.trace.jobs},
                {"skipped", r.trace.skipped},
                {"malformed", r.trace.malformed},
                {"problems", r.trace.problems}}},
              {"scenario",
               {{"objective", placement::Name(r.options.objective.kind)},
                {"seed", r.options.seed},
                {"time_scale", r.options.time_scale},
                {"load_scale", r.options.load_scale},
                {"start_epoch_s", r.options.start_epoch_s},
                {"failures", std::move(failures)},
                {"random_mtbf_h", r.options.random_mtbf_h},
                {"random_mttr_h", r.options.random_mttr_h},
                {"what_if", r.what_if}}},
              {"bound",
               {{"tenant_cost_cny", r.bound.tenant_cost_cny},
                {"jobs", r.bound.jobs},
                {"unplaceable", r.bound.unplaceable},
                {"binding_pools", r.bound.binding_pools},
                {"horizon_h", r.bound.horizon_h},
                {"is_lp_optimum", r.bound.binding_pools == 0},
                {"method", "each job at its cheapest feasible pool; capacity over time relaxed"},
                {"time_indexed", TimeIndexedJson(r.bound)}}},
              {"policies", std::move(policies)},
              {"series", std::move(series)}};
  if (!r.replicas.empty()) report["seeds"] = SeedsJson(r);
  return report;
}

std::string PoliciesCsv(const RunReport& r) {
  std::string out =
      "policy,jobs,completed,unplaceable,pending_at_end,tenant_cost_cny,cost_ratio_to_bound,energy_kwh,"
      "energy_cny,"
      "carbon_t,queue_delay_mean_h,queue_delay_p99_h,jct_mean_h,jct_p50_h,jct_p95_h,jct_p99_h,deadline_"
      "misses,"
      "slo_misses,moved_by_failures,fairness_jain,west_device_hours_share,west_energy_share,west_cost_"
      "share\n";
  for (const SimResult& s : r.results) {
    out += fmt::format(
        "{},{},{},{},{},{:.2f},{:.4f},{:.1f},{:.2f},{:.3f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{},{},{}"
        ",{:.4f},{:.4f},{:.4f},{:.4f}\n",
        s.policy, s.jobs, s.completed, s.unplaceable, s.pending_at_end, s.tenant_cost_cny,
        Ratio(s.tenant_cost_cny, r.bound.tenant_cost_cny), s.energy_kwh, s.energy_cny, s.carbon_t,
        s.queue_delay_h.mean, s.queue_delay_h.p99, s.jct_h.mean, s.jct_h.p50, s.jct_h.p95, s.jct_h.p99,
        s.deadline_misses, s.slo_misses, s.moved_by_failures, s.fairness_jain, s.west_device_hours_share,
        s.west_energy_share, s.west_cost_share);
  }
  return out;
}

std::string UtilisationCsv(const RunReport& r) {
  std::string out = "policy,t_h,busy_share,running,pending";
  if (!r.results.empty()) {
    for (const std::string& h : r.results.front().hub_ids) out += ",hub_" + h;
    for (const std::string& c : r.results.front().center_ids) out += ",center_" + c;
  }
  out += "\n";
  for (const SimResult& s : r.results) {
    for (const Sample& x : s.samples) {
      out += fmt::format("{},{:.3f},{:.6f},{},{}", s.policy, x.t_h, x.busy_share, x.running, x.pending);
      for (double u : x.hub_utilisation) out += fmt::format(",{:.6f}", u);
      for (float u : x.center_utilisation) out += fmt::format(",{:.4f}", u);
      out += "\n";
    }
  }
  return out;
}

std::string Html(const RunReport& r, const std::string& echarts_js) {
  std::string rows;
  for (const SimResult& s : r.results) {
    rows += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{:.0f}</td><td>{:.4f}</td><td>{:.0f}</td><td>{:.1f}</td><td>{:.3f}</"
        "td>"
        "<td>{:.3f}</td><td>{:.3f}</td><td>{}</td><td>{:.3f}</td><td>{:.1f}%</td></tr>\n",
        Escape(s.policy), s.completed, s.tenant_cost_cny, Ratio(s.tenant_cost_cny, r.bound.tenant_cost_cny),
        s.energy_kwh, s.carbon_t, s.queue_delay_h.mean, s.jct_h.p50, s.jct_h.p99, s.deadline_misses,
        s.fairness_jain, 100 * s.west_device_hours_share);
  }
  std::string seeds;
  if (!r.replicas.empty()) {
    std::string list;
    for (const SeedRun& run : SeedRuns(r)) list += (list.empty() ? "" : ", ") + std::to_string(run.seed);
    seeds = fmt::format(
        "<h2>Across seeds {}</h2>\n<table><tr><th>policy</th><th>cost / bound: mean</th><th>min</th>"
        "<th>max</th><th>cheapest in</th></tr>\n",
        list);
    for (const SeedStats& st : SummariseSeeds(r)) {
      seeds += fmt::format(
          "<tr><td>{}</td><td>{:.4f}</td><td>{:.4f}</td><td>{:.4f}</td><td>{} of {}</td></tr>\n",
          Escape(st.policy), st.ratio_mean, st.ratio_min, st.ratio_max, st.cheapest_in, st.ratio.size());
    }
    seeds += "</table>\n";
  }
  std::string data = ToJson(r).dump(-1, ' ', false, Json::error_handler_t::replace);
  // A JSON string inside a <script> element must not close it.
  for (size_t at = data.find("</"); at != std::string::npos; at = data.find("</", at + 2))
    data.replace(at, 2, "<\\/");
  return fmt::format(R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zhisuan simulation report</title>
<style>body{{font-family:sans-serif;margin:24px;color:#222}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}} td:first-child,th:first-child{{text-align:left}}
.chart{{width:960px;height:360px;margin:16px 0}}</style>
<script>{}</script></head><body>
<h1>zhisuan simulation report</h1>
<p>Trace <code>{}</code> ({}): {} rows, {} jobs, {} skipped, {} malformed. Objective {}, seed {}, time scale {}, load scale {}.</p>
<p>Offline bound on tenant cost: <b>{:.0f} CNY</b> ({}).</p>
<table><tr><th>policy</th><th>completed</th><th>tenant cost CNY</th><th>ratio to bound</th><th>energy kWh</th>
<th>carbon t</th><th>mean queue h</th><th>JCT p50 h</th><th>JCT p99 h</th><th>deadline misses</th><th>Jain</th>
<th>west share</th></tr>
{}</table>
{}<div id="ratio" class="chart"></div><div id="busy" class="chart"></div><div id="west" class="chart"></div>
<p>Utilisation of <select id="policy"></select>: <span id="span"></span></p>
<div id="hubs" class="chart"></div><div id="centers" class="chart" style="height:560px"></div>
<script id="data" type="application/json">{}</script>
<script>
const report = JSON.parse(document.getElementById('data').textContent);
const names = report.policies.map(p => p.policy);
// A report is a document: no animation, so printing or a screenshot shows the final charts.
const base = {{animation:false, grid:{{top:48, bottom:64}}, legend:{{bottom:0}}}};
echarts.init(document.getElementById('ratio')).setOption({{...base, title:{{text:'Tenant cost / offline bound'}},
  tooltip:{{}}, xAxis:{{type:'category',data:names}}, yAxis:{{type:'value',min:0}},
  series:[{{type:'bar',data:report.policies.map(p => p.cost_ratio_to_bound),
    label:{{show:true,position:'top',formatter:v => v.value.toFixed(4)}}}}]}});
echarts.init(document.getElementById('busy')).setOption({{...base, title:{{text:'Busy share of all devices over time'}},
  tooltip:{{trigger:'axis'}}, xAxis:{{type:'value',name:'hours',max:'dataMax'}}, yAxis:{{type:'value'}},
  series:names.map(n => ({{name:n,type:'line',showSymbol:false,
    data:report.series[n].t_h.map((t,i) => [t, report.series[n].busy_share[i]])}}))}});
echarts.init(document.getElementById('west')).setOption({{...base, title:{{text:'East to west: shares in western hubs'}},
  tooltip:{{}}, xAxis:{{type:'category',data:names}}, yAxis:{{type:'value',max:1}},
  series:['device_hours_share','energy_share','cost_share','east_data_jobs_to_west_share'].map(k => ({{name:k,
    type:'bar',data:report.policies.map(p => p.west[k])}}))}});
// Per hub (lines) and per center (heat map over time) for the policy chosen.
const hubs = echarts.init(document.getElementById('hubs')), centers = echarts.init(document.getElementById('centers'));
const choice = document.getElementById('policy');
for (const n of names) choice.add(new Option(n, n));
function showUtilisation(n) {{
  const s = report.series[n];
  document.getElementById('span').textContent = s.t_h.length + ' samples over ' +
    (s.t_h.length ? s.t_h[s.t_h.length - 1].toFixed(1) : 0) + ' h';
  hubs.setOption({{...base, title:{{text:'Busy share per hub: ' + n}}, tooltip:{{trigger:'axis'}},
    xAxis:{{type:'value',name:'hours',max:'dataMax'}}, yAxis:{{type:'value',max:1}},
    series:Object.keys(s.hub_utilisation).map(h => ({{name:h,type:'line',showSymbol:false,
      data:s.t_h.map((t,i) => [t, s.hub_utilisation[h][i]])}}))}}, true);
  const ids = Object.keys(s.center_utilisation), cells = [];
  ids.forEach((c, y) => s.center_utilisation[c].forEach((u, x) => cells.push([x, y, u])));
  centers.setOption({{animation:false, title:{{text:'Busy share per center over time: ' + n}}, tooltip:{{}},
    grid:{{top:40, bottom:90, left:200}}, xAxis:{{type:'category',name:'hours',data:s.t_h.map(t => t.toFixed(1))}},
    yAxis:{{type:'category',data:ids}}, visualMap:{{min:0,max:1,calculable:true,orient:'horizontal',left:'center',bottom:0,
      inRange:{{color:['#f7f7f7','#fdae61','#d7191c']}}}},
    series:[{{type:'heatmap',data:cells,progressive:0}}]}}, true);
}}
choice.onchange = () => showUtilisation(choice.value);
if (names.length) showUtilisation(names[0]);
</script></body></html>
)html",
                     echarts_js, Escape(r.trace_path), Escape(r.trace_format), r.trace.rows, r.trace.jobs,
                     r.trace.skipped, r.trace.malformed, placement::Name(r.options.objective.kind),
                     r.options.seed, r.options.time_scale, r.options.load_scale, r.bound.tenant_cost_cny,
                     r.bound.binding_pools == 0 ? "capacity does not bind: the LP optimum"
                                                : "capacity binds in places: a weaker bound",
                     rows, seeds, data);
}

Status WriteReport(const RunReport& r, const std::filesystem::path& dir,
                   const std::filesystem::path& echarts_path) {
  std::ifstream in(echarts_path, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kIo,
                fmt::format("{}: ECharts not found (scripts/setup.sh installs it with npm into web/)",
                            echarts_path.string()));
  }
  std::ostringstream echarts;
  echarts << in.rdbuf();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Fail(ErrorCode::kIo,
                fmt::format("{}: cannot create report directory: {}", dir.string(), ec.message()));
  for (const auto& [name, content] :
       {std::pair<const char*, std::string>{
            "report.json", ToJson(r).dump(2, ' ', false, Json::error_handler_t::replace) + "\n"},
        {"policies.csv", PoliciesCsv(r)},
        {"utilisation.csv", UtilisationCsv(r)},
        {"report.html", Html(r, echarts.str())}}) {
    if (Status s = WriteFile(dir / name, content); !s) return s;
  }
  return {};
}

}  // namespace zhisuan::sim
