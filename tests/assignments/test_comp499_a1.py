"""comp499-a1 (a notebook homework) end to end: the reference notebook earns every automatic point,
the template notebook none (without a crash), and a wrong notebook loses exactly what it should.

The reference run is the expensive one (the notebook trains four MNIST models for five epochs):
it runs once per session and proves 4(d) passes; the wrong notebook trains one short epoch, and
proves 4(d) fails (see comp499_a1_variants.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.api import grade
from grader.assignments import assignment_paths
from grader.report.html import render_html
from grader.results.models import ItemStatus, Outcome
from grader.rubric import load_rubric
from tests.assignments.keys import key_leaks
from tests.assignments.comp499_a1_variants import ASSIGNMENT, AUTOMATIC_ITEMS, VARIANTS, apply

PATHS = assignment_paths(ASSIGNMENT)
NOTEBOOK = "comp499_a1.ipynb"
pytestmark = pytest.mark.slow


def _table(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f"{i.id}: {i.points:g}/{i.max_points:g} {' | '.join(i.messages)[:300]}" for i in result.items)


@pytest.fixture(scope="module")
def reference_result():  # type: ignore[no-untyped-def]
    return grade(PATHS.reference_dir / NOTEBOOK, assignment=ASSIGNMENT)


def test_reference_earns_every_automatic_point(reference_result):
    result = reference_result
    assert result.outcome is Outcome.GRADED, result.reason
    for item in result.items:
        if item.id in AUTOMATIC_ITEMS:
            assert item.points == item.max_points, _table(result)
        else:
            assert item.status is ItemStatus.MANUAL, item
    manual = [i for i in result.items if i.status is ItemStatus.MANUAL]
    assert {i.id for i in manual} == {"1(a)", "2(e)", "4(e)"}
    assert all(i.answer.strip() for i in manual), "the reference's written answers reach the TA"
    assert not result.warnings, result.warnings  # every cell of the reference runs cleanly
    extra = next(i for i in result.items if i.id == "5(c)")
    assert extra.extra_credit and extra.points == 4
    assert not key_leaks(load_rubric(PATHS.rubric_file), result), "an answer key reached a student-facing output"


def test_report_embeds_the_executed_notebook(reference_result):
    """The run is in the result (every cell ran) and in report.html: figures inline, each item linked
    to its part's heading, the extra-credit item marked."""
    record = reference_result.notebook
    assert record is not None and record.execution_s > 0 and record.kernel_start_s > 0
    code = [c for c in record.cells if c.kind == "code"]
    assert all(c.status == "ok" for c in code), [(c.index, c.message) for c in code if c.status != "ok"]
    page = render_html(reference_result)
    assert 'id="notebook"' in page and page.count("data:image/png;base64,") >= 3
    heading = next(c.index for c in record.cells if c.source.startswith("## 4(c)"))
    assert f'href="#cell-{heading}"' in page
    assert "extra credit" in page


def test_template_earns_zero_without_a_crash(tmp_path):
    result = grade(PATHS.template_dir / NOTEBOOK, assignment=ASSIGNMENT)
    assert result.outcome is Outcome.GRADED, result.reason
    assert all(i.points == 0 for i in result.items), _table(result)
    assert all(i.messages for i in result.items)
    # the template's unfinished cells fail with their index, and the message names what is missing
    assert any("NotImplementedError" in w and "cell" in w for w in result.warnings), result.warnings
    assert not key_leaks(load_rubric(PATHS.rubric_file), result), "an answer key reached a student-facing output"


@pytest.mark.parametrize("variant", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_wrong_notebook_loses_exactly_its_points(variant, reference_result, tmp_path, warm_backend):
    """Every automatic item not listed keeps the reference's full marks; each listed one scores
    exactly its expected points and says why."""
    name, substitutions, expected = variant
    submission = tmp_path / NOTEBOOK
    submission.write_text(apply((PATHS.reference_dir / NOTEBOOK).read_text(), substitutions))
    result = grade(submission, assignment=ASSIGNMENT, backend=warm_backend)
    assert result.outcome is Outcome.GRADED, result.reason
    full = {i.id: i.max_points for i in reference_result.items if i.id in AUTOMATIC_ITEMS}
    got = {i.id: i.points for i in result.items if i.id in AUTOMATIC_ITEMS}
    assert got == {**full, **expected}, f"{name}:\n{_table(result)}"
    for item in result.items:
        if item.id in expected:
            assert item.points < item.max_points and len(item.messages) > 1, item
