// zhisuan console: the network page (全国算力一张图): the map of China, totals by hub, cluster and kind, the centers.

import { fmt } from '../lib.js';
import { state, L, nameOf, el, api, errorBox, show, chart, followLive, TABLE_PAGE, table, regionsData, chinaMap, afterPaint, notInService } from '../core.js';
import { escapeText, centersTable, historyChart } from '../widgets.js';

// The map's measures, of a province's sums (GET /api/v1/network's by_province: capacity in service, devices,
// busy, free, PUE) or of its region (grid carbon, tariff: every province has them).
// (Labels in English, put into the page's language as they are drawn: the module outlives a switch.)
const MEASURES = {
  fp16: { label: 'Capacity FP16 (PFLOPS)', value: (p) => p && p.fp16 },
  fp32e: { label: 'Capacity FP32-equivalent (PFLOPS)', value: (p) => p && p.fp32e },
  fp64: { label: 'Capacity FP64 (PFLOPS)', value: (p) => p && p.fp64 },
  domestic: { label: 'Domestic share of FP16 capacity', value: (p) => p && ratio(p.domestic_fp16, p.fp16) },
  utilisation: { label: 'Utilisation (busy / devices)', value: (p, r, live) => p && live ? ratio(p.busy, p.devices) : null },
  free: { label: 'Free devices', value: (p, r, live) => p && live ? p.free : null },
  pue: { label: 'PUE (mean of centers)', value: (p) => p && p.pue_mean },
  carbon: { label: 'Grid carbon (kg/kWh)', value: (p, r) => r ? r.carbon.kg_per_kwh : null },
  tariff: { label: 'Tariff (CNY/kWh, flat)', value: (p, r) => r ? r.tariff.flat_cny_per_kwh : null },
};
const ratio = (a, b) => b > 0 ? a / b : null;
const STATE_COLOURS = { up: '#2e9e5b', draining: '#d99a00', down: '#d1453b' };
// Up to this many centers the map draws each one; past it, a province's centers in one state are one marker.
const MAP_EACH_CENTER = 2000;
export async function networkView() {
  const measureSelect = el('select', { id: 'measure', 'aria-label': 'measure' },
    Object.entries(MEASURES).map(([k, m]) => el('option', { value: k }, L(m.label))));
  const kpis = el('div', { class: 'kpis', id: 'kpis' });
  const mapNode = el('div', { class: 'chart', id: 'map' });
  const filterNote = el('span', { class: 'note', id: 'filter' });
  // The map's clicks as fields, for the keyboard: a province, a hub (the hub table's rows set it too).
  const provinceSelect = el('select', { id: 'province', 'aria-label': L('Province'), 'data-filter': '' });
  const hubSelect = el('select', { id: 'hub', 'aria-label': L('Hub') });
  const hubs = el('div', { id: 'hubs' });
  // Totals by hub (the 8 hubs: a row filters the page), by cluster (the 10 clusters) or by kind.
  const groupSelect = el('select', { id: 'group-by', 'aria-label': L('Totals by') },
    [['hub', L('Hub')], ['cluster', L('Cluster')], ['kind', L('Kind')]].map(([v, label]) => el('option', { value: v }, label)));
  const list = el('div', { id: 'province-centers' });
  const historyNode = el('div', { class: 'chart small', id: 'network-history' });
  const coverage = el('p', { class: 'note', id: 'coverage' });
  const infrastructure = el('p', { class: 'note', id: 'infrastructure' });
  show(el('h1', {}, L('Network')),
    kpis, coverage, infrastructure,
    el('div', { class: 'filters' }, provinceSelect, hubSelect, L('Map shows') + ' ', measureSelect, filterNote),
    el('div', { class: 'row' }, el('div', { class: 'panel' }, mapNode), el('div', { class: 'panel' }, el('h2', {}, L('Totals by'), ' ', groupSelect), hubs,
      el('h2', {}, L('The network over time')), historyNode)),
    el('div', { class: 'panel' }, el('h2', {}, L('Centers')), list));
  let map = null, history = null, province = null, hub = null;
  // How much of the nation's compute the registry sees (CAICT's 2023 stock, FP32-equivalent).
  api('/api/v1/stats/coverage').then((cv) => {
    const row = (k) => cv.categories.find((r) => r.category === k);
    const pct = (r) => r && r.coverage !== null ? fmt.pct(r.coverage) : '–';
    const total = row('total');
    coverage.textContent = state.lang === 'zh'
      ? `平台在役算力 ${fmt.n(total.in_service_eflops, 1)} EFlops，占全国 ${fmt.n(total.national_eflops)} EFlops 的 ${pct(total)}（FP32 等效，中国信通院 ${cv.year} 年，种子文件 ${total.source_line}）：智能算力 ${pct(row('intelligent'))}，超算 ${pct(row('super'))}，基础算力 ${pct(row('basic'))}；规划在建 ${fmt.n(total.planned_eflops, 1)} EFlops 不计入。`
      : `The registry sees ${fmt.n(total.in_service_eflops, 1)} EFLOPS in service, ${pct(total)} of China's ${fmt.n(total.national_eflops)} EFLOPS (FP32-equivalent, CAICT ${cv.year}, seed ${total.source_line}): intelligent ${pct(row('intelligent'))}, supercomputing ${pct(row('super'))}, basic ${pct(row('basic'))}; ${fmt.n(total.planned_eflops, 1)} EFLOPS planned or under construction not counted.`;
    // Who built the intelligent centers beside the nation (seed 001:8), and racks against 上架率.
    const b = (cv.builders && cv.builders.types) || [];
    const share = (t) => { const r = b.find((x) => x.type === t); return r ? `${fmt.pct(r.share)} / ${r.national_share === null ? '–' : fmt.pct(r.national_share)}` : '–'; };
    const racks = cv.racks && cv.racks.scopes ? cv.racks.scopes.find((x) => x.scope === 'hubs') : null;
    infrastructure.textContent = state.lang === 'zh'
      ? `智算中心建设主体（平台 / 全国，种子文件 ${cv.builders ? cv.builders.source_line : '–'}）：地方政府 ${share('government')}，基础电信运营商 ${share('carrier')}，互联网及云厂商 ${share('cloud')}。` + (racks ? `八大枢纽：平台折合 ${fmt.n(racks.registry_rack_equivalents)} 个标准机架（2.5 kW，估算），占已上架 ${fmt.n(racks.occupied_racks)} 架的 ${racks.coverage === null ? '–' : fmt.pct(racks.coverage)}。` : '')
      : `Builders of intelligent centers (registry / nation, seed ${cv.builders ? cv.builders.source_line : '–'}): local government ${share('government')}, telecom carriers ${share('carrier')}, internet and cloud ${share('cloud')}.` + (racks ? ` The 8 hubs: the registry fills ${fmt.n(racks.registry_rack_equivalents)} standard racks (2.5 kW, an estimate), ${racks.coverage === null ? '–' : fmt.pct(racks.coverage)} of the ${fmt.n(racks.occupied_racks)} occupied.` : '');
  }).catch(() => {});
  // Filters are the server's: a change fetches the page's figures again.
  measureSelect.addEventListener('change', () => { if (map) drawMap(); });
  groupSelect.addEventListener('change', () => { if (data) hubs.replaceChildren(groupTable(groupSelect.value, data, setHub)); });
  const refilter = () => { load(); };
  provinceSelect.addEventListener('change', () => { province = provinceSelect.value || null; refilter(); });
  hubSelect.addEventListener('change', () => { hub = hubSelect.value || null; refilter(); });
  const setHub = (id) => { hub = id === hub ? null : id; refilter(); };
  let data = null, regions = null;
  // The centers asked for: a table's page (the first screen of a large network), or every center of a network
  // small enough to draw each on the map.
  let pageLimit = TABLE_PAGE;
  const draw = () => {
    if (!data) return;
    drawFigures();
    if (map) drawMap();
    else afterPaint().then(chinaMap).then(() => {  // the map once the figures are shown and ECharts is there
      if (map || !mapNode.isConnected) return;
      map = chart(mapNode);
      map.on('click', (p) => {
        if (p.componentType === 'series' && p.seriesType !== 'map') {
          if (p.data && p.data.id) location.hash = '#/centers/' + p.data.id;
          else if (p.data && p.data.province) { province = p.data.province; refilter(); }  // a province's centers together
          return;
        }
        const region = regions.regions.find((r) => r.name_zh === p.name);
        province = region && region.id !== province ? region.id : null;
        refilter();
      });
      drawMap();
      mapDrawn();
    }).catch((e) => { mapNode.replaceChildren(errorBox(e)); mapDrawn(); });
  };
  // The chart of the network over time waits for the map (the first screen's own chart).
  let mapDrawn;
  const mapShown = new Promise((resolve) => { mapDrawn = resolve; });
  const drawFigures = () => {
    if (provinceSelect.options.length === 0) {
      provinceSelect.replaceChildren(el('option', { value: '' }, L('All provinces')),
        ...regions.regions.map((r) => el('option', { value: r.id }, nameOf(r))));
      hubSelect.replaceChildren(el('option', { value: '' }, L('All hubs')),
        ...regions.hubs.map((h) => el('option', { value: h.id }, nameOf(h))), el('option', { value: 'none' }, L('(no hub)')));
    }
    provinceSelect.value = province || '';
    hubSelect.value = hub || '';
    const region = province && regions.region[province];
    filterNote.textContent = province || hub
      ? ` — ${[region && `${region.name_zh} (${region.name_en})`,
        hub && `${L('Hub')} ${hub === 'none' ? L('(no hub)') : nameOf(regions.hubs.find((h) => h.id === hub))}`].filter(Boolean).join(', ')}; ${L('click it again for all')}`
      : ' — ' + L('click a province or a hub to filter');
    const t = data.totals;
    kpis.replaceChildren(...[
      [L('Centers'), fmt.n(t.centers)],
      [L('Devices'), fmt.n(t.devices)],
      [L('Busy'), data.live ? fmt.n(t.busy) + ' (' + fmt.pct(ratio(t.busy, t.devices)) + ')' : '–'],
      [L('Queued devices'), data.live ? fmt.n(t.queued) : '–'],
      [L('FP16 PFLOPS'), fmt.n(t.fp16)],
      [L('FP32-eq. PFLOPS'), fmt.n(t.fp32e)],
      [L('Planned FP16 PFLOPS'), fmt.n(t.planned_fp16)],
      [L('Draining / down'), `${t.draining} / ${t.down}`],
    ].map(([label, value]) => el('div', { class: 'kpi' }, el('div', { class: 'value' }, value), el('div', { class: 'label' }, label))));
    hubs.replaceChildren(groupTable(groupSelect.value, data, setHub));
    const page = data.centers;
    const rows = page.items.map((c) => ({ ...c, region: regions.region[c.province],
      utilisation: data.live && c.devices > 0 ? c.busy / c.devices : null }));
    list.replaceChildren(centersTable(rows, 'network-centers'), ...(page.count > rows.length
      ? [el('p', { class: 'note', id: 'network-centers-more' }, `${fmt.n(rows.length)} ${L('of')} ${fmt.n(page.count)} ${L('centers')}; `,
        el('a', { href: '#/centers' }, L('the Centers page lists them all')))] : []));
  };
  const drawMap = () => {
    const measure = MEASURES[measureSelect.value];
    const byProvince = Object.fromEntries(data.by_province.map((p) => [p.province, p]));
    const values = regions.regions.map((r) => ({ name: r.name_zh, value: measure.value(byProvince[r.id], r, data.live), id: r.id }))
      .filter((v) => v.value !== null && v.value !== undefined);
    const max = Math.max(0.0001, ...values.map((v) => v.value));
    // One series per colour (state, or grey when not in service): no style per marker. When the page has every
    // center (up to MAP_EACH_CENTER), each is a marker near its province's capital (the registry has no
    // coordinates of its own); past that, the server's sums of a province's centers in one state are one
    // marker each, sized by their devices (10,000 markers at 31 capitals are unreadable, and took ECharts most
    // of a second to lay out).
    const groups = {};
    const page = data.centers;
    if (page.count <= page.items.length) {
      page.items.forEach((c, i) => {
        const r = regions.region[c.province];
        if (!r) return;
        const jitter = ((i * 7919) % 13 - 6) * 0.12;
        const group = notInService(c) ? 'not_in_service' : (STATE_COLOURS[c.state] ? c.state : 'unknown');
        (groups[group] ||= []).push({ id: c.id, name: c.name, value: [r.lon + jitter, r.lat + jitter * 0.6, c.devices], center: c });
      });
    } else {
      const offset = { up: [0, 0], draining: [0.5, 0.3], down: [-0.5, 0.3], not_in_service: [0, -0.5] };
      for (const m of data.markers) {
        const r = regions.region[m.province];
        if (!r) continue;
        const [dx, dy] = offset[m.group] || [0.5, -0.3];
        (groups[m.group] ||= []).push({ name: nameOf(r), province: m.province, value: [r.lon + dx, r.lat + dy, m.devices], cluster: { ...m, region: r } });
      }
    }
    let maxDevices = 1;
    for (const markers of Object.values(groups)) for (const m of markers) maxDevices = Math.max(maxDevices, m.value[2]);
    // A marker's tooltip is written when it is shown, not for every marker up front.
    const tip = (m) => {
      if (m.cluster) {
        const x = m.cluster;
        return [`${nameOf(x.region)}: ${fmt.n(x.centers)} ${L('centers')}, ${x.group}`,
          `${fmt.n(x.devices)} devices` + (x.devices > 0 && data.live ? `, ${fmt.pct(x.busy / x.devices)} busy` : ''), L('click to filter')];
      }
      const c = m.center;
      return [`${c.name} (${c.id})`, `${notInService(c) ? c.status.value : c.state}, ${fmt.n(c.devices)} devices` +
        (data.live && c.devices > 0 ? `, ${fmt.pct(c.busy / c.devices)} busy` : '')];
    };
    map.setOption({
      tooltip: { trigger: 'item', formatter: (p) => p.seriesType === 'map' ? `${escapeText(p.name)}: ${p.value === undefined || Number.isNaN(p.value) ? '–' : fmt.n(p.value, 2)}` : p.data && (p.data.center || p.data.cluster) ? tip(p.data).map(escapeText).join('<br>') : escapeText(p.name) },
      visualMap: { seriesIndex: 0, min: 0, max, calculable: true, left: 10, bottom: 10, inRange: { color: ['#e8f1fb', '#5b9bd5', '#0b3d91'] }, text: [L(measure.label), ''] },
      geo: { map: 'china', roam: true, zoom: 1.15, label: { show: false }, itemStyle: { areaColor: '#eef2f7', borderColor: '#9aa8b8' } },
      series: [
        { type: 'map', geoIndex: 0, data: values, selectedMode: false },
        ...Object.entries(groups).map(([group, markers]) => ({
          type: 'scatter', name: group, coordinateSystem: 'geo', data: markers, encode: { value: 2 }, zlevel: 2,
          itemStyle: { color: group === 'not_in_service' ? '#8a94a3' : STATE_COLOURS[group] || '#888' },
          symbolSize: (v) => 6 + 24 * Math.sqrt(v[2] / maxDevices),
        })),
      ],
    }, true);
  };
  // The page's figures, filtered by the province and hub chosen, with every center when there are at most
  // MAP_EACH_CENTER of them (the map's markers), and the network over time.
  const load = async () => {
    try {
      const query = new URLSearchParams({ limit: String(pageLimit) });
      if (province) query.set('province', province);
      if (hub) query.set('hub', hub);
      const [fresh, regs] = await Promise.all([api('/api/v1/network?' + query), regionsData()]);
      if (!mapNode.isConnected) return;  // another view (or a language or theme switch) replaced this one
      if ((fresh.filter.province || null) !== province || (fresh.filter.hub || null) !== hub) return;  // an older filter's
      // A network of at most MAP_EACH_CENTER centers has each drawn on the map: all of them, asked again.
      const count = fresh.centers.count;
      if (count > fresh.centers.items.length && count <= MAP_EACH_CENTER && pageLimit < MAP_EACH_CENTER) {
        pageLimit = MAP_EACH_CENTER;
        return load();
      }
      data = fresh;
      regions = regs;
      draw();
      if (data.live) {
        const [h] = await Promise.all([api('/api/v1/live/history'), mapShown]);
        if (!historyNode.isConnected) return;
        if (!history) {
          historyChart(historyNode, h);
          history = state.charts[state.charts.length - 1];
        } else {
          history.setOption({ series: [{ data: h.t.map((t, i) => [t * 1000, h.busy[i]]) }, { data: h.t.map((t, i) => [t * 1000, h.queued[i]]) },
            { data: h.t.length ? [[h.t[0] * 1000, h.devices], [h.t[h.t.length - 1] * 1000, h.devices]] : [] }] });
        }
      }
    } catch (e) { kpis.replaceChildren(errorBox(e)); }
  };
  await followLive(load, mapNode);
}

// The sums by hub, cluster or kind (GET /api/v1/network's by_hub, by_cluster, by_kind: every hub and cluster,
// those without centers too; null for the centers outside them) at each precision; a hub's row filters the
// page by its hub.
function groupTable(by, data, onHub) {
  const rows = data['by_' + by];
  const none = by === 'hub' ? L('(no hub)') : L('(no cluster)');
  const live = data.live;
  return table([
    { key: by, label: L(by === 'hub' ? 'Hub' : by === 'cluster' ? 'Cluster' : 'Kind'),
      render: (g) => by === 'kind' ? g.kind : g[by] ? nameOf(g) : none, sort: (g) => by === 'kind' ? g.kind : g[by] ? nameOf(g) : '' },
    { key: 'centers', label: L('Centers'), num: true },
    { key: 'devices', label: L('Devices'), num: true, render: (g) => fmt.n(g.devices) },
    { key: 'busy', label: L('Busy'), num: true, render: (g) => live ? fmt.pct(ratio(g.busy, g.devices)) : '–' },
    { key: 'fp16', label: L('FP16 PF'), num: true, render: (g) => fmt.n(g.fp16) },
    { key: 'fp32', label: L('FP32 PF'), num: true, render: (g) => fmt.n(g.fp32) },
    { key: 'fp64', label: L('FP64 PF'), num: true, render: (g) => fmt.n(g.fp64) },
    { key: 'fp32e', label: L('FP32e PF'), num: true, render: (g) => fmt.n(g.fp32e) },
  ], rows, { sortKey: 'fp16', id: by + '-table', onclick: by === 'hub' && onHub ? (g) => onHub(g.hub || 'none') : null });
}
