// zhisuan console: one page over the HTTP API (no build step, no framework). Every value from the server is put
// into the page as text (el() below), never as HTML. Views: network (map of China), centers, a center, jobs, a
// job, submit and quote, usage, index, audit (operators). The token lives in this tab's sessionStorage (gone when
// the tab closes); the server decides what it may see, never the page.

import { fmt, compareValues, usageCsv, simulationBody, checkSimReport, wallText, shortcut, GO_KEYS, parseMetrics, metricSum,
  histogramQuantile, histogramBuckets } from './lib.js';

const TOKEN_KEY = 'zhisuan.token';
const LANG_KEY = 'zhisuan.lang';
const THEME_KEY = 'zhisuan.theme';
const state = {
  lang: localStorage.getItem(LANG_KEY) || ((navigator.language || '').startsWith('zh') ? 'zh' : 'en'),
  dark: (localStorage.getItem(THEME_KEY) || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')) === 'dark',
  token: sessionStorage.getItem(TOKEN_KEY) || '', who: null, registry: null, timers: [], charts: [], streams: [],
  events: 0 };

// ---- language: English labels are the keys; Chinese names of places and centers come from the data ----------

const ZH = {
  Network: '全国算力一张图', Centers: '算力中心', Jobs: '作业', Submit: '提交', 'Submit and quote': '提交与报价',
  Usage: '用量', Index: '算力发展指数', 'Compute development index': '算力发展指数', Audit: '审计', Center: '中心',
  Province: '省份', Hub: '枢纽', Kind: '类型', Accelerators: '加速卡', Accelerator: '加速卡', Devices: '设备',
  Free: '空闲', Queued: '排队', Busy: '繁忙', PUE: 'PUE', State: '状态', 'By hub': '按枢纽', 'The network over time': '全网随时间变化',
  'Queued devices': '排队设备', 'FP16 PFLOPS': 'FP16 PFLOPS', 'FP32-eq. PFLOPS': 'FP32 等效 PFLOPS', 'Draining / down': '排空 / 停机',
  'Map shows': '地图显示', Id: '编号', Tenant: '租户', Age: '时长', Waiting: '等待', Bill: '账单', History: '历史',
  'Placement decision': '调度决策', Spec: '作业描述', Logs: '日志', Cancel: '取消', Rank: '排名', Region: '地区',
  Tier: '梯队', 'Pools (live)': '资源池（实时）', 'Devices busy and queued over time': '设备繁忙与排队随时间变化',
  'Time-of-use tariff (local time)': '分时电价（本地时间）', Quote: '报价', Objective: '目标', 'Sign in': '登录',
  'Sign out': '退出', Compute: '计算', 'Device-h': '卡时', 'kg CO2': '千克二氧化碳', Billed: '计费',
  Seq: '序号', At: '时间', Who: '操作者', From: '来源', Action: '操作', Target: '对象', Result: '结果', Detail: '详情',
  'Start in (h)': '开始（小时后）', 'Run (h)': '运行（小时）', Transfer: '传输', Code: '代码', Reason: '原因',
  'Not found': '未找到', centers: '个中心', 'click to filter': '点击筛选', Keyboard: '键盘', Close: '关闭',
  "The page's filter or first field": '本页筛选框或第一个输入框', 'Links, table headers (Enter sorts), rows (Enter opens)': '链接、表头（回车排序）、行（回车打开）',
  'The previous or next row of a table': '表格的上一行或下一行', 'This list': '本列表', 'Close it': '关闭本列表',
  Health: '运行状况', Backend: '执行后端', 'Scheduler and store': '调度器与存储', Backends: '执行后端', "Over this page's life": '本页打开以来',
  'Requests by route': '各路由请求', Store: '存储', commits: '正常提交', failing: '提交失败', 'Unsaved transitions': '未保存的状态变更',
  Leader: '主副本', 'this replica': '本副本', epoch: '任期', 'another replica': '其他副本', Uptime: '运行时长',
  'Requests / s': '请求 / 秒', '5xx in the last refresh': '上次刷新以来 5xx', 'Answer time p50 / p95': '响应时间 p50 / p95',
  'Connections open': '打开的连接', 'Connections refused / timed out': '拒绝 / 超时的连接', 'this server (no replicas)': '本服务（无副本）', 'Accrued since start': '启动以来累计',
  'device-hours': '卡时', billed: '计费', Finished: '已结束', 'Scheduler pass, mean': '调度轮次，平均',
  'Scheduler pass, longest': '调度轮次，最长', Passes: '轮次', 'Commit, mean': '提交，平均', 'Commit, longest': '提交，最长',
  Up: '在线', Down: '离线', 'Every backend answers.': '所有执行后端均在线。', 'No backends (this server runs no jobs).': '无执行后端（本服务不运行作业）。',
  Route: '路由', Requests: '请求',
  'From GET /metrics (Prometheus text); deploy/grafana and deploy/prometheus have the dashboard and alert rules for the same figures.': '数据来自 GET /metrics（Prometheus 文本格式）；deploy/grafana 与 deploy/prometheus 提供同一指标的仪表盘与告警规则。',
  'On the network now': '当前网络上的候选', Cost: '费用', 'so far': '截至目前', 'Cost so far': '截至目前费用', 'Quoting…': '询价中…', 'Quote again': '重新询价',
  "The decision above was made on the network as it was then; this quotes the same spec on the network as it is now (a running job's own devices count as busy).": '上面的决策基于当时的网络状态；这里按当前网络对同一作业规格重新询价（运行中作业自身占用的设备计为忙）。',
  'Show the tail': '显示末尾', 'Follow (every 3 s while it runs)': '跟随（运行中每 3 秒）', 'All provinces': '全部省份', 'All hubs': '全部枢纽', '(no hub)': '（枢纽外）', of: '/',
  'the Centers page lists them all': '算力中心页列出全部', 'click it again for all': '再次点击显示全部',
  'click a province or a hub to filter': '点击省份或枢纽筛选', 'Download CSV': '下载 CSV', Domestic: '国产占比',
  'Domestic share of FP16 capacity': '国产加速卡算力占比（FP16）', 'Planned FP16 PFLOPS': '规划中 FP16 PFLOPS',
  'Compare two regions': '两地对比', 'Sub-indices': '一级分指数', 'What makes the difference': '差距来自哪里',
  'Show more': '显示更多', 'Power and carbon over time': '功率与碳排放随时间变化', 'Power (kW)': '功率（千瓦）',
  'Carbon (kg/h)': '碳排放（千克/小时）', Indicator: '指标', Weight: '权重', Contribution: '贡献', 'The index and the economy': '指数与经济', Simulations: '仿真推演', 'Open a saved report.json': '打开已保存的 report.json',
  Trace: '作业轨迹', 'Upload a trace…': '上传轨迹…', Policies: '策略', Seeds: '随机种子', 'Time scale': '时间压缩',
  'Load scale': '负载倍数', 'Center down': '中心故障', Run: '运行', 'Earlier runs': '历史运行', Report: '报告',
  'offline bound': '离线下界', 'time-indexed bound': '时间索引下界', Policy: '策略', Done: '完成', 'Queue h': '排队（小时）',
  'Replays a job trace through the network under each policy and compares their cost with the offline bounds (the same run as zhisuan sim).': '按各调度策略在全国算力网上回放作业轨迹，并与离线下界比较成本（与 zhisuan sim 相同）。', Published: '已发布', 'Over years': '跨年份', Type: '类型划分',
};
const L = (en) => state.lang === 'zh' && ZH[en] ? ZH[en] : en;
// A center's or a region's name in the chosen language (the data has both).
const nameOf = (x) => x ? (state.lang === 'zh' ? (x.name || x.name_zh || x.id) : (x.name_en || x.name || x.id)) : '–';

// ---- small helpers ----------------------------------------------------------------------------------------

// An element with attributes (on* are listeners) and children (strings become text nodes).
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, { method = 'GET', body, type = 'application/json' } = {}) {
  const headers = {};
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  if (body !== undefined) headers['Content-Type'] = type;
  const r = await fetch(path, { method, headers, body });
  const text = await r.text();
  let data = text;
  try { data = JSON.parse(text); } catch { /* text */ }
  if (!r.ok) throw new ApiError(r.status, data && data.error ? data.error.message : `${r.status} ${text}`);
  return data;
}

const stateBadge = (s) => el('span', { class: 'state ' + s }, s);
const errorBox = (e) => el('div', { class: 'error', role: 'alert' }, e.message || String(e));

function view() { return document.getElementById('view'); }

function show(...nodes) {
  disposeCharts();
  view().replaceChildren(...nodes);
}

// Disposes the charts drawn inside `node` (every chart without one) but not inside `except`, and forgets them.
function disposeCharts(node, except) {
  state.charts = state.charts.filter((c) => {
    const dom = c.getDom();
    const mine = (!node || node.contains(dom)) && !(except && except.contains(dom));
    if (mine) c.dispose();
    return !mine;
  });
}

function chart(node) {
  const c = echarts.init(node, state.dark ? 'dark' : null, { renderer: 'canvas' });
  if (state.dark) c.setOption({ backgroundColor: 'transparent' });
  // On a wall screen the page's text doubles (app.css); ECharts draws its own at fixed sizes (axis labels 12
  // px), so every option set on the chart is followed by one that doubles its text.
  if (matchMedia('(min-width: 2400px)').matches) {
    const set = c.setOption.bind(c);
    c.setOption = (option, ...rest) => {
      set(option, ...rest);
      set(wallText(c.getOption()));
    };
  }
  state.charts.push(c);
  return c;
}

// Re-runs `fn` every `ms` while the view that `anchor` belongs to stays: timers are cleared on navigation, and
// a timer set by a view that was replaced while it still loaded (a quick second click) clears itself instead
// of drawing on a gone view.
function every(ms, fn, anchor) {
  const id = setInterval(() => {
    if (!anchor || !anchor.isConnected) { clearInterval(id); return; }
    fn();
  }, ms);
  state.timers.push(id);
}

// How many live events this page has had (for a look from the browser's console, and the tests).
window.__zhisuanEvents = () => state.events;

// Runs `load` now and again whenever the network's live state changes, pushed by the server (GET
// /api/v1/events, server-sent events; the browser reconnects by itself after a drop), while the view that
// `anchor` belongs to stays. While no events flow (refused past the server's bound, or a proxy that buffers)
// it asks every `pollMs`; while they flow, every 30 s as well (a change the totals do not show). Loads never
// overlap and come at most one a second (a busy network changes every second; a page of 10,000 centers is
// 1 MB): an event during a load, or within a second of the last, runs one more load after it.
async function followLive(load, anchor, pollMs = 5000) {
  let open = false, loading = false, waiting = null, lastLoad = 0;
  const refresh = async () => {
    const since = Date.now() - lastLoad;
    if (loading || waiting || since < 1000) {
      if (!waiting) waiting = setTimeout(later, loading ? 1000 : 1000 - since);
      return;
    }
    loading = true;
    try { await load(); } finally { loading = false; lastLoad = Date.now(); }
  };
  const later = () => {
    waiting = null;
    if (anchor.isConnected) refresh();
  };
  const es = new EventSource('/api/v1/events');
  es.addEventListener('open', () => { open = true; });
  es.addEventListener('error', () => { open = false; });
  let first = true;  // the state as the stream opens: the load below reads it already
  es.addEventListener('live', () => {
    state.events += 1;
    if (first) { first = false; return; }
    if (anchor.isConnected) refresh();
  });
  state.streams.push(es);
  await refresh();
  const flowing = () => open && es.readyState === EventSource.OPEN;
  every(pollMs, () => { if (!flowing() || Date.now() - lastLoad > 30000) refresh(); }, anchor);
}

// A sortable table: columns [{key, label, num, render}], rows objects; onclick(row) makes rows links.
// Sorted over all rows; the first `page` rows are drawn (10,000 centers would take seconds of DOM), with a
// button at the foot for the next ones.
const TABLE_PAGE = 100;
function table(columns, rows, { onclick, sortKey, id, page = TABLE_PAGE } = {}) {
  let key = sortKey || null, asc = true, shown = page;
  const t = el('table', { id });
  const body = el('tbody');
  const head = el('tr');
  const foot = el('tfoot');
  const draw = () => {
    const sorted = [...rows];
    if (key) {
      const col = columns.find((c) => c.key === key);
      const v = col.sort || ((r) => r[key]);
      sorted.sort((a, b) => compareValues(v(a), v(b), asc));
    }
    // Keyboard: headers and row links take the focus (Tab) and act on Enter (headers on Space too).
    const sortBy = (c, refocus) => {
      if (key === c.key) asc = !asc; else { key = c.key; asc = true; }
      draw();
      if (refocus) head.children[columns.indexOf(c)].focus();  // the header was drawn again
    };
    head.replaceChildren(...columns.map((c) => el('th', {
      class: [c.num ? 'num' : '', key === c.key ? 'sorted' : '', key === c.key && asc ? 'asc' : ''].join(' '),
      tabindex: 0, 'aria-sort': key === c.key ? (asc ? 'ascending' : 'descending') : null,
      onclick: () => sortBy(c),
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(c, true); } },
    }, c.label)));
    body.replaceChildren(...sorted.slice(0, shown).map((r) => el('tr', { class: onclick ? 'link' : '', tabindex: onclick ? 0 : null,
      onclick: onclick ? () => onclick(r) : null,
      onkeydown: onclick ? (e) => {
        if (e.key === 'Enter') onclick(r);
        // Up and down move between the rows (Home and End to the first and last drawn).
        const to = { ArrowDown: e.currentTarget.nextElementSibling, ArrowUp: e.currentTarget.previousElementSibling,
          Home: body.firstElementChild, End: body.lastElementChild }[e.key];
        if (to) { e.preventDefault(); to.focus(); }
      } : null },
      columns.map((c) => el('td', { class: c.num ? 'num' : '' }, c.render ? c.render(r) : (r[c.key] ?? '–'))))));
    const left = sorted.length - Math.min(shown, sorted.length);
    foot.replaceChildren(...(left > 0 ? [el('tr', {}, el('td', { colspan: columns.length, class: 'note' },
      `${fmt.n(Math.min(shown, sorted.length))} of ${fmt.n(sorted.length)} `,
      el('button', { type: 'button', class: 'more', onclick: () => { shown += page; draw(); } }, `${L('Show more')} (${fmt.n(Math.min(page, left))})`)))] : []));
  };
  t.append(el('thead', {}, head), body, foot);
  draw();
  return t;
}

// ---- data shared by views ------------------------------------------------------------------------------------

// ECharts (1 MB; parsing it takes a few hundred ms on a slow machine) is preloaded by the page and run only when a
// chart is first needed: the first screen shows its figures and tables before it, its charts after.
let echartsLoad = null;
function echartsReady() {
  if (!echartsLoad) {
    echartsLoad = new Promise((resolve, reject) => {
      if (typeof window.echarts?.init === 'function') { resolve(); return; }
      const script = el('script', { src: '/console/echarts.js' });
      script.addEventListener('load', resolve);
      script.addEventListener('error', () => reject(new Error('the chart library did not load (/console/echarts.js)')));
      document.head.append(script);
    });
    echartsLoad.catch(() => { echartsLoad = null; });
  }
  return echartsLoad;
}

// The registry, fetched once, all at once (every view but the first screen starts from it); registry() also has
// the map of China registered with ECharts, registryData() does not wait for the chart library. The regions
// (names, capitals, tariffs, carbon: 25 KB) are fetched apart, for the network page, which has the rest added
// up by the server (GET /api/v1/network) instead of fetching every center.
let registryLoad = null, regionsLoad = null, mapLoad = null;
function regionsData() {
  if (!regionsLoad) {
    regionsLoad = api('/api/v1/regions').then((regions) => ({
      regions: regions.regions, hubs: regions.hubs || [],
      region: Object.fromEntries(regions.regions.map((r) => [r.id, r])),
    }));
    regionsLoad.catch(() => { regionsLoad = null; });
  }
  return regionsLoad;
}
function registryData() {
  if (!registryLoad) {
    registryLoad = (async () => {
      const [centers, regions, accelerators] = await Promise.all([
        api('/api/v1/centers'), regionsData(), api('/api/v1/accelerators')]);
      state.registry = {
        ...regions,
        centers: centers.centers,
        accelerators: accelerators.accelerators || [],
        center: Object.fromEntries(centers.centers.map((c) => [c.id, c])),
      };
      return state.registry;
    })();
    registryLoad.catch(() => { registryLoad = null; });  // a failed load is tried again by the next view
  }
  return registryLoad;
}
function chinaMap() {
  if (!mapLoad) {
    mapLoad = Promise.all([fetch('/console/china.json').then((r) => r.json()), echartsReady()])
      .then(([china]) => echarts.registerMap('china', china));
    mapLoad.catch(() => { mapLoad = null; });
  }
  return mapLoad;
}
async function registry() {
  const [reg] = await Promise.all([registryData(), chinaMap()]);
  return reg;
}

// Resolves after the browser has painted what is on the page now.
const afterPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

// Centers with their live state (devices free, busy, queued; up, draining, down) when the server runs jobs:
// every center's totals (the live state's summary, without pools), or one center with its pools.
async function liveCenters(one) {
  const [reg, live] = await Promise.all([registryData(),
    api(one ? '/api/v1/live?center=' + encodeURIComponent(one) : '/api/v1/live?pools=false')
      .catch(() => null)]);  // null: a server without the job service
  const byId = live ? Object.fromEntries(live.centers.map((c) => [c.id, c])) : {};
  return {
    live,
    centers: reg.centers.map((c) => {
      const l = byId[c.id];
      return {
        ...c,
        state: l ? l.state : c.state,
        free: l ? l.free : null,
        busy: l ? l.busy : null,
        queued: l ? l.queued : null,
        utilisation: l && l.devices > 0 ? l.busy / l.devices : null,
        pools: l && l.pools ? l.pools : [],
        region: reg.region[c.province],
      };
    }),
  };
}

// ---- network: the map of China ---------------------------------------------------------------------------------

// The map's measures, of a province's sums (GET /api/v1/network's by_province: capacity in service, devices,
// busy, free, PUE) or of its region (grid carbon, tariff: every province has them).
const MEASURES = {
  fp16: { label: L('Capacity FP16 (PFLOPS)'), value: (p) => p && p.fp16 },
  fp32e: { label: L('Capacity FP32-equivalent (PFLOPS)'), value: (p) => p && p.fp32e },
  fp64: { label: L('Capacity FP64 (PFLOPS)'), value: (p) => p && p.fp64 },
  domestic: { label: L('Domestic share of FP16 capacity'), value: (p) => p && ratio(p.domestic_fp16, p.fp16) },
  utilisation: { label: L('Utilisation (busy / devices)'), value: (p, r, live) => p && live ? ratio(p.busy, p.devices) : null },
  free: { label: L('Free devices'), value: (p, r, live) => p && live ? p.free : null },
  pue: { label: L('PUE (mean of centers)'), value: (p) => p && p.pue_mean },
  carbon: { label: L('Grid carbon (kg/kWh)'), value: (p, r) => r ? r.carbon.kg_per_kwh : null },
  tariff: { label: L('Tariff (CNY/kWh, flat)'), value: (p, r) => r ? r.tariff.flat_cny_per_kwh : null },
};
// The share of a center's FP16 capacity on accelerators of vendors seated in China (null without capacity).
const domesticShare = (c) => c.domestic_pflops && c.capacity_pflops.fp16 > 0 ? c.domestic_pflops.fp16 / c.capacity_pflops.fp16 : null;
const ratio = (a, b) => b > 0 ? a / b : null;
const STATE_COLOURS = { up: '#2e9e5b', draining: '#d99a00', down: '#d1453b' };
// Up to this many centers the map draws each one; past it, a province's centers in one state are one marker.
const MAP_EACH_CENTER = 2000;
// Planned, under construction or retired (the registry's status): takes no jobs, shown grey.
const notInService = (c) => c.status && c.status.value !== 'in_service';

async function networkView() {
  const measureSelect = el('select', { id: 'measure', 'aria-label': 'measure' },
    Object.entries(MEASURES).map(([k, m]) => el('option', { value: k }, m.label)));
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
      visualMap: { seriesIndex: 0, min: 0, max, calculable: true, left: 10, bottom: 10, inRange: { color: ['#e8f1fb', '#5b9bd5', '#0b3d91'] }, text: [measure.label, ''] },
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

// Tooltip text goes through ECharts' HTML renderer: escape it.
function escapeText(s) {
  return String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch]));
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

function centersTable(centers, id) {
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

// ---- centers ---------------------------------------------------------------------------------------------------

async function centersView() {
  const search = el('input', { id: 'center-search', placeholder: 'filter: name, province, hub, accelerator' });
  const stateSelect = el('select', { id: 'center-state' }, ['', 'up', 'draining', 'down'].map((s) => el('option', { value: s }, s || 'any state')));
  const kindSelect = el('select', { id: 'center-kind' }, ['', 'intelligent', 'super', 'general'].map((s) => el('option', { value: s }, s || 'any kind')));
  const holder = el('div');
  const counted = el('p', { class: 'note', id: 'caict-count' });
  show(el('h1', {}, L('Centers')), el('div', { class: 'filters' }, search, stateSelect, kindSelect), holder, counted);
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
      (!q || [c.id, c.name, c.name_en, c.province, c.region && c.region.name_zh, c.hub, ...c.accelerators].join(' ').toLowerCase().includes(q)));
    holder.replaceChildren(el('p', { class: 'note' }, `${rows.length} of ${data.centers.length} centers`), centersTable(rows, 'centers-table'));
  };
  for (const i of [search, stateSelect, kindSelect]) i.addEventListener('input', draw);
  const load = async () => {
    try { data = await liveCenters(); draw(); } catch (e) { holder.replaceChildren(errorBox(e)); }
  };
  await followLive(load, holder);
}

async function centerView(id) {
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

// Busy and queued devices over time from the loop's samples, with the center's (or network's) devices.
function historyChart(node, h) {
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

function factList(pairs, id) {
  return el('dl', { class: 'facts', id }, pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
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

// ---- jobs -------------------------------------------------------------------------------------------------------

function jobsTable(jobs) {
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
function costFen(j) {
  if (j.accounting) return j.accounting.bill_fen;
  return j.so_far ? Math.round(j.so_far.bill_cny * 100) : null;
}

function needToken() {
  return el('div', { class: 'panel' }, el('p', {}, 'Sign in with an API token (top right) to see jobs. An operator creates one: '), el('pre', {}, 'zhisuan token create --tenant NAME'));
}

async function jobsView(params) {
  if (!state.token) return show(el('h1', {}, L('Jobs')), needToken());
  const stateSelect = el('select', { id: 'job-state' }, ['', 'pending', 'placed', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled', 'requeued'].map((s) => el('option', { value: s }, s || 'any state')));
  stateSelect.value = params.get('state') || '';
  const tenant = el('input', { id: 'job-tenant', placeholder: 'tenant', value: params.get('tenant') || '' });
  const holder = el('div');
  show(el('h1', {}, L('Jobs')), el('div', { class: 'filters' }, stateSelect, state.who && state.who.role === 'operator' ? tenant : null), holder);
  const after = [0];
  const load = async () => {
    const q = new URLSearchParams({ limit: '100' });
    if (stateSelect.value) q.set('state', stateSelect.value);
    if (tenant.value.trim()) q.set('tenant', tenant.value.trim());
    if (after[after.length - 1]) q.set('after', String(after[after.length - 1]));
    try {
      const r = await api('/api/v1/jobs?' + q);
      holder.replaceChildren(jobsTable(r.jobs), el('div', { class: 'filters' },
        el('button', { disabled: after.length <= 1, onclick: () => { after.pop(); load(); } }, '← Newer'),
        el('button', { id: 'next-page', disabled: r.next_after === null, onclick: () => { after.push(r.next_after); load(); } }, 'Older →'),
        el('span', { class: 'note' }, `${r.jobs.length} jobs on this page`)));
    } catch (e) { holder.replaceChildren(errorBox(e)); }
  };
  stateSelect.addEventListener('change', () => { after.length = 1; load(); });
  tenant.addEventListener('change', () => { after.length = 1; load(); });
  await followLive(load, holder);
}

async function jobView(id) {
  if (!state.token) return show(needToken());
  const holder = el('div');
  show(el('p', {}, el('a', { href: '#/jobs' }, '← Jobs')), holder);
  // The tail of the logs, fetched on demand, or on every refresh while "follow" is on (the job's own output as
  // its backend has it: the last 64 KB).
  let logs = null, follow = false;
  // The same spec quoted on the network now (POST /api/v1/quote, as the submit page does): the ranked
  // candidates with their costs, and every rejected center with its reason. Asked once as the page opens for
  // a job not yet ended, and again on the button; kept across the page's refreshes with its charts.
  const alternatives = el('div', { id: 'alternatives' });
  let quoted = false;
  const quoteNow = async (spec) => {
    quoted = true;
    alternatives.replaceChildren(el('p', { class: 'note' }, L('Quoting…')));
    try {
      const q = await api('/api/v1/quote?top=5&explain=true', { method: 'POST', body: spec, type: 'application/yaml' });
      drawQuote(alternatives, q);
    } catch (e) { disposeCharts(alternatives); alternatives.replaceChildren(errorBox(e)); }
  };
  const readLogs = async (jobId) => {
    try { logs = (await api(`/api/v1/jobs/${jobId}/logs`)) || '(empty)'; } catch (e) { logs = e.message; }
  };
  const load = async () => {
    let j;
    try { j = await api('/api/v1/jobs/' + encodeURIComponent(id)); } catch (e) { holder.replaceChildren(errorBox(e)); return; }
    const terminal = ['succeeded', 'failed', 'cancelled'].includes(j.state);
    if (follow && j.backend_id) await readLogs(j.id);
    const d = j.decision;
    const parts = [el('h1', {}, `Job ${j.id} `, stateBadge(j.state), ' ', el('span', { class: 'note' }, j.tenant))];
    if (j.waiting) {
      parts.push(el('div', { class: 'waiting', id: 'waiting' },
        el('strong', {}, j.waiting.position ? `Waiting: number ${j.waiting.position} in its pool's queue — ` : 'Waiting — '),
        el('code', {}, j.waiting.code), ': ', j.waiting.reason));
    }
    parts.push(el('div', { class: 'row' },
      el('div', { class: 'panel' }, factList([
        ['State', j.state], ['Message', j.message || '–'], ['Center', j.center || '–'], ['Accelerator', j.accelerator || '–'],
        ['Devices', String(j.devices || '–')], ['Backend', j.backend ? `${j.backend} ${j.backend_id || ''}` : '–'],
        ['Submitted', fmt.time(j.submitted_at)], ['Started', fmt.time(j.started_at)], ['Finished', fmt.time(j.finished_at)],
        ...(j.so_far ? [['Cost so far', `${fmt.cny(j.so_far.bill_cny)} (compute ${fmt.cny(j.so_far.price_cny)}, transfer ${fmt.cny(j.so_far.transfer_fee_cny)}) after ${fmt.n(j.so_far.hours, 2)} h of run, ${fmt.pct(j.so_far.of_estimate)} of the estimate; ${fmt.n(j.so_far.energy_kwh, 1)} kWh, ${fmt.n(j.so_far.carbon_kg, 1)} kg CO2`]] : []),
        ['Attempts', String(j.attempts)], ['Exit code', j.exit_code === null ? '–' : String(j.exit_code)],
        ['Bill', j.accounting ? `${fmt.fen(j.accounting.bill_fen)} (compute ${fmt.fen(j.accounting.price_fen)}, transfer ${fmt.fen(j.accounting.transfer_fee_fen)}); ${fmt.n(j.accounting.device_hours, 2)} device-h, ${fmt.n(j.accounting.energy_kwh, 1)} kWh, ${fmt.n(j.accounting.carbon_kg, 1)} kg CO2` : '–'],
      ], 'job-facts'), terminal ? null : el('p', {}, el('button', {
        id: 'cancel', class: 'danger', onclick: async () => {
          if (!confirm(`Cancel job ${j.id}?`)) return;
          try { await api('/api/v1/jobs/' + j.id, { method: 'DELETE' }); await load(); } catch (e) { holder.prepend(errorBox(e)); }
        },
      }, L('Cancel')))),
      el('div', { class: 'panel' }, el('h2', {}, L('History')), el('ol', { class: 'timeline', id: 'history' },
        j.history.map((h) => el('li', {}, el('strong', {}, h.state), ' ', el('span', { class: 'note' }, fmt.time(h.at)), el('br'), h.detail))))));
    if (d) {
      const node = el('div', { class: 'chart small', id: 'estimate' });
      parts.push(el('div', { class: 'panel' }, el('h2', {}, L('Placement decision')), el('p', { id: 'why' }, d.why || ''),
        factList([['Policy', d.policy], ['Center', d.center], ['Run', `${fmt.n(d.run_h, 2)} h`], ['Finish (estimate)', fmt.time(d.finish_at)]]), node));
      setTimeout(() => breakdownChart(node, [{ name: d.center, ...d.estimate }]), 0);
    }
    parts.push(el('div', { class: 'panel' }, el('h2', {}, L('On the network now')),
      el('p', { class: 'note' }, L('The decision above was made on the network as it was then; this quotes the same spec on the network as it is now (a running job\'s own devices count as busy).'), ' ',
        el('button', { id: 'quote-now', onclick: () => quoteNow(j.spec) }, L('Quote again'))), alternatives));
    if (!quoted && !terminal) quoteNow(j.spec);
    parts.push(el('div', { class: 'panel' }, el('h2', {}, L('Spec')), el('pre', { id: 'spec' }, j.spec)));
    const logBox = el('pre', { id: 'logs', class: 'logs' }, logs ?? '');
    parts.push(el('div', { class: 'panel' }, el('h2', {}, L('Logs')), el('div', { class: 'filters' },
      el('button', { id: 'load-logs', onclick: async () => { await readLogs(j.id); logBox.textContent = logs; } }, L('Show the tail')),
      el('label', {}, el('input', { type: 'checkbox', id: 'follow-logs', checked: follow,
        onchange: (e) => { follow = e.target.checked; if (follow) load(); } }), ' ', L('Follow (every 3 s while it runs)'))), logBox));
    if (!holder.isConnected) return;  // this view was replaced while it loaded
    disposeCharts(holder, alternatives);
    holder.replaceChildren(...parts);
    if (follow) logBox.scrollTop = logBox.scrollHeight;  // the newest lines in view
  };
  await load();
  every(3000, load, holder);
}

// Stacked bars of what each candidate costs: compute price, transfer fee, energy (the center's cost), carbon.
function breakdownChart(node, candidates) {
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

// ---- submit and quote ------------------------------------------------------------------------------------------

const EXAMPLE = `# Fine-tune on 8 domestic or NVIDIA accelerators: 4 hours on 8 A100s, data in Beijing.
name: finetune-demo
kind: train
devices: 8
accelerator:
  models: [huawei-ascend-910b, nvidia-a800-sxm-80gb, nvidia-h20]
work: {reference_hours: 4, reference: nvidia-a100-sxm-80gb}
data: {size_gb: 200, province: beijing}
`;

async function submitView() {
  const text = el('textarea', { id: 'spec-input', spellcheck: 'false', 'aria-label': 'job spec' });
  text.value = sessionStorage.getItem('zhisuan.draft') || EXAMPLE;
  const objective = el('select', { id: 'objective' }, ['cost', 'carbon', 'energy', 'time'].map((o) => el('option', { value: o }, o)));
  const quoteBox = el('div', { id: 'quote' });
  const submitButton = el('button', { id: 'submit', class: 'primary', disabled: !state.token }, 'Submit');
  const result = el('div', { id: 'submit-result' });
  show(el('h1', {}, L('Submit and quote')),
    el('div', { class: 'row' },
      el('div', { class: 'panel' }, el('p', { class: 'note' }, 'A job spec in YAML or JSON. It is quoted on the live network as you type.'), text,
        el('div', { class: 'filters' }, 'Objective ', objective, submitButton, state.token ? null : el('span', { class: 'note' }, 'sign in to submit')), result),
      el('div', { class: 'panel' }, quoteBox)));
  let timer = null, seq = 0;
  try { await registry(); } catch { /* the quote still shows without its map */ }
  const quote = async () => {
    const mine = ++seq;
    sessionStorage.setItem('zhisuan.draft', text.value);
    try {
      const q = await api(`/api/v1/quote?top=5&explain=true&objective=${objective.value}`, { method: 'POST', body: text.value, type: 'application/yaml' });
      if (mine !== seq) return;
      drawQuote(quoteBox, q);
    } catch (e) {
      if (mine !== seq) return;
      for (const ch of state.charts) ch.dispose();
      state.charts = [];
      quoteBox.replaceChildren(el('h2', {}, 'Quote'), errorBox(e));
    }
  };
  text.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(quote, 350); });
  objective.addEventListener('change', quote);
  submitButton.addEventListener('click', async () => {
    try {
      const job = await api('/api/v1/jobs', { method: 'POST', body: text.value, type: 'application/yaml' });
      location.hash = '#/jobs/' + job.id;
    } catch (e) { result.replaceChildren(errorBox(e)); }
  });
  await quote();
}

function drawQuote(box, q) {
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

// ---- index ------------------------------------------------------------------------------------------------------

async function indexView() {
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

// ---- usage -----------------------------------------------------------------------------------------------------

async function usageView() {
  if (!state.token) return show(el('h1', {}, L('Usage')), needToken());
  // By center is for operators: it would show other tenants' use of a center.
  const choices = state.who && state.who.role === 'operator' ? ['tenant', 'center'] : ['tenant'];
  const by = el('select', { id: 'usage-by' }, choices.map((b) => el('option', { value: b }, 'by ' + b)));
  const range = el('select', { id: 'usage-range' }, [['1', 'last 24 h'], ['7', 'last 7 days'], ['30', 'last 30 days'], ['3650', 'all']].map(([d, l]) => el('option', { value: d }, l)));
  range.value = '30';
  const holder = el('div');
  show(el('h1', {}, L('Usage')), el('p', { class: 'note' }, 'Finished jobs, billed as they ran (a tenant sees its own).'), el('div', { class: 'filters' }, by, range), holder);
  const load = async () => {
    const from = Math.max(0, Date.now() / 1000 - Number(range.value) * 86400);
    try {
      const u = await api(`/api/v1/usage?by=${by.value}&from=${from.toFixed(0)}`);
      const rows = u.groups.map((g) => ({ ...g, key: g[by.value] }));
      const node = el('div', { class: 'chart small', id: 'usage-chart' });
      if (!holder.isConnected) return;  // this view was replaced while it loaded
      for (const ch of state.charts) ch.dispose();
      state.charts = [];
      holder.replaceChildren(table([
        { key: 'key', label: by.value === 'tenant' ? 'Tenant' : 'Center' },
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
  await load();
}

// ---- simulations: a what-if on a shipped or uploaded trace, run by the server; or a saved report.json ----

const POLICIES = ['lowest-cost', 'nearest-data', 'least-loaded', 'first-fit', 'random'];

async function simulationsView() {
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

// A download of `rows` as CSV (the usage table's columns, money in yuan).
function csvLink(rows, key, filename) {
  const url = URL.createObjectURL(new Blob([usageCsv(rows, key)], { type: 'text/csv' }));
  return el('a', { href: url, download: filename, id: 'usage-csv' }, L('Download CSV'));
}

// ---- health: the service's own state, from /metrics -----------------------------------------------------------

// The metric families the page reads (GET /metrics?name=...: a few KB, where the whole exposition of 10,000
// centers is 13 MB).
const HEALTH_FAMILIES = ['zhisuan_http_requests_total', 'zhisuan_http_request_duration_seconds', 'zhisuan_uptime_seconds',
  'zhisuan_http_connections_open', 'zhisuan_http_connections_refused_total', 'zhisuan_http_timeouts_total',
  'zhisuan_http_rejected_total', 'zhisuan_store_ok', 'zhisuan_store_unsaved_transitions', 'zhisuan_leader',
  'zhisuan_leader_epoch', 'zhisuan_jobs', 'zhisuan_jobs_finished_total', 'zhisuan_scheduler_waiting_jobs',
  'zhisuan_scheduler_pass_seconds', 'zhisuan_store_commit_seconds', 'zhisuan_backend_up', 'zhisuan_device_seconds_total',
  'zhisuan_energy_kwh_total', 'zhisuan_carbon_kg_total', 'zhisuan_billed_yuan_total'];

// Rates and means over the last refresh (the difference of two scrapes, as Prometheus' rate() does), and the
// same over the page's life drawn as lines.
async function healthView() {
  const kpis = el('div', { class: 'kpis', id: 'health-kpis' });
  const scheduler = el('div', { id: 'health-scheduler' });
  const backends = el('div', { id: 'health-backends' });
  const routes = el('div', { id: 'health-routes' });
  const accrued = el('p', { class: 'note', id: 'health-accrued' });
  const chartNode = el('div', { class: 'chart small', id: 'health-chart' });
  show(el('h1', {}, L('Health')), kpis, accrued,
    el('div', { class: 'row' }, el('div', { class: 'panel' }, el('h2', {}, L('Scheduler and store')), scheduler),
      el('div', { class: 'panel' }, el('h2', {}, L('Backends')), backends)),
    el('div', { class: 'panel' }, el('h2', {}, L('Over this page\'s life')), chartNode),
    el('div', { class: 'panel' }, el('h2', {}, L('Requests by route')), routes),
    el('p', { class: 'note' }, L('From GET /metrics (Prometheus text); deploy/grafana and deploy/prometheus have the dashboard and alert rules for the same figures.')));
  let previous = null, at = 0, history = null;
  const series = { t: [], rps: [], pass: [], commit: [] };
  const ms = (x) => x === null || x === undefined || Number.isNaN(x) ? '–'
    : x < 0.001 ? fmt.n(1e6 * x, 0) + ' µs' : fmt.n(1000 * x, 2) + ' ms';
  const load = async () => {
    let m;
    try {
      m = parseMetrics(await api('/metrics?name=' + HEALTH_FAMILIES.join(',')));
    } catch (e) { kpis.replaceChildren(errorBox(e)); return; }
    if (!kpis.isConnected) return;
    const now = performance.now() / 1000;
    const requests = metricSum(m, 'zhisuan_http_requests_total');
    const failed = (m.zhisuan_http_requests_total || []).filter((x) => Number(x.labels.status) >= 500).reduce((a, x) => a + x.value, 0);
    const passSum = metricSum(m, 'zhisuan_scheduler_pass_seconds_sum'), passCount = metricSum(m, 'zhisuan_scheduler_pass_seconds_count');
    const commitSum = metricSum(m, 'zhisuan_store_commit_seconds_sum'), commitCount = metricSum(m, 'zhisuan_store_commit_seconds_count');
    // Over the last refresh when there was one (else since the server started).
    const d = previous && now > at ? {
      seconds: now - at, requests: requests - previous.requests, failed: failed - previous.failed,
      pass: passCount > previous.passCount ? (passSum - previous.passSum) / (passCount - previous.passCount) : null,
      commit: commitCount > previous.commitCount ? (commitSum - previous.commitSum) / (commitCount - previous.commitCount) : null,
    } : null;
    const uptime = metricSum(m, 'zhisuan_uptime_seconds');
    const rps = d ? d.requests / d.seconds : (uptime > 0 ? requests / uptime : null);
    const buckets = histogramBuckets(m, 'zhisuan_http_request_duration_seconds');
    const storeOk = m.zhisuan_store_ok ? metricSum(m, 'zhisuan_store_ok') === 1 : null;
    const leading = m.zhisuan_leader ? metricSum(m, 'zhisuan_leader') >= 1 : null;
    const replicated = (m.zhisuan_leader || []).some((x) => x.labels.replica);  // one server: no replica id
    kpis.replaceChildren(...[
      [L('Store'), storeOk === null ? '–' : storeOk ? L('commits') : L('failing'), storeOk === false ? 'bad' : ''],
      [L('Unsaved transitions'), fmt.n(metricSum(m, 'zhisuan_store_unsaved_transitions'))],
      [L('Leader'), leading === null ? '–' : !replicated ? L('this server (no replicas)')
        : leading ? `${L('this replica')} (${L('epoch')} ${fmt.n(metricSum(m, 'zhisuan_leader_epoch'))})` : L('another replica')],
      [L('Uptime'), fmt.ago(Date.now() / 1000 - uptime)],
      [L('Requests / s'), fmt.n(rps, 1)],
      [L('5xx in the last refresh'), d ? fmt.n(d.failed) : fmt.n(failed), (d ? d.failed : failed) > 0 ? 'bad' : ''],
      [L('Answer time p50 / p95'), `${ms(histogramQuantile(buckets, 0.5))} / ${ms(histogramQuantile(buckets, 0.95))}`],
      [L('Connections open'), fmt.n(metricSum(m, 'zhisuan_http_connections_open'))],
      [L('Connections refused / timed out'), `${fmt.n(metricSum(m, 'zhisuan_http_connections_refused_total'))} / ${fmt.n(metricSum(m, 'zhisuan_http_timeouts_total'))}`],
    ].map(([label, value, cls]) => el('div', { class: 'kpi ' + (cls || '') }, el('div', { class: 'value' }, value), el('div', { class: 'label' }, label))));
    accrued.textContent = `${L('Accrued since start')}: ${fmt.n(metricSum(m, 'zhisuan_device_seconds_total') / 3600, 1)} ${L('device-hours')}, ` +
      `${fmt.n(metricSum(m, 'zhisuan_energy_kwh_total'), 1)} kWh, ${fmt.n(metricSum(m, 'zhisuan_carbon_kg_total'), 1)} kg CO2, ` +
      `¥${fmt.n(metricSum(m, 'zhisuan_billed_yuan_total'), 2)} ${L('billed')}.`;
    const jobs = (m.zhisuan_jobs || []).map((x) => [`${L('Jobs')} ${x.labels.state}`, fmt.n(x.value)]);
    const finished = (m.zhisuan_jobs_finished_total || []).map((x) => [`${L('Finished')} ${x.labels.state}`, fmt.n(x.value)]);
    const waiting = (m.zhisuan_scheduler_waiting_jobs || []).map((x) => [`${L('Waiting')}: ${x.labels.reason}`, fmt.n(x.value)]);
    scheduler.replaceChildren(factList([
      [L('Scheduler pass, mean'), ms(d && d.pass !== null ? d.pass : passCount > 0 ? passSum / passCount : null)],
      [L('Scheduler pass, longest'), ms(metricSum(m, 'zhisuan_scheduler_pass_seconds_max'))],
      [L('Passes'), fmt.n(passCount)],
      [L('Commit, mean'), ms(d && d.commit !== null ? d.commit : commitCount > 0 ? commitSum / commitCount : null)],
      [L('Commit, longest'), ms(metricSum(m, 'zhisuan_store_commit_seconds_max'))],
      ...jobs, ...finished, ...waiting,
    ], 'health-scheduler-facts'));
    // Backends: how many are up, by kind, and every one that is not.
    const up = m.zhisuan_backend_up || [];
    const kinds = {};
    for (const b of up) {
      const k = kinds[b.labels.kind] ||= { kind: b.labels.kind, up: 0, down: 0 };
      if (b.value >= 1) k.up += 1; else k.down += 1;
    }
    const down = up.filter((b) => b.value < 1);
    backends.replaceChildren(
      table([{ key: 'kind', label: L('Kind') }, { key: 'up', label: L('Up'), num: true }, { key: 'down', label: L('Down'), num: true }],
        Object.values(kinds), { id: 'backend-table' }),
      down.length ? table([{ key: 'center', label: L('Center') }, { key: 'kind', label: L('Kind') }],
        down.map((b) => ({ center: b.labels.center, kind: b.labels.kind })),
        { id: 'backends-down', onclick: (r) => { location.hash = '#/centers/' + encodeURIComponent(r.center); } })
        : el('p', { class: 'note' }, up.length ? L('Every backend answers.') : L('No backends (this server runs no jobs).')));
    // Requests by route since the server started, with their 95th percentile.
    const byRoute = {};
    for (const x of m.zhisuan_http_requests_total || []) {
      const r = byRoute[x.labels.route] ||= { route: x.labels.route, requests: 0, client: 0, server: 0 };
      r.requests += x.value;
      if (Number(x.labels.status) >= 500) r.server += x.value; else if (Number(x.labels.status) >= 400) r.client += x.value;
    }
    for (const r of Object.values(byRoute)) {
      const b = (m.zhisuan_http_request_duration_seconds_bucket || []).filter((x) => x.labels.route === r.route)
        .map((x) => ({ le: x.labels.le === '+Inf' ? Infinity : Number(x.labels.le), count: x.value }));
      r.p95 = histogramQuantile(b, 0.95);
    }
    routes.replaceChildren(table([
      { key: 'route', label: L('Route') },
      { key: 'requests', label: L('Requests'), num: true, render: (r) => fmt.n(r.requests) },
      { key: 'client', label: '4xx', num: true, render: (r) => fmt.n(r.client) },
      { key: 'server', label: '5xx', num: true, render: (r) => fmt.n(r.server) },
      { key: 'p95', label: 'p95', num: true, render: (r) => ms(r.p95) },
    ], Object.values(byRoute), { id: 'route-table', sortKey: 'route' }));
    previous = { requests, failed, passSum, passCount, commitSum, commitCount };
    at = now;
    if (d) {
      series.t.push(Date.now());
      series.rps.push(rps);
      series.pass.push(d.pass === null ? null : d.pass * 1000);
      series.commit.push(d.commit === null ? null : d.commit * 1000);
      await echartsReady();
      if (!chartNode.isConnected) return;
      const option = { series: [
        { data: series.t.map((t, i) => [t, series.rps[i]]) },
        { data: series.t.map((t, i) => [t, series.pass[i]]) },
        { data: series.t.map((t, i) => [t, series.commit[i]]) }] };
      if (!history) {
        history = chart(chartNode);
        history.setOption({
          tooltip: { trigger: 'axis' }, legend: {}, grid: { left: 60, right: 60 },
          xAxis: { type: 'time' },
          yAxis: [{ type: 'value', name: L('Requests / s') }, { type: 'value', name: 'ms' }],
          series: [
            { name: L('Requests / s'), type: 'line', showSymbol: false, ...option.series[0] },
            { name: L('Scheduler pass, mean'), type: 'line', yAxisIndex: 1, showSymbol: false, ...option.series[1] },
            { name: L('Commit, mean'), type: 'line', yAxisIndex: 1, showSymbol: false, ...option.series[2] },
          ],
        });
      } else history.setOption(option);
    }
  };
  await load();
  every(5000, load, kpis);
}

// ---- audit -----------------------------------------------------------------------------------------------------

async function auditView() {
  if (!state.token) return show(el('h1', {}, L('Audit')), needToken());
  const action = el('select', { id: 'audit-action' }, ['', 'job.submit', 'job.cancel', 'token.create', 'token.revoke', 'tenant.limits', 'quota.set', 'center.drain', 'center.undrain'].map((a) => el('option', { value: a }, a || 'any action')));
  const holder = el('div');
  show(el('h1', {}, L('Audit')), el('p', { class: 'note' }, 'Every state-changing call, who made it from where, and its result. Append-only.'), el('div', { class: 'filters' }, action), holder);
  const after = [0];
  const load = async () => {
    const q = new URLSearchParams({ limit: '100', after: String(after[after.length - 1]) });
    if (action.value) q.set('action', action.value);
    try {
      const r = await api('/api/v1/audit?' + q);
      holder.replaceChildren(table([
        { key: 'seq', label: L('Seq'), num: true },
        { key: 'at', label: L('At'), render: (e) => fmt.time(e.at) },
        { key: 'who', label: L('Who'), render: (e) => `${e.by.tenant || '–'} (${e.by.role}, ${e.by.token_id})`, sort: (e) => e.by.tenant },
        { key: 'from', label: L('From'), render: (e) => e.by.remote, sort: (e) => e.by.remote },
        { key: 'action', label: L('Action') },
        { key: 'target', label: L('Target') },
        { key: 'result', label: L('Result') },
        { key: 'detail', label: L('Detail') },
      ], r.entries, { id: 'audit-table' }), el('div', { class: 'filters' },
        el('button', { disabled: after.length <= 1, onclick: () => { after.pop(); load(); } }, '← Earlier'),
        el('button', { disabled: r.next_after === null, onclick: () => { after.push(r.next_after); load(); } }, 'Later →')));
    } catch (e) { holder.replaceChildren(errorBox(e)); }
  };
  action.addEventListener('change', () => { after.length = 1; load(); });
  await load();
}

// ---- keyboard ------------------------------------------------------------------------------------------------

// Shortcuts (lib.js: "g" then a letter goes to a page, "/" to the page's filter, "?" lists them), never while the
// focus is in a field, and never with Ctrl, Alt or Meta (the browser's own).
let lastKey = '', lastKeyAt = 0;
function showHelp() {
  const dialog = document.getElementById('help');
  dialog.replaceChildren(el('h2', {}, L('Keyboard')), el('dl', {},
    ...Object.entries(GO_KEYS).flatMap(([k, [, label]]) => [el('dt', {}, el('kbd', {}, 'g'), ' ', el('kbd', {}, k)), el('dd', {}, L(label))]),
    el('dt', {}, el('kbd', {}, '/')), el('dd', {}, L("The page's filter or first field")),
    el('dt', {}, el('kbd', {}, 'Tab')), el('dd', {}, L('Links, table headers (Enter sorts), rows (Enter opens)')),
    el('dt', {}, el('kbd', {}, '↑'), ' ', el('kbd', {}, '↓')), el('dd', {}, L('The previous or next row of a table')),
    el('dt', {}, el('kbd', {}, '?')), el('dd', {}, L('This list')),
    el('dt', {}, el('kbd', {}, 'Esc')), el('dd', {}, L('Close it'))),
  el('form', { method: 'dialog' }, el('button', { id: 'help-close' }, L('Close'))));
  if (!dialog.open) dialog.showModal();
}
document.addEventListener('keydown', (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
  if (ev.target.closest && ev.target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"], dialog')) return;
  const now = performance.now();
  const act = shortcut(now - lastKeyAt < 1500 ? lastKey : '', ev.key);
  lastKey = act && act.wait ? ev.key : '';
  lastKeyAt = now;
  if (!act || act.wait) return;
  ev.preventDefault();
  if (act.go) location.hash = act.go;
  else if (act.help) showHelp();
  else if (act.focus) {
    const field = view().querySelector('[data-filter], input:not([type=hidden]):not([disabled]), select, textarea');
    if (field) field.focus();
  }
});
document.getElementById('skip').addEventListener('click', () => focusView());
// The view's heading takes the focus after a navigation the keyboard made (the focus was on the page's body,
// the header's links or in a view now gone), so that Tab goes on from the new page and a screen reader reads it.
function focusView() {
  const h = view().querySelector('h1');
  if (h) { h.tabIndex = -1; h.focus({ preventScroll: true }); }
}

// ---- sign-in and routing ---------------------------------------------------------------------------------------

async function whoAmI() {
  state.who = null;
  if (state.token) {
    try { state.who = await api('/api/v1/me'); } catch (e) {
      if (e.status === 401) { state.token = ''; sessionStorage.removeItem(TOKEN_KEY); }
    }
  }
  document.body.classList.toggle('operator', !!state.who && state.who.role === 'operator');
  document.getElementById('who').textContent = state.who ? `${state.who.tenant} (${state.who.role})` : '';
  document.getElementById('token').hidden = !!state.who;
  document.getElementById('signin-button').hidden = !!state.who;
  document.getElementById('signout-button').hidden = !state.who;
}

async function route() {
  for (const t of state.timers) clearInterval(t);
  for (const es of state.streams) es.close();
  state.streams = [];
  state.timers = [];
  const [path, query] = (location.hash.slice(1) || '/').split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  const name = parts[0] || 'network';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === name);
  try {
    // The registry is fetched while the chart library loads (the network page has its figures from the server).
    if (name !== 'network') registryData().catch(() => {});
    // The first screen draws its figures and tables before the chart library runs, its charts after.
    if (name !== 'network') await echartsReady();
    if (name === 'network') await networkView();
    else if (name === 'centers' && parts[1]) await centerView(decodeURIComponent(parts[1]));
    else if (name === 'centers') await centersView();
    else if (name === 'jobs' && parts[1]) await jobView(parts[1]);
    else if (name === 'jobs') await jobsView(params);
    else if (name === 'submit') await submitView();
    else if (name === 'audit') await auditView();
    else if (name === 'usage') await usageView();
    else if (name === 'index') await indexView();
    else if (name === 'simulations') await simulationsView();
    else if (name === 'health') await healthView();
    else show(el('h1', {}, L('Not found')), el('p', {}, el('a', { href: '#/' }, 'Network')));
  } catch (e) { show(errorBox(e)); }
  const focused = document.activeElement;
  if (!focused || focused === document.body || !focused.isConnected || focused.closest('nav')) focusView();
}

document.getElementById('signin').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  state.token = document.getElementById('token').value.trim();
  document.getElementById('token').value = '';
  await whoAmI();
  if (!state.who) {
    state.token = '';
    view().prepend(errorBox(new Error('That token is not valid (revoked, expired or unknown).')));
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, state.token);
  await route();
});
document.getElementById('signout-button').addEventListener('click', async () => {
  state.token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  await whoAmI();
  await route();
});
// The header's static labels, the language and theme switches.
function applyChrome() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.body.classList.toggle('dark', state.dark);
  for (const a of document.querySelectorAll('nav a')) a.textContent = L(a.dataset.label);
  document.getElementById('signin-button').textContent = L('Sign in');
  document.getElementById('signout-button').textContent = L('Sign out');
  document.getElementById('lang').textContent = state.lang === 'zh' ? 'EN' : '中文';
  document.getElementById('theme').textContent = state.dark ? '☀' : '☾';
}
document.getElementById('lang').addEventListener('click', async () => {
  state.lang = state.lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem(LANG_KEY, state.lang);
  applyChrome();
  await route();
});
document.getElementById('theme').addEventListener('click', async () => {
  state.dark = !state.dark;
  localStorage.setItem(THEME_KEY, state.dark ? 'dark' : 'light');
  applyChrome();
  await route();
});
window.addEventListener('hashchange', route);
// Only charts on the page with a size: a geo chart resized to 0x0 throws in ECharts 6.1.0 (apache/echarts#21706,
// the reason web/package.json pins 6.0.0), and a 0x0 chart has nothing to draw anyway.
window.addEventListener('resize', () => {
  for (const c of state.charts) {
    const d = c.getDom();
    if (d.isConnected && d.clientWidth > 0 && d.clientHeight > 0) c.resize();
  }
});

applyChrome();
await whoAmI();
await route();
