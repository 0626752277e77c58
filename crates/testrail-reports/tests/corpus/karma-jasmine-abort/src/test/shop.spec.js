describe('Cart', () => {
  it('C3501 login works', () => {
    expect(1 + 1).toBe(2);
  });

  it('C3502 add item', () => {
    expect([1].length).toBe(1);
  });
});

describe('Orders', () => {
  beforeAll(() => {
    throw new Error('db fixture could not connect');
  });

  it('C3503 lists orders', () => {});

  it('C3504 cancels order', () => {});
});

describe('Profile', () => {
  it('C3505 update name', () => {});
});
