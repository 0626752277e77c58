import t from 'tap';

t.test('C3001 login works', async t => {
  t.equal(1 + 1, 2, 'sum is 2');
});

t.test('C3002: login with wrong password is rejected', async t => {
  t.equal('denied', 'granted', 'expected login to be granted for bad password');
});

t.test('C3003 checkout throws', async () => {
  throw new TypeError('payment gateway timeout');
});

t.test('C3004 coupon applies', { skip: 'coupon service not deployed' }, async () => {});

t.test('cart totals [C3005][C3006]', async t => {
  t.ok(true);
});

t.test('C3007 wishlist sync', { todo: 'waiting for API v2' }, async t => {
  t.fail('not implemented yet');
});

t.test('Pricing C3008', async t => {
  for (const [qty, expected] of [[1, 10], [3, 31]]) {
    t.equal(qty * 10, expected, `C3009 price for qty ${qty}`);
  }
});

t.pass('logout without case id');

t.test('C3010 special chars <&> "quoted"', async t => {
  t.fail('boom <&> "quoted"');
});
