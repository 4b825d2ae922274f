// Component tests of the console's shared parts (web/console/core.js, widgets.js) in a DOM (jsdom, pinned in
// web/package.json) with Node's own test runner: elements are text and never HTML, the sortable and paged table
// with its keyboard, the charts a page disposes, the jobs table's cost, and the live refresh (server-sent
// events, at most one load a second, polling while no events flow) on a clock the test moves.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body><main id="view"></main></body></html>', { url: 'http://127.0.0.1/' });
const win = dom.window;
const realSetImmediate = setImmediate;

// The page's globals from jsdom; what jsdom lacks (matchMedia, EventSource) as fakes; timers and Date.now on a
// clock the tests move.
const clock = { now: 1_000_000, next: 1, timers: new Map() };
function addTimer(fn, ms, repeat) {
  const id = clock.next++;
  clock.timers.set(id, { fn, at: clock.now + Math.max(0, ms || 0), every: repeat ? Math.max(1, ms || 0) : 0 });
  return id;
}
class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = FakeEventSource.CONNECTING;
    this.listeners = {};
    FakeEventSource.all.push(this);
  }
  addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }
  close() { this.readyState = FakeEventSource.CLOSED; }
  emit(type) {
    if (type === 'open') this.readyState = FakeEventSource.OPEN;
    if (type === 'error') this.readyState = FakeEventSource.CONNECTING;
    for (const fn of this.listeners[type] || []) fn({ type });
  }
}
const globals = {
  window: win, document: win.document, Node: win.Node, localStorage: win.localStorage,
  sessionStorage: win.sessionStorage, navigator: win.navigator, KeyboardEvent: win.KeyboardEvent,
  matchMedia: () => ({ matches: false }), EventSource: FakeEventSource,
  requestAnimationFrame: (fn) => addTimer(fn, 16, false),
  setTimeout: (fn, ms) => addTimer(fn, ms, false), setInterval: (fn, ms) => addTimer(fn, ms, true),
  clearTimeout: (id) => clock.timers.delete(id), clearInterval: (id) => clock.timers.delete(id),
};
for (const [k, v] of Object.entries(globals)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
Date.now = () => clock.now;

const settle = () => new Promise((resolve) => realSetImmediate(resolve));
// Moves the clock by `ms`, running every timer that falls due on the way, in order, and what they awaited.
async function advance(ms) {
  const end = clock.now + ms;
  for (;;) {
    let due = null;
    for (const [id, t] of clock.timers) if (t.at <= end && (!due || t.at < due[1].at)) due = [id, t];
    if (!due) break;
    const [id, t] = due;
    clock.now = Math.max(clock.now, t.at);
    if (t.every) t.at += t.every; else clock.timers.delete(id);
    t.fn();
    await settle();
  }
  clock.now = end;
  await settle();
}

const { el, table, state, disposeCharts, followLive } = await import('../console/core.js');
const { jobsTable, costFen } = await import('../console/widgets.js');

beforeEach(() => {
  clock.timers.clear();
  FakeEventSource.all = [];
  state.timers = [];
  state.streams = [];
  state.charts = [];
  document.body.replaceChildren(el('main', { id: 'view' }));
});

test('el() puts values into the page as text, never as HTML', () => {
  let clicked = 0;
  const p = el('p', { class: 'x', title: 'a "b"', hidden: false, draggable: true, missing: null, onclick: () => { clicked += 1; } },
    '<img src=x onerror=alert(1)>', null, ['one', el('b', {}, 'two')], 3);
  assert.equal(p.querySelector('img'), null);
  assert.equal(p.textContent, '<img src=x onerror=alert(1)>onetwo3');
  assert.equal(p.className, 'x');
  assert.equal(p.getAttribute('title'), 'a "b"');
  assert.equal(p.hasAttribute('hidden'), false);
  assert.equal(p.getAttribute('draggable'), '');
  assert.equal(p.hasAttribute('missing'), false);
  p.click();
  assert.equal(clicked, 1);
});

const ROWS = [{ name: 'b', n: 2 }, { name: 'a', n: 10 }, { name: 'c', n: 1 }, { name: 'd', n: null }];
const COLUMNS = [{ key: 'name', label: 'Name' }, { key: 'n', label: 'N', num: true }];
const cells = (t, col) => [...t.querySelectorAll('tbody tr')].map((tr) => tr.children[col].textContent);

test('a table sorts on a header, either way, with what it is sorted by said to assistive technology', () => {
  const t = table(COLUMNS, ROWS, { id: 't' });
  document.getElementById('view').append(t);
  assert.deepEqual(cells(t, 0), ['b', 'a', 'c', 'd']);  // as given until sorted
  t.querySelectorAll('th')[1].click();
  assert.deepEqual(cells(t, 1), ['1', '2', '10', '–']);  // numbers as numbers; none last
  assert.equal(t.querySelectorAll('th')[1].getAttribute('aria-sort'), 'ascending');
  t.querySelectorAll('th')[1].click();
  assert.deepEqual(cells(t, 1), ['10', '2', '1', '–']);
  assert.equal(t.querySelectorAll('th')[1].getAttribute('aria-sort'), 'descending');
  // Enter on a header sorts too, and the header keeps the focus although it was drawn again.
  t.querySelectorAll('th')[0].dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  assert.deepEqual(cells(t, 0), ['a', 'b', 'c', 'd']);
  assert.equal(document.activeElement, t.querySelectorAll('th')[0]);
});

test('a table draws a page of rows with a button for the next, and its rows work from the keyboard', () => {
  const opened = [];
  const t = table(COLUMNS, ROWS, { id: 't', page: 2, onclick: (r) => opened.push(r.name) });
  document.getElementById('view').append(t);
  assert.equal(t.querySelectorAll('tbody tr').length, 2);
  const more = t.querySelector('tfoot button');
  assert.match(more.textContent, /\(2\)$/);
  assert.match(t.querySelector('tfoot').textContent, /^2 of 4 /);
  more.click();
  assert.equal(t.querySelectorAll('tbody tr').length, 4);
  assert.equal(t.querySelector('tfoot button'), null);
  const rows = t.querySelectorAll('tbody tr');
  rows[0].focus();
  rows[0].dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
  assert.equal(document.activeElement, rows[1]);
  rows[1].dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
  assert.equal(document.activeElement, rows[3]);
  rows[3].dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  rows[0].click();
  assert.deepEqual(opened, ['d', 'b']);
});

test('a page disposes the charts inside a part of it, and keeps those it says', () => {
  const page = el('div', {}, el('div', { id: 'a' }), el('div', { id: 'kept' }, el('div', { id: 'b' })));
  const outside = el('div');
  const disposed = [];
  const fake = (node) => ({ getDom: () => node, dispose: () => disposed.push(node.id || 'outside') });
  state.charts = [fake(page.querySelector('#a')), fake(page.querySelector('#b')), fake(outside)];
  disposeCharts(page, page.querySelector('#kept'));
  assert.deepEqual(disposed, ['a']);
  assert.equal(state.charts.length, 2);
  disposeCharts();
  assert.deepEqual(disposed, ['a', 'b', 'outside']);
  assert.deepEqual(state.charts, []);
});

test('the jobs table says what each job has cost: its bill, its cost so far while it runs, or nothing yet', () => {
  const jobs = [
    { id: 1, tenant: 't', state: 'succeeded', accounting: { bill_fen: 12345 }, so_far: null, submitted_at: 0 },
    { id: 2, tenant: 't', state: 'running', accounting: null, so_far: { bill_cny: 3.456 }, submitted_at: 0 },
    { id: 3, tenant: 't', state: 'pending', accounting: null, so_far: null, submitted_at: 0 },
  ];
  const t = jobsTable(jobs);
  const cost = [...t.querySelectorAll('tbody tr')].map((tr) => tr.lastElementChild.textContent);
  assert.deepEqual(cost, ['¥123.45', '¥3.46 …', '–']);
  assert.ok(t.querySelector('tbody tr:nth-child(2) .so-far'));
  assert.deepEqual(jobs.map(costFen), [12345, 346, null]);
});

test('a live page loads as it opens, again on the server\'s events (at most once a second), and polls while none flow', async () => {
  const anchor = el('div');
  document.getElementById('view').append(anchor);
  let loads = 0;
  await followLive(async () => { loads += 1; }, anchor, 5000);
  assert.equal(loads, 1);
  const [es] = FakeEventSource.all;
  assert.equal(es.url, '/api/v1/events');
  es.emit('open');
  es.emit('live');  // the state as the stream opens: the first load has it
  await settle();
  assert.equal(loads, 1);
  await advance(2000);
  assert.equal(loads, 1, 'events flow: no polling');
  es.emit('live');
  await settle();
  assert.equal(loads, 2);
  // Three events within a second of that load: one more load, a second after it.
  await advance(300);
  es.emit('live');
  es.emit('live');
  es.emit('live');
  await settle();
  assert.equal(loads, 2);
  await advance(700);
  assert.equal(loads, 3);
  // Events flowing but quiet: asked again once 30 s have passed since the last load.
  await advance(29_000);
  assert.equal(loads, 3);
  await advance(6_000);
  assert.equal(loads, 4);
  // The stream drops: the page asks every 5 s until it is back.
  es.emit('error');
  await advance(5_000);
  assert.equal(loads, 5);
  await advance(5_000);
  assert.equal(loads, 6);
  // The page is left: nothing more, neither on events nor on the clock.
  anchor.remove();
  es.emit('open');
  es.emit('live');
  await advance(60_000);
  assert.equal(loads, 6);
  assert.deepEqual(state.streams, [es]);  // closed by the router on the next page
});
