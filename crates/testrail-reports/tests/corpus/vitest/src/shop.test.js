import { describe, it, test, expect, beforeAll } from 'vitest';

let flakyCalls = 0;

test('C1801 login works', () => {
  expect(1 + 1).toBe(2);
});

test('C1802: login with wrong password is rejected', () => {
  expect('denied', 'expected login to be granted for bad password').toBe('granted');
});

test('C1803 checkout throws', () => {
  throw new TypeError('payment gateway timeout');
});

test.skip('C1804 coupon applies', () => {});

test('cart totals [C1805][C1806]', () => {
  expect(10 * 1.2).toBeCloseTo(12);
});

test('logout without case id', () => {});

test.todo('C1807 wishlist sync');

describe('Pricing C1808', () => {
  test.each([
    [1, 10],
    [3, 31],
  ])('C1809 price for qty %i is %i', (qty, expected) => {
    expect(qty * 10, `price mismatch for qty=${qty}`).toBe(expected);
  });
});

test('C1810 flaky search', { retry: 2 }, () => {
  flakyCalls += 1;
  expect(flakyCalls, 'search index not ready').toBeGreaterThanOrEqual(2);
});

test.fails('C1811 known bug is still broken', () => {
  expect('bug').toBe('fixed');
});

test.fails('C1812 known bug got fixed', () => {
  expect(1).toBe(1);
});

describe('Orders', () => {
  beforeAll(() => {
    throw new Error('db fixture could not connect');
  });
  it('C1813 lists orders', () => {});
});

test('C1814 skipped at runtime', (ctx) => {
  ctx.skip('requires admin account');
});

test('C1815 special chars <&> "quoted"', () => {
  console.log('profile updated for user <a&b>');
  expect.fail('boom <&> "quoted"');
});
