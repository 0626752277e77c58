@shop
Feature: Shop

  @C4101 @smoke
  Scenario: Login works
    Given a registered user
    When the user logs in
    Then the dashboard is shown

  @testrail:C4102
  Scenario: Price for three items
    Given a registered user
    When the user buys 3 items
    Then the total is 31

  Scenario Outline: C4103 price per quantity <qty>
    Given a registered user
    When the user buys <qty> items
    Then the total is <total>

    Examples:
      | qty | total |
      | 1   | 10    |
      | 2   | 21    |

  @C4104
  Scenario: Checkout throws
    Given a registered user
    When the user checks out

  @C4105 @skip
  Scenario: Coupon applies
    Given a registered user

  @C4106
  Scenario: Wishlist sync
    Given a registered user
    When the wishlist syncs
