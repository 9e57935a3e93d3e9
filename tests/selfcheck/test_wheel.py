"""What a student installs: the wheel, built as CI builds it, installed alone in a fresh venv.

The wheel and the sdist hold the engine only: never ``rubrics/``, ``reference/``, the
student templates or any hidden test. The fresh venv gets the wheel with ``--no-deps`` and
finds its dependencies (torch and the rest, already installed here) through one path line
pointing at this venv's site-packages; that line adds no ``.pth`` processing, so the
source tree's editable install stays invisible and ``grader`` is imported from the wheel
(the test asserts where it came from). Then ``grader check`` runs in a freshly generated
nyu-dl-hw1 template: untouched it reports the unfinished parts (exit 5), with the
reference's files it passes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from grader.api import load_assignment
from grader.authoring.template import build_template
from grader.cli.exit_codes import ExitCode

ROOT = Path(__file__).parents[2]
ASSIGNMENT = "nyu-dl-hw1"
pytestmark = pytest.mark.slow


def _forbidden(name: str) -> bool:
    """A path that must never ship: course material, references, templates, tests of any kind."""
    parts = Path(name).parts
    return any(p in ("rubrics", "reference", "student_template", "tests", "hidden") for p in parts[:3]) or \
        any(p.startswith("test_") and p.endswith(".py") for p in parts)


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel and the sdist, built with ``python -m build`` from a copy of the tracked files."""
    source = tmp_path_factory.mktemp("source")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: build with this venv's setuptools (pinned by pyproject's build-system), offline
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir",
                           str(out), str(source)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("dl_grader-*.whl")
    (sdist,) = out.glob("dl_grader-*.tar.gz")
    return wheel, sdist


def test_the_wheel_and_sdist_hold_no_course_material(dists: tuple[Path, Path]) -> None:
    wheel, sdist = dists
    in_wheel = zipfile.ZipFile(wheel).namelist()
    with tarfile.open(sdist) as tar:
        in_sdist = [name.split("/", 1)[1] for name in tar.getnames() if "/" in name]
    assert any(n.startswith("grader/cli/app.py") for n in in_wheel)
    assert "grader/worker/selfcheck.py" in in_wheel  # the sandbox side (mounted as graderworker) ships too
    assert "grader/report/templates/report.html.j2" in in_wheel
    assert [n for n in in_wheel if _forbidden(n)] == []
    assert [n for n in in_sdist if _forbidden(n)] == []
    hidden = {p.name for p in (ROOT / "rubrics").rglob("*.py")}
    assert not [n for n in in_wheel + in_sdist if Path(n).name in hidden and not n.startswith("grader/")]


def test_the_wheel_alone_checks_a_generated_template(dists: tuple[Path, Path], tmp_path: Path) -> None:
    wheel, _ = dists
    env_dir = tmp_path / "student-venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    target = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip())
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile",
                           "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    # the dependencies: this venv's packages as one plain path entry, after the wheel's own folder
    (target / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (env_dir / "bin" / "grader").write_text(f"#!{python}\nfrom grader.cli.app import main\nmain()\n")
    (env_dir / "bin" / "grader").chmod(0o755)
    where = subprocess.run([str(python), "-c", "import grader; print(grader.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert str(ROOT) not in where and str(target) in where, where

    paths, rubric = load_assignment(ASSIGNMENT)
    from grader.api import _generated_files

    template = tmp_path / ASSIGNMENT
    build_template(paths.reference_dir, template, _generated_files(paths, rubric))
    env = {k: v for k, v in os.environ.items() if k not in ("GRADER_HOME", "PYTHONPATH")}
    env.update(COLUMNS="200", PATH=f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}")

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["grader", "check"], cwd=template, env=env, capture_output=True, text=True, timeout=600)

    untouched = check()
    assert untouched.returncode == ExitCode.UNFINISHED, untouched.stdout[-4000:] + untouched.stderr[-2000:]
    assert "Not finished yet" in untouched.stdout
    for name in rubric.required_files:
        assert f"{name}:" in untouched.stdout and "still raises NotImplementedError" in untouched.stdout
    for name in rubric.required_files:
        shutil.copy(paths.reference_dir / name, template / name)
    finished = check()
    assert finished.returncode == ExitCode.OK, finished.stdout[-4000:] + finished.stderr[-2000:]
    assert "All checks passed" in finished.stdout
