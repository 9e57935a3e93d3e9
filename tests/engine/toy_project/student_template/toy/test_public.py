"""Public tests of the toy assignment: students run these themselves."""

from calc import add


def test_add_small_numbers():
    assert add(1, 2) == 3
