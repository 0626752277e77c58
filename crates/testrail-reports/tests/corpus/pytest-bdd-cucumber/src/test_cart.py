"""pytest-bdd 9 with --cucumberjson: failing assertion, raised exception."""
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("features/cart.feature")


@given("an empty cart", target_fixture="cart")
def cart():
    return []


@when(parsers.parse("the user adds {n:d} apples"))
def add(cart, n):
    cart.extend(["apple"] * n)


@when("the user removes 1 apple")
def remove(cart):
    cart.pop()


@when("the user checks out")
def checkout(cart):
    raise RuntimeError("payment gateway timeout")


@then(parsers.parse("the cart holds {n:d} items"))
def holds(cart, n):
    assert len(cart) == n, f"cart should hold {n} items"
