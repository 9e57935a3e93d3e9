"""The ``constraint`` check kind: rules on how code is written, read from its syntax tree.

The student's files are parsed on the trusted side (never executed here). Names are
resolved through each file's imports, so ``import torch.nn as nn; nn.Linear`` and
``from torch.nn import functional as F; F.relu`` are both seen as ``torch.nn...``.

The scan covers the rubric's file and every workspace ``.py`` file it imports, directly or
not (its import closure, resolved as the worker loads them: ``graderworker.sources``), so
moving the forbidden call into ``helpers.py`` does not hide it. Besides the rubric's own
rules, every constraint refuses what exists only to hide a name from a scan like this
one (``ALWAYS_FORBIDDEN``): a dynamic import of a forbidden or computed module,
``getattr``/``setattr`` with a computed name, ``eval``/``exec``/``compile``, the grader's
worker modules, ``torch._C``, ``torch.ops``, ``ctypes``, ``gc``, ``sys.modules`` and friends.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.results.models import ItemResult, ItemStatus
from grader.rubric.schema import ConstraintCheck, Item

__all__ = ["ALWAYS_FORBIDDEN", "Violation", "find_violations", "import_closure", "score_constraint_item"]

_SHOWN = 8
#: modules no constrained file may import: they reach past the Python the rules read
ALWAYS_FORBIDDEN = ("graderworker", "ctypes", "_ctypes", "cffi", "gc", "torch._C", "torch.ops",
                    "torch.library", "runpy", "imp", "marshal", "builtins", "importlib.util", "importlib.machinery")
#: names no constrained file may use (resolved through its imports)
_ALWAYS_NAMES = ALWAYS_FORBIDDEN + ("sys.modules", "sys.meta_path", "sys.path_hooks", "sys._getframe",
                                    "importlib.reload", "importlib.__import__")
#: attributes that reach a module's or a frame's namespace behind the names
_SNEAKY_ATTRIBUTES = ("__builtins__", "__globals__", "__subclasses__", "__getattribute__", "__code__",
                      "__closure__", "__loader__", "__spec__", "f_globals", "f_locals", "f_builtins", "f_back",
                      "tb_frame", "gi_frame", "cr_frame")
_CODE_RUNNERS = ("eval", "exec", "compile", "globals", "breakpoint")
_ATTRIBUTE_CALLS = ("getattr", "setattr", "delattr", "hasattr", "builtins.getattr", "builtins.setattr",
                    "operator.attrgetter", "operator.methodcaller", "object.__getattribute__", "object.__setattr__")
_DYNAMIC_IMPORTS = ("__import__", "builtins.__import__", "importlib.import_module", "importlib.__import__")


@dataclass(frozen=True)
class Violation:
    line: int
    text: str
    #: the file it is in, when not the rubric's file (an imported helper)
    file: str = ""


def _matches(name: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def _constant_text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class _Scanner(ast.NodeVisitor):
    def __init__(self, check: ConstraintCheck):
        self.check = check
        self.imports = check.forbid_imports + ALWAYS_FORBIDDEN
        self.names = check.forbid_names + _ALWAYS_NAMES
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
            if _matches(alias.name, self.imports):
                self._add(node, f"imports {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            return  # a relative import names the student's own modules (scanned as part of the closure)
        if _matches(module, self.imports):
            self._add(node, f"imports from {module}")
        for alias in node.names:
            full = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = full
            if alias.name == "*":
                continue
            if not _matches(module, self.imports) and (_matches(full, self.imports) or _matches(full, self.names)):
                self._add(node, f"imports {full}")

    # names --------------------------------------------------------------------
    def _resolve(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def _builtin(self, func: ast.AST) -> str:
        """The called name: resolved through imports, or a builtin's plain name (not shadowed by an import)."""
        resolved = self._resolve(func)
        if resolved:
            return resolved
        return func.id if isinstance(func, ast.Name) else ""

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in self.check.forbid_attributes:
            self._add(node, f"uses .{node.attr}")
        if node.attr in _SNEAKY_ATTRIBUTES:
            self._add(node, f"uses .{node.attr}, which reaches past the names these rules read")
        resolved = self._resolve(node)
        if resolved and node.attr == "__dict__":
            self._add(node, f"uses {resolved} (a module's namespace by name)")
        if resolved and _matches(resolved, self.names):
            self._add(node, f"uses {resolved}")
            return  # one report per chain: do not descend into torch.nn of torch.nn.functional
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self._add(node, "uses __builtins__, which reaches past the names these rules read")
        resolved = self.aliases.get(node.id)
        if resolved and resolved != node.id and _matches(resolved, self.names):
            self._add(node, f"uses {resolved} (as {node.id})")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        called = self._builtin(func)
        first = node.args[0] if node.args else None
        if called in _DYNAMIC_IMPORTS:
            name = _constant_text(first) if first is not None else None
            if name is None:
                self._add(node, f"imports dynamically with {called}() a module named at run time")
            elif _matches(name, self.imports):
                self._add(node, f"imports dynamically {name} with {called}()")
        elif called in _CODE_RUNNERS and not self._resolve(func):
            self._add(node, f"calls {called}(), which runs code these rules cannot read")
        elif called == "vars" and first is not None and self._resolve(first):
            self._add(node, f"uses vars({self._resolve(first)}) (a module's namespace by name)")
        elif called in _ATTRIBUTE_CALLS:
            self._attribute_call(node, called)
        if isinstance(func, ast.Attribute) and func.attr in self.check.forbid_method_calls:
            if not (isinstance(func.value, ast.Name) and func.value.id == "self"):
                self._add(node, f"calls .{func.attr}()")
        for keyword in node.keywords:
            if keyword.arg and keyword.arg in self.check.forbid_attributes:
                self._add(node, f"passes {keyword.arg}=...")
        self.generic_visit(node)

    def _attribute_call(self, node: ast.Call, called: str) -> None:
        """``getattr(x, name)`` and friends: a computed name is a violation, a constant one is read."""
        on_object = called.split(".")[-1] in ("getattr", "setattr", "delattr", "hasattr", "__getattribute__",
                                              "__setattr__")
        names = node.args[1:2] if on_object else node.args
        if on_object and not names:
            return
        for arg in names:
            text = _constant_text(arg)
            if text is None:
                self._add(node, f"calls {called}() with a name computed at run time")
                continue
            for part in text.split("."):
                if part in self.check.forbid_attributes or part in self.check.forbid_method_calls:
                    self._add(node, f"uses .{part} through {called}")
                if part in _SNEAKY_ATTRIBUTES:
                    self._add(node, f"uses .{part} through {called}")
            base = self._resolve(node.args[0]) if on_object else None
            if base and _matches(f"{base}.{text}", self.names):
                self._add(node, f"uses {base}.{text} through {called}")


def find_violations(source: str, check: ConstraintCheck, filename: str = "<file>") -> list[Violation]:
    """Every place in ``source`` that breaks ``check``'s rules, in line order."""
    tree = _parse(source, filename)
    if isinstance(tree, Violation):
        return [tree]
    scanner = _Scanner(check)
    scanner.visit(tree)
    unique = {(v.line, v.text): v for v in scanner.found}
    return sorted(unique.values(), key=lambda v: (v.line, v.text))


def _parse(source: str, filename: str) -> ast.Module | Violation:
    try:
        return ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return Violation(exc.lineno or 0, f"could not be read: SyntaxError: {exc.msg}")
    except (RecursionError, MemoryError, ValueError) as exc:
        return Violation(0, f"could not be read: {type(exc).__name__} (nested too deeply or not text)")


def _module_file(workspace: Path, name: str) -> str | None:
    """The workspace file module ``name`` loads from, as the worker resolves it (``graderworker.sources``)."""
    parts = name.split(".")
    if not name or not all(p.isidentifier() for p in parts):
        return None
    base = PurePosixPath(*parts)
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        path = workspace / str(candidate)
        if path.is_file() and not path.is_symlink():
            return str(candidate)
    return None


def _imported_modules(tree: ast.Module, rel: str) -> list[str]:
    """The module names a file's import statements name (relative ones made absolute)."""
    package = list(PurePosixPath(rel).parent.parts)
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                keep = len(package) - (node.level - 1)
                if keep < 0:
                    continue
                base = ".".join(package[:keep] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base and node.module:
                names.append(base)
            names.extend(f"{base}.{alias.name}" if base else alias.name for alias in node.names if alias.name != "*")
    return list(dict.fromkeys(names))


def import_closure(workspace: Path, file: str, *, skip: frozenset[str] = frozenset()) -> list[str]:
    """``file`` and every workspace ``.py`` file it imports, transitively (``skip``: the course's own files)."""
    # the packages holding ``file`` run when it is imported, but they are not what it imports
    parents = PurePosixPath(file).parents
    skip = skip | {str(p / "__init__.py") for p in parents if str(p) != "."}
    order = [file]
    queue = deque([file])
    while queue:
        rel = queue.popleft()
        try:
            source = (workspace / rel).read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        tree = _parse(source, rel)
        if isinstance(tree, Violation):
            continue
        for name in _imported_modules(tree, rel):
            found = _module_file(workspace, name)
            if found and found not in order and found not in skip:
                order.append(found)
                queue.append(found)
    return order


def score_constraint_item(item: Item, workspace: Path, *, trusted: frozenset[str] = frozenset()) -> ItemResult:
    """Score ``item`` on its file and that file's import closure (``trusted``: the course's provided files)."""
    check = item.check
    assert isinstance(check, ConstraintCheck)
    path = workspace / check.file
    common = dict(id=item.id, title=item.title, max_points=item.points, note=item.note,
                  extra_credit=item.extra_credit)
    if not path.is_file():
        return ItemResult(**common, points=0.0, status=ItemStatus.ERROR,
                          messages=(f"{check.file} is missing from the submission.",))
    files = import_closure(workspace, check.file, skip=trusted)
    violations = []
    for rel in files:
        source = (workspace / rel).read_bytes().decode("utf-8", errors="replace")
        violations.extend(Violation(v.line, v.text, rel) for v in find_violations(source, check, rel))
    scanned = check.file if len(files) == 1 else f"{check.file} and the files it imports ({', '.join(files[1:])})"
    if not violations:
        return ItemResult(**common, points=item.points, status=ItemStatus.PASSED,
                          messages=(f"{scanned} follow{'s' if len(files) == 1 else ''} the rules: {_rules(check)}.",))
    lines = [f"{v.file}:{v.line} {v.text}" for v in violations[:_SHOWN]]
    if len(violations) > _SHOWN:
        lines.append(f"... and {len(violations) - _SHOWN} more.")
    return ItemResult(**common, points=0.0, status=ItemStatus.FAILED,
                      messages=(f"{scanned} break{'s' if len(files) == 1 else ''} the rules ({_rules(check)}):",
                                *lines))


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
    parts.append("no computed imports, getattr/setattr names, eval/exec/compile, ctypes, gc, torch._C, "
                 "torch.ops or sys.modules")
    return "; ".join(parts)
