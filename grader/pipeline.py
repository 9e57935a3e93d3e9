"""The grading pipeline for one submission: a list of small stages over one context.

::

    intake -> course_layout -> no_shadows -> required_files -> read_answers -> bind_datasets -> run_notebook -> hidden_tests
           -> constraint_checks -> manual_items -> (finalize)

Each stage reads and fills a ``GradingContext``; ``DEFAULT_STAGES`` is plain data, so
a caller can run a subset (``grader check`` skips hidden tests). A stage that finds
the submission unusable sets ``not_gradable``; one that finds the grader broken sets
``grader_error``; either stops the stages after it. ``finalize`` turns the context
into a frozen ``SubmissionResult`` with one result per rubric item, in rubric order.
"""

from __future__ import annotations

import difflib
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from grader._version import __version__
from grader.checks.answers import Answers, load_answers
from grader.checks.constraint import score_constraint_item
from grader.checks.session import WorkerSession
from grader.checks.pytest_plugin import TestOutcome, selector_matches
from grader.checks.tests_check import HiddenTestsError, run_hidden_tests, score_tests_item
from grader.datasets.errors import DatasetMissing
from grader.datasets.paths import require as require_dataset
from grader.datasets.registry import get_dataset
from grader.intake import NotGradable, Workspace, prepare_workspace
from grader.intake.layout import apply_aliases, apply_provided, find_definitions, top_level_names
from grader.intake.shadows import refuse_shadows
from grader.notebooks.stage import NotebookState, prepare_notebook
from grader.results.models import ItemResult, ItemStatus, Outcome, SubmissionResult
from grader.rubric.schema import ConstraintCheck, Item, ManualCheck, Rubric, TestsCheck
from grader.sandbox import Backend

__all__ = ["GradingContext", "Stage", "DEFAULT_STAGES", "run_pipeline"]


@dataclass
class GradingContext:
    submission: Path
    rubric: Rubric
    tests_dir: Path
    backend: Backend
    scratch: Path
    ro_binds: tuple[tuple[Path, str], ...] = ()
    workspace: Workspace | None = None
    answers: Answers | None = None
    #: a notebook submission: its live session and first run (``grader.notebooks.stage``)
    notebook: NotebookState | None = None
    results: dict[str, ItemResult] = field(default_factory=dict)
    missing_files: tuple[str, ...] = ()
    not_gradable: str = ""
    grader_error: str = ""
    warnings: list[str] = field(default_factory=list)
    #: outcomes of the constraint items' evidence tests, by node id (``ConstraintCheck.evidence_tests``)
    evidence: dict[str, TestOutcome] = field(default_factory=dict)
    #: what the grader did to the submission's layout (an alias renamed, a provided file replaced)
    notes: list[str] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    clock_start: float = field(default_factory=time.monotonic)

    @property
    def stopped(self) -> bool:
        return bool(self.not_gradable or self.grader_error)

    def pending(self, kind: type) -> list[Item]:
        return [i for i in self.rubric.items if isinstance(i.check, kind) and i.id not in self.results]


Stage = Callable[[GradingContext], None]


def intake(ctx: GradingContext) -> None:
    try:
        ctx.workspace = prepare_workspace(ctx.submission, ctx.scratch / "workspace")
    except NotGradable as exc:
        ctx.not_gradable = str(exc)


def course_layout(ctx: GradingContext) -> None:
    """The course's file-name variants (``aliases:``) and its helper files (``provided:``)."""
    assert ctx.workspace is not None
    ctx.workspace, notes = apply_aliases(ctx.workspace, ctx.rubric.aliases)
    ctx.notes.extend(notes)
    ctx.workspace, notes = apply_provided(ctx.workspace, ctx.tests_dir.parent, ctx.rubric.provided)
    ctx.notes.extend(notes)


def no_shadows(ctx: GradingContext) -> None:
    """Refuse a folder or a native binary that would run instead of the checked ``.py`` (``intake.shadows``)."""
    assert ctx.workspace is not None
    try:
        refuse_shadows(ctx.workspace, ctx.rubric.required_files)
    except NotGradable as exc:
        ctx.not_gradable = str(exc)


def required_files(ctx: GradingContext) -> None:
    assert ctx.workspace is not None
    present = set(ctx.workspace.files)
    ctx.missing_files = tuple(f for f in ctx.rubric.required_files if f not in present)
    for name in ctx.missing_files:
        hint = difflib.get_close_matches(name, sorted(present), n=1, cutoff=0.6)
        found = f" Did you name it {hint[0]!r}? Rename it to {name!r}." if hint else ""
        elsewhere = _defined_elsewhere(ctx, name)
        ctx.warnings.append(f"{name} is missing from the submission.{found}{elsewhere}")
    for item in ctx.rubric.items:
        needed = item.needs or (_check_file(item),)
        lost = [f for f in needed if f and f in ctx.missing_files]
        if lost:
            ctx.results[item.id] = _result(item, 0.0, ItemStatus.ERROR,
                                           [f"Not graded: {', '.join(lost)} is missing from your submission "
                                            f"(files found: {', '.join(ctx.workspace.files) or 'none'})."])


def read_answers(ctx: GradingContext) -> None:
    """Parse the answers file as data; an unreadable one fails only the items that need it."""
    assert ctx.workspace is not None
    name = ctx.rubric.answers_file
    if not name:
        return
    ctx.answers = load_answers(ctx.workspace.path, name, ids=[i.id for i in ctx.rubric.items])
    if ctx.answers.problem:
        ctx.warnings.append(f"Answers: {ctx.answers.problem}; the items that read answers from it score zero.")


def bind_datasets(ctx: GradingContext) -> None:
    """Bind the sandbox-visible files of the rubric's datasets into the worker, read-only.

    A dataset missing on the grading machine (any of its files, trusted-only ones included)
    is the grader's problem, not the student's: the submission is flagged for regrade with
    the command that installs it, before any test could score it zero.
    """
    binds = list(ctx.ro_binds)
    for name in ctx.rubric.datasets:
        try:
            require_dataset(name)  # every file, the trusted-only ones the hidden tests score with too
            binds.extend(get_dataset(name).sandbox_binds())
        except DatasetMissing as exc:
            ctx.grader_error = f"dataset {name} is needed by this rubric but is not installed here:\n{exc}"
            return
    ctx.ro_binds = tuple(binds)


def constraint_checks(ctx: GradingContext) -> None:
    """Static rules; run after the tests so ``only_if_earned`` can see what the code earned."""
    assert ctx.workspace is not None
    for item in ctx.pending(ConstraintCheck):
        result = score_constraint_item(item, ctx.workspace.path, trusted=frozenset(p.file for p in ctx.rubric.provided))
        check = item.check
        assert isinstance(check, ConstraintCheck)
        seen = [o for nodeid, o in ctx.evidence.items() if not o.passed and not o.grader_error
                and any(selector_matches(s, nodeid) for s in check.evidence_tests)]
        if result.points > 0 and seen:
            result = result.model_copy(update={
                "points": 0.0, "status": ItemStatus.FAILED,
                "messages": (f"Seen at run time: {seen[0].message}",) + result.messages})
        idle = [i for i in check.only_if_earned if i in ctx.results and ctx.results[i].points <= 0]
        if result.points > 0 and idle:
            result = result.model_copy(update={
                "points": 0.0, "status": ItemStatus.FAILED,
                "messages": result.messages + (f"No points yet: these rules count once the code they apply to "
                                               f"earns points (items {', '.join(idle)} earned none).",)})
        ctx.results[item.id] = result


def run_notebook(ctx: GradingContext) -> None:
    """A notebook submission: validate it and run its cells in the sandbox (``grader.notebooks``)."""
    ctx.notebook = prepare_notebook(ctx)


def hidden_tests(ctx: GradingContext) -> None:
    assert ctx.workspace is not None
    items = ctx.pending(TestsCheck)
    evidence = [s for item in ctx.pending(ConstraintCheck) for s in item.check.evidence_tests]  # type: ignore[union-attr]
    if not items and not evidence:
        return
    selectors = [s for item in items for s in item.check.tests] + evidence  # type: ignore[union-attr]
    session = (ctx.notebook.session if ctx.notebook is not None  # its worker holds the notebook's namespace
               else WorkerSession(ctx.backend, ctx.workspace.path, ctx.rubric.limits, ctx.ro_binds))
    try:
        outcomes = run_hidden_tests(session, ctx.tests_dir, selectors, base_seed=ctx.rubric.seed,
                                    answers=ctx.answers)
        for item in items:
            ctx.results[item.id] = score_tests_item(item, outcomes)
        ctx.evidence = {nodeid: o for nodeid, o in outcomes.items()
                        if any(selector_matches(s, nodeid) for s in evidence)}
        if session.death_causes:
            ctx.warnings.extend(f"The worker running your code stopped: {c}" for c in session.death_causes)
    except HiddenTestsError as exc:
        ctx.grader_error = str(exc)
    finally:
        ctx.notes.extend(n for n in session.compat_notes if n not in ctx.notes)  # a cuda device run on the CPU, ...
        session.close()


def manual_items(ctx: GradingContext) -> None:
    for item in ctx.pending(ManualCheck):
        check = item.check
        assert isinstance(check, ManualCheck)
        messages = ["To be graded by a TA."]
        if check.answer_file and ctx.workspace is not None:
            answer = ctx.workspace.path / check.answer_file
            if not answer.is_file():
                messages.append(f"Your answer file {check.answer_file} is missing.")
        text = ""
        if check.answer_key and ctx.answers is not None:
            text = ctx.answers.text(check.answer_key)
            if not text:
                why = f" ({ctx.answers.problem})" if ctx.answers.problem else ""
                messages.append(f"No answer for {check.answer_key} was found in {ctx.answers.source}{why}.")
        result = _result(item, 0.0, ItemStatus.MANUAL, messages)
        ctx.results[item.id] = result.model_copy(update={"answer": text, "keywords": check.keywords})


def _defined_elsewhere(ctx: GradingContext, name: str) -> str:
    """" gradient_descent is in main.py ..." when a missing file's functions were submitted in another file."""
    assert ctx.workspace is not None
    reference = ctx.tests_dir.parent.parent.parent / "reference" / ctx.rubric.assignment / name
    if not name.endswith(".py") or not reference.is_file():
        return ""
    wanted = top_level_names(reference.read_text(encoding="utf-8"))
    found = find_definitions(ctx.workspace, wanted, skip=name)
    if not found:
        return ""
    where = ", ".join(f"{n} in {f}" for n, f in found.items())
    return (f" Found {where}: the grader imports them from {name}, so move them there (or rename the file "
            f"to {name}).")


DEFAULT_STAGES: tuple[Stage, ...] = (
    intake, course_layout, no_shadows, required_files, read_answers, bind_datasets, run_notebook, hidden_tests, constraint_checks, manual_items,
)


def run_pipeline(
    submission: Path,
    *,
    rubric: Rubric,
    tests_dir: Path,
    backend: Backend,
    stages: tuple[Stage, ...] = DEFAULT_STAGES,
    ro_binds: tuple[tuple[Path, str], ...] = (),
) -> SubmissionResult:
    """Grade one submission; never raises for anything the submission does."""
    with tempfile.TemporaryDirectory(prefix="grader-") as scratch:
        ctx = GradingContext(submission=Path(submission), rubric=rubric, tests_dir=tests_dir, backend=backend,
                             scratch=Path(scratch), ro_binds=ro_binds)
        for stage in stages:
            if ctx.stopped:
                break
            try:
                stage(ctx)
            except Exception:  # noqa: BLE001 - a grader bug must become a flagged result, not a crash
                ctx.grader_error = f"the grader failed in stage {stage.__name__}:\n{traceback.format_exc()}"
        if ctx.notebook is not None:  # its worker outlives run_notebook; hidden_tests closes it when it runs
            ctx.notebook.session.close()
        return finalize(ctx)


def finalize(ctx: GradingContext) -> SubmissionResult:
    items = []
    for item in ctx.rubric.items:
        if item.id in ctx.results:
            items.append(ctx.results[item.id])
        elif ctx.not_gradable:
            items.append(_result(item, 0.0, ItemStatus.ERROR, [f"Not graded: {ctx.not_gradable}"]))
        elif ctx.grader_error:
            items.append(_result(item, 0.0, ItemStatus.ERROR,
                                 ["Not graded: the grader itself failed; your instructor has been told. "
                                  "This is not a problem with your submission."],
                                 instructor_detail=ctx.grader_error))
        else:
            items.append(_result(item, 0.0, ItemStatus.ERROR, ["Not graded: this check was switched off."]))
    buggy = [r.id for r in items if r.status is ItemStatus.ERROR and r.instructor_detail]
    if buggy and not ctx.stopped:  # a hidden test's own bug: those items are flagged, the rest stand
        ctx.grader_error = (f"a hidden test of {', '.join(buggy)} failed inside the grader (a bug in the test, "
                            "not the submission); see each item's instructor detail")
    outcome = (Outcome.NOT_GRADABLE if ctx.not_gradable else
               Outcome.GRADER_ERROR if ctx.grader_error else Outcome.GRADED)
    workspace = ctx.workspace
    return SubmissionResult(
        assignment=ctx.rubric.assignment,
        assignment_title=ctx.rubric.title,
        submission=ctx.submission.name,
        sha256=workspace.sha256 if workspace else "",
        outcome=outcome,
        items=tuple(items),
        total_points=ctx.rubric.total,
        reason=ctx.not_gradable or (ctx.grader_error.splitlines()[0] if ctx.grader_error else ""),
        sandbox=ctx.backend.name,
        sandbox_warnings=tuple(ctx.backend.warnings()),
        warnings=tuple(ctx.warnings),
        notes=tuple(ctx.notes),
        started_at=ctx.started_at,
        duration_s=round(time.monotonic() - ctx.clock_start, 3),
        grader_version=__version__,
        seed=ctx.rubric.seed,
        files=workspace.files if workspace else (),
        notebook=ctx.notebook.record() if ctx.notebook is not None else None,
    )


def _check_file(item: Item) -> str:
    return item.check.file if isinstance(item.check, ConstraintCheck) else ""


def _result(item: Item, points: float, status: ItemStatus, messages: list[str], *,
            instructor_detail: str = "") -> ItemResult:
    return ItemResult(id=item.id, title=item.title, points=points, max_points=item.points, status=status,
                      messages=tuple(messages), note=item.note, extra_credit=item.extra_credit,
                      instructor_detail=instructor_detail)
