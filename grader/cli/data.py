"""``grader data ...``: list, fetch, import, verify, where. Thin wrappers over :mod:`grader.datasets.store`.

Every error is printed as its message (which ends with the next step) on stderr, never a
traceback, and sets the exit code: a wrong name or path is a usage error (3), data that
fails its checksums fails the check (4), a dataset that is missing or a download that
fails is a setup problem for the instructor (2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from grader.cli.exit_codes import ExitCode
from grader.datasets import store
from grader.datasets.errors import (DatasetCorrupt, DatasetError, DatasetMissing, FetchError, ImportSourceError,
                                    UnknownDataset)
from grader.datasets.paths import data_root, describe_root
from grader.datasets.registry import DATASETS, get_dataset

data_app = typer.Typer(help="Datasets the rubrics use: list, fetch, import, verify, where.", no_args_is_help=True)

_EXIT = {UnknownDataset: ExitCode.USAGE_ERROR, DatasetMissing: ExitCode.GRADER_ERROR,
         DatasetCorrupt: ExitCode.CHECK_FAILED, ImportSourceError: ExitCode.CHECK_FAILED,
         FetchError: ExitCode.GRADER_ERROR}


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: ExitCode) -> NoReturn:
    _err().print(f"error: {message}", markup=False)
    raise typer.Exit(int(code))


def _fail_on(exc: Exception) -> NoReturn:
    if isinstance(exc, DatasetError):
        code = next((c for t, c in _EXIT.items() if isinstance(exc, t)), ExitCode.GRADER_ERROR)
        _fail(str(exc), code)
    _fail(f"{exc} (the data root is {data_root()}: it must be writable, with room to spare)", ExitCode.GRADER_ERROR)


def _names(name: str) -> tuple[str, ...]:
    if name == "all":
        return tuple(DATASETS)
    try:
        return (get_dataset(name).name,)
    except UnknownDataset as exc:
        _fail_on(exc)


def _count(items: tuple | list, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


@data_app.command("list")
def list_cmd() -> None:
    """Every dataset the registry knows: whether it is here, its size, license, and who may see which file."""
    out = _out()
    out.print(f"data root: {data_root()} ({describe_root()})", markup=False)
    table = Table(box=None, pad_edge=False)
    for column in ("name", "status", "size", "trusted-only files", "what"):
        table.add_column(column, overflow="fold")
    for d in DATASETS.values():
        table.add_row(d.name, "imported" if store.is_present(d.name) else "missing",
                      _size(sum(f.size for f in d.files)), ", ".join(d.trusted_files) or "-", d.title)
    out.print(table)
    for d in DATASETS.values():
        if d.note:
            alt = f" Use instead: {d.alternative} (grader data where {d.alternative})." if d.alternative else ""
            out.print(f"note on {d.name}: {d.note}{alt}", markup=False)


@data_app.command("where")
def where_cmd(name: Annotated[str | None, typer.Argument(help="a dataset; omit for the data root")] = None) -> None:
    """The data root, or one dataset's folder, files, checksums, sources and license."""
    out = _out()
    if name is None:
        out.print(str(data_root()), markup=False)
        return
    (name,) = _names(name)
    d = get_dataset(name)
    folder = d.folder()
    out.print(str(folder), markup=False)
    out.print(f"  {d.title}\n  loader: {d.loader}: {d.contents}", markup=False)
    for f in d.files:
        who = "sandbox" if f.path in d.sandbox_files else "trusted"
        here = "present" if (folder / f.path).is_file() else "missing"
        out.print(f"  [{who}] {f.path}  {f.size} bytes  sha256 {f.sha256}  {here}", markup=False)
        for url in f.urls:
            out.print(f"      from {url}", markup=False)
    for a in d.archives:
        out.print(f"  input archive {a.basename}  {a.size} bytes  sha256 {a.sha256}"
                  + (f"  md5 {a.md5}" if a.md5 else "") + f"\n      {a.note}", markup=False)
        for url in a.urls:
            out.print(f"      from {url}", markup=False)
    out.print(f"  license: {d.license}\n  cite: {d.citation}\n  homepage: {d.homepage}", markup=False)
    if d.note:
        out.print(f"  note: {d.note}", markup=False)


@data_app.command("import")
def import_cmd(
    name: Annotated[str, typer.Argument(help="a dataset, or 'all' for every one found under PATH")],
    path: Annotated[Path, typer.Argument(help="a folder, an archive (tar, zip) or a file you already have")],
) -> None:
    """Copy a dataset from a folder or archive you have, and verify every checksum."""
    out = _out()
    if not path.exists():
        _fail(f"no such file or folder: {path}", ExitCode.USAGE_ERROR)
    try:
        with _err().status(f"importing {name} from {path}"):
            if name == "all":
                imported, skipped, errors = store.import_all(path)
            else:
                imported, skipped, errors = [store.import_dataset(_names(name)[0], path)], [], []
    except (DatasetError, OSError) as exc:
        _fail_on(exc)
    for r in imported:
        size = sum(s for _, s in r.files)
        out.print(f"imported {r.name}: {_count(r.files, 'file')}, {_size(size)}, sha256 verified "
                  f"({r.detail}) in {r.seconds:.1f} s -> {r.folder}", markup=False)
    if skipped:
        out.print(f"not found under {path}: {', '.join(skipped)}", markup=False)
    for exc in errors:
        _err().print(f"error: {exc}", markup=False)
    if errors:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
    if not imported:
        _fail(f"no dataset found under {path}; `grader data where NAME` lists the files each one needs",
              ExitCode.USAGE_ERROR)


@data_app.command("fetch")
def fetch_cmd(
    name: Annotated[str, typer.Argument(help="a dataset, or 'all'")],
    mirror: Annotated[str | None, typer.Option(envvar="GRADER_DATA_MIRROR",
                                               help="base URL tried first, laid out as <mirror>/<name>/<file>")] = None,
    force: Annotated[bool, typer.Option(help="download again even when a verified copy is here")] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Download a dataset (mirrors in order, resumable), verify its checksums and import it."""
    out = _out()
    for one in _names(name):
        try:
            report = store.fetch_dataset(one, mirror=mirror, force=force, progress=progress)
        except (DatasetError, OSError) as exc:
            _fail_on(exc)
        if report is None:
            out.print(f"{one}: already here and verified ({get_dataset(one).folder()})", markup=False)
        else:
            out.print(f"fetched {one}: {_count(report.files, 'file')}, sha256 verified -> {report.folder}", markup=False)


@data_app.command("verify")
def verify_cmd(names: Annotated[list[str] | None, typer.Argument(help="datasets to check (default: all)")] = None
               ) -> None:
    """Re-hash the stored files; fails on any difference from the registry."""
    out = _out()
    wanted = tuple(n for one in (names or ()) for n in _names(one))
    results = store.verify_datasets(wanted)
    for r in results:
        if r.status == "ok":
            out.print(f"ok       {r.name}  ({_count(get_dataset(r.name).files, 'file')})", markup=False)
        elif r.status == "missing":
            out.print(f"missing  {r.name}  (not imported: grader data import {r.name} PATH)", markup=False)
        else:
            out.print(f"CORRUPT  {r.name}", markup=False)
            for p in r.problems:
                out.print(f"    {p}", markup=False)
    corrupt = [r for r in results if r.status == "corrupt"]
    if corrupt:
        first = corrupt[0].name
        _fail(f"corrupt: {', '.join(r.name for r in corrupt)}. Import again (the bad copy is replaced), "
              f"or with internet fetch again:\n  grader data import {first} /path/to/{first}-folder-or-archive\n"
              f"  grader data fetch {first} --force", ExitCode.CHECK_FAILED)
    missing_named = [r for r in results if r.status == "missing" and wanted]
    if missing_named:
        r = missing_named[0]
        _fail(str(DatasetMissing(r.name, data_root(), tuple(f.path for f in get_dataset(r.name).files),
                                 describe_root())), ExitCode.GRADER_ERROR)
    if not any(r.ok for r in results):
        out.print(f"nothing imported yet in {data_root()}: grader data import all PATH", markup=False)
