"""Probe modules share one namespace in the worker: keep them apart and light.

``student.probe.NAME`` is looked up in ``common`` and then in every probe module (see
``graderworker.server._probe``), so two homeworks exporting the same name would make one
shadow the other; and every worker imports every probe module, so none may pull in more
than torch, numpy and the standard library (nor anything from ``grader``).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PROBES = Path(__file__).resolve().parents[2] / "grader" / "worker" / "probes"
MODULES = sorted(p for p in PROBES.glob("*.py") if p.name != "__init__.py")
ALLOWED_ROOTS = {"torch", "numpy", "__future__"} | set(sys.stdlib_module_names)


def _exports(path: Path) -> list[str]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return [element.value for element in node.value.elts]  # type: ignore[attr-defined]
    return []


def test_no_two_probe_modules_export_the_same_name():
    owner: dict[str, str] = {}
    for path in MODULES:
        for name in _exports(path):
            assert name not in owner, f"probe {name!r} is exported by both {owner[name]} and {path.name}"
            owner[name] = path.name
    assert "timed_call" in owner


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_probe_modules_import_only_torch_numpy_and_the_standard_library(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots = [(node.module or "").split(".")[0]]
        else:
            continue
        for root in roots:
            assert root in ALLOWED_ROOTS, f"{path.name}:{node.lineno} imports {root}"
