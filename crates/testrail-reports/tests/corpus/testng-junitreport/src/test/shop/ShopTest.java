package shop;

import static org.testng.Assert.*;

import org.testng.IRetryAnalyzer;
import org.testng.ITestResult;
import org.testng.SkipException;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class ShopTest {
    private static int flakyCalls = 0;

    public static class RetryOnce implements IRetryAnalyzer {
        private int count = 0;
        public boolean retry(ITestResult result) { return count++ < 1; }
    }

    @Test
    public void test_C3301_loginWorks() {
        assertEquals(1 + 1, 2);
    }

    @Test(description = "C3302: login with wrong password is rejected")
    public void wrongPassword() {
        assertEquals("denied", "granted", "expected login to be granted for bad password");
    }

    @Test
    public void test_C3303_checkoutThrows() {
        throw new IllegalStateException("payment gateway timeout");
    }

    @Test
    public void test_C3304_couponApplies() {
        throw new SkipException("coupon service not deployed");
    }

    @Test(enabled = false)
    public void test_C3305_disabled() {
    }

    @Test
    public void logoutWithoutCaseId() {
    }

    @DataProvider
    public Object[][] prices() {
        return new Object[][] {{1, 10}, {3, 31}};
    }

    @Test(dataProvider = "prices")
    public void test_C3306_priceForQty(int qty, int expected) {
        assertEquals(qty * 10, expected, "price mismatch for qty=" + qty);
    }

    @Test(dependsOnMethods = "test_C3303_checkoutThrows")
    public void test_C3307_receiptAfterCheckout() {
    }

    @Test(retryAnalyzer = RetryOnce.class)
    public void test_C3308_flakySearch() {
        flakyCalls++;
        assertTrue(flakyCalls >= 2, "search index not ready");
    }

    @Test(expectedExceptions = IllegalArgumentException.class)
    public void test_C3309_expectsException() {
        // throws nothing -> failure
    }
}
