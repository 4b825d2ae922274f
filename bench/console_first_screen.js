// The console's first screen (the Network page) in headless Chromium, from navigation: `figures` when the KPIs
// and the centers table show the data, `map` when the map of China is drawn with every center; and how long the
// page's main thread was busy in long tasks (> 50 ms) until then. Cold: a new browser context each run (nothing
// cached); warm: the same context again. (The context bypasses the page's CSP only so that Playwright can poll
// in it.)
// Usage: node bench/console_first_screen.js URL LABEL [runs, default 5]
const path = require('path');
const { chromium } = require(path.join(__dirname, '..', 'web', 'node_modules', 'playwright-core'));

const [url, label, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);

async function once(context) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    window.__long = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long += e.duration; })
      .observe({ type: 'longtask', buffered: true });
  });
  await page.goto(url + '/#/', { waitUntil: 'commit' });
  // Each moment is read in the page, in the animation frame that first sees it (not after a round trip to
  // Playwright, which waits for whatever the page runs next).
  const figures = await (await page.waitForFunction(() => {
    const kpi = document.querySelector('#kpis .kpi .value');
    return kpi && kpi.textContent !== '–' && document.querySelectorAll('#network-centers tbody tr').length > 0 &&
      performance.now();
  }, null, { timeout: 60000, polling: 'raf' })).jsonValue();
  const at = await (await page.waitForFunction(() => {
    const canvas = document.querySelector('#map canvas');
    return canvas && canvas.width > 0 && performance.now();
  }, null, { timeout: 60000, polling: 'raf' })).jsonValue();
  const m = await page.evaluate(() => ({ long: window.__long,
    rows: document.querySelectorAll('#network-centers tbody tr').length,
    centers: document.querySelector('#kpis .kpi .value').textContent }));
  m.figures = figures;
  m.at = at;
  await page.close();
  if (errors.length) throw new Error('page errors: ' + errors.join('; '));
  return m;
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const mode of ['cold', 'warm']) {
    const at = [], long = [], figures = [];
    let last = null;
    const shared = mode === 'warm' ? await browser.newContext({ viewport: { width: 1400, height: 1000 }, bypassCSP: true }) : null;
    if (shared) await once(shared);  // fills its cache
    for (let i = 0; i < runs; i++) {
      const context = shared || await browser.newContext({ viewport: { width: 1400, height: 1000 }, bypassCSP: true });
      last = await once(context);
      at.push(last.at); long.push(last.long); figures.push(last.figures);
      if (!shared) await context.close();
    }
    if (shared) await shared.close();
    console.log(`${label} ${mode}: figures median ${median(figures).toFixed(0)} ms (${figures.map((x) => x.toFixed(0)).join(', ')}), ` +
      `map median ${median(at).toFixed(0)} ms (${at.map((x) => x.toFixed(0)).join(', ')}), ` +
      `long tasks median ${median(long).toFixed(0)} ms; ${last.centers} centers, ${last.rows} table rows`);
  }
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
