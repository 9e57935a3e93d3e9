"""``grader export gradescope <id>``: the autograder zip Gradescope builds its image from.

The zip holds ``setup.sh`` and ``run_autograder`` at its root (Gradescope's contract), the
grader's own source (``grader_src/``: ``pyproject.toml`` and the ``grader`` package) and the
assignment's rubric and hidden tests (``assignment/rubrics/<id>/``), the datasets the rubric
needs, and the reference solution under ``check/reference/`` for one purpose: ``setup.sh``
ends by grading it inside the environment it built, fails the build unless it earns full
automatic marks, and then deletes it (``setup.sh --check`` repeats the check while the
reference is there). The student template is not in the zip. Inside Gradescope's container
the grader runs with the ``rlimit`` sandbox (namespaces are not allowed there) and says so: in
the zip's README, in the autograder's log, and in each ``results.json``'s ``extra_data.sandbox``.

**Datasets** (``datasets=``): ``bundle`` puts this machine's verified copy in the zip
(``data/<name>/``; they are public), ``fetch`` makes ``setup.sh`` download them with
``grader data fetch`` (every file checked against the registry's sha256), ``auto`` (the
default) bundles what is here and fetches the rest. Either way ``setup.sh`` puts them in
``/opt/dl-grader-data`` with their checksums verified, makes the trusted-only files (the
held-out labels) readable by root only, and links the sandbox-visible ones under ``/data``,
where a worker finds them (the rlimit sandbox cannot bind them there); the export is refused, with the command to run,
when a dataset can be neither bundled nor fetched.

The zip is reproducible: entries sorted, timestamps fixed, so the same sources give the
same bytes.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.export.scripts import README, RUN_AUTOGRADER, SETUP_SH

__all__ = ["build_autograder_zip", "export_gradescope", "plan_datasets", "DatasetPlan", "GradescopeExport",
           "RLIMIT_NOTICE", "GradescopeExportError", "DATASET_MODES", "DATA_DIR"]

DATASET_MODES = ("auto", "bundle", "fetch")
#: where setup.sh keeps the datasets inside Gradescope's image
DATA_DIR = "/opt/dl-grader-data"
#: files stored as they are in the zip: compressing them again gains nothing
_STORED_SUFFIXES = (".gz", ".png", ".zip", ".jpg", ".npz", ".pt")

RLIMIT_NOTICE = ("Gradescope's container does not allow Linux namespaces: the autograder runs the student's code "
                 "with the rlimit sandbox (separate uid, resource limits, seccomp where possible), without "
                 "file-system or network isolation; the hidden tests are protected by file permissions only.")
_PACKAGE = Path(__file__).resolve().parent.parent
_SKIP = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


class GradescopeExportError(RuntimeError):
    """The zip cannot be made to work where it runs; the message says what to do."""


@dataclass(frozen=True)
class DatasetPlan:
    """How one dataset reaches Gradescope's image."""

    name: str
    #: "bundled" (in the zip) or "fetched" (by setup.sh, checksummed)
    how: str
    #: bytes of the dataset's stored files
    size: int
    #: files only the trusted grader may read (made root-only by setup.sh)
    trusted: tuple[str, ...]


@dataclass(frozen=True)
class GradescopeExport:
    path: Path
    datasets: tuple[DatasetPlan, ...]


def plan_datasets(rubric, *, mode: str = "auto", data_root: Path | None = None) -> tuple[DatasetPlan, ...]:  # type: ignore[no-untyped-def]
    """For each dataset of the rubric: bundle this machine's verified copy, or have setup.sh fetch it."""
    from grader.datasets import get_dataset
    from grader.datasets.store import _download_units, verify_datasets

    if mode not in DATASET_MODES:
        raise GradescopeExportError(f"--datasets {mode}: choose one of {', '.join(DATASET_MODES)}")
    plans = []
    for name in rubric.datasets:
        dataset = get_dataset(name)
        size = sum(f.size for f in dataset.files)
        here = mode != "fetch" and verify_datasets((name,), root=data_root)[0].ok
        fetchable = mode != "bundle" and any(all(f.urls for f in unit) for unit in _download_units(dataset))
        if here:
            how = "bundled"
        elif fetchable:
            how = "fetched"
        else:
            ways = {"bundle": "it is not verified in this machine's data root",
                    "fetch": "it has no download URL for every file",
                    "auto": "it is not in this machine's data root and cannot be downloaded"}
            raise GradescopeExportError(
                f"{rubric.assignment} needs dataset {name!r}, but {ways[mode]}; on Gradescope every submission "
                f"would be a grader error. Import it first (grader data import {name} PATH, or grader data fetch "
                f"{name}), then export again" + (", or use --datasets fetch" if mode == "bundle" else ""))
        plans.append(DatasetPlan(name, how, size, tuple(dataset.trusted_files)))
    return tuple(plans)


def build_autograder_zip(assignment: str, *, dest: Path | None = None, root: Path | None = None,
                         datasets: str = "auto") -> Path:
    """Write ``<assignment>-gradescope-autograder.zip`` (or ``dest``) and return its path."""
    return export_gradescope(assignment, dest=dest, root=root, datasets=datasets).path


def export_gradescope(assignment: str, *, dest: Path | None = None, root: Path | None = None,
                      datasets: str = "auto") -> GradescopeExport:
    """The zip, and how each dataset gets there (for the command to say, with sizes)."""
    from grader.api import load_assignment
    from grader.datasets import get_dataset

    paths, rubric = load_assignment(assignment, root=root)  # a broken rubric stops the export here
    if not paths.reference_dir.is_dir():
        raise GradescopeExportError(f"{assignment} has no reference solution in {paths.reference_dir}; the "
                                    "autograder's setup proves itself by grading it, so add one first")
    plans = plan_datasets(rubric, mode=datasets)
    project = _PACKAGE.parent
    pyproject = project / "pyproject.toml"
    if not pyproject.is_file():
        raise GradescopeExportError(f"cannot find the grader's pyproject.toml beside {_PACKAGE}; export from a "
                                    "checkout of the grader (pip install -e .)")
    target = Path(dest) if dest else Path.cwd() / f"{assignment}-gradescope-autograder.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    fill = {"assignment": assignment, "torch": _torch_version(), "torchvision": _torchvision_version(),
            "data_dir": DATA_DIR,
            "dataset_steps": _dataset_steps(plans), "datasets": _dataset_lines(plans)}
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
    entries += _tree(paths.reference_dir, "check/reference")
    for plan in plans:
        if plan.how == "bundled":
            folder = get_dataset(plan.name).folder()
            entries += [(f"data/{plan.name}/{f.path}", (folder / f.path).read_bytes(), 0o644)
                        for f in get_dataset(plan.name).files]
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_STORED if name.endswith(_STORED_SUFFIXES) else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    tmp.replace(target)
    return GradescopeExport(target, plans)


def _dataset_steps(plans: tuple[DatasetPlan, ...]) -> str:
    """setup.sh's lines: import (bundled) or fetch each dataset, verified, then hide its trusted files."""
    import shlex

    from grader.datasets import SANDBOX_DATA_DIR, get_dataset

    lines = []
    for plan in plans:
        name = shlex.quote(plan.name)
        if plan.how == "bundled":  # the stored files themselves (IMDB's import wants the original archive)
            lines.append(f'mkdir -p "$GRADER_DATA/{plan.name}" && cp -R "$HERE/data/{plan.name}/." '
                         f'"$GRADER_DATA/{plan.name}/" && chmod -R a+rX "$GRADER_DATA/{plan.name}"')
            lines.append(f'"$PY" -m grader data verify {name}')
        else:
            lines.append(f'"$PY" -m grader data fetch {name} --no-progress')
        for trusted in plan.trusted:
            lines.append(f'chmod go-rwx "$GRADER_DATA/{plan.name}/{trusted}"')
        # the rlimit sandbox cannot bind files: the worker reads the sandbox-visible ones where
        # a bwrap worker would find them bound (SANDBOX_DATA_DIR), as links into the data root
        for visible in get_dataset(plan.name).sandbox_files:
            inside = f"{SANDBOX_DATA_DIR}/{plan.name}/{visible}"
            lines.append(f'mkdir -p "$(dirname "{inside}")" && ln -sfn "$GRADER_DATA/{plan.name}/{visible}" "{inside}"')
    if plans:
        lines.append(f'chmod -R a+rX "{SANDBOX_DATA_DIR}"')
    return "\n".join(lines) or "# this assignment needs no dataset"


def _dataset_lines(plans: tuple[DatasetPlan, ...]) -> str:
    if not plans:
        return "- datasets: none needed"
    return "\n".join(f"- dataset {p.name}: {p.how} ({p.size / 1e6:.1f} MB), verified against its sha256 by "
                     f"setup.sh; trusted-only files root-only" for p in plans)


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


def _torchvision_version() -> str:
    """The torchvision release installed beside this torch (the one built for it), for setup.sh."""
    try:
        from importlib.metadata import version

        return version("torchvision").split("+", 1)[0]
    except Exception:  # noqa: BLE001 - not installed here: the release built for torch 2.13.0
        return "0.28.0"


def _torch_version() -> str:
    try:
        from importlib.metadata import version

        return version("torch").split("+", 1)[0]
    except Exception:  # noqa: BLE001 - no torch here: pin the engine's minimum
        return "2.13.0"
