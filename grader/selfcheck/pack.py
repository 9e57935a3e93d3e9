"""``grader pack``: the submission zip with exactly the files the assignment asks for."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.authoring.public_spec import PublicSpec

__all__ = ["PackError", "PackResult", "pack_submission", "unfinished_in"]


class PackError(Exception):
    """Packing refused (a required file is missing); the message names it and the fix."""


@dataclass
class PackResult:
    path: Path
    files: list[str]
    warnings: list[str] = field(default_factory=list)


def unfinished_in(folder: Path, spec: PublicSpec) -> list[str]:
    """The parts still left to do, one line each (a stub that raises, an empty answer), for ``pack`` to list."""
    from grader.checks.answers import load_answers
    from grader.selfcheck.check import unfinished_parts

    found = []
    for name in spec.required_files:
        path = folder / name
        if name.endswith(".py") and path.is_file():
            source = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{name}:{line} still raises NotImplementedError ({message})"
                      for line, message in unfinished_parts(source)]
    if spec.answers_file and (folder / spec.answers_file).is_file():
        answers = load_answers(folder, spec.answers_file, ids=[i.id for i in spec.items])
        if not answers.problem:
            found += [f"{spec.answers_file}: no answer yet for {key}" for key in spec.answer_keys
                      if not answers.text(key)]
    return found


def pack_submission(folder: Path, spec: PublicSpec, out: Path) -> PackResult:
    """Zip the required files (and the optional extras that exist); refuse when one is missing."""
    missing = [name for name in spec.required_files if not (folder / name).is_file()]
    if missing:
        raise PackError(f"not packing: {', '.join(missing)} missing in {folder}; "
                        "run `grader check` to see what to fix")
    files = list(spec.required_files) + [n for n in spec.self_check.pack_extra if (folder / n).is_file()]
    warnings = []
    limit = spec.self_check.max_file_mb * 1024 * 1024
    for name in files:
        size = (folder / name).stat().st_size
        if size > limit:
            warnings.append(f"{name} is {size / 2**20:.1f} MiB, above the {spec.self_check.max_file_mb:g} MiB the "
                            "assignment expects: is it a dataset or a checkpoint that should not be submitted?")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in files:
            zf.write(folder / name, arcname=name)
    tmp.replace(out)
    return PackResult(out, files, warnings)
