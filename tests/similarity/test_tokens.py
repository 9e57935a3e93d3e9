"""Normalised tokens: renames, comments, blank lines and docstrings disappear; what code does stays."""

from __future__ import annotations

from grader.similarity.tokens import bound_names, tokenize_source

ORIGINAL = '''
import torch


def loss(y, y_hat):
    """Mean squared error."""
    diff = y_hat - y   # the residual
    return (diff * diff).sum() / diff.numel()
'''
RENAMED = '''
import torch
def error(target, guess):
    # my own words
    r = guess - target

    return (r * r).sum() / r.numel()
'''
OTHER_API = '''
import torch


def loss(y, y_hat):
    diff = y_hat - y
    return (diff * diff).mean() / diff.numel()
'''


def _ids(source: str) -> tuple[int, ...]:
    return tokenize_source(source, bound_names([source])).ids


def test_renamed_identifiers_comments_blank_lines_and_docstrings_do_not_change_the_tokens() -> None:
    assert _ids(ORIGINAL) == _ids(RENAMED)


def test_a_different_call_changes_the_tokens() -> None:
    assert _ids(ORIGINAL) != _ids(OTHER_API)


def test_numbers_and_strings_are_normalised_but_operators_are_not() -> None:
    assert _ids("x = 1 + 'a'\n") == _ids("x = 2.5 + \"b\"\n")
    assert _ids("x = 1 + 2\n") != _ids("x = 1 - 2\n")


def test_bound_names_cover_definitions_parameters_assignments_attributes_and_imports() -> None:
    names = bound_names(["import numpy as np\nfrom m import f\nclass C:\n    def g(self, a):\n"
                         "        self.w = a\n        for i in range(3):\n            pass\n"])
    assert {"np", "f", "C", "g", "self", "a", "w", "i"} <= names
    assert "range" not in names and "numpy" not in names


def test_text_that_does_not_tokenise_is_still_tokenised_and_lines_are_kept() -> None:
    broken = 'def f(x):\n    s = "unterminated\n    return x +\n'
    tokens = tokenize_source(broken, bound_names([broken]))
    assert len(tokens.ids) > 5
    assert tokens.lines[0] == 1 and max(tokens.lines) == 3
    assert "f" in bound_names([broken]) and "x" in bound_names([broken])


def test_a_syntax_error_on_one_line_keeps_the_names_bound_elsewhere() -> None:
    source = "alpha = 1\nbeta = (\ndef gamma(delta):\n    return delta\n"
    assert {"alpha", "gamma", "delta"} <= bound_names([source])


def test_first_line_shifts_line_numbers() -> None:
    assert tokenize_source("x = 1\n", frozenset({"x"}), first_line=10).lines[0] == 10
