// zhisuan console: the service's health from /metrics.

import { fmt, parseMetrics, metricSum, histogramQuantile, histogramBuckets } from '../lib.js';
import { L, el, api, errorBox, show, chart, every, table, echartsReady } from '../core.js';
import { factList } from '../widgets.js';

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
export async function healthView() {
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
