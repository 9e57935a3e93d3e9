"""Answers files, formulas and attachments: read as data, compared by value, shown to the TA.

The end-to-end tests grade a tiny assignment written here: one item checks a formula from
``answers.yaml`` through the ``answers`` fixture and attaches a plot, one is manual with
keywords, one checks nothing but needs a missing dataset's files (a grader error).
"""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest

from grader.api import grade
from grader.authoring.template import strip_solutions
from grader.checks.answers import MAX_ANSWERS_BYTES, load_answers
from grader.checks.expressions import ExpressionError, check_equivalent, evaluate, parse_expression
from grader.report.html import render_html
from grader.results.models import ItemStatus, Outcome
from grader.rubric.loader import RubricError, load_rubric

FORMULA_SYMBOLS = ["w", "x1", "x2", "x3"]
H3 = "w*x3 + w**2*x2 + w**3*x1"


# -- answers files -------------------------------------------------------------------


def test_yaml_keys_are_kept_as_written(tmp_path):
    (tmp_path / "answers.yaml").write_text('1.10: ten\n1.1: one\n"2.2": "h3 = w*x"\n1.4: {w0: [[1, -1]]}\n')
    answers = load_answers(tmp_path, "answers.yaml")
    assert answers.problem == ""
    assert answers["1.10"] == "ten" and answers["1.1"] == "one"
    assert answers.require("1.4") == {"w0": [[1, -1]]}
    assert "w0:" in answers.text("1.4")


@pytest.mark.parametrize("content, expected", [
    ("a: &x [1]\nb: *x\n", "aliases"),
    ("- just\n- a list\n", "mapping"),
    ("a: [1, 2\n", "line"),
    ("a: !!python/object:os.system {}\n", "could not be read"),
])
def test_unusable_yaml_is_a_problem_not_a_crash(tmp_path, content, expected):
    (tmp_path / "answers.yaml").write_text(content)
    answers = load_answers(tmp_path, "answers.yaml")
    assert expected in answers.problem
    with pytest.raises(AssertionError, match="No answer for 1.1"):
        answers.require("1.1")


def test_missing_oversized_and_linked_answers_files(tmp_path):
    assert "no answers.yaml" in load_answers(tmp_path, "answers.yaml").problem
    (tmp_path / "big.yaml").write_bytes(b"a: " + b"x" * MAX_ANSWERS_BYTES)
    assert "limited" in load_answers(tmp_path, "big.yaml").problem
    (tmp_path / "link.yaml").symlink_to("/etc/passwd")
    assert load_answers(tmp_path, "link.yaml").problem


def test_missing_entry_says_what_to_add(tmp_path):
    (tmp_path / "answers.yaml").write_text('"1.1": 3\n"1.2": ""\n')
    answers = load_answers(tmp_path, "answers.yaml")
    with pytest.raises(AssertionError, match=r"The entry '1.2' of your answers.yaml is empty"):
        answers.require("1.2")
    with pytest.raises(AssertionError, match=r'no entry for \'1.3\' \(entries found: 1.1, 1.2\).*keyed "1.3"'):
        answers.require("1.3")


def test_markdown_and_notebook_sections_by_known_ids(tmp_path):
    (tmp_path / "answers.md").write_text("# My answers\n## 1.5 Slopes\nThe slopes differ.\n### (a)\nmore\n"
                                         "## 2.1: Decay\nlearning rate decay\n")
    answers = load_answers(tmp_path, "answers.md", ids=["1.5", "2.1"])
    assert answers["1.5"] == "The slopes differ.\n### (a)\nmore"
    assert answers["2.1"] == "learning rate decay"
    notebook = ('{"cells": [{"cell_type": "markdown", "source": ["## 3.1 Why\\n", "because"]},'
                ' {"cell_type": "code", "source": "## 3.2\\nx = 1"}], "nbformat": 4}')
    (tmp_path / "a.ipynb").write_text(notebook)
    assert dict(load_answers(tmp_path, "a.ipynb", ids=["3.1", "3.2"])) == {"3.1": "because"}


# -- formulas ------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["h3 = w*(x3 + w*(x2 + w*x1))", "w^3*x1 + w^2*x2 + w*x3",
                                    "w\u00b7x3 + w**2\u00b7x2 + x1*w*w*w"])
def test_equivalent_formulas_pass(answer):
    verdict = check_equivalent(answer, H3, FORMULA_SYMBOLS)
    assert verdict.ok, verdict.message


def test_formula_missing_a_factor_fails_without_showing_the_key():
    verdict = check_equivalent("w*(x3 + w*(x2 + x1))", H3, FORMULA_SYMBOLS)
    assert not verdict.ok
    assert "different value" in verdict.message and "w**3" not in verdict.message


def test_numeric_fallback_when_algebra_is_skipped():
    big = "((w + 1)**12)**3 - ((w + 1)**12)**3 + w"
    verdict = check_equivalent(big, "w", ["w"])
    assert verdict.ok and verdict.method in ("symbolic", "numeric")
    assert check_equivalent("log(exp(w))", "w", ["w"]).ok


@pytest.mark.parametrize("hostile, said", [
    ("__import__('os').system('id')", "not allowed"),
    ("w.__class__", "not allowed"),
    ("2w", "products with *"),
    ("w**1000", "too large"),
    ("2**2**12", "too large"),
    ("y + w", "unknown name 'y'"),
    ("[w for w in range(9)]", "not allowed"),
    ("w" * 600, "characters"),
    ("exp(w, base=2)", "plain arguments"),
])
def test_hostile_or_malformed_formulas_are_refused_with_a_reason(hostile, said):
    with pytest.raises(ExpressionError, match=said):
        parse_expression(hostile, ["w"])
    verdict = check_equivalent(hostile, "w", ["w"])
    assert not verdict.ok and said.split()[0] in verdict.message


def test_output_size_formulas_with_floor():
    expected = "floor((H + 2*P - K)/S) + 1"
    assert check_equivalent("(H + 2*P - K)//S + 1", expected, ["H", "P", "K", "S"]).ok
    assert evaluate(expected, ["H", "P", "K", "S"], {"H": 28, "P": 1, "K": 3, "S": 2}) == 14
    assert not check_equivalent("(H + 2*P - K)/S + 1", expected, ["H", "P", "K", "S"]).ok


def test_evaluate_on_arrays():
    assert list(evaluate("w*x1 + 1", ["w", "x1"], {"w": 2, "x1": [0, 1, 2]})) == [1, 3, 5]
    with pytest.raises(ValueError, match="no value given for x1"):
        evaluate("w*x1", ["w", "x1"], {"w": 1})


# -- template stripping of YAML answers ------------------------------------------------


def test_yaml_solution_blocks_are_dropped_or_stubbed():
    source = textwrap.dedent("""\
        # Answers for the homework
        "1.4":
          # BEGIN SOLUTION: w0: null
          w0: [[1, -1]]
          # END SOLUTION
        # BEGIN SOLUTION
        "2.2": "w*x"
        # END SOLUTION
        "2.3": ""
        """)
    assert strip_solutions(source, "answers.yaml", python=False) == textwrap.dedent("""\
        # Answers for the homework
        "1.4":
          w0: null
        "2.3": ""
        """)


# -- end to end ------------------------------------------------------------------------

RUBRIC = """\
assignment: answers-demo
title: "Answers demo"
total: 4
answers_file: answers.yaml
limits: {wall_s: 60, call_s: 20}
items:
  - id: "2.2"
    title: "h3 as a formula"
    points: 2
    check: {kind: tests, tests: ["test_demo.py::test_h3"]}
  - id: "2.5"
    title: "why gradients vanish"
    points: 2
    check: {kind: manual, answer_key: "2.5", keywords: ["comparison of slopes"]}
"""

HIDDEN_TEST = """\
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from grader.checks.expressions import check_equivalent


def test_h3(answers, attach):
    figure, axes = plt.subplots()
    axes.plot([0, 1], [1, 0])
    attach.figure(figure, "a line")
    attach.text("some text <b>", "a note")
    verdict = check_equivalent(answers.require("2.2"), "w*x3 + w**2*x2 + w**3*x1", ["w", "x1", "x2", "x3"])
    assert verdict.ok, verdict.message
"""


@pytest.fixture
def demo_root(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    tests = root / "rubrics" / "answers-demo" / "tests"
    tests.mkdir(parents=True)
    (root / "rubrics" / "answers-demo" / "rubric.yaml").write_text(RUBRIC)
    (tests / "test_demo.py").write_text(HIDDEN_TEST)
    return root


def _submit(tmp_path: Path, answers: str) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / "answers.yaml").write_text(answers)
    return folder


def test_answers_reach_tests_manual_items_and_the_report(demo_root, tmp_path):
    submission = _submit(tmp_path, '"2.2": "h3 = w*(x3 + w*(x2 + w*x1))"\n"2.5": "by a Comparison of slopes <b>"\n')
    result = grade(submission, assignment="answers-demo", root=demo_root)
    assert result.outcome is Outcome.GRADED, result.reason
    formula, manual = result.items
    assert formula.points == 2, formula.messages
    assert [a.media_type for a in formula.artifacts] == ["image/png", "text/plain"]
    assert base64.b64decode(formula.artifacts[0].data_b64).startswith(b"\x89PNG")
    assert manual.status is ItemStatus.MANUAL and manual.answer == "by a Comparison of slopes <b>"
    page = render_html(result)
    assert "data:image/png;base64," in page and "some text &lt;b&gt;" in page
    assert "by a <mark>Comparison of slopes</mark> &lt;b&gt;" in page


def test_wrong_or_missing_answers_lose_points_with_a_reason(demo_root, tmp_path):
    wrong = grade(_submit(tmp_path, '"2.2": "w*(x3 + w*(x2 + x1))"\n'), assignment="answers-demo", root=demo_root)
    assert wrong.items[0].points == 0 and "different value" in " ".join(wrong.items[0].messages)
    assert "No answer for 2.5" in " ".join(wrong.items[1].messages)
    (tmp_path / "submission" / "answers.yaml").rename(tmp_path / "submission" / "answer.yaml")
    missing = grade(tmp_path / "submission", assignment="answers-demo", root=demo_root)
    assert missing.items[0].points == 0 and "no answers.yaml" in " ".join(missing.items[0].messages)
    assert any("answers.yaml" in w for w in missing.warnings)


def test_a_missing_dataset_is_a_grader_error_with_the_command(demo_root, tmp_path, monkeypatch):
    rubric = demo_root / "rubrics" / "answers-demo" / "rubric.yaml"
    rubric.write_text(RUBRIC.replace("answers_file: answers.yaml\n", "answers_file: answers.yaml\ndatasets: [mnist]\n"))
    monkeypatch.setenv("GRADER_DATA", str(tmp_path / "empty-data"))
    result = grade(_submit(tmp_path, '"2.2": "w"\n'), assignment="answers-demo", root=demo_root)
    assert result.outcome is Outcome.GRADER_ERROR
    assert "mnist" in result.reason
    assert "grader data" in result.items[0].instructor_detail


def test_rubric_refuses_unknown_datasets_and_answer_keys_without_a_file(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text(RUBRIC.replace("answers_file: answers.yaml\n", "datasets: [mnsit]\n"))
    with pytest.raises(RubricError, match="did you mean 'mnist'"):
        load_rubric(path)
    path.write_text(RUBRIC.replace("answers_file: answers.yaml\n", ""))
    with pytest.raises(RubricError, match="answer_key needs the rubric's answers_file"):
        load_rubric(path)
