"""What ``run_autograder`` runs inside Gradescope's container: grade one submission, always answer.

    python -m grader.export.autograder --assignment ID --source /autograder/source \\
        --submission /autograder/submission --results /autograder/results

It grades with the ``rlimit`` sandbox (Gradescope's container does not allow namespaces) and
prints that first, writes ``results.json`` (Gradescope's schema) and the HTML report beside it,
and exits 0 whenever a ``results.json`` was written, even when the grader itself failed (then
the file says so and flags a regrade; the traceback goes to the log, which only instructors
see). ``--check`` only proves the installation can grade (used at the end of ``setup.sh``).
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
        return _check(args.assignment, root)
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


def _check(assignment: str, root: Path) -> int:
    from grader.api import load_assignment
    from grader.sandbox import choose_backend

    _, rubric = load_assignment(assignment, root=root)
    backend = choose_backend(BACKEND)
    print(f"ok: rubric {rubric.assignment} ({len(rubric.items)} items, {rubric.total:g} points); "
          f"sandbox {backend.name}; warnings: {'; '.join(backend.warnings()) or 'none'}")
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
