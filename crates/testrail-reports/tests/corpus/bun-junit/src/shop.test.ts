import { describe, test, expect, beforeAll } from 'bun:test';

let flaky = 0;

test('C3601 login works', () => {
  expect(1 + 1).toBe(2);
});

test('C3602: login with wrong password is rejected', () => {
  expect('denied', 'expected login to be granted for bad password').toBe('granted');
});

test('C3603 checkout throws', () => {
  throw new TypeError('payment gateway timeout');
});

test.skip('C3604 coupon applies', () => {});

test('cart totals [C3605][C3606]', () => {
  expect(12 * 10).toBe(120);
});

test('logout without case id', () => {});

test.todo('C3607 wishlist sync');

describe('Pricing C3608', () => {
  test.each([
    [1, 10],
    [3, 31],
  ])('C3609 price for qty %i is %i', (qty, price) => {
    expect(qty * 10).toBe(price);
  });
});

test('C3610 flaky search', () => {
  flaky += 1;
  expect(flaky).toBeGreaterThanOrEqual(2);
}, { retry: 1 });

test.failing('C3611 known bug', () => {
  expect('bug').toBe('fixed');
});

test.failing('C3612 known bug got fixed', () => {
  expect(1).toBe(1);
});

describe('Orders', () => {
  beforeAll(() => {
    throw new Error('db fixture could not connect');
  });
  test('C3613 lists orders', () => {});
});

test('C3614 special chars <&> "quoted"', () => {
  console.log('profile updated for user <a&b>');
  throw new Error('boom <&> "quoted"');
});
