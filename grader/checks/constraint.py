"""The ``constraint`` check kind: rules on how a file is written, read from its syntax tree.

The student's file is parsed on the trusted side (never executed here). Names are
resolved through the file's imports, so ``import torch.nn as nn; nn.Linear`` and
``from torch.nn import functional as F; F.relu`` are both seen as ``torch.nn...``.
Dynamic imports (``__import__``, ``importlib``) and ``getattr(module, "name")`` are
refused too, since they exist only to hide a name from a check like this one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from grader.results.models import ItemResult, ItemStatus
from grader.rubric.schema import ConstraintCheck, Item

__all__ = ["Violation", "find_violations", "score_constraint_item"]

_SHOWN = 8


@dataclass(frozen=True)
class Violation:
    line: int
    text: str


def _matches(name: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self, check: ConstraintCheck):
        self.check = check
        self.aliases: dict[str, str] = {}
        self.found: list[Violation] = []

    def _add(self, node: ast.AST, text: str) -> None:
        self.found.append(Violation(getattr(node, "lineno", 0), text))

    # imports ------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top
            if _matches(alias.name, self.check.forbid_imports):
                self._add(node, f"imports {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            return  # a relative import names the student's own modules
        if _matches(module, self.check.forbid_imports):
            self._add(node, f"imports from {module}")
        for alias in node.names:
            full = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = full
            if not _matches(module, self.check.forbid_imports) and _matches(full, self.check.forbid_imports):
                self._add(node, f"imports {full}")

    # names --------------------------------------------------------------------
    def _resolve(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in self.check.forbid_attributes:
            self._add(node, f"uses .{node.attr}")
        resolved = self._resolve(node)
        if resolved and _matches(resolved, self.check.forbid_names):
            self._add(node, f"uses {resolved}")
            return  # one report per chain: do not descend into torch.nn of torch.nn.functional
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        resolved = self.aliases.get(node.id)
        if resolved and resolved != node.id and _matches(resolved, self.check.forbid_names):
            self._add(node, f"uses {resolved} (as {node.id})")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        forbids_something = bool(self.check.forbid_imports or self.check.forbid_names)
        if forbids_something:
            called = self._resolve(func) or (func.id if isinstance(func, ast.Name) else "")
            if called in ("__import__", "importlib.import_module", "builtins.__import__"):
                self._add(node, f"imports dynamically with {called}()")
            if called == "getattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                base = self._resolve(node.args[0])
                if base and _matches(f"{base}.{node.args[1].value}", self.check.forbid_names):
                    self._add(node, f"uses {base}.{node.args[1].value} through getattr")
        if isinstance(func, ast.Attribute) and func.attr in self.check.forbid_method_calls:
            if not (isinstance(func.value, ast.Name) and func.value.id == "self"):
                self._add(node, f"calls .{func.attr}()")
        for keyword in node.keywords:
            if keyword.arg and keyword.arg in self.check.forbid_attributes:
                self._add(node, f"passes {keyword.arg}=...")
        self.generic_visit(node)


def find_violations(source: str, check: ConstraintCheck, filename: str = "<file>") -> list[Violation]:
    """Every place in ``source`` that breaks ``check``'s rules, in line order."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return [Violation(exc.lineno or 0, f"could not be read: SyntaxError: {exc.msg}")]
    scanner = _Scanner(check)
    scanner.visit(tree)
    unique = {(v.line, v.text): v for v in scanner.found}
    return sorted(unique.values(), key=lambda v: (v.line, v.text))


def score_constraint_item(item: Item, workspace: Path) -> ItemResult:
    check = item.check
    assert isinstance(check, ConstraintCheck)
    path = workspace / check.file
    common = dict(id=item.id, title=item.title, max_points=item.points, note=item.note,
                  extra_credit=item.extra_credit)
    if not path.is_file():
        return ItemResult(**common, points=0.0, status=ItemStatus.ERROR,
                          messages=(f"{check.file} is missing from the submission.",))
    source = path.read_bytes().decode("utf-8", errors="replace")
    violations = find_violations(source, check, check.file)
    if not violations:
        return ItemResult(**common, points=item.points, status=ItemStatus.PASSED,
                          messages=(f"{check.file} follows the rules: {_rules(check)}.",))
    lines = [f"{check.file}:{v.line} {v.text}" for v in violations[:_SHOWN]]
    if len(violations) > _SHOWN:
        lines.append(f"... and {len(violations) - _SHOWN} more.")
    return ItemResult(**common, points=0.0, status=ItemStatus.FAILED,
                      messages=(f"{check.file} breaks the rules ({_rules(check)}):", *lines))


def _rules(check: ConstraintCheck) -> str:
    parts = []
    if check.forbid_imports:
        parts.append("no import of " + ", ".join(check.forbid_imports))
    if check.forbid_names:
        parts.append("no use of " + ", ".join(check.forbid_names))
    if check.forbid_attributes:
        parts.append("no " + ", ".join(f".{a}" for a in check.forbid_attributes))
    if check.forbid_method_calls:
        parts.append("no " + ", ".join(f".{m}()" for m in check.forbid_method_calls) + " on tensors")
    return "; ".join(parts)
