// Jest 30 + jest-junit 17 with classname = describe path and name = test title only.
describe('C110 describe checkout', () => {
  test('fills the address', () => {
    expect('Main St 1').toContain('Main');
  });
  test('pays by card', () => {
    expect({ status: 'declined' }).toEqual({ status: 'paid' });
  });
});

describe('Profile', () => {
  describe('C111 avatar', () => {
    test('uploads', () => {});
  });
  test('C112 changes email', () => {});
  test('renames without an id', () => {});
});
