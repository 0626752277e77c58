<?php
use PHPUnit\Framework\TestCase;

final class ShopTest extends TestCase
{
    public function testC2001LoginOk(): void
    {
        $this->assertSame(2, 1 + 1);
    }

    public function test_C2002_login_wrong_password(): void
    {
        $this->assertSame('granted', 'denied', 'expected login to be granted for bad password');
    }

    public function testC2003CheckoutThrows(): void
    {
        throw new RuntimeException('payment gateway timeout');
    }

    public function testC2004CouponApplies(): void
    {
        $this->markTestSkipped('coupon service not deployed');
    }

    /** cart totals [C2005][C2006] */
    public function testCartTotals_C2005_C2006(): void
    {
        $this->assertEqualsWithDelta(12.0, 10 * 1.2, 0.0001);
    }

    public function testLogoutWithoutCaseId(): void
    {
        $this->assertTrue(true);
    }

    public function testC2007WishlistSync(): void
    {
        $this->markTestIncomplete('wishlist not implemented');
    }

    public static function prices(): array
    {
        return [
            'C2008 qty 1' => [1, 10],
            'C2009 qty 3 <&>' => [3, 31],
            [2, 20],
        ];
    }

    /** @dataProvider prices */
    public function testPriceForQty(int $qty, int $expected): void
    {
        $this->assertSame($expected, $qty * 10, "price mismatch for qty=$qty");
    }

    public function testC2010NoAssertions(): void
    {
        // risky: performs no assertions
    }

    public function testC2011Deprecated(): void
    {
        trigger_error('legacy price API is deprecated', E_USER_DEPRECATED);
        $this->assertTrue(true);
    }

    public function testC2012Warning(): void
    {
        $this->assertTrue(true);
        trigger_error('cache directory not writable', E_USER_WARNING);
    }
}
