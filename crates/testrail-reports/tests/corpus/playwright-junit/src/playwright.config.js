// @ts-check
const { defineConfig } = require('@playwright/test');

module.exports = defineConfig({
  testDir: 'tests',
  retries: 1,
  workers: 1,
  reporter: [['list'], ['junit', { outputFile: process.env.JUNIT_OUT || '../report.xml',
    includeRetries: process.env.JUNIT_RETRIES === '1' }]],
  use: {
    launchOptions: { executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] },
  },
  projects: [{ name: 'chromium' }],
});
