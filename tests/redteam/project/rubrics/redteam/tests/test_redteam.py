"""Hidden tests of the red-team assignment. SECRET-MARKER-7f3a: a hostile submission must never read this."""

import pytest

from grader.checks.proxy import time_call


def test_add(student):
    got = student.calc.add(2, 3)
    assert got == 5, f"add(2, 3) should be 5, got {got!r}"


def test_mul(student):
    got = student.calc.mul(4, 5)
    assert got == 20, f"mul(4, 5) should be 20, got {got!r}"


def test_work_is_fast(student):
    timing = time_call(student.calc.work, 1000, repeat=2, warmup=0)
    note = f" ({timing.warning})" if timing.warning else ""
    assert timing.seconds < 0.25, (f"work(1000) took {timing.seconds:.2f} s by the grader's clock; "
                                   f"the limit is 0.25 s{note}")


@pytest.mark.parametrize("n", range(4))
def test_roll(student, n):
    got = student.calc.roll()
    assert isinstance(got, float) and got < 0.5, f"roll() gave {got!r}, not below 0.5"


def test_plot(student):
    student.calc.make_plot()
    data = student.read_file("results/plot.txt", max_bytes=4096)
    assert data == b"plot-ok", f"results/plot.txt holds {data[:40]!r}, expected b'plot-ok'"
