"""A case ID in a class name: it must not go to every method of the class."""


class TestC4201Profile:
    def test_C4202_rename(self):
        assert "Ann".lower() == "ann"

    def test_delete(self):
        assert True


def test_C4203_logout():
    assert True
