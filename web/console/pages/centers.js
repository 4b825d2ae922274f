// zhisuan console: the centers table and a center's page (pools, history, energy, tariff, jobs, drain).

import { fmt } from '../lib.js';
import { state, L, nameOf, el, api, stateBadge, errorBox, show, chart, followLive, table, liveCenters } from '../core.js';
import { centersTable, historyChart, factList, jobsTable } from '../widgets.js';

export async function centersView() {
  const search = el('input', { id: 'center-search', placeholder: 'filter: name, province, hub, cluster, accelerator' });
  const stateSelect = el('select', { id: 'center-state' }, ['', 'up', 'draining', 'down'].map((s) => el('option', { value: s }, s || 'any state')));
  const kindSelect = el('select', { id: 'center-kind' }, ['', 'intelligent', 'super', 'general'].map((s) => el('option', { value: s }, s || 'any kind')));
  // Province, hub, cluster and accelerator: the values the centers have, filled at the first load.
  const facets = {
    province: { label: L('All provinces'), of: (c) => [c.province], name: (c) => c.region ? nameOf(c.region) : c.province },
    hub: { label: L('All hubs'), of: (c) => [c.hub || ''], name: (c, v) => v || L('(no hub)') },
    cluster: { label: L('All clusters'), of: (c) => [c.cluster || ''], name: (c, v) => v || L('(no cluster)') },
    accelerator: { label: L('All accelerators'), of: (c) => c.accelerators, name: (c, v) => v },
  };
  for (const [key, f] of Object.entries(facets)) {
    f.select = el('select', { id: 'center-' + key, 'aria-label': f.label }, el('option', { value: '*' }, f.label));
  }
  const fillFacets = (centers) => {
    for (const f of Object.values(facets)) {
      const names = new Map();
      for (const c of centers) for (const v of f.of(c)) if (!names.has(v)) names.set(v, f.name(c, v));
      f.select.append(...[...names].sort((a, b) => String(a[1]).localeCompare(String(b[1]))).map(([v, n]) => el('option', { value: v }, n)));
    }
  };
  const holder = el('div');
  const counted = el('p', { class: 'note', id: 'caict-count' });
  show(el('h1', {}, L('Centers')), el('div', { class: 'filters' }, search, stateSelect, kindSelect,
    ...Object.values(facets).map((f) => f.select)), holder, counted);
  // CAICT's rule for counting intelligent-computing centers (seed 004): which of ours count, and which fall short.
  api('/api/v1/stats/intelligent-centers').then((ic) => {
    const short = ic.centers.filter((c) => !c.counts);
    counted.replaceChildren(`${ic.rule} (${ic.source}): ${ic.counted} of the ${ic.centers.length} intelligent-computing centers in service here count` +
      ` (the seed counts ${ic.national_count} nationally)` + (short.length ? '; below the threshold: ' : '.'),
    ...short.flatMap((c, k) => [k ? ', ' : '', el('a', { href: '#/centers/' + encodeURIComponent(c.id) }, nameOf(c)), ` (${fmt.n(c.ai_cards)})`]));
  }).catch(() => {});
  let data = null;
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const rows = data.centers.filter((c) => (!stateSelect.value || c.state === stateSelect.value) &&
      (!kindSelect.value || c.kind === kindSelect.value) &&
      Object.values(facets).every((f) => f.select.value === '*' || f.of(c).includes(f.select.value)) &&
      (!q || [c.id, c.name, c.name_en, c.province, c.region && c.region.name_zh, c.hub, c.cluster, ...c.accelerators].join(' ').toLowerCase().includes(q)));
    holder.replaceChildren(el('p', { class: 'note' }, `${rows.length} of ${data.centers.length} centers`), centersTable(rows, 'centers-table'));
  };
  for (const i of [search, stateSelect, kindSelect, ...Object.values(facets).map((f) => f.select)]) i.addEventListener('input', draw);
  const load = async () => {
    try {
      data = await liveCenters();
      if (facets.province.select.options.length === 1) fillFacets(data.centers);
      draw();
    } catch (e) { holder.replaceChildren(errorBox(e)); }
  };
  await followLive(load, holder);
}

export async function centerView(id) {
  const holder = el('div');
  show(el('p', {}, el('a', { href: '#/centers' }, '← Centers')), holder);
  const load = async () => {
    try {
      const [detail, data] = await Promise.all([api('/api/v1/centers/' + encodeURIComponent(id)), liveCenters(id)]);
      const c = data.centers.find((x) => x.id === id) || { state: detail.state, pools: [] };
      const parts = [
        el('h1', {}, nameOf(detail), ' ', stateBadge(c.state)),
        el('div', { class: 'row' },
          el('div', { class: 'panel' }, factList([
            ['Id', id], ['Province', c.region ? `${c.region.name_zh} (${detail.province})` : detail.province],
            ['Hub', detail.hub || '–'], ['Kind', detail.kind], ['PUE', String(detail.pue)], ['Green share', fmt.pct(detail.green_share)],
            ['Tariff', c.region ? `${c.region.tariff.flat_cny_per_kwh} CNY/kWh` + (c.region.tariff.tou && c.region.tariff.tou.length ? ', time-of-use' : ', flat') : '–'],
            ['Carbon', c.region ? `${c.region.carbon.kg_per_kwh} kg/kWh` : '–'],
            ['Published', detail.published_compute || '–'], ['Backend', detail.backend],
          ])),
          el('div', { class: 'panel' }, el('h2', {}, L('Pools (live)')), table([
            { key: 'accelerator', label: L('Accelerator') },
            { key: 'devices', label: L('Devices'), num: true },
            { key: 'free', label: L('Free'), num: true },
            { key: 'busy', label: L('Busy'), num: true, render: (p) => p.status === 'in_service' ? fmt.n(p.devices - p.free) : '–',
              sort: (p) => p.status === 'in_service' ? p.devices - p.free : null },
            { key: 'queued', label: L('Queued'), num: true },
            { key: 'price_cny_per_device_hour', label: L('CNY / device-h'), num: true, render: (p) => fmt.n(p.price_cny_per_device_hour, 2) },
          ], c.pools, { id: 'pools-table' }))),
      ];
      {
        const node = el('div', { class: 'chart small', id: 'history-chart' });
        const energyNode = el('div', { class: 'chart small', id: 'energy-chart' });
        parts.push(el('div', { class: 'panel' }, el('h2', {}, L('Devices busy and queued over time')), node),
          el('div', { class: 'panel' }, el('h2', {}, L('Power and carbon over time')), energyNode,
            el('p', { class: 'note' }, 'What the busy devices draw (TDP x host overhead x PUE, as placement models it) and emit at the grid factor of the center, less its contracted green power.')));
        api(`/api/v1/live/history?center=${encodeURIComponent(id)}`).then((h) => {
          historyChart(node, h);
          energyChart(energyNode, h);
        }).catch(() => {});
      }
      if (c.region && c.region.tariff.tou && c.region.tariff.tou.length) {
        const node = el('div', { class: 'chart small', id: 'tou' });
        parts.push(el('div', { class: 'panel' }, el('h2', {}, L('Time-of-use tariff (local time)')), node));
        setTimeout(() => touChart(node, c.region.tariff), 0);
      }
      if (state.who && state.who.role === 'operator') {
        const draining = c.state === 'draining';
        parts.push(el('div', { class: 'panel' }, el('button', {
          id: draining ? 'undrain' : 'drain', class: draining ? 'primary' : 'danger',
          onclick: async () => {
            try { await api(`/api/v1/centers/${encodeURIComponent(id)}/${draining ? 'undrain' : 'drain'}`, { method: 'POST', body: '', type: 'text/plain' }); await load(); } catch (e) { holder.prepend(errorBox(e)); }
          },
        }, draining ? 'Undrain (take new jobs again)' : 'Drain (take no new jobs; running ones finish)')));
      }
      if (state.token) {
        try {
          const running = await api(`/api/v1/jobs?center=${encodeURIComponent(id)}&state=running&limit=100`);
          parts.push(el('div', { class: 'panel' }, el('h2', {}, `Running jobs you may see (${running.jobs.length})`), jobsTable(running.jobs)));
        } catch { /* not signed in */ }
      }
      if (!holder.isConnected) return;  // this view was replaced while it loaded
      for (const ch of state.charts) ch.dispose();
      state.charts = [];
      holder.replaceChildren(...parts);
    } catch (e) { holder.replaceChildren(errorBox(e)); }
  };
  await followLive(load, holder);
}

// Power (kW) and carbon (kg CO2 per hour) over time, on two axes.
function energyChart(node, h) {
  if (!node.isConnected) return;
  const c = chart(node);
  c.setOption({
    tooltip: { trigger: 'axis' },
    legend: {},
    grid: { left: 70, right: 70 },
    xAxis: { type: 'time' },
    yAxis: [{ type: 'value', name: 'kW' }, { type: 'value', name: 'kg CO2/h', splitLine: { show: false } }],
    series: [
      { name: L('Power (kW)'), type: 'line', showSymbol: false, areaStyle: {}, data: h.t.map((t, i) => [t * 1000, h.power_kw[i]]) },
      { name: L('Carbon (kg/h)'), type: 'line', yAxisIndex: 1, showSymbol: false, data: h.t.map((t, i) => [t * 1000, h.carbon_kg_per_h[i]]) },
    ],
  });
}

function touChart(node, tariff) {
  const c = chart(node);
  const hours = [...Array(24).keys()];
  const at = (h) => { const p = tariff.tou.find((q) => h >= q.start_hour && h < q.end_hour); return p ? p.multiplier * tariff.flat_cny_per_kwh : tariff.flat_cny_per_kwh; };
  c.setOption({
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: hours.map((h) => `${h}:00`) },
    yAxis: { type: 'value', name: 'CNY/kWh' },
    series: [{ type: 'bar', data: hours.map(at), itemStyle: { color: '#5b9bd5' } }],
  });
}
