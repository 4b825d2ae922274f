// zhisuan console: the pure helpers of app.js (no DOM, no state), unit-tested with node:test in
// web/unit/. Numbers and times as the console shows them, the table order, the usage CSV, the body of a
// simulation request and the check of a simulation report.

// One formatter per number of decimals, made once: toLocaleString with options builds a formatter on every
// call (10,000 map markers' tooltips took 260 ms of the first screen).
const numberFormats = new Map();
const numberFormat = (d) => {
  if (!numberFormats.has(d)) numberFormats.set(d, new Intl.NumberFormat('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
  return numberFormats.get(d);
};

export const fmt = {
  n: (x, d = 0) => (x === null || x === undefined || Number.isNaN(x)) ? '–' : numberFormat(d).format(Number(x)),
  pct: (x) => (x === null || x === undefined) ? '–' : (100 * x).toFixed(1) + '%',
  time: (s) => s ? new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '–',
  ago: (s, now = Date.now() / 1000) => {
    if (!s) return '–';
    const d = now - s;
    return d < 90 ? `${Math.round(d)} s` : d < 5400 ? `${Math.round(d / 60)} min` : `${(d / 3600).toFixed(1)} h`;
  },
  cny: (x) => (x === null || x === undefined) ? '–' : '¥' + fmt.n(x, 2),
  fen: (x) => (x === null || x === undefined) ? '–' : '¥' + fmt.n(x / 100, 2),
};

// The order of a table column: numbers by value, the rest as text, missing values last either way (sorting by
// Busy descending shows the busiest centers first, not the planned ones without a figure).
export function compareValues(x, y, asc = true) {
  const noX = x === null || x === undefined, noY = y === null || y === undefined;
  if (noX || noY) return noX === noY ? 0 : noX ? 1 : -1;  // missing values last, either way
  const c = (x === y) ? 0 : (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
  return asc ? c : -c;
}

// One CSV field: quoted when it holds a comma, a quote or a line break (quotes doubled).
export const csvField = (v) => /[",\n\r]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v);

// The usage table as CSV, money in yuan.
export function usageCsv(rows, key) {
  const header = [key, 'jobs', 'device_hours', 'energy_kwh', 'carbon_kg', 'compute_cny', 'transfer_cny', 'bill_cny'];
  return [header.join(',')].concat(rows.map((r) => [r.key, r.jobs, r.device_hours, r.energy_kwh, r.carbon_kg,
    (r.price_fen / 100).toFixed(2), (r.transfer_fee_fen / 100).toFixed(2), (r.bill_fen / 100).toFixed(2)].map(csvField).join(','))).join('\n') + '\n';
}

// The body of POST /api/v1/simulations from the form's values; throws naming the field the user must fix.
export function simulationBody({ trace, upload, policies, seeds, timeScale, loadScale, failure }) {
  if (!policies || policies.length === 0) throw new Error('policies: choose at least one');
  const body = { policies, seeds: (seeds || '').trim() || '1', time_scale: Number(timeScale), load_scale: Number(loadScale) };
  for (const [k, v] of [['time_scale', body.time_scale], ['load_scale', body.load_scale]]) {
    if (!(v > 0)) throw new Error(`${k}: must be a number > 0`);
  }
  if (failure && failure.trim()) body.failures = [failure.trim()];
  if (trace) body.trace = trace;
  else if (upload !== undefined && upload !== null) body.trace_csv = upload;
  else throw new Error('trace: choose a shipped trace or a file to upload');
  return body;
}

// Throws unless `rep` looks like the JSON of zhisuan sim (policies with their costs, and a bound).
export function checkSimReport(rep) {
  if (!rep || typeof rep !== 'object') throw new Error('not a JSON object');
  if (!Array.isArray(rep.policies) || rep.policies.length === 0) throw new Error('no policies in it');
  if (!rep.bound || typeof rep.bound.tenant_cost_cny !== 'number') throw new Error('no bound in it');
  if (!rep.trace) throw new Error('no trace in it');
  for (const p of rep.policies) {
    if (typeof p.policy !== 'string' || typeof p.tenant_cost_cny !== 'number' || typeof p.cost_ratio_to_bound !== 'number')
      throw new Error('a policy without its name, cost or ratio');
  }
  return rep;
}

// The patch that doubles a chart's text for a wall screen, given the chart's option as ECharts holds it (every
// component a list): axis labels and names, legends, tooltips, visual maps, radar names, series labels, and
// the default text style. Components are patched by position, so the patch merges into what is there.
export const WALL_FONT_PX = 24;
export function wallText(option) {
  const big = { fontSize: WALL_FONT_PX };
  const each = (key, patch) => (Array.isArray(option[key]) ? option[key].map(() => patch) : undefined);
  const out = { textStyle: big };
  for (const axis of ['xAxis', 'yAxis', 'radiusAxis', 'angleAxis', 'singleAxis']) {
    const p = each(axis, { axisLabel: big, nameTextStyle: big });
    if (p) out[axis] = p;
  }
  for (const [key, patch] of [['legend', { textStyle: big }], ['tooltip', { textStyle: big }],
    ['visualMap', { textStyle: big }], ['radar', { axisName: big }], ['title', { textStyle: big }],
    ['series', { label: big }]]) {
    const p = each(key, patch);
    if (p) out[key] = p;
  }
  return out;
}

// Keyboard shortcuts: "g" then a letter goes to a page (as in GitHub's and Gmail's consoles), "/" goes to the
// page's filter, "?" lists them. `shortcut(previous, key)` is what a key pressed after `previous` (the key before
// it, within the time the page allows, or '') does: {go: '#/…'}, {focus: 'filter'}, {help: true}, {wait: true}
// when it starts a sequence, or null.
export const GO_KEYS = {
  n: ['#/', 'Network'], c: ['#/centers', 'Centers'], j: ['#/jobs', 'Jobs'], s: ['#/submit', 'Submit'],
  u: ['#/usage', 'Usage'], i: ['#/index', 'Index'], m: ['#/simulations', 'Simulations'], h: ['#/health', 'Health'],
  a: ['#/audit', 'Audit'],
};
export function shortcut(previous, key) {
  if (previous === 'g' && Object.hasOwn(GO_KEYS, key)) return { go: GO_KEYS[key][0] };
  if (key === 'g') return { wait: true };
  if (key === '/') return { focus: 'filter' };
  if (key === '?') return { help: true };
  return null;
}

// The Prometheus text format (what GET /metrics answers) as {name: [{labels, value}]}: HELP, TYPE and comment
// lines skipped, label values unescaped (\\, \", \n), values as numbers (+Inf, -Inf and NaN included).
export function parseMetrics(text) {
  const out = {};
  for (const line of String(text).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) {
      for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, ch) => (ch === 'n' ? '\n' : ch));
      }
    }
    const value = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    (out[m[1]] ||= []).push({ labels, value });
  }
  return out;
}

// The sum of a metric's samples whose labels include `match` (0 when there is none).
export const metricSum = (metrics, name, match = {}) => (metrics[name] || [])
  .filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v))
  .reduce((a, s) => a + s.value, 0);

// The q-quantile of a Prometheus histogram from its cumulative buckets [{le, count}] (le may be Infinity), by
// linear interpolation within the bucket it falls in, as PromQL's histogram_quantile does; null without
// observations; the highest finite bound when it falls in the +Inf bucket.
export function histogramQuantile(buckets, q) {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.length ? sorted[sorted.length - 1].count : 0;
  if (!(total > 0)) return null;
  const rank = q * total;
  let lower = 0, below = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lower;
      if (b.count === below) return b.le;
      return lower + (b.le - lower) * (rank - below) / (b.count - below);
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}

// A histogram's buckets summed over its series (e.g. every route), from parseMetrics' samples of NAME_bucket.
export function histogramBuckets(metrics, name) {
  const by = new Map();
  for (const s of metrics[name + '_bucket'] || []) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    by.set(le, (by.get(le) || 0) + s.value);
  }
  return [...by].map(([le, count]) => ({ le, count }));
}
