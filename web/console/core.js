// zhisuan console, the shared part: the state, the words in both languages, elements, the API, charts, live
// refresh, tables, and the data the pages share. Every value from the server is put into the page as text (el()),
// never as HTML. The token lives in this tab's sessionStorage (gone when the tab closes); the server decides what it
// may see, never the page.

import { fmt, compareValues, wallText } from './lib.js';

export const TOKEN_KEY = 'zhisuan.token';
export const LANG_KEY = 'zhisuan.lang';
export const THEME_KEY = 'zhisuan.theme';
export const state = {
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
  'Capacity FP16 (PFLOPS)': '算力规模 FP16（PFLOPS）', 'Capacity FP32-equivalent (PFLOPS)': '算力规模 FP32 等效（PFLOPS）',
  'Capacity FP64 (PFLOPS)': '算力规模 FP64（PFLOPS）', 'Utilisation (busy / devices)': '利用率（占用卡数 / 总卡数）',
  'Free devices': '空闲卡数', 'PUE (mean of centers)': 'PUE（中心平均）', 'Grid carbon (kg/kWh)': '电网碳排放因子（千克/千瓦时）',
  'Tariff (CNY/kWh, flat)': '电价（元/千瓦时，平段）',
  'All clusters': '全部集群', '(no cluster)': '（集群外）', 'All accelerators': '全部加速卡',
  'by tenant': '按租户', 'by center': '按中心', 'by accelerator': '按加速卡', 'tenant (all)': '租户（全部）',
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
export const L = (en) => state.lang === 'zh' && ZH[en] ? ZH[en] : en;
// A center's or a region's name in the chosen language (the data has both).
export const nameOf = (x) => x ? (state.lang === 'zh' ? (x.name || x.name_zh || x.id) : (x.name_en || x.name || x.id)) : '–';

// ---- small helpers ----------------------------------------------------------------------------------------

// An element with attributes (on* are listeners) and children (strings become text nodes).
export function el(tag, attrs = {}, ...children) {
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

export async function api(path, { method = 'GET', body, type = 'application/json' } = {}) {
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

export const stateBadge = (s) => el('span', { class: 'state ' + s }, s);
export const errorBox = (e) => el('div', { class: 'error', role: 'alert' }, e.message || String(e));

export function view() { return document.getElementById('view'); }

export function show(...nodes) {
  disposeCharts();
  view().replaceChildren(...nodes);
}

// Disposes the charts drawn inside `node` (every chart without one) but not inside `except`, and forgets them.
export function disposeCharts(node, except) {
  state.charts = state.charts.filter((c) => {
    const dom = c.getDom();
    const mine = (!node || node.contains(dom)) && !(except && except.contains(dom));
    if (mine) c.dispose();
    return !mine;
  });
}

export function chart(node) {
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
export function every(ms, fn, anchor) {
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
export async function followLive(load, anchor, pollMs = 5000) {
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
export const TABLE_PAGE = 100;
export function table(columns, rows, { onclick, sortKey, id, page = TABLE_PAGE } = {}) {
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
export function echartsReady() {
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
export function regionsData() {
  if (!regionsLoad) {
    regionsLoad = api('/api/v1/regions').then((regions) => ({
      regions: regions.regions, hubs: regions.hubs || [],
      region: Object.fromEntries(regions.regions.map((r) => [r.id, r])),
    }));
    regionsLoad.catch(() => { regionsLoad = null; });
  }
  return regionsLoad;
}
export function registryData() {
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
export function chinaMap() {
  if (!mapLoad) {
    mapLoad = Promise.all([fetch('/console/china.json').then((r) => r.json()), echartsReady()])
      .then(([china]) => echarts.registerMap('china', china));
    mapLoad.catch(() => { mapLoad = null; });
  }
  return mapLoad;
}
export async function registry() {
  const [reg] = await Promise.all([registryData(), chinaMap()]);
  return reg;
}

// Resolves after the browser has painted what is on the page now.
export const afterPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

// Centers with their live state (devices free, busy, queued; up, draining, down) when the server runs jobs:
// every center's totals (the live state's summary, without pools), or one center with its pools.
export async function liveCenters(one) {
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

// The share of a center's FP16 capacity on accelerators of vendors seated in China (null without capacity).
export const domesticShare = (c) => c.domestic_pflops && c.capacity_pflops.fp16 > 0 ? c.domestic_pflops.fp16 / c.capacity_pflops.fp16 : null;
// Planned, under construction or retired (the registry's status): takes no jobs, shown grey.
export const notInService = (c) => c.status && c.status.value !== 'in_service';
