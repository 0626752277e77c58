import unittest


class TestCart(unittest.TestCase):
    def test_C2401_login_ok(self):
        self.assertEqual(1 + 1, 2)

    def test_C2402_login_wrong_password(self):
        self.assertEqual("denied", "granted", "expected login to be granted for bad password")

    def test_C2403_checkout_error(self):
        raise RuntimeError("payment gateway timeout")

    @unittest.skip("feature flag disabled")
    def test_C2404_coupon_applies(self):
        self.fail("never runs")

    def test_C2405_C2406_cart_total_and_tax(self):
        self.assertAlmostEqual(10 * 1.2, 12.0)

    def test_logout_no_case_id(self):
        self.assertTrue(True)

    def test_C2407_price_for_qty(self):
        for qty, expected in [(1, 10), (2, 20), (3, 31)]:
            with self.subTest(qty=qty):
                self.assertEqual(qty * 10, expected, f"price mismatch for qty={qty}")

    @unittest.expectedFailure
    def test_C2408_known_bug(self):
        self.assertEqual("bug", "fixed")

    @unittest.expectedFailure
    def test_C2409_unexpectedly_fixed(self):
        self.assertTrue(True)

    def test_C2410_skip_in_body(self):
        self.skipTest("requires admin account")


class TestC2411Orders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise ConnectionError("db fixture could not connect")

    def test_C2412_orders_listed(self):
        self.assertTrue(True)


if __name__ == "__main__":
    unittest.main()
