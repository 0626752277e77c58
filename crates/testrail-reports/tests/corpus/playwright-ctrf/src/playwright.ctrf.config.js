// @ts-check
const { defineConfig } = require('@playwright/test');

module.exports = defineConfig({
  testDir: 'tests',
  retries: 1,
  workers: 1,
  reporter: [['list'], ['playwright-ctrf-json-reporter', { outputDir: '..', outputFile: 'report.json', annotations: true }]],
  use: {
    launchOptions: { executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] },
  },
  projects: [{ name: 'chromium' }],
});
