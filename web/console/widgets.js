// zhisuan console: parts drawn on more than one page (tables of centers and jobs, a quote with its map and cost bars,
// history charts, fact lists, CSV links).

import { fmt, usageCsv } from './lib.js';
import { state, L, nameOf, el, stateBadge, disposeCharts, chart, table, domesticShare, notInService } from './core.js';

// Tooltip text goes through ECharts' HTML renderer: escape it.
export function escapeText(s) {
  return String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch]));
}

export function centersTable(centers, id) {
  return table([
    { key: 'name', label: L('Center'), render: (c) => nameOf(c), sort: (c) => nameOf(c) },
    { key: 'province', label: L('Province'), render: (c) => c.region ? nameOf(c.region) : c.province },
    { key: 'hub', label: L('Hub'), render: (c) => c.hub || '–' },
    { key: 'kind', label: L('Kind') },
    { key: 'accelerators', label: L('Accelerators'), render: (c) => c.accelerators.join(', '), sort: (c) => c.accelerators.join() },
    { key: 'devices', label: L('Devices'), num: true, render: (c) => fmt.n(c.devices) },
    { key: 'free', label: L('Free'), num: true, render: (c) => fmt.n(c.free) },
    { key: 'queued', label: L('Queued'), num: true, render: (c) => fmt.n(c.queued) },
    { key: 'utilisation', label: L('Busy'), num: true, render: (c) => fmt.pct(c.utilisation) },
    { key: 'domestic', label: L('Domestic'), num: true, render: (c) => fmt.pct(domesticShare(c)), sort: (c) => domesticShare(c) ?? -1 },
    { key: 'pue', label: L('PUE'), num: true },
    { key: 'state', label: L('State'), render: (c) => stateBadge(notInService(c) ? c.status.value : c.state) },
  ], centers, { onclick: (c) => { location.hash = '#/centers/' + c.id; }, id });
}

// Busy and queued devices over time from the loop's samples, with the center's (or network's) devices.
export function historyChart(node, h) {
  if (!node.isConnected) return;
  const c = chart(node);
  c.setOption({
    tooltip: { trigger: 'axis' },
    legend: {},
    grid: { left: 70, right: 20 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', name: 'devices', max: (v) => Math.max(v.max, h.devices) },
    series: [
      { name: 'Busy', type: 'line', showSymbol: false, areaStyle: {}, data: h.t.map((t, i) => [t * 1000, h.busy[i]]) },
      { name: 'Queued for', type: 'line', showSymbol: false, data: h.t.map((t, i) => [t * 1000, h.queued[i]]) },
      { name: 'Devices', type: 'line', showSymbol: false, lineStyle: { type: 'dashed' }, data: h.t.length ? [[h.t[0] * 1000, h.devices], [h.t[h.t.length - 1] * 1000, h.devices]] : [] },
    ],
  });
}

export function factList(pairs, id) {
  return el('dl', { class: 'facts', id }, pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

export function jobsTable(jobs) {
  return table([
    { key: 'id', label: L('Id'), num: true },
    { key: 'tenant', label: L('Tenant') },
    { key: 'state', label: L('State'), render: (j) => stateBadge(j.state) },
    { key: 'center', label: L('Center'), render: (j) => j.center || '–' },
    { key: 'backend', label: L('Backend'), render: (j) => j.backend || '–' },
    { key: 'devices', label: L('Devices'), num: true, render: (j) => j.devices || '–' },
    { key: 'submitted_at', label: L('Age'), render: (j) => fmt.ago(j.submitted_at) },
    { key: 'waiting', label: L('Waiting'), render: (j) => j.waiting ? j.waiting.code + (j.waiting.position ? ` #${j.waiting.position}` : '') : '', sort: (j) => j.waiting ? j.waiting.code : '' },
    // The bill of an ended job; a running job's cost so far (at its placement's rates), marked "so far".
    { key: 'bill', label: L('Cost'), num: true, sort: costFen,
      render: (j) => j.accounting ? fmt.fen(j.accounting.bill_fen) : j.so_far ? el('span', { class: 'so-far', title: L('so far') }, `${fmt.cny(j.so_far.bill_cny)} …`) : '–' },
  ], jobs, { onclick: (j) => { location.hash = '#/jobs/' + j.id; }, id: 'jobs-table' });
}

// What a job has cost, in fen: its bill, or while it runs its cost so far; null for one that has not run.
export function costFen(j) {
  if (j.accounting) return j.accounting.bill_fen;
  return j.so_far ? Math.round(j.so_far.bill_cny * 100) : null;
}

export function needToken() {
  return el('div', { class: 'panel' }, el('p', {}, 'Sign in with an API token (top right) to see jobs. An operator creates one: '), el('pre', {}, 'zhisuan token create --tenant NAME'));
}

// Stacked bars of what each candidate costs: compute price, transfer fee, energy (the center's cost), carbon.
export function breakdownChart(node, candidates) {
  const c = chart(node);
  const names = candidates.map((x) => x.name || x.center);
  const part = (key) => candidates.map((x) => Number((x[key] || 0).toFixed(2)));
  c.setOption({
    tooltip: { trigger: 'axis' },
    legend: {},
    grid: { left: 140, right: 20 },
    xAxis: { type: 'value', name: 'CNY' },
    yAxis: { type: 'category', data: names, inverse: true },
    series: [
      { name: 'Compute price', type: 'bar', stack: 'tenant', data: part('price_cny') },
      { name: 'Transfer fee', type: 'bar', stack: 'tenant', data: part('transfer_fee_cny') },
      { name: 'Energy (center cost)', type: 'bar', data: part('energy_cny') },
      { name: 'Carbon kg', type: 'bar', data: part('carbon_kg') },
    ],
  });
}

export function drawQuote(box, q) {
  if (!box.isConnected) return;  // the tenant left the page while the quote was on its way
  disposeCharts(box);
  const parts = [el('h2', {}, `Quote (${q.objective}, on the ${q.network_state} network)`)];
  if (!q.chosen) parts.push(el('div', { class: 'error', id: 'no-center' }, 'No center can run this job now. ' + (q.why || '')));
  else parts.push(el('p', { id: 'chosen' }, el('strong', {}, `${q.chosen.center_name || q.chosen.center}: ${fmt.cny(q.chosen.price_cny + q.chosen.transfer_fee_cny)}`), ' — ', q.why));
  if (q.candidates.length) {
    parts.push(table([
      { key: 'center', label: L('Center') },
      { key: 'accelerator', label: L('Accelerator') },
      { key: 'start_h', label: L('Start in (h)'), num: true, render: (c) => fmt.n(c.start_h, 2) },
      { key: 'run_h', label: L('Run (h)'), num: true, render: (c) => fmt.n(c.run_h, 2) },
      { key: 'price_cny', label: L('Compute'), num: true, render: (c) => fmt.cny(c.price_cny) },
      { key: 'transfer_fee_cny', label: L('Transfer'), num: true, render: (c) => fmt.cny(c.transfer_fee_cny) },
      { key: 'carbon_kg', label: L('kg CO2'), num: true, render: (c) => fmt.n(c.carbon_kg, 1) },
    ], q.candidates, { id: 'candidates' }));
    const node = el('div', { class: 'chart small', id: 'breakdown' });
    parts.push(node);
    setTimeout(() => breakdownChart(node, q.candidates.map((c) => ({ name: c.center, ...c }))), 0);
  }
  if (state.registry) {
    const node = el('div', { class: 'chart small', id: 'quote-map' });
    parts.push(node);
    setTimeout(() => quoteMap(node, q), 0);
  }
  if (q.rejected.length) {
    parts.push(el('details', { id: 'rejected' }, el('summary', {}, `${q.rejected.length} centers rejected`),
      table([{ key: 'center', label: L('Center') }, { key: 'code', label: L('Code') }, { key: 'reason', label: L('Reason') }], q.rejected)));
  }
  box.replaceChildren(...parts);
}

// The candidates (blue, the chosen one largest) and the rejected centers (grey, with their reason) on a small map.
function quoteMap(node, q) {
  if (!node.isConnected) return;
  const reg = state.registry;
  const at = (id, i) => {
    const c = reg.center[id];
    const r = c && reg.region[c.province];
    if (!r) return null;
    const jitter = ((i * 7919) % 13 - 6) * 0.12;
    return [r.lon + jitter, r.lat + jitter * 0.6];
  };
  const point = (id, i, tip) => { const v = at(id, i); return v ? { name: id, value: v, tip } : null; };
  const candidates = q.candidates.map((c, i) => point(c.center, i, `${i + 1}. ${c.center}: ${fmt.cny(c.price_cny + c.transfer_fee_cny)}`)).filter(Boolean);
  const rejected = q.rejected.map((r, i) => point(r.center, i + 50, `${r.center}: ${r.code} — ${r.reason}`)).filter(Boolean);
  const c = chart(node);
  c.setOption({
    tooltip: { trigger: 'item', formatter: (p) => escapeText(p.data && p.data.tip ? p.data.tip : p.name) },
    geo: { map: 'china', roam: true, zoom: 1.15, itemStyle: { areaColor: state.dark ? '#1f2630' : '#eef2f7', borderColor: '#9aa8b8' } },
    series: [
      { name: 'rejected', type: 'scatter', coordinateSystem: 'geo', data: rejected, symbolSize: 6, itemStyle: { color: '#9aa8b8' } },
      { name: 'candidates', type: 'scatter', coordinateSystem: 'geo', data: candidates, zlevel: 2,
        symbolSize: (v, p) => p.dataIndex === 0 ? 18 : 10, itemStyle: { color: '#1f6feb' } },
    ],
  });
}

// A download of `rows` as CSV (the usage table's columns, money in yuan).
export function csvLink(rows, key, filename) {
  const url = URL.createObjectURL(new Blob([usageCsv(rows, key)], { type: 'text/csv' }));
  return el('a', { href: url, download: filename, id: 'usage-csv' }, L('Download CSV'));
}
