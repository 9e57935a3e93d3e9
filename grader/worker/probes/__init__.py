"""Probes: grader-authored helpers that run inside the worker, beside the student's objects.

Each submodule lists its callable probes in ``__all__``; the trusted side reaches
them as ``student.probe.NAME``. Probes hold no secrets (students may read them) and
import only torch, numpy and the standard library.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

_cache: list[ModuleType] = []


def modules() -> list[ModuleType]:
    """Every probe submodule, imported once."""
    if not _cache:
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            _cache.append(importlib.import_module(f"{__name__}.{info.name}"))
    return _cache
