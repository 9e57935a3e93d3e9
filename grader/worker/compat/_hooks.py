"""One import finder for every compatibility hook: stand-in modules, and code run just before
or just after a real module executes.

It sits first on ``sys.meta_path`` and answers only for the names registered with it (a dict
lookup per import), so an import it does not care about costs nothing; nothing is imported
until the hooked module itself is.
"""

from __future__ import annotations

import importlib.machinery
import sys
from types import ModuleType
TYPE_CHECKING = False  # typing costs 2 ms at every start of a sandboxed Python
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["Finder", "finder"]


class Finder:
    """``stand_in(name, make)``, ``before(name, fn)``, ``after(name, fn)``; then ``sys.meta_path.insert(0, it)``."""

    def __init__(self) -> None:
        self._stand_ins: dict[str, Callable[[], ModuleType]] = {}
        self._parents: set[str] = set()
        self._before: dict[str, list[Callable[[str], None]]] = {}
        self._after: dict[str, list[Callable[[ModuleType], None]]] = {}
        #: names being looked up through the other finders now: one that asks us back (a finder
        #: that also wraps loaders, like the worker's seeding hook) gets no answer, not a recursion
        self._searching: set[str] = set()

    def stand_in(self, name: str, make: Callable[[], ModuleType], *, parent_if_missing: str = "") -> None:
        """Serve ``make()`` for ``name`` instead of searching for it (``parent_if_missing``: a package
        made up when no real one exists, e.g. ``google`` for ``google.colab``)."""
        self._stand_ins[name] = make
        if parent_if_missing:
            self._parents.add(parent_if_missing)

    def before(self, name: str, fn: Callable[[str], None]) -> None:
        """Run ``fn(package_dir)`` right before the real ``name`` executes."""
        self._before.setdefault(name, []).append(fn)

    def after(self, name: str, fn: Callable[[ModuleType], None]) -> None:
        """Run ``fn(module)`` right after the real ``name`` executed (at once if it already has)."""
        module = sys.modules.get(name)
        if module is not None:
            fn(module)
        else:
            self._after.setdefault(name, []).append(fn)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        make = self._stand_ins.get(name)
        if make is not None:
            return importlib.machinery.ModuleSpec(name, _StandInLoader(make))
        before, after = self._before.get(name), self._after.get(name)
        if before is None and after is None and name not in self._parents:
            return None
        if name in self._searching:
            return None
        self._searching.add(name)
        try:
            spec = _find_elsewhere(self, name, path, target)
        finally:
            self._searching.discard(name)
        if spec is None:
            if name in self._parents:  # e.g. no ``google`` package at all: an empty one for the stand-in
                return importlib.machinery.ModuleSpec(name, _StandInLoader(lambda: ModuleType(name)),
                                                      is_package=True)
            return None
        if (before or after) and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            location = (spec.submodule_search_locations or [None])[0] or ""
            spec.loader = _HookedLoader(spec.loader, location, self._before.pop(name, []),
                                        self._after.pop(name, []))
        return spec


def _find_elsewhere(me: object, name: str, path: Any, target: Any) -> Any:
    for other in sys.meta_path:
        if other is me or not hasattr(other, "find_spec"):
            continue
        spec = other.find_spec(name, path, target)
        if spec is not None:
            return spec
    return None


class _StandInLoader:
    def __init__(self, make: Callable[[], ModuleType]):
        self._make = make

    def create_module(self, spec: Any) -> ModuleType:
        module = self._make()
        if not hasattr(module, "__path__") and spec.submodule_search_locations is not None:
            module.__path__ = []
        return module

    def exec_module(self, module: ModuleType) -> None:
        pass


class _HookedLoader:
    """Wraps a module's loader for one import; the module itself keeps the original loader."""

    def __init__(self, loader: Any, location: str, before: list, after: list):
        self._loader = loader
        self._location = location
        self._before_fns = before
        self._after_fns = after

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self._loader
        for fn in self._before_fns:
            _quietly(fn, self._location)
        self._loader.exec_module(module)
        for fn in self._after_fns:
            _quietly(fn, module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


def _quietly(fn: Callable[[Any], None], arg: Any) -> None:
    """A hook that fails must not fail the student's import: say so on stderr and go on."""
    try:
        fn(arg)
    except Exception as exc:  # noqa: BLE001
        print(f"grader: a compatibility hook failed ({getattr(fn, '__qualname__', fn)}): {exc!r}", file=sys.stderr)


#: the one finder ``compat.install`` puts first on ``sys.meta_path``
finder = Finder()
