#include <gtest/gtest.h>
#include <stdexcept>
#include <string>

TEST(Login, C2701_Works) { EXPECT_EQ(1 + 1, 2); }

TEST(Login, C2702_WrongPasswordIsRejected) {
  std::string got = "denied";
  EXPECT_EQ(got, "granted") << "expected login to be granted for bad password";
}

TEST(Checkout, C2703_Throws) { throw std::runtime_error("payment gateway timeout"); }

TEST(Coupon, C2704_Applies) { GTEST_SKIP() << "coupon service not deployed"; }

TEST(Cart, Totals_C2705_C2706) { EXPECT_DOUBLE_EQ(10 * 1.2, 12.0); }

TEST(Session, LogoutWithoutCaseId) { SUCCEED(); }

class PriceTest : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(PriceTest, C2707_PriceForQty) {
  auto [qty, expected] = GetParam();
  EXPECT_EQ(qty * 10, expected) << "price mismatch for qty=" << qty;
}

INSTANTIATE_TEST_SUITE_P(Qty, PriceTest,
                         ::testing::Values(std::make_pair(1, 10), std::make_pair(3, 31)));

TEST(Wishlist, DISABLED_C2708_Sync) { FAIL() << "never runs"; }

TEST(Profile, C2709_TwoFailuresInOneTest) {
  EXPECT_EQ(1, 2) << "first check <&> \"quoted\"";
  EXPECT_TRUE(false) << "second check";
}

TEST(Export, C2710_PropertyCarriesCase) {
  RecordProperty("testrail_case_id", "C2711");
  SUCCEED();
}

class OrdersC2712 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { FAIL() << "db fixture could not connect"; }
};

TEST_F(OrdersC2712, C2713_ListsOrders) { SUCCEED(); }
