// The console's browser tests (tests/e2e/console_test.sh starts the server and sets ZHISUAN_URL and the tokens).
// Debian's chromium, never a downloaded browser.
const { defineConfig } = require('@playwright/test');

module.exports = defineConfig({
  testDir: './tests',
  timeout: 60000,
  expect: { timeout: 15000 },
  workers: 1,
  retries: 0,
  reporter: 'list',
  use: {
    baseURL: process.env.ZHISUAN_URL,
    launchOptions: { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] },
    viewport: { width: 1400, height: 1000 },
  },
});
