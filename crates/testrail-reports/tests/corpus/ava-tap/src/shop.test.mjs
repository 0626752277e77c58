// AVA 7 with --tap: failure headline is `name: AssertionError`, the human text is `message:`.
import test from 'ava';

test('C3901 login works', (t) => {
  t.is('granted', 'granted');
});

test('C3902 price for qty 3', (t) => {
  t.is(10 * 3, 31, 'price mismatch for qty=3');
});

test('C3903 checkout throws', () => {
  throw new Error('payment gateway timeout');
});

test.skip('C3904 coupon applies', (t) => {
  t.pass();
});

test.todo('C3905 wishlist sync');
