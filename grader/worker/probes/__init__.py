"""Probes: grader-authored helpers that run inside the worker, beside the student's objects.

Each submodule lists its callable probes in ``__all__``; the trusted side reaches
them as ``student.probe.NAME``. Probes hold no secrets (students may read them) and
import only torch, numpy and the standard library.
"""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
from types import ModuleType

_cache: list[ModuleType] = []
_index: dict[str, str] = {}


def modules() -> list[ModuleType]:
    """Every probe submodule, imported once."""
    if not _cache:
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            _cache.append(importlib.import_module(f"{__name__}.{info.name}"))
    return _cache


def names() -> frozenset[str]:
    """Every probe's name, read from the modules' sources (nothing is imported)."""
    return frozenset(_name_index())


def module_of(name: str) -> ModuleType | None:
    """The probe module whose ``__all__`` lists ``name``, imported alone (None if there is none).

    The names are read from the modules' sources, so finding one homework's probe imports
    neither the other homeworks' probe modules nor torch when that homework does not need it.
    """
    module = _name_index().get(name)
    return importlib.import_module(f"{__name__}.{module}") if module else None


def _name_index() -> dict[str, str]:
    """``{probe name: module name}`` from each probe module's literal ``__all__``."""
    if not _index:
        folder = os.path.dirname(__file__)
        for info in pkgutil.iter_modules(__path__):
            with open(os.path.join(folder, f"{info.name}.py"), encoding="utf-8") as source:
                tree = ast.parse(source.read())
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
                    for listed in ast.literal_eval(node.value):
                        _index.setdefault(listed, info.name)
    return _index
