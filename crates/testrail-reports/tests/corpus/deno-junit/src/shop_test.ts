// No std/assert import (no network for jsr): a tiny local helper instead.
function assertEquals(actual: unknown, expected: unknown, msg?: string): void {
  if (actual !== expected) {
    throw new Error(`${msg ?? "values differ"}: actual ${JSON.stringify(actual)} expected ${JSON.stringify(expected)}`);
  }
}

Deno.test("C3701 login works", () => {
  assertEquals(1 + 1, 2);
});

Deno.test("C3702: login with wrong password is rejected", () => {
  assertEquals("denied", "granted", "expected login to be granted for bad password");
});

Deno.test("C3703 checkout throws", () => {
  throw new TypeError("payment gateway timeout");
});

Deno.test({ name: "C3704 coupon applies", ignore: true, fn() {} });

Deno.test("cart totals [C3705][C3706]", () => {
  assertEquals(12 * 10, 120);
});

Deno.test("logout without case id", () => {});

Deno.test("C3707 price steps", async (t) => {
  await t.step("C3708 qty 1", () => assertEquals(1 * 10, 10));
  await t.step("C3709 qty 3", () => assertEquals(3 * 10, 31, "price mismatch for qty=3"));
  await t.step({ name: "C3710 qty 5 ignored", ignore: true, fn() {} });
});

Deno.test("C3711 leaks a timer", () => {
  setTimeout(() => {}, 10_000);
});

Deno.test('C3712 special chars <&> "quoted"', () => {
  console.log("profile updated for user <a&b>");
  throw new Error('boom <&> "quoted"');
});
