"""nyu-dl-hw1 end to end: the assignment is sound, and every wrong variant loses exactly its items."""

from __future__ import annotations

import html
import re
import shutil

import pytest

from grader.api import grade, validate, write_outputs
from grader.assignments import assignment_paths
from grader.results.models import ItemStatus, Outcome
from grader.rubric import load_rubric
from tests.assignments.keys import key_leaks
from tests.assignments.nyu_dl_hw1_variants import ASSIGNMENT, AUTOMATIC_ITEMS, VARIANTS, apply
from tests.chromium import dump_dom, screenshot

PATHS = assignment_paths(ASSIGNMENT)
pytestmark = pytest.mark.slow


def test_validate_reference_full_template_zero():
    report = validate(ASSIGNMENT)
    assert report.ok, report.problems
    assert report.reference.score == report.reference.max_score - 0  # manual extra credit is not in the total
    assert all(i.points == i.max_points for i in report.reference.items if i.id in AUTOMATIC_ITEMS)
    assert report.template.score == 0
    assert all(i.messages for i in report.template.items)
    assert not key_leaks(load_rubric(PATHS.rubric_file), report.reference), "an answer key reached a student-facing output"
    assert not key_leaks(load_rubric(PATHS.rubric_file), report.template), "an answer key reached a student-facing output"


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_wrong_variant_loses_exactly_its_items(variant, tmp_path, warm_backend):
    submission = tmp_path / "submission"
    shutil.copytree(PATHS.reference_dir, submission, ignore=shutil.ignore_patterns("__pycache__", ".benchmarks"))
    target = submission / variant.file
    target.write_text(apply(variant, target.read_text()))
    result = grade(submission, assignment=ASSIGNMENT, backend=warm_backend)
    assert result.outcome is Outcome.GRADED, result.reason
    lost = {i.id for i in result.items if i.id in AUTOMATIC_ITEMS and i.points < i.max_points}
    table = {i.id: f"{i.points:g}/{i.max_points:g}: {' | '.join(i.messages)[:300]}" for i in result.items}
    assert lost == set(variant.loses), f"{variant.id} ({variant.why}) lost {sorted(lost)}\n{table}"
    for item in result.items:
        if item.id in variant.loses:
            assert len(item.messages) > 1, f"{item.id} lost points without saying why: {item.messages}"


def test_hidden_tests_cannot_be_read_from_the_worker(tmp_path):
    submission = tmp_path / "submission"
    shutil.copytree(PATHS.reference_dir, submission, ignore=shutil.ignore_patterns("__pycache__", ".benchmarks"))
    hidden = sorted(PATHS.tests_dir.glob("test_*.py"))
    snoop = "\n".join([
        "import os",
        "def _snoop():",
        f"    for path in {[str(p) for p in hidden]!r} + ['/proc/1/cwd', '/proc/self/mountinfo']:",
        "        try:",
        "            print('READ', path, open(path).read()[:200] if os.path.isfile(path) else os.listdir(path))",
        "        except OSError as e:",
        "            print('REFUSED', path, type(e).__name__)",
        "_snoop()",
    ])
    (submission / "gd.py").write_text((submission / "gd.py").read_text() + "\n" + snoop + "\n")
    result = grade(submission, assignment=ASSIGNMENT)
    output = "\n".join(i.output for i in result.items)
    assert "REFUSED" in output and "def test_" not in output
    for path in hidden:
        assert f"READ {path}" not in output


def test_sample_submission_report_in_a_browser(tmp_path):
    """The demo's sample submission: expected score, and the report shows it in a real browser."""
    sample = PATHS.samples_dir / "student-with-bugs.zip"
    result = grade(sample, assignment=ASSIGNMENT)
    assert result.outcome is Outcome.GRADED
    assert 0 < result.score < result.max_score
    statuses = {i.status for i in result.items}
    assert {ItemStatus.PASSED, ItemStatus.MANUAL} <= statuses and statuses & {ItemStatus.PARTIAL, ItemStatus.FAILED}
    page = write_outputs(result, tmp_path / "out")["report"]
    dom = html.unescape(re.sub(r"\s+", " ", dump_dom(page, tmp_path)))
    assert f"{result.score:g} / {result.max_score:g}" in dom
    for item in result.items:
        assert item.title in dom, item.title
    screenshot(page, tmp_path, 412, 915)
