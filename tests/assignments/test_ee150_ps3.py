"""ee150-ps3 end to end: the assignment is sound, and every wrong variant loses exactly its items.

Cost (2-core CI machine): grading the reference in full trains both MNIST CNNs (1 epoch on
12000 images each), retrains the three IMDB models briefly and scores six checkpoints;
that run is shared through ``validation`` (module scope). Variants are graded on the items
they concern only (see ``ee150_ps3_variants``); the training items are proven both ways by
the reference and by the training variants.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from grader.api import grade, load_assignment, validate
from grader.results.models import Outcome, SubmissionResult
from grader.rubric.schema import ManualCheck
from grader.sandbox import Backend
from tests.assignments.keys import key_leaks
from tests.assignments.ee150_ps3_variants import ASSIGNMENT, VARIANTS, Variant, apply

PATHS, RUBRIC = load_assignment(ASSIGNMENT)
AUTOMATIC = [i.id for i in RUBRIC.items if not isinstance(i.check, ManualCheck)]
pytestmark = pytest.mark.slow


def submission_copy(tmp_path: Path) -> Path:
    target = tmp_path / "submission"
    shutil.copytree(PATHS.reference_dir, target,
                    ignore=shutil.ignore_patterns("__pycache__", ".benchmarks", "imdb", "mnist", "*.png"))
    return target


def grade_items(submission: Path, items: tuple[str, ...], backend: Backend | None = None) -> SubmissionResult:
    """Grade ``submission`` on a subset of the rubric's items (the rest are not run at all)."""
    return grade(submission, assignment=ASSIGNMENT, only=items, backend=backend)


@pytest.fixture(scope="module")
def validation():
    return validate(ASSIGNMENT)


def test_validate_reference_full_template_zero(validation):
    assert validation.ok, validation.problems
    reference = {i.id: i for i in validation.reference.items}
    assert all(reference[i].points == reference[i].max_points for i in AUTOMATIC)
    assert validation.template.score == 0
    assert all(i.messages for i in validation.template.items)


def test_no_answer_key_reaches_a_student(validation):
    for result in (validation.reference, validation.template):
        assert not key_leaks(RUBRIC, result), "an answer key reached a student-facing output"


def test_reference_report_has_curves_and_filters(validation):
    """The grader's own MNIST curves, the confusion matrix and the ManualCNN filters are attached."""
    reference = {i.id: i for i in validation.reference.items}
    titles = [a.title for i in ("1b.train", "1c.train") for a in reference[i].artifacts]
    assert any("confusion" in t for t in titles) and any("training run" in t for t in titles), titles
    assert sum("ManualCNN filter" in t for t in titles) == 4, titles
    assert any("retrain" in a.title for a in reference["2a.v.trains"].artifacts)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_wrong_variant_loses_exactly_its_items(variant: Variant, tmp_path, warm_backend):
    submission = submission_copy(tmp_path)
    if variant.substitutions:
        target = submission / variant.file
        target.write_text(apply(variant, target.read_text()))
    if variant.copy:
        shutil.copyfile(submission / variant.copy[0], submission / variant.copy[1])
    result = grade_items(submission, variant.items, warm_backend)
    assert result.outcome is Outcome.GRADED, result.reason
    lost = {i.id for i in result.items if i.points < i.max_points}
    table = {i.id: f"{i.points:g}/{i.max_points:g}: {' | '.join(i.messages)[:400]}" for i in result.items}
    assert lost == set(variant.loses), f"{variant.id} ({variant.why}) lost {sorted(lost)}\n{table}"
    for item in result.items:
        if item.id in variant.loses:
            assert len(item.messages) > 1, f"{item.id} lost points without saying why: {item.messages}"


def test_untrained_checkpoint_fails_its_floor(tmp_path):
    """A Transformer saved before any training, in place of transformer_short.pth, loses 3b.checkpoints."""
    submission = submission_copy(tmp_path)
    script = ("import torch\nfrom psthree.data import BOWTokenizer\nfrom psthree.transformer import Transformer\n"
              "torch.manual_seed(0)\ntokenizer = BOWTokenizer(2000)\n"
              "tokenizer.word_to_id = torch.load('results/checkpoints/transformer_short.pth', "
              "weights_only=False).tokenizer.word_to_id\n"
              "torch.save(Transformer(tokenizer, 128, 8, 128, 2), 'results/checkpoints/transformer_short.pth')\n")
    subprocess.run([sys.executable, "-c", script], cwd=submission, check=True)
    result = grade_items(submission, ("3b.checkpoints",))
    item = result.items[0]
    assert result.outcome is Outcome.GRADED and 0 < item.points < item.max_points, item.messages
    assert "transformer_short" in " ".join(item.messages)


def test_all_ones_inputs_cannot_tell_the_uniform_attention_apart():
    """The course's weak check: on all-ones inputs the uniform attention equals the real one.

    ``attention_ignores_scores`` above loses both attention items on the hidden tests; here the
    same code passes an all-ones check, so the hidden tests are strictly stronger.
    """
    variant = next(v for v in VARIANTS if v.id == "attention_ignores_scores")
    source = (PATHS.reference_dir / variant.file).read_text()
    namespaces = []
    for text in (source, apply(variant, source)):
        namespace: dict = {"__name__": "attention_copy"}
        exec(compile(text, variant.file, "exec"), namespace)  # our own reference code, on the trusted side
        namespaces.append(namespace)
    torch.manual_seed(0)
    real, wrong = namespaces[0]["MultiHeadAttention"](16, 4), namespaces[1]["MultiHeadAttention"](16, 4)
    wrong.load_state_dict(real.state_dict())
    ones = torch.ones(2, 5, 16)
    assert torch.allclose(real(ones), wrong(ones), atol=1e-6)
    random = torch.randn(2, 5, 16)
    assert not torch.allclose(real(random), wrong(random), atol=1e-3)
