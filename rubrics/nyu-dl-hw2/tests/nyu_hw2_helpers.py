"""Shared helpers of the nyu-dl-hw2 hidden tests (trusted side; answers are data, never run).

- ``read_shape``: a shape answer as a list of whole numbers ([5, 2], "5 x 2", 3); singleton
  dimensions are dropped before comparing (f_W(x) in R^3 and in R^(1 x 3) are the same answer).
- ``read_formula``: a formula answer as text (a number is accepted and becomes its text).
- ``assert_equivalent``: ``check_equivalent`` with the item's message on failure.
- ``values_of``: a formula evaluated on arrays of sample values (``floor``, ``ceil``, ``//`` allowed).

Messages say what the student wrote and what form is expected, never the key. The module has
a name of its own so that it cannot collide with another assignment's helpers in ``sys.modules``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from grader.checks import expressions
from grader.checks.answers import Answers
from grader.checks.expressions import ExpressionError, check_equivalent, evaluate

__all__ = ["read_shape", "read_formula", "read_number", "assert_shape", "assert_equivalent", "values_of"]

_SEPARATORS = re.compile(r"\s*(?:x|X|\u00d7|\*|,)\s*")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def read_shape(answers: Answers, key: str) -> list[int]:
    """The answer for ``key`` as a list of whole numbers, with a message saying the form when it is not."""
    value = answers.require(key)
    if isinstance(value, bool):
        raise AssertionError(f"{key}: write the dimension as a list of whole numbers such as [3, 5, 5], "
                             f"not {value!r}")
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        parts = [p for p in _SEPARATORS.split(value.strip().strip("[]()").strip()) if p]
        if parts and all(re.fullmatch(r"\d+", p) for p in parts):
            return [int(p) for p in parts]
    if isinstance(value, list) and value and all(isinstance(d, int) and not isinstance(d, bool) for d in value):
        return list(value)
    raise AssertionError(f"{key}: write the dimension as a list of whole numbers such as [3, 5, 5]; "
                         f"you wrote {_shown(value)}")


def assert_shape(answers: Answers, key: str, accepted: Iterable[Sequence[int]], what: str, hint: str = "") -> None:
    """``key``'s shape equals one of ``accepted`` once singleton dimensions are dropped."""
    got = read_shape(answers, key)
    squeezed = [d for d in got if d != 1]
    if not any(squeezed == [d for d in shape if d != 1] for shape in accepted):
        raise AssertionError(f"{key}: {got} is not the dimension of {what}." + (f" {hint}" if hint else ""))


def read_formula(answers: Answers, key: str) -> str:
    """The answer for ``key`` as formula text; numbers are accepted as they are."""
    value = answers.require(key)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise AssertionError(f"{key}: write a formula as a quoted string such as \"2*r + 1\"; "
                             f"you wrote {_shown(value)}")
    return str(value)


def read_formulas(answers: Answers, key: str, count: int, example: str) -> list[str]:
    """A list of ``count`` formulas (a shape written in symbols); a single formula counts as a list of one."""
    value = answers.require(key)
    if count == 1 and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or len(value) != count or any(
            isinstance(v, bool) or not isinstance(v, (str, int, float)) for v in value):
        raise AssertionError(f"{key}: write a list of {count} formula{'s' if count > 1 else ''} such as "
                             f"{example}; you wrote {_shown(value)}")
    return [str(v) for v in value]


def read_number(answers: Answers, key: str) -> float:
    """A number, or a formula without symbols ("log(4)"), as a float."""
    text = read_formula(answers, key)
    try:
        value = expressions.number(text)  # time- and memory-bound (grader.checks.bounded)
    except ExpressionError as exc:
        raise AssertionError(f"{key}: {exc}") from None
    except (TypeError, ValueError):
        raise AssertionError(f"{key}: {text!r} is not a number") from None
    if abs(value.imag) > 1e-12:
        raise AssertionError(f"{key}: {text!r} is not a real number")
    return value.real


def assert_equivalent(answers: Answers, key: str, expected: str, symbols: Sequence[str], what: str) -> None:
    """``key`` is the same function of ``symbols`` as ``expected`` (the message never shows ``expected``)."""
    answer = read_formula(answers, key)
    verdict = check_equivalent(answer, expected, symbols)
    assert verdict.ok, f"{key} ({what}): {verdict.message}"


def values_of(key: str, text: str, symbols: Sequence[str], values: Mapping[str, np.ndarray]) -> np.ndarray:
    """``text`` evaluated on the sample arrays in ``values``; a failed test says why it cannot be read."""
    try:
        result = evaluate(text, symbols, values)
    except ExpressionError as exc:
        raise AssertionError(f"{key}: your formula {text!r}: {exc}") from None
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise AssertionError(f"{key}: your formula {text!r} could not be evaluated ({exc})") from None
    size = len(next(iter(values.values())))
    result = np.broadcast_to(np.asarray(result, dtype=complex), (size,))
    if np.any(np.abs(result.imag) > 1e-9):
        raise AssertionError(f"{key}: your formula {text!r} gives complex values")
    return result.real
