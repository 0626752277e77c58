import { test, describe, it, before } from 'node:test';
import assert from 'node:assert/strict';

test('C1701 login works', () => {
  assert.equal(1 + 1, 2);
});

test('C1702: login with wrong password is rejected', () => {
  assert.equal('denied', 'granted', 'expected login to be granted for bad password');
});

test('C1703 checkout throws', () => {
  throw new TypeError('payment gateway timeout');
});

test('C1704 coupon applies', { skip: 'coupon service not deployed' }, () => {});

test('cart totals [C1705][C1706]', () => {
  assert.equal(10 * 1.2, 12);
});

test('logout without case id', () => {});

test('C1707 wishlist sync', { todo: 'waiting for API v2' }, () => {
  throw new Error('not implemented yet');
});

describe('Pricing C1708', () => {
  for (const [qty, expected] of [[1, 10], [3, 31]]) {
    it(`C1709 price for qty ${qty}`, () => {
      assert.strictEqual(qty * 10, expected, `price mismatch for qty=${qty}`);
    });
  }
});

test('C1710 parent with subtests', async (t) => {
  await t.test('C1711 child passes', () => {});
  await t.test('C1712 child fails', () => {
    assert.deepStrictEqual({ total: 5 }, { total: 6 });
  });
});

describe('Orders', () => {
  before(() => {
    throw new Error('db fixture could not connect');
  });
  it('C1713 lists orders', () => {});
});

test('C1714 skipped at runtime', (t) => {
  t.skip('requires admin account');
});

test('C1715 special chars <&> "quoted"', () => {
  assert.fail('boom <&> "quoted"');
});
