"""What ``run_autograder`` runs inside Gradescope's container: grade one submission, always answer.

    python -m grader.export.autograder --assignment ID --source /autograder/source \\
        --submission /autograder/submission --results /autograder/results

It grades with the ``rlimit`` sandbox (Gradescope's container does not allow namespaces) and
prints that first, writes ``results.json`` (Gradescope's schema) and the HTML report beside it,
and exits 0 whenever a ``results.json`` was written, even when the grader itself failed (then
the file says so and flags a regrade; the traceback goes to the log, which only instructors
see). ``--check`` (the end of ``setup.sh``) proves the installation grades: it grades the
reference solution the zip carries in ``check/reference`` with the same sandbox and data as a
student's run and fails unless every automatic item earns its full points.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from grader.export.gradescope import RLIMIT_NOTICE

BACKEND = "rlimit"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--source", type=Path, required=True, help="the unpacked autograder zip")
    parser.add_argument("--submission", type=Path)
    parser.add_argument("--results", type=Path)
    parser.add_argument("--check", action="store_true", help="only check that grading can run here")
    args = parser.parse_args(argv)
    root = args.source / "assignment"
    print(f"dl-grader autograder for {args.assignment}: sandbox '{BACKEND}'. {RLIMIT_NOTICE}", flush=True)
    if args.check:
        return _check(args.assignment, args.source)
    if args.submission is None or args.results is None:
        parser.error("--submission and --results are needed unless --check")
    args.results.mkdir(parents=True, exist_ok=True)
    target = args.results / "results.json"
    try:
        from grader.api import grade, write_outputs
        from grader.report.terminal import print_summary

        result = grade(args.submission, assignment=args.assignment, root=root, backend=BACKEND)
        write_outputs(result, args.results)
        print_summary(result)
        for item in result.items:
            if item.instructor_detail:
                print(f"--- instructor detail for {item.id}:\n{item.instructor_detail}", flush=True)
    except Exception:  # noqa: BLE001 - the student must still get a results.json that says what happened
        detail = traceback.format_exc()
        print(detail, flush=True)
        _write_failure(target, detail)
    return 0 if target.is_file() else 2


def _check(assignment: str, source: Path) -> int:
    """Grade the bundled reference here; 0 only when every automatic item earns full marks."""
    from grader.api import grade, load_assignment
    from grader.results.models import ItemStatus, Outcome
    from grader.sandbox import choose_backend

    root = source / "assignment"
    _, rubric = load_assignment(assignment, root=root)
    backend = choose_backend(BACKEND)
    print(f"rubric {rubric.assignment} ({len(rubric.items)} items, {rubric.total:g} points); "
          f"sandbox {backend.name}; warnings: {'; '.join(backend.warnings()) or 'none'}", flush=True)
    reference = source / "check" / "reference"
    if not reference.is_dir():
        print(f"check FAILED: no reference solution in {reference} to grade (setup.sh deletes it after its own "
              "check; export the zip again to check once more)", flush=True)
        return 1
    result = grade(reference, assignment=assignment, root=root, backend=BACKEND)
    short = [i for i in result.items if i.status is not ItemStatus.MANUAL and not i.extra_credit
             and i.points < i.max_points - 1e-6]
    automatic = sum(i.max_points for i in result.items if i.status is not ItemStatus.MANUAL and not i.extra_credit)
    if result.outcome is not Outcome.GRADED or short:
        print(f"check FAILED: the reference solution is {result.outcome.value}"
              + (f" ({result.reason})" if result.reason else ""), flush=True)
        for item in short:
            print(f"  {item.id} {item.title}: {item.points:g} of {item.max_points:g} "
                  f"({item.status.value}): {'; '.join(item.messages)[:400]}", flush=True)
            if item.instructor_detail:
                print("    " + item.instructor_detail.strip().splitlines()[-1][:300], flush=True)
        print("Every student would be graded by this broken installation: fix it before students submit.",
              flush=True)
        return 1
    print(f"ok: the reference solution earns every automatic point here ({automatic:g} of {automatic:g}; "
          f"{result.score:g} of {rubric.total:g} in all, TA items pending)", flush=True)
    return 0


def _write_failure(target: Path, detail: str) -> None:
    payload = {
        "score": 0.0,
        "output": ("The autograder itself failed on this submission. This is not your fault and this score is not "
                   "final: the course staff have been flagged to regrade it."),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"outcome": "grader_error", "regrade": True, "sandbox": BACKEND,
                       "error": detail.strip().splitlines()[-1][:300]},
        "tests": [],
    }
    tmp = target.with_name(".results.json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    tmp.replace(target)


if __name__ == "__main__":
    sys.exit(main())
