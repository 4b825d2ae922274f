// zhisuan console: what-if simulations run by the server, or a saved report.json.

import { fmt, simulationBody, checkSimReport } from '../lib.js';
import { state, L, el, api, errorBox, show, chart, table } from '../core.js';
import { needToken } from '../widgets.js';

// ---- simulations: a what-if on a shipped or uploaded trace, run by the server; or a saved report.json ----

const POLICIES = ['lowest-cost', 'nearest-data', 'least-loaded', 'first-fit', 'random'];

export async function simulationsView() {
  const holder = el('div', { id: 'sim-report' });
  const open = el('input', { type: 'file', id: 'sim-open', accept: '.json,application/json' });
  open.addEventListener('change', async () => {
    const f = open.files && open.files[0];
    if (!f) return;
    try { renderSimReport(holder, JSON.parse(await f.text()), f.name); } catch (e) { holder.replaceChildren(errorBox(new Error(`${f.name}: not a report.json (${e.message})`))); }
  });
  const openPart = el('p', {}, L('Open a saved report.json') + ': ', open);
  if (!state.token) return show(el('h1', {}, L('Simulations')), openPart, needToken(), holder);
  const traces = await api('/api/v1/simulations/traces');
  const trace = el('select', { id: 'sim-trace' }, traces.map((t) => el('option', { value: t.name }, `${t.name} (${fmt.n(t.rows)} rows)`)), el('option', { value: '' }, L('Upload a trace…')));
  const upload = el('input', { type: 'file', id: 'sim-upload', accept: '.csv,.jsonl,text/csv' });
  const policies = POLICIES.map((p) => el('label', { class: 'check' }, el('input', { type: 'checkbox', value: p, checked: p === 'lowest-cost' || p === 'first-fit' }), ' ' + p));
  const seeds = el('input', { id: 'sim-seeds', value: '1', size: 6, 'aria-label': 'seeds' });
  const timeScale = el('input', { id: 'sim-time-scale', type: 'number', value: '1', min: '0.01', step: 'any', 'aria-label': 'time scale' });
  const loadScale = el('input', { id: 'sim-load-scale', type: 'number', value: '1', min: '0.01', max: '10', step: 'any', 'aria-label': 'load scale' });
  const failure = el('input', { id: 'sim-failure', placeholder: 'center@hours+duration', size: 28, 'aria-label': 'failure' });
  const run = el('button', { type: 'submit', id: 'sim-run' }, L('Run'));
  const bar = el('progress', { id: 'sim-progress', max: '1', value: '0', hidden: true });
  const status = el('span', { id: 'sim-status', class: 'note' });
  const error = el('div');
  const list = el('div', { id: 'sim-list' });
  const form = el('form', { id: 'sim-form', class: 'filters' },
    el('label', {}, L('Trace') + ' ', trace), upload, el('span', {}, L('Policies') + ': ', ...policies),
    el('label', {}, L('Seeds') + ' ', seeds), el('label', {}, L('Time scale') + ' ', timeScale),
    el('label', {}, L('Load scale') + ' ', loadScale), el('label', {}, L('Center down') + ' ', failure), run);
  show(el('h1', {}, L('Simulations')),
    el('p', { class: 'note' }, L('Replays a job trace through the network under each policy and compares their cost with the offline bounds (the same run as zhisuan sim).')),
    form, el('p', {}, bar, ' ', status), error, openPart, holder, el('h2', {}, L('Earlier runs')), list);
  const refreshList = async () => {
    try {
      const all = await api('/api/v1/simulations');
      list.replaceChildren(table([
        { key: 'id', label: L('Id'), num: true },
        { key: 'trace', label: L('Trace') },
        { key: 'policies', label: L('Policies'), render: (r) => r.policies.join(', ') },
        { key: 'state', label: L('State') },
        { key: 'progress', label: '%', num: true, render: (r) => fmt.pct(r.progress) },
      ], all.simulations, { id: 'sim-table', onclick: (r) => follow(r.id) }));
    } catch (e) { list.replaceChildren(errorBox(e)); }
  };
  // Polls a run until it ends, drawing its progress; then its report.
  const follow = async (id) => {
    bar.hidden = false;
    for (;;) {
      if (!holder.isConnected) return;
      let r;
      try { r = await api(`/api/v1/simulations/${id}`); } catch (e) { error.replaceChildren(errorBox(e)); return; }
      bar.value = r.progress;
      status.textContent = `#${r.id} ${r.state} ${fmt.pct(r.progress)}`;
      if (r.state === 'done') { renderSimReport(holder, r.report, `#${r.id} ${r.trace}`); refreshList(); return; }
      if (r.state === 'failed' || r.state === 'cancelled') { error.replaceChildren(errorBox(new Error(r.error || r.state))); refreshList(); return; }
      await new Promise((res) => setTimeout(res, 400));
    }
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.replaceChildren();
    try {
      const f = !trace.value && upload.files && upload.files[0];
      const body = simulationBody({
        trace: trace.value, upload: f ? await f.text() : null,
        policies: policies.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
        seeds: seeds.value, timeScale: timeScale.value, loadScale: loadScale.value, failure: failure.value,
      });
      const r = await api('/api/v1/simulations', { method: 'POST', body: JSON.stringify(body) });
      refreshList();
      await follow(r.id);
    } catch (e) { error.replaceChildren(errorBox(e)); }
  });
  await refreshList();
}

// A simulation report (the JSON of zhisuan sim --json): each policy's cost against the bounds, energy, carbon,
// queueing and fairness, and the cost ratios drawn.
function renderSimReport(holder, rep, label) {
  checkSimReport(rep);
  for (const ch of state.charts) ch.dispose();
  state.charts = [];
  const ti = rep.bound.time_indexed ? rep.bound.time_indexed.tenant_cost_cny : null;
  const node = el('div', { class: 'chart small', id: 'sim-chart' });
  holder.replaceChildren(
    el('h2', {}, `${L('Report')}: ${label}`),
    el('p', { class: 'note', id: 'sim-summary' }, `${rep.trace.path} (${rep.trace.format}): ${fmt.n(rep.trace.jobs)} jobs; ${L('offline bound')} ${fmt.n(rep.bound.tenant_cost_cny)} CNY` + (ti !== null ? `, ${L('time-indexed bound')} ${fmt.n(ti)} CNY` : '')),
    table([
      { key: 'policy', label: L('Policy') },
      { key: 'completed', label: L('Done'), num: true },
      { key: 'tenant_cost_cny', label: 'CNY', num: true, render: (r) => fmt.n(r.tenant_cost_cny) },
      { key: 'cost_ratio_to_bound', label: '/ bound', num: true, render: (r) => fmt.n(r.cost_ratio_to_bound, 4) },
      { key: 'cost_ratio_to_time_indexed_bound', label: '/ TI bound', num: true, render: (r) => r.cost_ratio_to_time_indexed_bound === null || r.cost_ratio_to_time_indexed_bound === undefined ? '–' : fmt.n(r.cost_ratio_to_time_indexed_bound, 4) },
      { key: 'energy_kwh', label: 'MWh', num: true, render: (r) => fmt.n(r.energy_kwh / 1000, 1) },
      { key: 'carbon_t', label: 't CO2', num: true, render: (r) => fmt.n(r.carbon_t, 1) },
      { key: 'queue', label: L('Queue h'), num: true, render: (r) => fmt.n(r.queue_delay_h.mean, 3) },
      { key: 'jct', label: 'JCT p99 h', num: true, render: (r) => fmt.n(r.jct_h.p99, 1) },
      { key: 'fairness_jain', label: 'Jain', num: true, render: (r) => fmt.n(r.fairness_jain, 3) },
    ], rep.policies, { id: 'sim-policies', sortKey: 'tenant_cost_cny' }),
    node);
  requestAnimationFrame(() => {
    if (!node.isConnected) return;
    chart(node).setOption({
      tooltip: { trigger: 'axis' }, grid: { left: 110, right: 20 },
      xAxis: { type: 'value', name: 'cost / bound', scale: true }, yAxis: { type: 'category', data: rep.policies.map((r) => r.policy), inverse: true },
      series: [{ type: 'bar', data: rep.policies.map((r) => Number(r.cost_ratio_to_bound.toFixed(4))) }],
    });
  });
}
