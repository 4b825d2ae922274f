// The console in a real browser against a real server on the shipped network (simulated centers): the network
// map, centers, a tenant quoting, submitting and following a job, a job that waits and why, an operator draining
// a center and reading the audit log. Any script error on a page fails its test.
const { test, expect } = require('@playwright/test');

const TENANT = process.env.ZHISUAN_TENANT_TOKEN;
const OPERATOR = process.env.ZHISUAN_OPERATOR_TOKEN;

const SMALL_JOB = `name: console-test
kind: train
devices: 8
accelerator: {models: [nvidia-a800-sxm-80gb, nvidia-h20]}
work: {reference_hours: 2, reference: nvidia-a100-sxm-80gb}
data: {size_gb: 50, province: beijing}
`;

// The shipped network's 30 centers and the test's local one (tests/e2e/console_test.sh).
const CENTERS = 31;

let errors = [];
test.beforeEach(async ({ page }) => {
  errors = [];
  page.on('pageerror', (e) => { errors.push(e.message); console.log(e.stack); });  // the stack in the test's output
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
});
// A screenshot of where each test ended, kept as an artefact (web/test-results/screens).
test.afterEach(async ({ page }, info) => {
  await page.screenshot({ path: `test-results/screens/${info.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`, fullPage: true });
  expect(errors).toEqual([]);
});

async function signIn(page, token) {
  await page.goto('/');
  await page.fill('#token', token);
  await page.click('#signin-button');
  await expect(page.locator('#who')).not.toBeEmpty();
}

test('the network page draws the map, the totals and the hubs, and refreshes itself', async ({ page }) => {
  // The events cut off at once (a proxy that ends them): the page asks every 5 s instead (the next test has
  // them flowing).
  await page.route('**/api/v1/events', (r) => r.fulfill({ status: 200, contentType: 'text/event-stream', body: ': cut\n\n' }));
  await page.goto('/');
  await expect(page.locator('#kpis .kpi').first()).toContainText(String(CENTERS));
  await expect(page.locator('#map canvas').first()).toBeVisible();
  await expect(page.locator('#hub-table')).toContainText('(no hub)');  // the hubs, and the centers outside them
  await expect(page.locator('#hub-table tbody tr')).toHaveCount(9);  // the 8 hubs, Ningxia's without a center too
  await expect(page.locator('#hub-table')).toContainText('Ningxia');
  await expect(page.locator('#hub-table thead')).toContainText('FP64 PF');
  // Totals by cluster (the 10 clusters and the centers outside them) and by kind, at every precision.
  await page.selectOption('#group-by', 'cluster');
  await expect(page.locator('#cluster-table tbody tr')).toHaveCount(11);
  await expect(page.locator('#cluster-table')).toContainText('Zhangjiakou');
  await page.selectOption('#group-by', 'kind');
  await expect(page.locator('#kind-table')).toContainText('intelligent');
  await page.selectOption('#group-by', 'hub');
  await expect(page.locator('#network-centers tbody tr')).toHaveCount(CENTERS);
  for (const measure of ['utilisation', 'tariff', 'pue', 'fp32e']) await page.selectOption('#measure', measure);
  // Live without events: the page asks the server again without a reload.
  const asked = page.waitForRequest((r) => r.url().includes('/api/v1/network?'), { timeout: 12000 });
  await asked;
  // A center marker's row leads to the center.
  await page.locator('#network-centers tbody tr').first().click();
  await expect(page).toHaveURL(/#\/centers\//);
  await expect(page.locator('#pools-table tbody tr').first()).toBeVisible();
  await expect(page.locator('#history-chart canvas').first()).toBeVisible();
  await expect(page.locator('#energy-chart canvas').first()).toBeVisible();  // power and carbon over time
  await page.goto('/');
  await expect(page.locator('#network-history canvas').first()).toBeVisible();
});

test('the network page changes as the network does: the server pushes the live state', async ({ page, request }) => {
  const streams = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/v1/events')) streams.push(r.url()); });
  await page.goto('/');
  await expect(page.locator('#network-centers tbody tr')).toHaveCount(CENTERS);
  expect(streams.length).toBe(1);
  const drainingKpi = page.locator('#kpis .kpi', { hasText: 'Draining / down' }).locator('.value');
  await expect(drainingKpi).toHaveText('0 / 0');
  const before = await page.evaluate(() => window.__zhisuanEvents());
  const auth = { headers: { Authorization: `Bearer ${OPERATOR}` } };
  expect((await request.post('/api/v1/centers/cmcc-hohhot-aidc/drain', auth)).status()).toBe(200);
  try {
    await expect(drainingKpi).toHaveText('1 / 0', { timeout: 4000 });
    expect(await page.evaluate(() => window.__zhisuanEvents())).toBeGreaterThan(before);
  } finally {
    expect((await request.post('/api/v1/centers/cmcc-hohhot-aidc/undrain', auth)).status()).toBe(200);
  }
  await expect(drainingKpi).toHaveText('0 / 0', { timeout: 4000 });
  // Another page closes the network page's stream and opens its own: the server counts one client.
  await page.goto('/#/centers');
  await expect(page.locator('#centers-table tbody tr')).toHaveCount(CENTERS);
  expect(streams.length).toBe(2);
  const clients = async () => {
    const text = await (await request.get('/metrics?name=zhisuan_http_event_clients')).text();
    return Number((/^zhisuan_http_event_clients (\d+)$/m.exec(text) || [])[1]);
  };
  await expect.poll(clients, { timeout: 5000 }).toBe(1);
  await page.goto('/#/usage');
  await expect.poll(clients, { timeout: 5000 }).toBe(0);
});

test('the keyboard alone: the map filters as fields, a hub row, shortcuts to pages, rows and the list of keys', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#network-centers tbody tr')).toHaveCount(CENTERS);
  await expect(page.locator('h1')).toBeFocused();  // the page's heading starts the keyboard's path
  // "/" goes to the page's first filter: the province, the map's click as a field. The server filters.
  await page.keyboard.press('/');
  await expect(page.locator('#province')).toBeFocused();
  const filtered = page.waitForRequest((r) => r.url().includes('province=guangdong'));
  await page.selectOption('#province', 'guangdong');
  await filtered;
  await expect(page.locator('#kpis .kpi').first()).toContainText('4');
  await expect(page.locator('#network-centers tbody tr')).toHaveCount(4);
  await expect(page.locator('#filter')).toContainText('广东');
  await page.selectOption('#province', '');
  await expect(page.locator('#network-centers tbody tr')).toHaveCount(CENTERS);
  // A hub's row takes the focus and filters the page by its hub on Enter; again shows all.
  await page.locator('#hub-table tbody tr', { hasText: 'Yangtze River Delta' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#hub')).toHaveValue('yangtze-delta');
  await expect(page.locator('#network-centers tbody tr')).toHaveCount(5);
  await page.locator('#hub-table tbody tr', { hasText: 'Yangtze River Delta' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#network-centers tbody tr')).toHaveCount(CENTERS);
  // "g" then "c": the centers page, its heading focused; "/" its filter; keys typed there are text, not shortcuts.
  await page.locator('h1').focus();
  await page.keyboard.press('g');
  await page.keyboard.press('c');
  await expect(page).toHaveURL(/#\/centers$/);
  await expect(page.locator('h1')).toHaveText('Centers');  // the new page drawn, not the old one's heading
  await expect(page.locator('h1')).toBeFocused();
  await page.keyboard.press('/');
  await expect(page.locator('#center-search')).toBeFocused();
  await page.keyboard.type('gc');
  await expect(page).toHaveURL(/#\/centers$/);
  await expect(page.locator('#center-search')).toHaveValue('gc');
  await page.fill('#center-search', '');
  // Up and down move between the rows; Enter opens one.
  const rows = page.locator('#centers-table tbody tr');
  await expect(rows).toHaveCount(CENTERS);
  await rows.first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(rows.nth(1)).toBeFocused();
  await page.keyboard.press('End');
  await expect(rows.nth(CENTERS - 1)).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(rows.nth(CENTERS - 2)).toBeFocused();
  const name = (await rows.nth(CENTERS - 2).locator('td').first().textContent()).trim();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/centers\/.+/);
  await expect(page.locator('h1')).toContainText(name);
  // "?" lists the keys in a dialog; Escape closes it. "g i": the index page.
  await page.locator('h1').focus();
  await page.keyboard.press('?');
  await expect(page.locator('#help')).toBeVisible();
  await expect(page.locator('#help')).toContainText('Simulations');
  await page.keyboard.press('Escape');
  await expect(page.locator('#help')).toBeHidden();
  await page.keyboard.press('g');
  await page.keyboard.press('i');
  await expect(page).toHaveURL(/#\/index$/);
  // The skip button is the first stop of Tab and leads into the page.
  await page.goto('/#/usage');
  await expect(page.locator('#view h1')).toBeFocused();
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('Tab');
  await expect(page.locator('#skip')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#view h1')).toBeFocused();
});

test('the health page reads the service from /metrics: the store, the scheduler, the backends, requests by route', async ({ page }) => {
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/metrics')) asked.push(r.url()); });
  await page.goto('/');
  await expect(page.locator('#network-centers tbody tr').first()).toBeVisible();
  await page.keyboard.press('g');
  await page.keyboard.press('h');
  await expect(page).toHaveURL(/#\/health$/);
  await expect(page.locator('#health-kpis')).toContainText('commits');  // the store
  await expect(page.locator('#health-kpis')).toContainText('this server (no replicas)');  // one server leads itself
  // Every shipped center runs on the simulated backend here, and answers.
  const sim = page.locator('#backend-table tbody tr', { hasText: 'sim' });
  await expect(sim).toBeVisible();
  expect(Number((await sim.locator('td').nth(1).textContent()).replace(/,/g, ''))).toBeGreaterThan(20);
  await expect(page.locator('#health-backends')).toContainText('Every backend answers.');
  await expect(page.locator('#health-scheduler')).toContainText('Scheduler pass, mean');
  await expect(page.locator('#route-table')).toContainText('/api/v1/network');
  // The second scrape gives rates: the line chart of this page's life appears.
  await expect(page.locator('#health-chart canvas').first()).toBeVisible({ timeout: 15000 });
  // Only the families the page reads are asked for, never the whole exposition.
  expect(asked.length).toBeGreaterThan(1);
  for (const url of asked) expect(url).toContain('/metrics?name=zhisuan_http_requests_total,');
});

test('a supervisor sees how much of the capacity is domestic and which centers are only planned', async ({ page }) => {
  await page.goto('/');
  await page.selectOption('#measure', 'domestic');
  await expect(page.locator('.filters')).toContainText('Map shows');
  await expect(page.locator('#map canvas').first()).toBeVisible();
  const pengcheng = page.locator('#network-centers tbody tr', { hasText: 'Peng Cheng Cloud Brain II' });
  await expect(pengcheng).toContainText('100.0%');  // Ascend 910 and Kunpeng 920, both Huawei
  await expect(page.locator('#network-centers thead')).toContainText('Domestic');
  // How much of the nation the registry sees, against CAICT's 435 EFLOPS with its seed line.
  await expect(page.locator('#coverage')).toContainText("of China's 435 EFLOPS");
  await expect(page.locator('#coverage')).toContainText('004:523-525');
  await expect(page.locator('#coverage')).toContainText(/intelligent \d+\.\d%/);
  await expect(page.locator('#infrastructure')).toContainText('seed 001:8');
  await expect(page.locator('#infrastructure')).toContainText('33.9%');
  await expect(page.locator('#infrastructure')).toContainText('standard racks');
  // A center whose published figure is a plan says so instead of 'up'.
  await expect(page.locator('#network-centers tbody tr', { hasText: 'Suihong Huachuang' })).toContainText('planned');
});

test('the centers table filters and sorts', async ({ page }) => {
  await page.goto('/#/centers');
  await expect(page.locator('#centers-table tbody tr')).toHaveCount(CENTERS);
  // CAICT's >= 500 AI cards rule: 15 of the 19 intelligent-computing centers in service count.
  await expect(page.locator('#caict-count')).toContainText('15 of the 19');
  await expect(page.locator('#caict-count a')).toHaveCount(4);
  await page.fill('#center-search', 'gansu');
  await expect(page.locator('#centers-table tbody tr')).toHaveCount(2);
  await page.fill('#center-search', '');
  // By province, cluster and accelerator, as fields.
  await page.selectOption('#center-province', 'guangdong');
  await expect(page.locator('#centers-table tbody tr')).toHaveCount(4);
  await page.selectOption('#center-province', '*');
  await page.selectOption('#center-cluster', 'horinger');  // 和林格尔: three of Inner Mongolia's centers
  await expect(page.locator('#centers-table tbody tr')).toHaveCount(3);
  await page.selectOption('#center-cluster', '*');
  await page.selectOption('#center-accelerator', 'sunway-sw26010');
  await expect(page.locator('#centers-table tbody tr')).toHaveCount(1);
  await expect(page.locator('#centers-table tbody tr')).toContainText('TaihuLight');
  await page.selectOption('#center-accelerator', '*');
  await expect(page.locator('#centers-table tbody tr')).toHaveCount(CENTERS);
  await page.selectOption('#center-kind', 'super');
  const supers = await page.locator('#centers-table tbody tr').count();
  expect(supers).toBeGreaterThan(0);
  expect(supers).toBeLessThan(CENTERS);
  await page.click('#centers-table th:has-text("Devices")');
  const first = Number((await page.locator('#centers-table tbody tr:first-child td:nth-child(6)').innerText()).replace(/,/g, ''));
  const last = Number((await page.locator('#centers-table tbody tr:last-child td:nth-child(6)').innerText()).replace(/,/g, ''));
  expect(first).toBeLessThanOrEqual(last);
  // A center linked as a path (a bookmark, a link in a mail) opens its page.
  await page.goto('/centers/wuhan-aicc');
  await expect(page).toHaveURL(/\/#\/centers\/wuhan-aicc$/);
  await expect(page.locator('#pools-table tbody tr').first()).toBeVisible();
  await page.goto('/jobs?state=running');
  await expect(page).toHaveURL(/\/#\/jobs\?state=running$/);
});

test('the tables work from the keyboard: a header sorts on Enter, a row opens on Enter', async ({ page }) => {
  await page.goto('/#/centers');
  const first = page.locator('#centers-table tbody tr').first();
  await expect(first).toBeVisible();
  const devices = page.locator('#centers-table thead th', { hasText: /^Devices$/ }).first();
  await devices.focus();
  await page.keyboard.press('Enter');
  await expect(devices).toHaveAttribute('aria-sort', 'ascending');
  await page.keyboard.press(' ');
  await expect(devices).toHaveAttribute('aria-sort', 'descending');
  const row = page.locator('#centers-table tbody tr.link').first();
  await row.focus();
  await expect(row).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/centers\/[a-z0-9-]+/);
  await expect(page.locator('#pools-table tbody tr').first()).toBeVisible();
});

test('a tenant quotes a job as it types, sees field errors, submits it and follows it to its bill', async ({ page }) => {
  await signIn(page, TENANT);
  await expect(page.locator('#who')).toContainText('lab-a (tenant)');
  await expect(page.locator('nav a[data-view="audit"]')).toBeHidden();  // operators only
  await page.goto('/#/submit');
  await page.fill('#spec-input', SMALL_JOB);
  await expect(page.locator('#chosen')).toContainText('¥');
  await expect(page.locator('#candidates tbody tr').first()).toBeVisible();
  await expect(page.locator('#breakdown canvas').first()).toBeVisible();
  await expect(page.locator('#quote-map canvas').first()).toBeVisible();  // candidates and rejections on a map
  await expect(page.locator('#rejected summary')).toContainText('rejected');
  await page.fill('#spec-input', SMALL_JOB.replace('devices: 8', 'devices: -1'));
  await expect(page.locator('#quote .error')).toContainText('devices');
  await page.fill('#spec-input', SMALL_JOB);
  await expect(page.locator('#chosen')).toContainText('¥');
  errors = errors.filter((e) => !e.includes('status of 400'));  // the browser logs the refused quote itself
  await page.click('#submit');
  await expect(page).toHaveURL(/#\/jobs\/\d+$/);
  await expect(page.locator('#history li').first()).toContainText('pending');
  await expect(page.locator('#why')).not.toBeEmpty();
  await expect(page.locator('h1 .state')).toHaveText('succeeded', { timeout: 30000 });
  await expect(page.locator('#job-facts')).toContainText('device-h');
  // An ended job is quoted again on the button: its candidates on the network now.
  await page.click('#quote-now');
  await expect(page.locator('#alternatives #candidates tbody tr').first()).toBeVisible();
  await expect(page.locator('#alternatives #rejected summary')).toContainText('rejected');
  await page.goto('/#/jobs');
  await expect(page.locator('#jobs-table tbody tr').first()).toContainText('succeeded');
  // Its bill in the tenant's usage.
  await page.goto('/#/usage');
  await expect(page.locator('#usage-table')).toContainText('lab-a');
  await expect(page.locator('#usage-table')).toContainText('¥');
  await expect(page.locator('#usage-tenant')).toHaveCount(0);  // another tenant's: operators only
  const download = page.waitForEvent('download');
  await page.click('#usage-csv');
  const csv = require('fs').readFileSync(await (await download).path(), 'utf8');
  expect(csv.split('\n')[0]).toBe('tenant,jobs,device_hours,energy_kwh,carbon_kg,compute_cny,transfer_cny,bill_cny');
  expect(csv).toContain('lab-a,');
  // Its own use by accelerator and by center.
  await page.selectOption('#usage-by', 'accelerator');
  await expect(page.locator('#usage-table thead')).toContainText('Accelerator');
  await expect(page.locator('#usage-table tbody')).toContainText('nvidia-');
  await page.selectOption('#usage-by', 'center');
  await expect(page.locator('#usage-table thead')).toContainText('Center');
});

test('a tenant runs a real process on the local center and follows its logs as they are written', async ({ page }) => {
  await signIn(page, TENANT);
  await page.goto('/#/submit');
  await page.fill('#spec-input', `name: console-logs
kind: batch
devices: 1
accelerator: {models: [intel-xeon-8480plus-2s]}
work: {reference_hours: 0.01, reference: intel-xeon-8480plus-2s}
walltime_h: 0.1
command: [/bin/sh, -c, "for i in 1 2 3 4 5 6 7 8; do echo line-$i; sleep 1; done"]
`);
  await expect(page.locator('#chosen')).toContainText('local-lab');
  await page.click('#submit');
  await expect(page).toHaveURL(/#\/jobs\/\d+$/);
  await expect(page.locator('#job-facts')).toContainText('local-lab');
  await page.check('#follow-logs');
  // Lines appear while the job runs, without a click, and the job ends with all of them.
  await expect(page.locator('#logs')).toContainText('line-2', { timeout: 20000 });
  await expect(page.locator('h1 .state')).toHaveText('running');
  await expect(page.locator('#job-facts')).toContainText('Cost so far');  // at its placement's rates
  await expect(page.locator('#job-facts')).toContainText('of the estimate');
  await expect(page.locator('h1 .state')).toHaveText('succeeded', { timeout: 30000 });
  await expect(page.locator('#job-facts')).not.toContainText('Cost so far');  // its bill instead
  await expect(page.locator('#logs')).toContainText('line-8');
  await expect(page.locator('#follow-logs')).toBeChecked();  // kept across the page's refreshes
});

test('another tenant sees none of lab-a\'s jobs, in the console or through the API', async ({ page, request }) => {
  const other = process.env.ZHISUAN_OTHER_TOKEN;
  await signIn(page, other);
  await page.goto('/#/jobs');
  await expect(page.locator('#jobs-table')).toBeVisible();
  await expect(page.locator('#jobs-table tbody tr')).toHaveCount(0);
  const mine = await request.get('/api/v1/jobs?tenant=lab-a', { headers: { Authorization: `Bearer ${other}` } });
  expect(mine.status()).toBe(403);
  const one = await request.get('/api/v1/jobs/1', { headers: { Authorization: `Bearer ${other}` } });
  expect(one.status()).toBe(404);
  await page.goto('/#/jobs/1');
  await expect(page.locator('.error')).toContainText('does not exist');
  errors = errors.filter((e) => !e.includes('status of 404'));
});

test('a job that waits says why', async ({ page }) => {
  // The test script gave lab-a a quota of 0 Ascend 910B.
  await signIn(page, TENANT);
  await page.goto('/#/submit');
  await page.fill('#spec-input', SMALL_JOB.replace('[nvidia-a800-sxm-80gb, nvidia-h20]', '[huawei-ascend-910b]'));
  await expect(page.locator('#chosen')).toContainText('¥');
  await page.click('#submit');
  await expect(page).toHaveURL(/#\/jobs\/\d+$/);
  await expect(page.locator('#waiting')).toContainText('quota');
  await expect(page.locator('#waiting')).toContainText("tenant 'lab-a' holds 0 of its 0 huawei-ascend-910b");
  // Where it would run on the network now, had it the quota: the ranked candidates, the rejected centers, the map.
  await expect(page.locator('#alternatives #candidates tbody tr').first()).toContainText('huawei-ascend-910b');
  await expect(page.locator('#alternatives #rejected summary')).toContainText('rejected');
  await expect(page.locator('#alternatives #quote-map canvas').first()).toBeVisible();
  await expect(page.locator('#alternatives #breakdown canvas').first()).toBeVisible();
  page.on('dialog', (d) => d.accept());
  await page.click('#cancel');
  await expect(page.locator('h1 .state')).toHaveText('cancelled');
});

test('an operator drains and undrains a center from its page, and reads the audit log', async ({ page }) => {
  await signIn(page, OPERATOR);
  await page.goto('/#/centers/wuhan-aicc');
  await page.click('#drain');
  await expect(page.locator('h1 .state')).toHaveText('draining');
  await page.click('#undrain');
  await expect(page.locator('h1 .state')).toHaveText('up');
  await page.click('nav a[data-view="audit"]');
  await expect(page.locator('#audit-table')).toContainText('center.drain');
  await expect(page.locator('#audit-table')).toContainText('center.undrain');
  await expect(page.locator('#audit-table')).toContainText('job.submit');
  await page.selectOption('#audit-action', 'center.drain');
  await expect(page.locator('#audit-table tbody tr', { hasText: 'wuhan-aicc' })).toHaveCount(1);
  await expect(page.locator('#audit-table tbody tr', { hasText: 'center.undrain' })).toHaveCount(0);
  await page.goto('/#/usage');
  await page.selectOption('#usage-by', 'center');
  await expect(page.locator('#usage-table tbody tr').first()).toBeVisible();
  // One tenant's use by accelerator; a tenant with none has no rows.
  await page.selectOption('#usage-by', 'accelerator');
  await page.fill('#usage-tenant', 'lab-a');
  await page.locator('#usage-tenant').press('Enter');
  await expect(page.locator('#usage-table tbody')).toContainText('nvidia-');
  await page.fill('#usage-tenant', 'nobody');
  await page.locator('#usage-tenant').press('Enter');
  await expect(page.locator('#usage-table tbody tr')).toHaveCount(0);
});

test('a bad token is refused and nothing private shows', async ({ page }) => {
  await page.goto('/#/jobs');
  await expect(page.locator('#view')).toContainText('Sign in');
  await page.fill('#token', 'zs_not-a-token');
  await page.click('#signin-button');
  await expect(page.locator('.error')).toContainText('not valid');
  errors = errors.filter((e) => !e.includes('401'));  // the browser logs the refused request itself
});

test('a planner reads the compute development index on the map and in the table', async ({ page }) => {
  await page.goto('/#/index');
  await expect(page.locator('#index-table tbody tr')).toHaveCount(31);
  await expect(page.locator('#index-table tbody tr').first()).toContainText('1');
  await expect(page.locator('#index-map canvas').first()).toBeVisible();
  await expect(page.locator('#index-table thead')).toContainText('Type');
  // Ranks 1 and 2 compared: the difference, the radar of sub-indices, the decomposition and the indicators that
  // weigh most.
  const first = (await page.locator('#index-table tbody tr').nth(0).locator('td').nth(1).textContent()).trim();
  const second = (await page.locator('#index-table tbody tr').nth(1).locator('td').nth(1).textContent()).trim();
  await expect(page.locator('#index-difference')).toContainText(`${first} `);
  await expect(page.locator('#index-difference')).toContainText(`− ${second} `);
  await expect(page.locator('#index-radar canvas').first()).toBeVisible();
  await expect(page.locator('#index-parts canvas').first()).toBeVisible();
  await expect(page.locator('#index-indicators tbody tr')).toHaveCount(10);
  // Another pair, computed by the server: the last region against the first.
  const last = (await page.locator('#index-table tbody tr').nth(30).locator('td').nth(1).textContent()).trim();
  await page.selectOption('#index-a', last);
  await expect(page.locator('#index-difference')).toContainText(`${last} `);
  await expect(page.locator('#index-difference')).toContainText('= -');
  await expect(page.locator('#index-radar canvas').first()).toBeVisible();
  // The index against GDP and the digital economy, with the fitted line's sentence.
  await expect(page.locator('#index-regression-gdp canvas').first()).toBeVisible();
  await expect(page.locator('#index-regressions')).toContainText('R^2');
  // The seed's published slope beside ours, and why there is no lag model (the sample has one year).
  await expect(page.locator('#index-regressions')).toContainText('1,220');
  await expect(page.locator('#index-regressions')).toContainText('seed 004:1145-1149');
  await expect(page.locator('#index-lagged-note')).toContainText('at least two years');
  await page.screenshot({ path: 'test-results/screens/index.png', fullPage: true });
  // Other data: 124 regions (the sample's four times over, renamed) rank in a table that draws 100 rows and
  // shows the rest on request, sorted over all of them.
  await page.click('details summary');
  const sample = await page.inputValue('#index-data');
  const lines = sample.split('\n').filter((l) => l && !l.startsWith('#'));
  const rows = lines.slice(1);
  const bigger = [lines[0], ...[0, 1, 2, 3].flatMap((k) => rows.map((l) => l.replace(/^([^,]+),/, `$1-${k},`)))].join('\n');
  await page.fill('#index-data', bigger);
  await page.click('#index-run');
  await expect(page.locator('#index-table > tbody > tr')).toHaveCount(100);
  await expect(page.locator('#index-table tfoot')).toContainText('100 of 124');
  await page.click('#index-table tfoot button');
  await expect(page.locator('#index-table > tbody > tr')).toHaveCount(124);
  await expect(page.locator('#index-table tfoot tr')).toHaveCount(0);
  // Sorted again (descending) over every row: four equal copies share a rank, so the last is 121.
  await page.click('#index-table th:has-text("Rank")');
  await expect(page.locator('#index-table > tbody > tr').first().locator('td').first()).toHaveText('121');
  // A broken CSV names its problem.
  await page.fill('#index-data', 'region,year\nx,notayear\n');
  await page.click('#index-run');
  await expect(page.locator('#index-result .error')).toBeVisible();
  errors = errors.filter((e) => !e.includes('status of 400'));
});

test('a planner runs a what-if on a shipped trace, follows its progress to the report, and opens a saved one', async ({ page }) => {
  await signIn(page, TENANT);
  await page.goto('/#/simulations');
  await expect(page.locator('#sim-trace')).toContainText('philly-sample (2,000 rows)');
  await page.selectOption('#sim-trace', 'philly-sample');
  await page.click('#sim-run');
  await expect(page.locator('#sim-status')).toContainText('done', { timeout: 60000 });
  await expect(page.locator('#sim-progress')).toHaveJSProperty('value', 1);
  await expect(page.locator('#sim-policies tbody tr')).toHaveCount(2);  // lowest-cost and first-fit, checked by default
  await expect(page.locator('#sim-policies')).toContainText('lowest-cost');
  await expect(page.locator('#sim-summary')).toContainText('philly-sample (philly): 2,000 jobs');
  await expect(page.locator('#sim-chart canvas').first()).toBeVisible();
  await expect(page.locator('#sim-table tbody tr')).toHaveCount(1);
  await page.screenshot({ path: 'test-results/screens/simulations.png', fullPage: true });
  // A saved report.json opens without the server (the golden report of the tiny network: five policies).
  await page.setInputFiles('#sim-open', require('path').join(__dirname, '../../tests/golden/tiny_report.json'));
  await expect(page.locator('#sim-policies tbody tr')).toHaveCount(5);
  await expect(page.locator('#sim-report h2')).toContainText('tiny_report.json');
  // A file that is not a report says so, and the page goes on.
  await page.setInputFiles('#sim-open', { name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('{"a": 1}') });
  await expect(page.locator('#sim-report')).toContainText('not a report.json (no policies in it)');
});

test('the console speaks Chinese or English and is light or dark, and remembers', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('h1')).toHaveText('Network');
  await page.click('#lang');
  await expect(page.locator('h1')).toHaveText('全国算力一张图');
  await expect(page.locator('nav a[data-view="centers"]')).toHaveText('算力中心');
  await expect(page.locator('#network-centers')).toContainText('鹏城云脑II');  // the data's own Chinese name
  await expect(page.locator('#measure option').first()).toHaveText('算力规模 FP16（PFLOPS）');  // the map's measures too
  await page.click('#theme');
  await expect(page.locator('body')).toHaveClass(/dark/);
  await expect(page.locator('#map canvas').first()).toBeVisible();
  await page.reload();
  await expect(page.locator('h1')).toHaveText('全国算力一张图');
  await expect(page.locator('body')).toHaveClass(/dark/);
  await page.click('#lang');
  await page.click('#theme');
  await expect(page.locator('h1')).toHaveText('Network');
  await expect(page.locator('#network-centers')).toContainText('Peng Cheng Cloud Brain II');
  await expect(page.locator('#measure option').first()).toHaveText('Capacity FP16 (PFLOPS)');
});

// Readable on a laptop and on a wall screen: no page is wider than the window (tables scroll inside their
// panels), and the map fills its panel. Screenshots of each page at both sizes are kept.
for (const [w, h] of [[1366, 768], [3840, 2160]]) {
  test(`every page fits a ${w}x${h} screen`, async ({ page }) => {
    await page.setViewportSize({ width: w, height: h });
    for (const [path, ready] of [['/', '#network-centers tbody tr'], ['/#/centers', '#centers-table tbody tr'],
      ['/#/centers/cmcc-hohhot-aidc', '#pools-table tbody tr'], ['/#/index', '#index-table tbody tr'],
      ['/#/submit', '#spec-input'], ['/#/jobs', 'h1'], ['/#/health', '#route-table tbody tr']]) {
      await page.goto(path);
      await expect(page.locator(ready).first()).toBeVisible();
      const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      expect(scroll, `${path} at ${w}x${h}: the page is ${scroll} px wide in a ${inner} px window`).toBeLessThanOrEqual(inner);
      await page.screenshot({ path: `test-results/screens/${w}x${h}${path.replace(/[^a-z0-9]+/gi, '-')}.png` });
    }
    // The charts' own text follows the page: 12 px on a laptop, doubled on a wall screen.
    await page.goto('/#/index');
    await expect(page.locator('#index-regression-gdp canvas').first()).toBeVisible();
    const size = await page.evaluate(() => echarts.getInstanceByDom(document.getElementById('index-regression-gdp')).getOption().xAxis[0].axisLabel.fontSize);
    expect(size).toBe(w >= 2400 ? 24 : 12);
  });
}
