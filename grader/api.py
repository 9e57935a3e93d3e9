"""The Python API behind the ``grader`` command: keyword-only functions with one job each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader._io import atomic_write_text
from grader.assignments import AssignmentPaths, assignment_paths
from grader.authoring.public_spec import build_public_spec
from grader.authoring.student_repo import student_install, student_repo_files
from grader.authoring.template import build_template, template_drift
from grader.pipeline import run_pipeline
from grader.results.models import ItemStatus, Outcome, SubmissionResult
from grader.rubric import Rubric, load_rubric
from grader.rubric.schema import ManualCheck
from grader.sandbox import Backend, choose_backend

__all__ = ["grade", "write_outputs", "validate", "ValidationReport", "build_assignment_template",
           "check_template_fresh", "load_assignment"]


def load_assignment(assignment: str, *, root: Path | None = None) -> tuple[AssignmentPaths, Rubric]:
    paths = assignment_paths(assignment, root)
    return paths, load_rubric(paths.rubric_file)


def grade(
    submission: Path,
    *,
    assignment: str,
    out_dir: Path | None = None,
    backend: str | Backend | None = None,
    root: Path | None = None,
    only: Sequence[str] | None = None,
) -> SubmissionResult:
    """Grade one submission end to end; write its reports to ``out_dir`` when given.

    ``only`` grades just those items (as ``grader batch --only`` does); the result then holds
    only them, and its total is theirs.
    """
    paths, rubric = load_assignment(assignment, root=root)
    if only is not None:
        rubric = _restricted(rubric, only)
    chosen = backend if isinstance(backend, Backend) else choose_backend(backend, forbidden_roots=(paths.root,))
    result = run_pipeline(Path(submission), rubric=rubric, tests_dir=paths.tests_dir, backend=chosen)
    if out_dir is not None:
        write_outputs(result, Path(out_dir))
    return result


def _restricted(rubric: Rubric, only: Sequence[str]) -> Rubric:
    for item_id in only:
        rubric.item(item_id)  # KeyError naming the known ids
    items = tuple(i for i in rubric.items if i.id in set(only))
    total = sum(i.points for i in items if not i.extra_credit)
    return rubric.model_copy(update={"items": items, "total": total})


def write_outputs(result: SubmissionResult, out_dir: Path) -> dict[str, Path]:
    """``report.html``, Gradescope's ``results.json`` and our full ``result.json``, atomically."""
    from grader.report.html import write_html_report
    from grader.results.gradescope import write_results_json

    out_dir.mkdir(parents=True, exist_ok=True)
    full = out_dir / "result.json"
    atomic_write_text(full, result.model_dump_json(indent=2))
    gradescope = out_dir / "results.json"
    write_results_json(result, gradescope)
    html = write_html_report(result, out_dir)
    return {"report": html, "results.json": gradescope, "result.json": full}


@dataclass
class ValidationReport:
    assignment: str
    reference: SubmissionResult | None = None
    template: SubmissionResult | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(assignment: str, *, backend: str | Backend | None = None, root: Path | None = None) -> ValidationReport:
    """The reference earns every automatic point; the untouched template earns zero, with a message each."""
    paths, rubric = load_assignment(assignment, root=root)
    report = ValidationReport(assignment)
    drift = template_drift(paths.reference_dir, paths.template_dir, _generated_files(paths, rubric))
    if drift:
        report.problems.append(f"student_template/{assignment} is stale ({'; '.join(drift[:5])}); "
                               f"run: grader template build {assignment}")
    automatic = [i for i in rubric.items if not isinstance(i.check, ManualCheck)]
    report.reference = grade(paths.reference_dir, assignment=assignment, backend=backend, root=root)
    if report.reference.outcome is not Outcome.GRADED:
        report.problems.append(f"reference: {report.reference.outcome.value}: {report.reference.reason}")
    for item, res in zip(rubric.items, report.reference.items):
        if item in automatic and res.points < item.points:
            report.problems.append(f"reference loses points on {item.id}: {res.points:g}/{item.points:g}: "
                                   + " | ".join(res.messages)[:600])
    report.template = grade(paths.template_dir, assignment=assignment, backend=backend, root=root)
    if report.template.outcome is not Outcome.GRADED:
        report.problems.append(f"template: {report.template.outcome.value}: {report.template.reason}")
    for res in report.template.items:
        if res.points > 0:
            report.problems.append(f"template earns {res.points:g} points on {res.id}")
        if not res.messages:
            report.problems.append(f"template: item {res.id} has no message")
        if res.status is ItemStatus.PASSED:
            report.problems.append(f"template passes {res.id}")
    return report


def _generated_files(paths: AssignmentPaths, rubric: Rubric) -> dict[str, str]:
    return student_repo_files(build_public_spec(rubric, paths.reference_dir), install=student_install(paths.root))


def build_assignment_template(assignment: str, *, root: Path | None = None) -> list[Path]:
    """Write ``student_template/<id>/``: stripped reference files plus the generated repo files."""
    paths, rubric = load_assignment(assignment, root=root)
    return build_template(paths.reference_dir, paths.template_dir, _generated_files(paths, rubric))


def check_template_fresh(assignment: str, *, root: Path | None = None) -> list[str]:
    """What a fresh ``template build`` would change (empty when the committed template is fresh)."""
    paths, rubric = load_assignment(assignment, root=root)
    return template_drift(paths.reference_dir, paths.template_dir, _generated_files(paths, rubric))
