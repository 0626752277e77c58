import pytest

_calls = {"flaky": 0}


def test_C1601_login_ok():
    assert 1 + 1 == 2


def test_C1602_login_wrong_password():
    assert "denied" == "granted", "expected login to be granted for bad password"


def test_C1603_checkout_error():
    raise RuntimeError("payment gateway timeout")


@pytest.mark.skip(reason="feature flag disabled")
def test_C1604_coupon_applies():
    assert True


def test_logout_no_case_id():
    assert True


@pytest.mark.parametrize("qty,expected", [(1, 10), (3, 31)], ids=["one", "C1606-three"])
def test_C1605_price_for_qty(qty, expected):
    assert qty * 10 == expected, f"price mismatch for qty={qty}"


@pytest.mark.flaky(reruns=2)
def test_C1607_flaky_search():
    _calls["flaky"] += 1
    assert _calls["flaky"] >= 2, "search index not ready"


@pytest.mark.flaky(reruns=1)
def test_C1608_always_fails_after_rerun():
    assert False, "export queue still blocked"


@pytest.fixture
def broken_db():
    raise ConnectionError("db fixture could not connect")


def test_C1609_orders_with_db(broken_db):
    assert True


@pytest.fixture
def temp_dir():
    yield "/tmp/x"
    raise OSError("cleanup failed: temp dir locked")


def test_C1610_teardown_fails(temp_dir):
    assert temp_dir


@pytest.mark.xfail(reason="known bug JIRA-42")
def test_C1611_known_bug():
    assert False


@pytest.mark.xfail(reason="was broken", strict=True)
def test_C1612_xpass_strict():
    assert True


def test_property_carries_case(record_property):
    record_property("testrail_case_id", "C1613")
    assert True


class TestProfile:
    def test_C1614_update_profile(self):
        print("profile updated for user <a&b>")
        assert {"name": "a"} == {"name": "a"}
