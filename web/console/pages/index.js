// zhisuan console: the compute development index (算力发展指数): ranking, map, radar, comparison, regressions.

import { fmt } from '../lib.js';
import { state, L, el, api, errorBox, show, chart, table, registry } from '../core.js';
import { escapeText } from '../widgets.js';

export async function indexView() {
  const data = el('textarea', { id: 'index-data', spellcheck: 'false', 'aria-label': 'indicator data (CSV)' });
  const run = el('button', { id: 'index-run', class: 'primary' }, 'Compute');
  const holder = el('div', { id: 'index-result' });
  show(el('h1', {}, L('Compute development index')),
    el('p', { class: 'note' }, 'The CAICT compute development index 3.0 (seed 004) over provincial indicator data. The shipped ',
      el('code', {}, 'sample-2023.csv'), ' is ILLUSTRATIVE except the cells its provenance file marks quoted from the seeds; paste your own data (same columns) to rank it.'),
    el('details', {}, el('summary', {}, 'Indicator data (CSV)'), data, el('p', {}, run)), holder);
  try { data.value = await api('/api/v1/index/sample'); } catch (e) { holder.replaceChildren(errorBox(e)); return; }
  const compute = async () => {
    holder.replaceChildren(el('p', { class: 'note' }, 'computing…'));
    try {
      const r = await api('/api/v1/index/compute', { method: 'POST', body: JSON.stringify({ data_csv: data.value, draws: 200 }) });
      await registry();
      const mapNode = el('div', { class: 'chart', id: 'index-map' });
      if (!holder.isConnected) return;  // this view was replaced while it loaded
      for (const ch of state.charts) ch.dispose();
      state.charts = [];
      const firsts = Object.keys(r.regions[0].sub_indices);
      holder.replaceChildren(
        el('p', {}, `${r.spec.name_zh} (${r.spec.name_en}), ${r.year}; ${r.regions.length} regions. Rank intervals: 5th-95th percentile over 200 draws of the weights.`),
        el('div', { class: 'row' }, el('div', { class: 'panel' }, mapNode),
          el('div', { class: 'panel' }, table([
            { key: 'rank', label: L('Rank'), num: true },
            { key: 'region', label: L('Region') },
            { key: 'index', label: L('Index'), num: true, render: (x) => fmt.n(x.index, 2) },
            { key: 'tier', label: L('Tier'), render: (x) => x.tier || '–' },
            { key: 'interval', label: L('Rank 5-95%'), render: (x) => x.rank_interval ? `${x.rank_interval.p5}-${x.rank_interval.p95}` : '–', sort: (x) => x.rank },
            { key: 'type', label: L('Type'), render: (x) => x.type ? (state.lang === 'zh' ? x.type.zh : x.type.id) : '–', sort: (x) => x.type && x.type.id },
            ...firsts.map((f) => ({ key: f, label: f, num: true, render: (x) => fmt.n(x.sub_indices[f], 1), sort: (x) => x.sub_indices[f] })),
          ], r.regions, { id: 'index-table', sortKey: 'rank' }))));
      const c = chart(mapNode);
      const max = Math.max(...r.regions.map((x) => x.index));
      c.setOption({
        tooltip: { trigger: 'item', formatter: (p) => `${escapeText(p.name)}: ${p.value === undefined || Number.isNaN(p.value) ? '–' : fmt.n(p.value, 2)}` },
        visualMap: { min: 0, max, calculable: true, left: 10, bottom: 10, inRange: { color: ['#fdf1e0', '#f0a04b', '#a04000'] }, text: ['index', ''] },
        series: [{ type: 'map', map: 'china', roam: true, zoom: 1.15, data: r.regions.map((x) => ({ name: x.region, value: x.index })) }],
      });
      holder.append(indexCompare(r, data.value), indexRegressions(r));
    } catch (e) { holder.replaceChildren(errorBox(e)); }
  };
  run.addEventListener('click', compute);
  await compute();
}

// A node of the indicator system by its id, in the chosen language.
function nodeName(r, id) {
  const n = (r.indicators || []).find((x) => x.id === id);
  return n ? (state.lang === 'zh' ? n.name_zh : n.name_en) || id : id;
}

// Charts that one part of a view redraws by itself: disposed and forgotten before it draws again.
function dropCharts(charts) {
  for (const c of charts.splice(0)) {
    c.dispose();
    state.charts = state.charts.filter((x) => x !== c);
  }
}

// Two regions side by side: their first-level sub-indices on a radar, and the A-vs-B decomposition (global weight
// x score difference per indicator, which sums to the difference of their indices), by first-level sub-index and
// for the indicators that weigh most. The server computes it (POST /api/v1/index/compute with explain: [A, B]);
// the first pair is ranks 1 and 2, as the server explains without being asked.
function indexCompare(first, dataText) {
  const byRank = [...first.regions].sort((a, b) => a.rank - b.rank);
  const pick = (id, label, value) => el('label', {}, label + ' ', el('select', { id, 'aria-label': label },
    ...byRank.map((x) => el('option', { value: x.region, selected: x.region === value }, `${x.rank}. ${x.region}`))));
  const ex = first.explanation || {};
  const a = pick('index-a', 'A', ex.a || byRank[0].region), b = pick('index-b', 'B', ex.b || byRank[Math.min(1, byRank.length - 1)].region);
  const body = el('div', { id: 'index-compare' });
  const charts = [];
  const draw = (r) => {
    dropCharts(charts);
    const e = r.explanation;
    if (!e) { body.replaceChildren(el('p', { class: 'note' }, 'Two regions are needed to compare.')); return; }
    const ra = r.regions.find((x) => x.region === e.a), rb = r.regions.find((x) => x.region === e.b);
    const firsts = Object.keys(e.by_first_level), names = firsts.map((f) => nodeName(r, f));
    const radarNode = el('div', { class: 'chart', id: 'index-radar' }), partsNode = el('div', { class: 'chart', id: 'index-parts' });
    const top = [...e.indicators].sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution)).slice(0, 10);
    body.replaceChildren(
      el('p', { id: 'index-difference' }, `${e.a} ${fmt.n(ra.index, 2)} − ${e.b} ${fmt.n(rb.index, 2)} = ${fmt.n(e.difference, 2)}. ${e.rule}.`),
      el('div', { class: 'row' }, el('div', { class: 'panel' }, el('h3', {}, L('Sub-indices')), radarNode),
        el('div', { class: 'panel' }, el('h3', {}, L('What makes the difference')), partsNode)),
      table([
        { key: 'indicator', label: L('Indicator'), render: (x) => nodeName(r, x.indicator) },
        { key: 'weight', label: L('Weight'), num: true, render: (x) => fmt.n(x.weight, 4) },
        { key: 'score_a', label: e.a, num: true, render: (x) => fmt.n(x.score_a, 1) },
        { key: 'score_b', label: e.b, num: true, render: (x) => fmt.n(x.score_b, 1) },
        { key: 'contribution', label: L('Contribution'), num: true, render: (x) => fmt.n(x.contribution, 2) },
      ], top, { id: 'index-indicators' }));
    const radar = chart(radarNode);
    charts.push(radar);
    radar.setOption({
      tooltip: { trigger: 'item', formatter: (p) => escapeText(p.name) + '<br>' + names.map((n, k) => `${escapeText(n)}: ${fmt.n(p.value[k], 1)}`).join('<br>') },
      legend: { data: [e.a, e.b], bottom: 0 },
      radar: { indicator: names.map((name) => ({ name, max: 100 })), radius: '62%' },
      series: [{ type: 'radar', data: [ra, rb].map((x) => ({ name: x.region, value: firsts.map((f) => x.sub_indices[f]) })) }],
    });
    const parts = chart(partsNode);
    charts.push(parts);
    parts.setOption({
      grid: { left: 150, right: 30, top: 10, bottom: 30 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: (ps) => `${escapeText(ps[0].name)}: ${fmt.n(ps[0].value, 2)}` },
      xAxis: { type: 'value', name: `${e.a} − ${e.b}` },
      yAxis: { type: 'category', data: names, inverse: true },
      series: [{ type: 'bar', data: firsts.map((f) => ({ value: e.by_first_level[f], itemStyle: { color: e.by_first_level[f] >= 0 ? '#c0504d' : '#4f81bd' } })) }],
    });
  };
  const again = async () => {
    body.replaceChildren(el('p', { class: 'note' }, 'computing…'));
    try {
      const r = await api('/api/v1/index/compute', { method: 'POST', body: JSON.stringify({ data_csv: dataText, draws: 0, explain: [a.lastChild.value, b.lastChild.value] }) });
      if (body.isConnected) draw(r);
    } catch (err) { body.replaceChildren(errorBox(err)); }
  };
  a.lastChild.addEventListener('change', again);
  b.lastChild.addEventListener('change', again);
  const section = el('section', {}, el('h2', {}, L('Compare two regions')), el('p', {}, a, ' ', b), body);
  requestAnimationFrame(() => { if (section.isConnected) draw(first); });  // a chart needs its size
  return section;
}

// The index against each covariate of the data (GDP, the digital economy): the regions as points and the least-
// squares line the server fitted, with its sentence.
function indexRegressions(r) {
  if (!r.regressions || r.regressions.length === 0) return el('span');
  const panels = r.regressions.map((g) => {
    const node = el('div', { class: 'chart', id: `index-regression-${g.covariate}` });
    const published = g.published ? el('p', { class: 'note' }, `${L('Published')}: ${fmt.n(g.published.slope, 0)} ${g.unit} (${g.published.source})`) : el('span');
    return { g, node, panel: el('div', { class: 'panel' }, el('h3', {}, (state.lang === 'zh' ? g.name_zh : g.name_en) || g.covariate), node, el('p', { class: 'note' }, g.sentence), published) };
  });
  // The distributed-lag fits over years (or why there are none: the shipped sample has one year).
  const lagged = r.lagged_regressions || { fits: [] };
  const lagLines = lagged.fits.map((f) => el('p', { class: 'note' }, f.sentence, f.published ? ` — ${L('Published')}: ${fmt.n(f.published.slope, 0)} ${f.unit} (${f.published.source})` : ''));
  if (lagged.note) lagLines.push(el('p', { class: 'note', id: 'index-lagged-note' }, `${L('Over years')}: ${lagged.note}`));
  const section = el('section', { id: 'index-regressions' }, el('h2', {}, L('The index and the economy')), el('div', { class: 'row' }, ...panels.map((p) => p.panel)), ...lagLines);
  // Drawn once the section is on the page (a chart needs its size).
  requestAnimationFrame(() => {
    if (!section.isConnected) return;
    for (const { g, node } of panels) {
      const points = r.regions.filter((x) => x.covariates && x.covariates[g.covariate] !== null && x.covariates[g.covariate] !== undefined)
        .map((x) => ({ name: x.region, value: [x.index, x.covariates[g.covariate]] }));
      const xs = points.map((p) => p.value[0]);
      const lo = Math.min(...xs), hi = Math.max(...xs);
      const c = chart(node);
      c.setOption({
        grid: { left: 70, right: 20, top: 20, bottom: 40 },
        tooltip: { trigger: 'item', formatter: (p) => p.seriesIndex === 0 ? `${escapeText(p.name)}: ${fmt.n(p.value[0], 2)}, ${fmt.n(p.value[1], 0)} ${escapeText(g.unit)}` : '' },
        xAxis: { type: 'value', name: L('Index'), scale: true },
        yAxis: { type: 'value', name: g.unit, scale: true },
        series: [
          { type: 'scatter', data: points, symbolSize: 8 },
          { type: 'line', data: [[lo, g.intercept + g.slope * lo], [hi, g.intercept + g.slope * hi]], showSymbol: false, lineStyle: { type: 'dashed' } },
        ],
      });
    }
  });
  return section;
}
