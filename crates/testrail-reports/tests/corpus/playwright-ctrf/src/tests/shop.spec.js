// @ts-check
const { test, expect } = require('@playwright/test');
const fs = require('fs');

const PAGE = '<html><body><h1>Shop</h1><button id="login">Log in</button><span id="total">12.00</span></body></html>';

test.beforeEach(async ({ page }) => {
  await page.setContent(PAGE);
});

test('C601 login button is visible', async ({ page }) => {
  await expect(page.locator('#login')).toBeVisible();
});

test('C602: total shows the wrong amount', async ({ page }) => {
  await expect(page.locator('#total'), 'expected cart total to be 13.00').toHaveText('13.00', { timeout: 200 });
});

test('C603 checkout throws', async () => {
  throw new TypeError('payment gateway timeout');
});

test('C604 coupon applies', async () => {
  test.skip(true, 'coupon service not deployed');
});

test('cart totals [C605][C606]', async ({ page }) => {
  await expect(page.locator('#total')).toHaveText('12.00');
});

test('logout without case id', async ({ page }) => {
  await expect(page.locator('h1')).toHaveText('Shop');
});

test('checkout with annotation', {
  annotation: { type: 'testrail', description: 'C607' },
}, async ({ page }) => {
  test.info().annotations.push({ type: 'testrail', description: 'C608' });
  await expect(page.locator('h1')).toHaveText('Shop');
});

test('tagged only', { tag: ['@C609', '@smoke'] }, async ({ page }) => {
  await expect(page.locator('h1')).toBeVisible();
});

test.describe('Pricing C610', () => {
  for (const [qty, expected] of [[1, 10], [3, 31]]) {
    test(`C611 price for qty ${qty}`, async () => {
      expect(qty * 10, `price mismatch for qty=${qty}`).toBe(expected);
    });
  }
});

let flakyAttempt = 0;
test('C612 flaky search', async ({}, testInfo) => {
  flakyAttempt = testInfo.retry;
  expect(flakyAttempt, 'search index not ready').toBeGreaterThanOrEqual(1);
});

test('C613 known bug (test.fail)', async () => {
  test.fail(true, 'known bug JIRA-42');
  expect('bug').toBe('fixed');
});

test.fixme('C614 wishlist sync', async () => {});

test('C615 attaches a log file <&> "quoted"', async ({}, testInfo) => {
  const p = testInfo.outputPath('server.log');
  fs.writeFileSync(p, 'order created\n');
  await testInfo.attach('server-log', { path: p, contentType: 'text/plain' });
  console.log('profile updated for user <a&b>');
});

test('C616 always fails even after retry', async () => {
  expect(1, 'export queue still blocked').toBe(2);
});
