// The HTML report of an index run: everything inlined (ECharts, the province map, the data), no network.
#include <fmt/format.h>

#include "index/run.h"

namespace zhisuan::index {
namespace {

// JSON inside <script>: "</" would end the element.
std::string ScriptSafe(std::string s) {
  for (size_t at = s.find("</"); at != std::string::npos; at = s.find("</", at + 3)) s.replace(at, 2, "<\\/");
  return s;
}

constexpr const char* kPage = R"html(<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:24px;color:#222}}
h1{{font-size:22px}} h2{{font-size:17px;margin-top:28px}}
table{{border-collapse:collapse;font-size:13px}} td,th{{border:1px solid #ccc;padding:3px 7px;text-align:right}}
th{{background:#f3f3f3}} td:nth-child(2),th:nth-child(2){{text-align:left}}
.charts{{display:flex;flex-wrap:wrap;gap:12px}} .chart{{width:620px;height:520px}}
.note{{color:#666;font-size:12px;max-width:1100px}}
</style></head><body>
<h1>{title}</h1>
<p class="note" id="meta"></p>
<div class="charts"><div class="chart" id="bars"></div><div class="chart" id="map"></div><div class="chart" id="radar"></div></div>
<h2>Ranking 排名</h2><table id="ranking"></table>
<h2>Why the first outranks the second 贡献分解</h2><p class="note" id="explain-note"></p><table id="explain"></table>
<h2>Weights 权重</h2><table id="weights"></table>
<h2>Index and the economy 指数与经济</h2><ul id="regressions"></ul>
<h2>Province types 省份类型</h2><p class="note" id="typology-rule"></p><table id="typology"></table>
<script>{echarts}</script>
<script>
const R = {data};
const MAP = {map};
const fmt = (x, d = 2) => (x === null || x === undefined) ? '' : Number(x).toFixed(d);
const el = id => document.getElementById(id);
const row = (cells, tag = 'td') => '<tr>' + cells.map(c => `<${{tag}}>${{c}}</${{tag}}>`).join('') + '</tr>';
el('meta').textContent = `${{R.spec.name_zh}} / ${{R.spec.name_en}} — ${{R.year}}; ${{R.regions.length}} regions; ` +
  `source: ${{R.spec.source}}` + (R.imputed.length ? `; ${{R.imputed.length}} imputed values` : '') +
  (R.stability ? `; rank intervals from ${{R.stability.draws}} ${{R.stability.mode}} draws (seed ${{R.stability.seed}})` : '');
const byRank = R.regions.slice().sort((a, b) => a.rank - b.rank);
const first = R.indicators.filter(n => n.depth === 1);
echarts.init(el('bars')).setOption({{animation:false, title:{{text:'Composite index 综合指数'}},
  grid:{{left:80, right:30, top:40, bottom:20}}, tooltip:{{}},
  xAxis:{{type:'value'}}, yAxis:{{type:'category', inverse:true, data:byRank.map(r => r.region)}},
  series:[{{type:'bar', data:byRank.map(r => r.index), label:{{show:true, position:'right', formatter:p => fmt(p.value, 1)}}}}]}});
const names = MAP ? MAP.features.map(f => f.properties.name) : [];
const onMap = R.regions.filter(r => names.includes(r.region)).length;
if (MAP && onMap >= R.regions.length * 0.8) {{
  echarts.registerMap('china', MAP);
  const values = R.regions.map(r => r.index);
  echarts.init(el('map')).setOption({{animation:false, title:{{text:'By province 分省'}}, tooltip:{{}},
    visualMap:{{min:Math.min(...values), max:Math.max(...values), calculable:true, left:10, bottom:10}},
    series:[{{type:'map', map:'china', roam:false, data:R.regions.map(r => ({{name:r.region, value:r.index}}))}}]}});
}} else {{ el('map').style.display = 'none'; }}
const leaders = byRank.slice(0, 5);
echarts.init(el('radar')).setOption({{animation:false, title:{{text:'Sub-indices of the top five 分指数'}},
  legend:{{bottom:0, data:leaders.map(r => r.region)}}, tooltip:{{}},
  radar:{{indicator:first.map(n => ({{name:n.name_zh, max:100}}))}},
  series:[{{type:'radar', data:leaders.map(r => ({{name:r.region, value:first.map(n => r.sub_indices[n.id])}}))}}]}});
el('ranking').innerHTML = row(['#', 'Region', 'Index', 'Tier'].concat(first.map(n => n.name_zh),
  ['TOPSIS', 'Grey', 'Rank p5-p95', 'Change', 'Type']), 'th') + byRank.map(r => row([r.rank, r.region, fmt(r.index),
  r.tier || ''].concat(first.map(n => fmt(r.sub_indices[n.id], 1)), [fmt(r.topsis, 3) + ` (${{r.topsis_rank}})`,
  fmt(r.grey, 3) + ` (${{r.grey_rank}})`, r.rank_interval ? `${{r.rank_interval.p5}}-${{r.rank_interval.p95}}` : '',
  r.change ? `${{r.change.index >= 0 ? '+' : ''}}${{fmt(r.change.index)}} / ${{r.change.rank >= 0 ? '+' : ''}}${{r.change.rank}}` : '',
  r.type ? r.type.zh : '']))).join('');
if (R.explanation) {{
  const e = R.explanation;
  el('explain-note').textContent = `${{e.a}} − ${{e.b}} = ${{fmt(e.difference)}} points. ${{e.rule}}.`;
  el('explain').innerHTML = row(['Indicator', 'Name', 'Global weight', e.a, e.b, 'Contribution'], 'th') +
    e.indicators.map(c => row([c.indicator, c.name_zh, fmt(c.weight, 4), fmt(c.score_a, 1), fmt(c.score_b, 1),
    fmt(c.contribution)])).join('');
}}
el('weights').innerHTML = row(['Level', 'Indicator', 'Unit', 'Method', 'Local', 'Global', 'CR'], 'th') +
  R.indicators.map(n => row([n.depth, '&nbsp;'.repeat(3 * n.depth) + n.name_zh + ' ' + n.id, n.unit || '',
  n.weighting || n.standardise || '', fmt(n.local_weight, 4), fmt(n.global_weight, 4), n.ahp ? fmt(n.ahp.cr, 3) : ''])).join('');
el('regressions').innerHTML = R.regressions.map(r => `<li>${{r.covariate}}: ${{r.sentence}}</li>`).join('');
if (R.typology) {{
  el('typology-rule').textContent = R.typology.rule;
  el('typology').innerHTML = row(['Cluster', 'Type'].concat(first.map(n => n.name_zh), ['Regions']), 'th') +
    R.typology.clusters.map(c => row([c.cluster, c.zh + ' ' + c.id].concat(first.map(n => fmt(c.centroid[n.id], 1)),
    [c.regions.join('、')]))).join('');
}}
</script></body></html>
)html";

}  // namespace

std::string ToHtml(const IndexRun& run, const std::string& echarts_js, const std::string& china_geojson) {
  const std::string title = fmt::format("{} {}", run.spec.name_zh, run.latest().year);
  std::string escaped_title;
  for (char c : title) {
    if (c == '<')
      escaped_title += "&lt;";
    else if (c == '&')
      escaped_title += "&amp;";
    else
      escaped_title += c;
  }
  return fmt::format(kPage, fmt::arg("title", escaped_title), fmt::arg("echarts", echarts_js),
                     fmt::arg("data", ScriptSafe(ToJson(run).dump(-1, ' ', false,
                                                                  nlohmann::json::error_handler_t::replace))),
                     fmt::arg("map", china_geojson.empty() ? "null" : ScriptSafe(china_geojson)));
}

}  // namespace zhisuan::index
