import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  retries: 1,
  workers: 1,
  reporter: [['json', { outputFile: process.env.PW_JSON || 'report.json' }]],
});
