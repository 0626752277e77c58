import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shop.test.js'],
    reporters: ['default', 'junit'],
    outputFile: { junit: '../report.xml' },
  },
});
