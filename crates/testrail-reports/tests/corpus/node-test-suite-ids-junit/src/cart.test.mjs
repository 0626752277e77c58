// node:test, default runner. IDs in parameter values, on enclosing tests, and nested failures.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

const price = (sku, qty) => ({ C3: 10 }[sku] ?? 0) * qty;

test('C167 qty check sku=C3', () => {
  assert.equal(price('C3', 3), 31, 'price mismatch for sku=C3 qty=3');
});

test('C169 lookup by SKU C3 and C4', () => {
  assert.equal(price('C3', 1), 10);
});

test('C168 cart totals', async (t) => {
  await t.test('adds line items', () => {
    assert.equal(price('C3', 2), 20);
  });
  await t.test('applies discount', () => {
    assert.deepEqual({ total: 18 }, { total: 17 }, 'discount should take 3 off');
  });
  await t.test('rounds to cents', () => {
    assert.ok(true);
  });
});

describe('C170 checkout flow', () => {
  test('fills address', () => {});
  test('pays', () => {
    throw new Error('card declined by gateway');
  });
});

test('test_C171_C172_both', () => {});
test('[C173] data row', () => {});
test('name with id at the end (C174)', () => {});
test('no id at all', () => {});
