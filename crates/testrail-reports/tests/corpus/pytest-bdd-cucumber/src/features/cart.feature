Feature: Cart
  @C4001
  Scenario: Adding an item
    Given an empty cart
    When the user adds 2 apples
    Then the cart holds 2 items

  @C4002
  Scenario: Removing an item fails
    Given an empty cart
    When the user adds 2 apples
    And the user removes 1 apple
    Then the cart holds 0 items

  Scenario: C4003 checkout with an error
    Given an empty cart
    When the user checks out
