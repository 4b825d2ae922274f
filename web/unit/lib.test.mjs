// Unit tests of the console's pure helpers (web/console/lib.js) with Node's own test runner (node --test; Node
// 18 and newer, no package needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fmt, compareValues, csvField, usageCsv, simulationBody, checkSimReport, wallText, WALL_FONT_PX, shortcut, GO_KEYS, parseMetrics, metricSum, histogramQuantile, histogramBuckets } from '../console/lib.js';

test('numbers, shares, money and times read as the console shows them', () => {
  assert.equal(fmt.n(1234567.891), '1,234,568');
  assert.equal(fmt.n(0.5, 2), '0.50');
  assert.equal(fmt.n(null), '–');
  assert.equal(fmt.n(undefined), '–');
  assert.equal(fmt.n(NaN), '–');
  assert.equal(fmt.pct(0.3391), '33.9%');
  assert.equal(fmt.pct(null), '–');
  assert.equal(fmt.fen(123456), '¥1,234.56');
  assert.equal(fmt.cny(2.016), '¥2.02');
  assert.equal(fmt.time(1700000000), '2023-11-14 22:13:20Z');
  assert.equal(fmt.time(0), '–');
  assert.equal(fmt.ago(1000, 1030), '30 s');
  assert.equal(fmt.ago(1000, 1000 + 600), '10 min');
  assert.equal(fmt.ago(1000, 1000 + 7200), '2.0 h');
});

test('a column sorts numbers by value, text as text, and missing values last', () => {
  const rows = [{ v: 10 }, { v: null }, { v: 9 }, { v: 100 }, {}];
  const asc = [...rows].sort((a, b) => compareValues(a.v, b.v, true)).map((r) => r.v);
  assert.deepEqual(asc, [9, 10, 100, null, undefined]);
  const desc = [...rows].sort((a, b) => compareValues(a.v, b.v, false)).map((r) => r.v);
  assert.deepEqual(desc, [100, 10, 9, null, undefined]);  // the busiest first, not the centers without a figure
  assert.deepEqual(['广东', 'beijing', 'Anhui'].sort((a, b) => compareValues(a, b)), ['Anhui', 'beijing', '广东']);
});

test('the usage CSV quotes what needs quoting and bills in yuan', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  const csv = usageCsv([{ key: 'lab,a', jobs: 2, device_hours: 16, energy_kwh: 9.6, carbon_kg: 3.1, price_fen: 12345, transfer_fee_fen: 5, bill_fen: 12350 }], 'tenant');
  assert.equal(csv, 'tenant,jobs,device_hours,energy_kwh,carbon_kg,compute_cny,transfer_cny,bill_cny\n"lab,a",2,16,9.6,3.1,123.45,0.05,123.50\n');
});

test('a simulation request is built from the form, or the field to fix is named', () => {
  assert.deepEqual(simulationBody({ trace: 'philly-sample', policies: ['lowest-cost'], seeds: ' 1-3 ', timeScale: '50', loadScale: '2', failure: ' c@24+12 ' }),
    { policies: ['lowest-cost'], seeds: '1-3', time_scale: 50, load_scale: 2, failures: ['c@24+12'], trace: 'philly-sample' });
  assert.deepEqual(simulationBody({ trace: '', upload: 'a,b\n1,2\n', policies: ['first-fit'], seeds: '', timeScale: '1', loadScale: '1', failure: '' }),
    { policies: ['first-fit'], seeds: '1', time_scale: 1, load_scale: 1, trace_csv: 'a,b\n1,2\n' });
  assert.throws(() => simulationBody({ trace: 'x', policies: [], timeScale: 1, loadScale: 1 }), /policies: choose at least one/);
  assert.throws(() => simulationBody({ trace: 'x', policies: ['random'], timeScale: '0', loadScale: 1 }), /time_scale: must be a number > 0/);
  assert.throws(() => simulationBody({ trace: 'x', policies: ['random'], timeScale: 1, loadScale: 'lots' }), /load_scale/);
  assert.throws(() => simulationBody({ trace: '', upload: null, policies: ['random'], timeScale: 1, loadScale: 1 }), /trace: choose/);
});

test('a saved report is checked before it is drawn', () => {
  const good = { trace: { path: 't' }, bound: { tenant_cost_cny: 10 }, policies: [{ policy: 'lowest-cost', tenant_cost_cny: 10, cost_ratio_to_bound: 1 }] };
  assert.equal(checkSimReport(good), good);
  assert.throws(() => checkSimReport(null), /not a JSON object/);
  assert.throws(() => checkSimReport({ a: 1 }), /no policies in it/);
  assert.throws(() => checkSimReport({ ...good, bound: {} }), /no bound in it/);
  assert.throws(() => checkSimReport({ ...good, trace: undefined }), /no trace in it/);
  assert.throws(() => checkSimReport({ ...good, policies: [{ policy: 'x' }] }), /without its name, cost or ratio/);
});

test('a wall screen doubles the text of a chart, component by component', () => {
  const big = { fontSize: WALL_FONT_PX };
  assert.equal(WALL_FONT_PX, 24);
  assert.deepEqual(wallText({ xAxis: [{}], yAxis: [{}, {}], series: [{}, {}, {}], tooltip: [{}] }), {
    textStyle: big,
    xAxis: [{ axisLabel: big, nameTextStyle: big }],
    yAxis: [{ axisLabel: big, nameTextStyle: big }, { axisLabel: big, nameTextStyle: big }],
    tooltip: [{ textStyle: big }],
    series: [{ label: big }, { label: big }, { label: big }],
  });
  assert.deepEqual(wallText({ radar: [{}], visualMap: [{}] }), { textStyle: big, visualMap: [{ textStyle: big }], radar: [{ axisName: big }] });
  assert.deepEqual(wallText({}), { textStyle: big });
});

test('shortcut: g then a letter goes to a page, / to the filter, ? to the list, others nothing', () => {
  assert.deepEqual(shortcut('', 'g'), { wait: true });
  assert.deepEqual(shortcut('g', 'c'), { go: '#/centers' });
  assert.deepEqual(shortcut('g', 'n'), { go: '#/' });
  assert.deepEqual(shortcut('g', 'm'), { go: '#/simulations' });
  assert.deepEqual(shortcut('g', 'g'), { wait: true });  // a second g starts again
  assert.equal(shortcut('g', 'x'), null);
  assert.equal(shortcut('', 'c'), null);  // a letter alone does nothing
  assert.deepEqual(shortcut('', '/'), { focus: 'filter' });
  assert.deepEqual(shortcut('x', '?'), { help: true });
  assert.equal(shortcut('g', 'toString'), null);  // only the table's own keys
  for (const [hash] of Object.values(GO_KEYS)) assert.match(hash, /^#\//);
});

test('the Prometheus text format: samples with labels, sums, and quantiles from histogram buckets', () => {
  const text = [
    '# HELP zhisuan_jobs Jobs by state.', '# TYPE zhisuan_jobs gauge',
    'zhisuan_jobs{state="running"} 3', 'zhisuan_jobs{state="pending"} 2',
    'zhisuan_backend_up{center="a\\"b",kind="sim"} 1', 'zhisuan_uptime_seconds 12.5',
    'zhisuan_d_bucket{route="/a",le="0.1"} 2', 'zhisuan_d_bucket{route="/a",le="1"} 4', 'zhisuan_d_bucket{route="/a",le="+Inf"} 4',
    'zhisuan_d_bucket{route="/b",le="0.1"} 0', 'zhisuan_d_bucket{route="/b",le="1"} 2', 'zhisuan_d_bucket{route="/b",le="+Inf"} 4',
    'not a sample line', '',
  ].join('\n');
  const m = parseMetrics(text);
  assert.equal(metricSum(m, 'zhisuan_jobs'), 5);
  assert.equal(metricSum(m, 'zhisuan_jobs', { state: 'running' }), 3);
  assert.equal(metricSum(m, 'zhisuan_missing'), 0);
  assert.equal(m.zhisuan_backend_up[0].labels.center, 'a"b');
  assert.equal(m.zhisuan_uptime_seconds[0].value, 12.5);
  const buckets = histogramBuckets(m, 'zhisuan_d');
  assert.deepEqual(buckets.sort((a, b) => a.le - b.le), [{ le: 0.1, count: 2 }, { le: 1, count: 6 }, { le: Infinity, count: 8 }]);
  // 8 observations: the median (rank 4) lies in (0.1, 1] after 2 of them: 0.1 + 0.9 * 2/4.
  assert.ok(Math.abs(histogramQuantile(buckets, 0.5) - 0.55) < 1e-12);
  assert.equal(histogramQuantile(buckets, 0.25), 0.1);
  assert.equal(histogramQuantile(buckets, 0.99), 1);  // in the +Inf bucket: the highest finite bound
  assert.equal(histogramQuantile([], 0.5), null);
  assert.equal(histogramQuantile([{ le: 1, count: 0 }, { le: Infinity, count: 0 }], 0.5), null);
});
