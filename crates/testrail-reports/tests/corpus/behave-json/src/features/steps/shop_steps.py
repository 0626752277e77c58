"""behave 1.3 steps: a failing assertion, an exception, an undefined step."""
from behave import given, then, when


@given("a registered user")
def user(context):
    context.total = 0


@when("the user logs in")
def login(context):
    context.page = "dashboard"


@then("the dashboard is shown")
def dashboard(context):
    assert context.page == "dashboard"


@when("the user buys {n:d} items")
def buy(context, n):
    context.total = 10 * n


@then("the total is {total:d}")
def total(context, total):
    assert context.total == total, f"price mismatch: {context.total} != {total}"


@when("the user checks out")
def checkout(context):
    raise RuntimeError("payment gateway timeout")
