// zhisuan console: one page over the HTTP API (no framework; esbuild bundles only ECharts). This module starts it:
// the keyboard, sign-in, the language and theme switches, and the routes. Each page is its own module under
// pages/, loaded when it is first shown (the network page is preloaded by index.html); what pages share is in
// core.js (state, words, elements, the API, charts, live refresh, tables, shared data) and widgets.js (parts
// drawn on more than one page). Views: network (map of China), centers, a center, jobs, a job, submit and quote,
// usage, index, simulations, health, audit (operators).

import { shortcut, GO_KEYS } from './lib.js';
import { TOKEN_KEY, LANG_KEY, THEME_KEY, state, L, el, api, errorBox, view, show, echartsReady, registryData } from './core.js';

// ---- pages -----------------------------------------------------------------------------------------------------

// A page's module, loaded on its first visit (the browser keeps it for the next).
const PAGES = {
  network: () => import('./pages/network.js'), centers: () => import('./pages/centers.js'),
  jobs: () => import('./pages/jobs.js'), submit: () => import('./pages/submit.js'), audit: () => import('./pages/audit.js'),
  usage: () => import('./pages/usage.js'), index: () => import('./pages/index.js'),
  simulations: () => import('./pages/simulations.js'), health: () => import('./pages/health.js'),
};
const page = (name) => PAGES[name]();

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
    if (name === 'network') await (await page('network')).networkView();
    else if (name === 'centers' && parts[1]) await (await page('centers')).centerView(decodeURIComponent(parts[1]));
    else if (name === 'centers') await (await page('centers')).centersView();
    else if (name === 'jobs' && parts[1]) await (await page('jobs')).jobView(parts[1]);
    else if (name === 'jobs') await (await page('jobs')).jobsView(params);
    else if (name === 'submit') await (await page('submit')).submitView();
    else if (name === 'audit') await (await page('audit')).auditView();
    else if (name === 'usage') await (await page('usage')).usageView();
    else if (name === 'index') await (await page('index')).indexView();
    else if (name === 'simulations') await (await page('simulations')).simulationsView();
    else if (name === 'health') await (await page('health')).healthView();
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

// A page linked or typed as a path (/centers/ID: the server answers it with this page) becomes its route.
if (location.pathname !== '/' && !location.hash) {
  history.replaceState(null, '', '/#' + location.pathname + location.search);
}
applyChrome();
await whoAmI();
await route();

