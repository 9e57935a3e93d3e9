"""Run inside the sandbox by ``grader check``: import the student's modules, run the public tests.

    python -m graderworker.selfcheck --out NAME --modules mlp gd --tests test_public.py

Writes a JSON summary to ``NAME`` in the working folder (the trusted side reads it
without following links). Standard library and pytest only; nothing of ``grader``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import traceback
from typing import Any

from .compat import missing


def _where(exc: BaseException, root: str) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename).startswith(root)]
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{os.path.relpath(exc.filename, root)}:{exc.lineno}"
    if frames:
        return f"{os.path.relpath(frames[-1].filename, root)}:{frames[-1].lineno}"
    return ""


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - a student's exception may break __str__
        text = ""
    if isinstance(exc, SystemExit):
        text = f"the module called sys.exit({exc.code!r}) while being imported"
    text = missing.message_for(exc, text)  # a module the grading environment lacks: what to do
    return f"{type(exc).__name__}: {text}"[:1500]


class _Collector:
    def __init__(self) -> None:
        self.tests: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: Any) -> None:
        entry = self.tests.setdefault(report.nodeid, {"nodeid": report.nodeid, "passed": True, "message": ""})
        if report.failed or (report.skipped and report.when == "call"):
            entry["passed"] = False
            crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
            message = getattr(crash, "message", None) or str(report.longrepr).strip().splitlines()[-1:]
            entry["message"] = (message if isinstance(message, str) else " ".join(message))[:1000]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="graderworker.selfcheck")
    parser.add_argument("--out", required=True)
    parser.add_argument("--modules", nargs="*", default=[])
    parser.add_argument("--tests", nargs="*", default=[])
    args = parser.parse_args(argv)
    root = os.path.realpath(os.getcwd())
    sys.path.insert(0, root)
    summary: dict[str, Any] = {"imports": [], "tests": [], "pytest_exit": None}
    for name in args.modules:
        try:
            importlib.import_module(name)
            summary["imports"].append({"module": name, "ok": True, "error": "", "where": ""})
        except BaseException as exc:  # noqa: BLE001 - anything the student's module raises
            summary["imports"].append({"module": name, "ok": False, "error": _describe(exc), "where": _where(exc, root)})
    if args.tests:
        import pytest

        collector = _Collector()
        code = pytest.main([*args.tests, "-q", "-p", "no:cacheprovider", "-o", "addopts="], plugins=[collector])
        summary["pytest_exit"] = int(code)
        summary["tests"] = list(collector.tests.values())
    with open(os.path.join(root, args.out), "w", encoding="utf-8") as f:
        json.dump(summary, f)


if __name__ == "__main__":
    main()
