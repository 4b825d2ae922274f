// zhisuan console: usage and billing by tenant, center or accelerator over a period, with CSV.

import { fmt } from '../lib.js';
import { state, L, el, api, errorBox, show, disposeCharts, chart, table } from '../core.js';
import { needToken, csvLink } from '../widgets.js';

export async function usageView() {
  if (!state.token) return show(el('h1', {}, L('Usage')), needToken());
  // A tenant's groups are of its own jobs (the server sees to it); an operator's of every tenant or of one.
  const operator = state.who && state.who.role === 'operator';
  const by = el('select', { id: 'usage-by' }, ['tenant', 'center', 'accelerator'].map((b) => el('option', { value: b }, L('by ' + b))));
  const tenant = el('input', { id: 'usage-tenant', placeholder: L('tenant (all)'), 'aria-label': L('Tenant') });
  const range = el('select', { id: 'usage-range' }, [['1', 'last 24 h'], ['7', 'last 7 days'], ['30', 'last 30 days'], ['3650', 'all']].map(([d, l]) => el('option', { value: d }, l)));
  range.value = '30';
  const holder = el('div');
  show(el('h1', {}, L('Usage')), el('p', { class: 'note' }, 'Finished jobs, billed as they ran (a tenant sees its own).'), el('div', { class: 'filters' }, by, operator ? tenant : null, range), holder);
  const load = async () => {
    const from = Math.max(0, Date.now() / 1000 - Number(range.value) * 86400);
    try {
      const q = new URLSearchParams({ by: by.value, from: from.toFixed(0) });
      if (operator && tenant.value.trim()) q.set('tenant', tenant.value.trim());
      const u = await api('/api/v1/usage?' + q);
      const rows = u.groups.map((g) => ({ ...g, key: g[by.value] }));
      const node = el('div', { class: 'chart small', id: 'usage-chart' });
      if (!holder.isConnected) return;  // this view was replaced while it loaded
      disposeCharts(holder);
      holder.replaceChildren(table([
        { key: 'key', label: L({ tenant: 'Tenant', center: 'Center', accelerator: 'Accelerator' }[by.value]) },
        { key: 'jobs', label: L('Jobs'), num: true },
        { key: 'device_hours', label: L('Device-h'), num: true, render: (r) => fmt.n(r.device_hours, 1) },
        { key: 'energy_kwh', label: L('kWh'), num: true, render: (r) => fmt.n(r.energy_kwh, 1) },
        { key: 'carbon_kg', label: L('kg CO2'), num: true, render: (r) => fmt.n(r.carbon_kg, 1) },
        { key: 'bill_fen', label: L('Billed'), num: true, render: (r) => fmt.fen(r.bill_fen) },
      ], rows, { id: 'usage-table', sortKey: 'device_hours' }), el('p', {}, csvLink(rows, by.value, `zhisuan-usage-by-${by.value}.csv`)), node);
      const c = chart(node);
      c.setOption({
        tooltip: { trigger: 'axis' }, grid: { left: 140, right: 20 },
        xAxis: { type: 'value', name: 'device-h' }, yAxis: { type: 'category', data: rows.map((r) => r.key), inverse: true },
        series: [{ type: 'bar', data: rows.map((r) => Number(r.device_hours.toFixed(2))) }],
      });
    } catch (e) { holder.replaceChildren(errorBox(e)); }
  };
  by.addEventListener('change', load);
  range.addEventListener('change', load);
  tenant.addEventListener('change', load);
  await load();
}
