"""Generated files that make a student template a ready repository.

- ``.grader-assignment.json``: the public spec ``grader check`` and ``grader pack`` read;
- ``README.md`` (unless the reference ships its own): how to run, check and submit;
- ``.github/workflows/grader-check.yml``: runs ``grader check`` on every push, with
  CPU-only torch and pip's cache, so a student sees a green tick before the deadline,
  and a "not finished yet" notice (not a red cross) while stubs are left.

How students install the grader is one setting, ``[tool.dl-grader] student-install`` in
the project's ``pyproject.toml``: a pinned requirement (a git URL with a tag, a wheel URL,
or ``dl-grader==X.Y`` once published). ``student_install`` reads and checks it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from grader._version import __version__
from grader.authoring.public_spec import SPEC_FILE, PublicSpec, spec_json
from grader.cli.exit_codes import ExitCode

__all__ = ["student_repo_files", "student_install", "InstallSettingError", "WORKFLOW_FILE", "TORCH_PIN",
           "UNFINISHED_EXIT"]

WORKFLOW_FILE = ".github/workflows/grader-check.yml"
TORCH_PIN = "torch==2.13.0"
#: the torchvision release built for TORCH_PIN (the courses' starters import it)
TORCHVISION_PIN = "torchvision==0.28.0"
#: ``grader check``'s exit code when the only things left are unfinished parts
UNFINISHED_EXIT = int(ExitCode.UNFINISHED)
#: used where the project sets nothing (a test project); a real course sets where it hosts the grader
DEFAULT_INSTALL = f"dl-grader=={__version__}"


class InstallSettingError(ValueError):
    """``student-install`` is not a pinned requirement for dl-grader (the message says how to write one)."""


def student_install(root: Path) -> str:
    """The requirement students install the grader with, from ``root/pyproject.toml`` (checked)."""
    pyproject = root / "pyproject.toml"
    value = DEFAULT_INSTALL
    if pyproject.is_file():
        setting = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("dl-grader", {})
        value = setting.get("student-install", DEFAULT_INSTALL)
    where = f"{pyproject}: [tool.dl-grader] student-install"
    try:
        requirement = Requirement(str(value))
    except InvalidRequirement as exc:
        raise InstallSettingError(f"{where} = {value!r} is not a requirement: {exc}") from None
    if requirement.name != "dl-grader":
        raise InstallSettingError(f"{where} names {requirement.name!r}; it must install dl-grader")
    pinned = (requirement.url and ("@" in requirement.url.split("://", 1)[-1] or requirement.url.endswith(".whl"))
              or any(spec.operator == "==" for spec in requirement.specifier))
    if not pinned:
        raise InstallSettingError(f"{where} = {value!r} is not pinned: use a git URL with a tag "
                                  "(dl-grader @ git+https://host/org/dl-grader@v0.1.0), a wheel URL, or dl-grader==X.Y")
    return str(value)


def _with_courses(requirement: str) -> str:
    """The requirement with the ``[courses]`` extra (the packages the starters import)."""
    parsed = Requirement(requirement)
    parsed.extras = set(parsed.extras) | {"courses"}
    return str(parsed)

_WORKFLOW = """\
# Runs the grader's self-check on every push: the same checks as `grader check` on your laptop.
# No hidden tests run here; a green tick means your files are named right, import, pass the
# public tests and follow the assignment's rules. While parts are still unfinished the run
# stays green with a "not finished yet" notice listing them; anything broken is a red cross.
name: grader check
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: {workflow}
      - name: Install the sandbox (bubblewrap)
        run: |
          if sudo apt-get update -q && sudo apt-get install -y -q bubblewrap; then
            echo "bubblewrap installed: grader check runs your code in its sandbox"
          else
            echo "::warning title=No bubblewrap::apt-get could not install bubblewrap; grader check falls back to its weaker rlimit sandbox and says so below"
          fi
      - name: Install CPU-only torch and the grader
        run: |
          python -m pip install {torch_packages} --index-url https://download.pytorch.org/whl/cpu
          python -m pip install "{install}"
      - name: Self-check
        run: |
          status=0
          grader check || status=$?
          if [ "$status" -eq {unfinished} ]; then
            echo "::notice title=Not finished yet::parts still raise NotImplementedError or have no answer (listed above); everything else checks out"
            exit 0
          fi
          exit "$status"
"""

_README = """\
# {title}

{kind} for `{assignment}` ({total:g} points). {todo}

## Files you submit

{files}

## Check your work before you submit

```bash
python -m pip install {torch_packages} --index-url https://download.pytorch.org/whl/cpu
python -m pip install "{install}"
grader check            # names, imports, interfaces, rules, public tests: a few seconds
{pytest_line}```

`grader check` never runs the hidden tests: passing it means your submission is
well-formed, not that it earns every point. Pushing to GitHub runs the same check
(`{workflow}`).

## Submit

```bash
grader pack             # writes submission.zip with exactly the files above
```

## Points

| item | what | points |
| --- | --- | --- |
{items}
"""


_TODO_CODE = ("Fill in every place that raises\n`NotImplementedError`; keep the file, class and function "
              "names as they are, since the\ngrader calls them by name.")
_TODO_ANSWERS = "Fill in every entry of `{answers}`, in the form its comments ask for."


def student_repo_files(spec: PublicSpec, *, install: str = DEFAULT_INSTALL) -> dict[str, str]:
    """The generated files; ``install`` is the grader's requirement (``student_install``)."""
    tests = " ".join(spec.self_check.public_tests)
    has_code = any(name.endswith((".py", ".ipynb")) for name in spec.required_files)
    todo = []
    if has_code:
        todo.append(_TODO_CODE)
    if spec.answers_file:
        todo.append(_TODO_ANSWERS.format(answers=spec.answers_file))
    files = "\n".join([f"- `{name}`" for name in spec.required_files]
                      + [f"- `{name}` (optional: packed when present)" for name in spec.self_check.pack_extra])
    if has_code:  # the courses' starters import torchvision, cv2, tqdm...: the [courses] extra
        install = _with_courses(install)
    torch_packages = f'"{TORCH_PIN}"' + (f' "{TORCHVISION_PIN}"' if has_code else "")
    items = "\n".join(
        f"| {i.id} | {i.title} | {i.points:g}{' (extra credit)' if i.extra_credit else ''} |" for i in spec.items
    )
    return {
        SPEC_FILE: spec_json(spec),
        "README.md": _README.format(title=spec.title, assignment=spec.assignment, total=spec.total, files=files,
                                    torch_packages=torch_packages, install=install, workflow=WORKFLOW_FILE,
                                    items=items,
                                    todo="\n".join(todo) or _TODO_CODE,
                                    kind="Starter code" if has_code else "The answer sheet",
                                    pytest_line="python -m pytest -q     # the public tests alone\n" if tests else ""),
        # the public tests run inside `grader check` (in its sandbox), so there is no separate step
        WORKFLOW_FILE: _WORKFLOW.format(workflow=WORKFLOW_FILE, torch_packages=torch_packages, install=install,
                                        unfinished=UNFINISHED_EXIT),
    }
