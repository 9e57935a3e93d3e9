"""cs446-hw3 end to end: the reference earns every automatic point, the template none, and
every variant loses exactly its items.

Cost (CI budget about 3 minutes on 2 cores): the three SIREN runs of the reference (the
grader's short runs of its train()) happen once, inside ``validate`` (module fixture
``validation``), and every test that needs a trained run reads that result. Variants are
graded on the items they can affect (``cs446_hw3_variants`` explains why that is enough); the
training variants run one or two activations each.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.api import grade, validate
from grader.assignments import assignment_paths
from grader.results.models import Outcome
from grader.rubric import load_rubric
from tests.assignments.keys import key_leaks
from grader.sandbox import Backend
from tests.assignments.cs446_hw3_variants import (
    ASSIGNMENT,
    AUTOMATIC_ITEMS,
    VARIANTS,
    apply,
    groups,
)

PATHS = assignment_paths(ASSIGNMENT)
pytestmark = pytest.mark.slow


def _grade_items(submission: Path, items: frozenset[str], backend: Backend | None = None):
    """Grade ``submission`` on these items only (the rest are not run at all)."""
    return grade(submission, assignment=ASSIGNMENT, only=sorted(items), backend=backend)


def _copy_reference(tmp_path: Path) -> Path:
    submission = tmp_path / "submission"
    shutil.copytree(PATHS.reference_dir, submission, ignore=shutil.ignore_patterns("__pycache__", "*.p", "*.png"))
    return submission


def _table(result) -> dict[str, str]:
    return {i.id: f"{i.points:g}/{i.max_points:g}: {' | '.join(i.messages)[:400]}" for i in result.items}


@pytest.fixture(scope="module")
def validation():
    return validate(ASSIGNMENT)


def test_validate_reference_full_template_zero(validation):
    assert validation.ok, validation.problems
    reference = {i.id: i for i in validation.reference.items}
    missing = [f"{k}: {v}" for k, v in _table(validation.reference).items()
               if k in AUTOMATIC_ITEMS and reference[k].points < reference[k].max_points]
    assert not missing, missing
    assert validation.template.score == 0
    assert all(i.messages for i in validation.template.items)
    assert not key_leaks(load_rubric(PATHS.rubric_file), validation.reference), "an answer key reached a student-facing output"
    assert not key_leaks(load_rubric(PATHS.rubric_file), validation.template), "an answer key reached a student-facing output"


def test_reference_report_shows_the_grader_s_runs(validation):
    """Each activation's item carries the figure of the grader's run of train(): output,
    gradient, Laplacian, the target and the loss curve the student's figure drew; and the
    notes say that siren_utils.py is the grader's copy."""
    for activation in ("sin", "tanh", "relu"):
        item = next(i for i in validation.reference.items if i.id == f"5.5.{activation}")
        titles = [a.title for a in item.artifacts]
        assert any(activation in t and "the grader's run of your train()" in t for t in titles), titles
    assert any("siren_utils.py is provided by the course" in n for n in validation.reference.notes)


def test_provided_helper_is_the_reference_s_copy():
    """The template's (and reference's) siren_utils.py is the grader's provided file, byte for byte."""
    provided = (PATHS.rubric_file.parent / "provided" / "siren_utils.py").read_bytes()
    assert (PATHS.reference_dir / "siren_utils.py").read_bytes() == provided


SINGLE = [v for v in VARIANTS if not v.group]
#: the grading notes' partial credit, paid by the "tiers" group
TIER_POINTS = {"1.4": 1.0, "2.4": 1.0, "3.3": 0.5}


def _apply_all(submission: Path, variants) -> None:
    for variant in variants:
        target = submission / variant.file
        target.write_text(apply(variant, target.read_text()))
        for file, old, new in variant.also:
            path = submission / file
            assert path.read_text().count(old) == 1, (variant.id, file, old)
            path.write_text(path.read_text().replace(old, new))


def _check_losses(result, loses, label):
    assert result.outcome is Outcome.GRADED, result.reason
    lost = {i.id for i in result.items if i.points < i.max_points}
    assert lost == set(loses), f"{label} lost {sorted(lost)}\n{_table(result)}"
    for item in result.items:
        if item.id in loses:
            assert len(item.messages) > 1, f"{item.id} lost points without saying why: {item.messages}"


@pytest.mark.parametrize("variant", SINGLE, ids=[v.id for v in SINGLE])
def test_variant_loses_exactly_its_items(variant, tmp_path, warm_backend):
    submission = _copy_reference(tmp_path)
    _apply_all(submission, [variant])
    _check_losses(_grade_items(submission, variant.graded, warm_backend), variant.loses,
                  f"{variant.id} ({variant.why})")


@pytest.mark.parametrize("group", sorted(groups()))
def test_grouped_variants_lose_exactly_their_items(group, tmp_path, warm_backend):
    """One grade per group of variants (``groups()`` says why that proves each)."""
    variants = groups()[group]
    items = [item for v in variants for item in v.loses]
    assert len(items) == len(set(items)), f"group {group}: two variants lose the same item"
    submission = _copy_reference(tmp_path)
    _apply_all(submission, variants)
    result = _grade_items(submission, frozenset().union(*(v.graded for v in variants)), warm_backend)
    _check_losses(result, set(items), f"group {group} ({', '.join(v.id for v in variants)})")
    if group == "tiers":
        points = {i.id: i.points for i in result.items if i.id in TIER_POINTS}
        assert points == pytest.approx(TIER_POINTS), _table(result)


def test_roughness_tells_noisy_curves_from_smooth_ones():
    """The 'very noisy loss curve' measure, both ways: a falling curve and a slow wobble of a
    few percent pass, a curve with +-30 % jumps fails."""
    sys.path.insert(0, str(PATHS.tests_dir))
    try:
        from cs446_helpers import roughness
        from test_siren_training import MAX_ROUGHNESS
    finally:
        sys.path.remove(str(PATHS.tests_dir))
        for name in ("cs446_helpers", "test_siren_training"):
            sys.modules.pop(name, None)
    epochs = np.arange(1, 41)
    assert roughness(0.1 / epochs) == 0
    smooth = 0.1 / epochs ** 0.5 * (1 + 0.02 * np.sin(epochs))
    noisy = 0.1 / epochs ** 0.5 * np.where(epochs % 2 == 0, 1.3, 0.8)
    assert roughness(smooth) <= MAX_ROUGHNESS
    assert roughness(noisy) > MAX_ROUGHNESS


def test_every_automatic_item_is_lost_by_some_variant():
    """Each automatic item is proven both ways: the reference earns it (above), a variant loses it."""
    lost = set().union(*(v.loses for v in VARIANTS))
    assert AUTOMATIC_ITEMS - lost == set()



def test_a_submitted_siren_model_is_judged_for_the_ta(tmp_path, warm_backend):
    """A siren_model.p in the submission (a state dict, as the starter's train() saves it) is read
    with weights_only in the worker, judged in the grader's Siren against the course's 0.03 and
    shown beside 5.5's figure; the grader's own run still decides the points. A file that is not
    a state dict is ignored (nothing shown, no points lost)."""
    import base64

    import torch

    submission = _copy_reference(tmp_path)
    zeros = {f"net.{i}.linear.weight": torch.zeros(o, n) for i, (n, o) in
             enumerate([(2, 32)] + [(32, 32)] * 7 + [(32, 1)])}
    zeros.update({f"net.{i}.linear.bias": torch.zeros(32) for i in range(8)})
    torch.save(zeros, submission / "siren_model.p")
    result = _grade_items(submission, frozenset({"5.5.sin"}), warm_backend)
    (item,) = result.items
    assert item.points == item.max_points, _table(result)
    texts = [base64.b64decode(a.data_b64).decode() for a in item.artifacts if a.title == "siren_model.p"]
    assert len(texts) == 1 and "read as a" in texts[0] and "0.03" in texts[0], texts
    (submission / "siren_model.p").write_bytes(b"not a checkpoint")
    result = _grade_items(submission, frozenset({"5.5.sin"}), warm_backend)
    (item,) = result.items
    assert item.points == item.max_points and not [a for a in item.artifacts if a.title == "siren_model.p"]
