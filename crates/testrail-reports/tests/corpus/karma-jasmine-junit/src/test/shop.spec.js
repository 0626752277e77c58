let flaky = 0;

describe('Cart', () => {
  it('C3401 login works', () => {
    expect(1 + 1).toBe(2);
  });

  it('C3402: login with wrong password is rejected', () => {
    expect('denied').withContext('expected login to be granted for bad password').toBe('granted');
  });

  it('C3403 checkout throws', () => {
    throw new TypeError('payment gateway timeout');
  });

  xit('C3404 coupon applies', () => {});

  it('cart totals [C3405][C3406]', () => {
    expect(12 * 10).toBe(120);
  });

  it('logout without case id', () => {});

  it('C3407 wishlist sync');

  it('C3408 pending with reason', () => {
    pending('waiting for API v2');
  });

  describe('Pricing C3409', () => {
    [[1, 10], [3, 31]].forEach(([qty, price]) => {
      it(`C3410 price for qty ${qty}`, () => {
        expect(qty * 10).withContext(`price mismatch for qty=${qty}`).toBe(price);
      });
    });
  });

  it('C3411 special chars <&> "quoted"', () => {
    console.log('profile updated for user <a&b>');
    fail('boom <&> "quoted"');
  });

  it('C3412 two failed expectations', () => {
    expect(1).toBe(2);
    expect('a').toBe('b');
  });
});
