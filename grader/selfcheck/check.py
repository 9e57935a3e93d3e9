"""``grader check``: the student's pre-submission check, from the public spec alone.

Steps, cheapest first: files present and named right; parts still unfinished (stubs
that raise ``NotImplementedError``); interfaces kept; "from scratch" rules; then one
sandboxed run that imports every module and runs the public tests; then the smoke
runs of training entry points. Hidden tests are never involved: the spec file holds
none, and the rubrics folder is not read.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import shlex
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.authoring.public_spec import PublicSpec, extract_signatures
from grader.checks.answers import load_answers
from grader.checks.constraint import find_violations
from grader.checks.expressions import ExpressionError, parse_expression
from grader.intake import NotGradable, prepare_workspace
from grader.sandbox import Backend, Limits, choose_backend, run_command
from grader.sandbox.files import UnsafeWorkerFile, read_worker_file

__all__ = ["CheckLine", "SelfCheckReport", "run_self_check", "suspects", "unfinished_parts"]

_SUMMARY_FILE = ".grader-selfcheck.json"


@dataclass(frozen=True)
class CheckLine:
    step: str
    ok: bool
    detail: str
    fix: str = ""
    points_at_stake: float = 0.0


@dataclass
class SelfCheckReport:
    assignment: str
    sandbox: str
    sandbox_warnings: tuple[str, ...] = ()
    lines: list[CheckLine] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)

    @property
    def only_unfinished(self) -> bool:
        """Something fails, and all of it is work not done yet (a stub, an empty answer, a test that hit one).

        A student can then tell "not finished" from "broken"; the workflow shows a notice, not a red cross.
        """
        failing = [line for line in self.lines if not line.ok]
        return bool(failing) and all(_is_unfinished(line) for line in failing)

    def add(self, *args: object, **kwargs: object) -> None:
        self.lines.append(CheckLine(*args, **kwargs))  # type: ignore[arg-type]


def _is_unfinished(line: CheckLine) -> bool:
    return line.step == "unfinished" or (line.step in ("public tests", "smoke") and "NotImplementedError" in line.detail)


def unfinished_parts(source: str) -> list[tuple[int, str]]:
    """``(line, message)`` of each ``raise NotImplementedError(...)`` left in a file."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                args = node.exc.args if isinstance(node.exc, ast.Call) else []
                text = args[0].value if args and isinstance(args[0], ast.Constant) else "not written yet"
                found.append((node.lineno, str(text)))
    return sorted(found)


def run_self_check(folder: Path, spec: PublicSpec, *, backend: str | Backend | None = None,
                   smoke: bool = True) -> SelfCheckReport:
    chosen = backend if isinstance(backend, Backend) else choose_backend(backend)
    report = SelfCheckReport(spec.assignment, chosen.name, tuple(chosen.warnings()))
    present = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
                     and ".git" not in p.relative_to(folder).parts)
    _check_files(report, spec, folder, present)
    for name in spec.required_files:
        path = folder / name
        if not (name.endswith(".py") and path.is_file()):
            continue
        source = path.read_text(encoding="utf-8", errors="replace")
        _check_unfinished(report, spec, name, source)
        _check_interface(report, spec, name, source)
        _check_rules(report, spec, name, source)
    if spec.answers_file:
        _check_answers(report, spec, folder)
    _run_in_sandbox(report, spec, folder, chosen)
    if smoke:
        _run_smoke(report, spec, folder, chosen)
    return report


def _check_files(report: SelfCheckReport, spec: PublicSpec, folder: Path, present: list[str]) -> None:
    for name in spec.required_files:
        if (folder / name).is_file():
            report.add("files", True, f"{name} is there")
            continue
        close = difflib.get_close_matches(name, present, n=1, cutoff=0.6)
        fix = f"rename {close[0]} to {name}" if close else f"create {name}"
        report.add("files", False, f"{name} is missing", fix, spec.points_needing(name))


def _check_unfinished(report: SelfCheckReport, spec: PublicSpec, name: str, source: str) -> None:
    for line, message in unfinished_parts(source):
        report.add("unfinished", False, f"{name}:{line} still raises NotImplementedError ({message})",
                   "write this part", spec.points_needing(name))


def _check_answers(report: SelfCheckReport, spec: PublicSpec, folder: Path) -> None:
    """Every entry of the answers file filled in and the file readable (its answers are not judged here)."""
    name = spec.answers_file or ""
    if not (folder / name).is_file():
        return  # _check_files already said so when it is required
    answers = load_answers(folder, name, ids=[i.id for i in spec.items])
    if answers.problem:
        form = _FORMAT.get(Path(name).suffix, "text")
        report.add("answers", False, answers.problem, f"fix {name} so it reads as {form}")
        return
    empty = [key for key in spec.answer_keys if not answers.text(key)]
    for key in empty:
        report.add("unfinished", False, f"{name}: no answer yet for {key}", "write this answer",
                   sum(i.points for i in spec.items if i.id == key and not i.extra_credit))
    if not empty:
        report.add("answers", True, f"{name}: all {len(spec.answer_keys)} answers are filled in")
    _check_answer_forms(report, spec, name, answers)


def _check_answer_forms(report: SelfCheckReport, spec: PublicSpec, name: str, answers: Any) -> None:
    """Every formula of an automatically graded answer read by the grader's own parser.

    The symbols an item allows are in the hidden tests, so each formula is parsed with the
    names it uses: what fails here ("2r + k") fails in grading too, whatever the symbols.
    """
    items = {i.id: i for i in spec.items}
    for key in spec.answer_keys:
        owner = max((i for i in items if key == i or key.startswith(i + ".")), key=len, default=None)
        if owner is None or items[owner].kind == "manual" or not answers.text(key):
            continue  # prose for the TA, or an entry no automatic item reads
        for text in _strings(answers.get(key)):
            try:
                parse_expression(text, sorted(set(_NAME.findall(text))))
            except (ExpressionError, SyntaxError, ValueError) as exc:
                report.add("answers", False, f"{name}: {key}: the grader cannot read {text!r}: {exc}",
                           "write it as the comments in the file show (products with *, powers with **)",
                           0.0 if items[owner].extra_credit else items[owner].points)


_NAME = re.compile(r"[A-Za-z_]\w*")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple)):
        return [text for part in value for text in _strings(part)]
    return []


_FORMAT = {".yaml": "YAML (a mapping of item ids to answers)", ".yml": "YAML (a mapping of item ids to answers)",
           ".md": "Markdown with a '## <id>' heading per answer", ".ipynb": "a notebook"}


def _check_interface(report: SelfCheckReport, spec: PublicSpec, name: str, source: str) -> None:
    expected = spec.interfaces.get(name, ())
    try:
        mine = {s.name: s for s in extract_signatures(source)}
    except SyntaxError as exc:
        report.add("interface", False, f"{name}:{exc.lineno} has a syntax error: {exc.msg}", "fix the syntax error",
                   spec.points_needing(name))
        return
    problems = 0
    for sig in expected:
        got = mine.get(sig.name)
        if got is None:
            report.add("interface", False, f"{name}: {sig.render()} is missing", f"define {sig.render()}",
                       spec.points_needing(name))
            problems += 1
        elif sig.kind != "class" and got.params != sig.params:
            report.add("interface", False, f"{name}: {got.render()} differs from the expected {sig.render()}",
                       f"keep the signature {sig.render()}", spec.points_needing(name))
            problems += 1
    if expected and not problems:
        report.add("interface", True, f"{name}: {len(expected)} names and signatures as expected")


def _check_rules(report: SelfCheckReport, spec: PublicSpec, name: str, source: str) -> None:
    for rule in spec.rules:
        if rule.check.file != name:
            continue
        violations = find_violations(source, rule.check, name)
        if violations:
            first = "; ".join(f"{name}:{v.line} {v.text}" for v in violations[:3])
            more = f" (+{len(violations) - 3} more)" if len(violations) > 3 else ""
            report.add("rules", False, f"item {rule.item}: {first}{more}", "write it with plain tensor operations",
                       rule.points)
        else:
            report.add("rules", True, f"item {rule.item}: {name} follows the rules")


def _run_in_sandbox(report: SelfCheckReport, spec: PublicSpec, folder: Path, backend: Backend) -> None:
    modules = [n[:-3].replace("/", ".") for n in spec.required_files if n.endswith(".py") and (folder / n).is_file()]
    tests = [t for t in spec.self_check.public_tests if (folder / t).is_file()]
    if not modules and not tests:
        return
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        try:
            workspace = prepare_workspace(folder, Path(scratch) / "workspace").path
        except NotGradable as exc:
            report.add("sandbox", False, f"the folder cannot be checked: {exc}")
            return
        argv = [sys.executable, "-s", "-B", "-m", "graderworker.selfcheck", "--out", _SUMMARY_FILE,
                "--modules", *modules, "--tests", *tests]
        run = run_command(argv, workspace=workspace, limits=Limits(wall_s=120, call_s=120), backend=backend)
        try:
            summary = json.loads(read_worker_file(workspace, _SUMMARY_FILE, 4 * 1024 * 1024))
        except (UnsafeWorkerFile, FileNotFoundError, ValueError):
            report.add("imports", False, f"the check could not finish: {run.description}",
                       "run `python -c 'import " + ", ".join(modules) + "'` and fix what it reports")
            return
    for entry in summary.get("imports", []):
        where = f" at {entry['where']}" if entry.get("where") else ""
        if entry.get("ok"):
            report.add("imports", True, f"{entry['module']}.py imports")
        else:
            report.add("imports", False, f"{entry['module']}.py does not import{where}: {entry['error']}",
                       "fix the error above; the grader imports your file exactly like this",
                       spec.points_needing(f"{entry['module']}.py"))
    for entry in summary.get("tests", []):
        nodeid = str(entry.get("nodeid", ""))
        short = nodeid.split("::", 1)[-1]
        if entry.get("passed"):
            report.add("public tests", True, f"{short} passed")
            continue
        fix = f"run python -m pytest -q {nodeid}"
        order = suspects(folder / nodeid.split("::", 1)[0], short, spec)
        if len(order) > 1:
            fix = (f"check your functions in the order this test runs them: {', '.join(order)}; a wrong result "
                   f"early on (a loss or its gradient) makes everything after it look wrong; {fix}")
        elif order:
            fix = f"check {order[0]}; {fix}"
        report.add("public tests", False, f"{short} failed: {entry.get('message', '')}", fix)


def suspects(test_file: Path, test_name: str, spec: PublicSpec) -> list[str]:
    """The student's functions a public test runs, in the order it runs them (data flows that way).

    Read from the test's source: calls of the interface's functions and methods, through the
    test module's own helpers, including a function passed in as an argument (``loss=mse_loss``).
    """
    try:
        tree = ast.parse(test_file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    helpers = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    functions = {sig.name for sigs in spec.interfaces.values() for sig in sigs if sig.kind == "function"}
    methods: dict[str, str] = {}
    for sigs in spec.interfaces.values():
        for sig in sigs:
            if sig.kind == "method" and not sig.name.endswith(".__init__"):
                methods.setdefault(sig.name.rsplit(".", 1)[1], sig.name)
    found: list[str] = []

    def visit(node: ast.AST, bound: dict[str, str], depth: int) -> None:
        calls = sorted((c for c in ast.walk(node) if isinstance(c, ast.Call)),
                       key=lambda c: (c.lineno, c.col_offset))
        for call in calls:
            if isinstance(call.func, ast.Name):
                name = bound.get(call.func.id, call.func.id)
                if name in functions and name not in found:
                    found.append(name)
                elif name in helpers and depth < 4:
                    inner = helpers[name]
                    params = [a.arg for a in inner.args.args]
                    passed = {p: a.id for p, a in zip(params, call.args) if isinstance(a, ast.Name)}
                    passed.update({k.arg: k.value.id for k in call.keywords if k.arg and isinstance(k.value, ast.Name)})
                    visit(inner, {p: bound.get(v, v) for p, v in passed.items()}, depth + 1)
            elif isinstance(call.func, ast.Attribute) and call.func.attr in methods:
                if methods[call.func.attr] not in found:
                    found.append(methods[call.func.attr])

    if test_name in helpers:
        visit(helpers[test_name], {}, 0)
    return found


def _run_smoke(report: SelfCheckReport, spec: PublicSpec, folder: Path, backend: Backend) -> None:
    for smoke in spec.self_check.smoke:
        with tempfile.TemporaryDirectory(prefix="grader-smoke-") as scratch:
            try:
                workspace = prepare_workspace(folder, Path(scratch) / "workspace").path
            except NotGradable as exc:
                report.add("smoke", False, f"{smoke.name}: {exc}")
                continue
            argv = [sys.executable if part == "python" else part for part in smoke.command]
            run = run_command(argv, workspace=workspace,
                              limits=Limits(wall_s=smoke.timeout_s, call_s=smoke.timeout_s), backend=backend)
        if run.returncode == 0 and not run.timed_out:
            report.add("smoke", True, f"{smoke.name} ran ({run.duration_s:.1f} s)")
        else:
            tail = run.output.strip().splitlines()[-1:] or [""]
            code = run.returncode
            why = run.description if run.timed_out or code is None or code < 0 or code > 128 else \
                f"exited with status {code}"
            report.add("smoke", False, f"{smoke.name}: {why}. Last line: {tail[0][:300]}",
                       f"run: {shlex.join(smoke.command)}")
