package shop;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.*;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShopTest {

    @Test
    void test_C3101_loginWorks() {
        assertEquals(2, 1 + 1);
    }

    @Test
    @DisplayName("C3102: login with wrong password is rejected")
    void wrongPassword() {
        assertEquals("granted", "denied", "expected login to be granted for bad password");
    }

    @Test
    @Disabled("coupon service not deployed")
    void test_C3104_couponApplies() {
    }

    @Test
    @DisplayName("cart totals [C3105][C3106]")
    void cartTotals() {
        assertEquals(120, 12 * 10);
    }

    @Test
    void logoutWithoutCaseId() {
    }

    @ParameterizedTest(name = "C3107 price for qty {0} is {1}")
    @CsvSource({"1, 10", "3, 31"})
    void priceForQty(int qty, int expected) {
        assertEquals(expected, qty * 10, "price mismatch for qty=" + qty);
    }

    @Test
    void test_C3108_assumptionFails() {
        assumeTrue(false, "requires admin account");
    }

    @Test
    @Tag("C3109")
    void taggedOnly() {
    }

    @Nested
    @DisplayName("Profile C3110")
    class Profile {
        @Test
        @DisplayName("C3111 update name")
        void updateName() {
        }

        @Test
        @DisplayName("C3112 special chars <&> \"quoted\"")
        void specialChars() {
            System.out.println("profile updated for user <a&b>");
        }
    }

    @TestFactory
    Stream<DynamicTest> c3113_dynamic() {
        return Stream.of(
            DynamicTest.dynamicTest("C3114 dynamic ok", () -> {}),
            DynamicTest.dynamicTest("C3115 dynamic also ok", () -> assertTrue(true)));
    }

    @RepeatedTest(2)
    void c3116_repeated(RepetitionInfo info) {
        assertTrue(info.getCurrentRepetition() <= 2);
    }
}
