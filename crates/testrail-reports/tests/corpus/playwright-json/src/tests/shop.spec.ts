// Playwright Test 1.65 without a browser: no page fixture, so no browser is needed.
import { test, expect } from '@playwright/test';
import * as fs from 'node:fs';

test('C5001 login works', async () => {
  expect('granted').toBe('granted');
});

test('C5002 price for qty 3', async () => {
  expect(10 * 3, 'price mismatch for qty=3').toBe(31);
});

test('checkout total', {
  annotation: { type: 'testrail', description: 'C5003' },
}, async () => {
  expect({ total: 30, currency: 'EUR' }).toEqual({ total: 31, currency: 'EUR' });
});

let attempt = 0;
test('C5004 flaky search', async ({}, testInfo) => {
  attempt = testInfo.retry;
  expect(attempt, 'search index not ready').toBeGreaterThan(0);
});

test('coupon applies', { tag: '@C5005' }, async () => {
  test.skip(true, 'coupon service not deployed');
});

test.describe('C5006 profile', () => {
  test('uploads an avatar', async ({}, testInfo) => {
    const file = testInfo.outputPath('avatar.txt');
    fs.writeFileSync(file, 'avatar bytes');
    await testInfo.attach('avatar', { path: file });
    throw new Error('upload refused: 413');
  });
  test('changes the email', async () => {});
});

test('C5007 always fails', async () => {
  expect([1, 2, 3]).toContain(4);
});
