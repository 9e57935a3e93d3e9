"""Refuse a workspace in which the code that runs could differ from the code that is checked.

The static rules read ``mlp.py``; Python would import a package folder ``mlp/`` or a
compiled extension ``mlp.cpython-311-x86_64-linux-gnu.so`` instead. The worker loads
the workspace's modules from their ``.py`` files only (``graderworker.sources``), and
this stage refuses, naming the file, what would stand beside a graded module:

- a native binary anywhere in the workspace: by name (``.so``, ``.pyd``, ``.dylib``,
  ``.dll``) or by its first bytes (ELF, Mach-O, PE), whatever it is called: loaded
  with ``ctypes`` it would run code no rule ever read;
- a folder ``mlp/`` beside a graded module ``mlp.py``, or a file ``pkg.py`` beside a
  graded package ``pkg/__init__.py``;
- a module that exists both as ``x.py`` and as ``x/__init__.py``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from grader.intake.unpack import NotGradable, Workspace

__all__ = ["find_shadows", "refuse_shadows", "native_kind"]

_NATIVE_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")
_MACHO = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


def native_kind(path: Path) -> str:
    """``"ELF"``, ``"Mach-O"``, ``"PE"`` or ``""``: what the file's first bytes say it is."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
            if head.startswith(b"\x7fELF"):
                return "ELF"
            if head[:4] in _MACHO:
                return "Mach-O"
            if head.startswith(b"MZ") and len(head) >= 64:
                offset = int.from_bytes(head[0x3C:0x40], "little")
                f.seek(offset)
                if f.read(4) == b"PE\0\0":
                    return "PE"
    except OSError:
        return ""
    return ""


def _is_native_name(name: str) -> bool:
    lowered = name.lower()
    return any(lowered.endswith(s) or f"{s}." in lowered for s in _NATIVE_SUFFIXES)


def find_shadows(workspace: Workspace, required_files: tuple[str, ...]) -> list[str]:
    """One sentence per file that would shadow or stand beside the code the grader checks."""
    root = workspace.path
    files = set(workspace.files)
    problems = []
    for rel in sorted(files):
        name = PurePosixPath(rel).name
        kind = native_kind(root / rel)
        if _is_native_name(name) or kind:
            what = f"a compiled {kind} binary" if kind else "a compiled extension"
            problems.append(f"{rel} is {what}; the grader runs only Python source it has checked. "
                            f"Remove it and submit the .py files.")
    graded = {f for f in required_files if f.endswith(".py")}
    modules = {f for f in files if f.endswith(".py")}
    for rel in sorted(modules):
        path = PurePosixPath(rel)
        if path.name == "__init__.py":
            beside = str(path.parent) + ".py"
            if beside in files:
                problems.append(f"{beside} stands beside the package {path.parent}/: Python would import one of "
                                f"them, the grader checks the other. Rename or remove {beside}.")
            continue
        folder = root / str(path.with_suffix(""))
        if rel in graded and folder.is_dir():
            problems.append(f"{path.with_suffix('')}/ is a folder beside {rel}: Python could import it instead of "
                            f"{rel}, which is the file the grader checks. Rename or remove the folder.")
    return problems


def refuse_shadows(workspace: Workspace, required_files: tuple[str, ...]) -> None:
    """Raise ``NotGradable`` naming every shadowing file (see the module's docstring)."""
    problems = find_shadows(workspace, required_files)
    if problems:
        raise NotGradable(" ".join(problems))
