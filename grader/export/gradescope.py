"""``grader export gradescope <id>``: the autograder zip Gradescope builds its image from.

The zip holds ``setup.sh`` and ``run_autograder`` at its root (Gradescope's contract), the
grader's own source (``grader_src/``: ``pyproject.toml`` and the ``grader`` package) and the
assignment's rubric and hidden tests (``assignment/rubrics/<id>/``). It does **not** hold the
reference solution or the student template. Inside Gradescope's container the grader runs with
the ``rlimit`` sandbox (namespaces are not allowed there) and says so: in the zip's README,
in the autograder's log, and in each ``results.json``'s ``extra_data.sandbox``.

The zip is reproducible: entries sorted, timestamps fixed, so the same sources give the
same bytes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from grader.export.scripts import README, RUN_AUTOGRADER, SETUP_SH

__all__ = ["build_autograder_zip", "RLIMIT_NOTICE", "GradescopeExportError"]

RLIMIT_NOTICE = ("Gradescope's container does not allow Linux namespaces: the autograder runs the student's code "
                 "with the rlimit sandbox (separate uid, resource limits, seccomp where possible), without "
                 "file-system or network isolation; the hidden tests are protected by file permissions only.")
_PACKAGE = Path(__file__).resolve().parent.parent
_SKIP = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


class GradescopeExportError(RuntimeError):
    pass


def build_autograder_zip(assignment: str, *, dest: Path | None = None, root: Path | None = None) -> Path:
    """Write ``<assignment>-gradescope-autograder.zip`` (or ``dest``) and return its path."""
    from grader.api import load_assignment

    paths, _rubric = load_assignment(assignment, root=root)  # a broken rubric stops the export here
    project = _PACKAGE.parent
    pyproject = project / "pyproject.toml"
    if not pyproject.is_file():
        raise GradescopeExportError(f"cannot find the grader's pyproject.toml beside {_PACKAGE}; export from a "
                                    "checkout of the grader (pip install -e .)")
    target = Path(dest) if dest else Path.cwd() / f"{assignment}-gradescope-autograder.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    fill = {"assignment": assignment, "torch": _torch_version()}
    entries: list[tuple[str, bytes, int]] = [
        ("setup.sh", SETUP_SH.format(**fill).encode(), 0o755),
        ("run_autograder", RUN_AUTOGRADER.format(**fill).encode(), 0o755),
        ("README.txt", README.format(**fill).encode(), 0o644),
        ("grader_src/pyproject.toml", pyproject.read_bytes(), 0o644),
    ]
    readme = project / "README.md"
    if readme.is_file():
        entries.append(("grader_src/README.md", readme.read_bytes(), 0o644))
    entries += _tree(_PACKAGE, "grader_src/grader")
    entries += _tree(paths.rubric_file.parent, f"assignment/rubrics/{assignment}")
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    tmp.replace(target)
    return target


def _tree(folder: Path, prefix: str) -> list[tuple[str, bytes, int]]:
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in _SKIP or part.endswith(".pyc") for part in rel.parts):
            continue
        if path.is_symlink():
            raise GradescopeExportError(f"{path} is a symbolic link; the autograder zip holds plain files only")
        if path.is_file():
            out.append((f"{prefix}/{rel.as_posix()}", path.read_bytes(), 0o644))
    return out


def _torch_version() -> str:
    try:
        from importlib.metadata import version

        return version("torch").split("+", 1)[0]
    except Exception:  # noqa: BLE001 - no torch here: pin the engine's minimum
        return "2.13.0"
