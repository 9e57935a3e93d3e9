"""What runs is what was checked: no package folder, compiled extension or native binary wins over a ``.py``.

Intake refuses (naming the file) what would shadow or stand beside a graded module; the
worker loads the workspace's modules from their ``.py`` source by path, so even a layout
intake let through cannot make Python pick another file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.checks.proxy import StudentProxy
from grader.checks.session import WorkerSession
from grader.intake.shadows import find_shadows, native_kind
from grader.intake.unpack import Workspace
from grader.sandbox import Limits, backend_problem, choose_backend
from tests.engine.conftest import GOOD_CALC

ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 100
PE = b"MZ" + b"\0" * 58 + (64).to_bytes(4, "little") + b"PE\0\0" + b"\0" * 20


def _workspace(root: Path, files: dict[str, bytes]) -> Workspace:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return Workspace(root, tuple(sorted(files)), "", "")


@pytest.mark.parametrize("files, named", [
    ({"mlp.py": b"", "mlp/__init__.py": b""}, "mlp/ is a folder beside mlp.py"),
    ({"mlp.py": b"", "mlp/core.py": b""}, "mlp/ is a folder beside mlp.py"),
    ({"mlp.py": b"", "mlp.cpython-311-x86_64-linux-gnu.so": b"junk"}, "mlp.cpython-311-x86_64-linux-gnu.so is a compiled"),
    ({"mlp.py": b"", "mlp.pyd": b"junk"}, "mlp.pyd is a compiled extension"),
    ({"mlp.py": b"", "lib/helper.dylib": b"junk"}, "lib/helper.dylib"),
    ({"mlp.py": b"", "weights.bin": ELF}, "weights.bin is a compiled ELF binary"),
    ({"mlp.py": b"", "notes.txt": PE}, "notes.txt is a compiled PE binary"),
    ({"mlp.py": b"", "x.dat": b"\xcf\xfa\xed\xfe" + b"\0" * 40}, "x.dat is a compiled Mach-O binary"),
    ({"pkg/__init__.py": b"", "pkg/conv.py": b"", "pkg.py": b""}, "pkg.py stands beside the package pkg/"),
])
def test_a_shadowing_file_is_named(tmp_path, files, named):
    problems = find_shadows(_workspace(tmp_path, files), ("mlp.py", "pkg/__init__.py", "pkg/conv.py"))
    assert any(named in p for p in problems), problems


@pytest.mark.parametrize("files", [
    {"mlp.py": b"", "gd.py": b"", "data/mlp_weights.npy": b"\x93NUMPY", "results/run.pth": b"PK\x03\x04"},
    {"pkg/__init__.py": b"", "pkg/conv.py": b"", "pkg/utils.py": b"", "README.md": b"MZ is a word"},
    {"mlp.py": b"", "plots/mlp.png": b"\x89PNG"},
])
def test_ordinary_layouts_pass(tmp_path, files):
    assert find_shadows(_workspace(tmp_path, files), ("mlp.py", "pkg/__init__.py", "pkg/conv.py")) == []


def test_native_kind_reads_only_the_first_bytes(tmp_path):
    (tmp_path / "a").write_bytes(ELF)
    (tmp_path / "b").write_bytes(b"MZ" + b"\0" * 100)  # MZ without a PE header is not a binary
    assert native_kind(tmp_path / "a") == "ELF" and native_kind(tmp_path / "b") == ""


def test_a_package_folder_beside_the_graded_file_is_not_gradable(grade_files):
    result = grade_files({"calc.py": GOOD_CALC, "calc/__init__.py": "def add(a, b):\n    return 0\n"})
    assert result.outcome.value == "not_gradable"
    assert "calc/ is a folder beside calc.py" in result.reason
    assert all(item.points == 0 for item in result.items)


@pytest.mark.parametrize("backend", ["rlimit", "bwrap"])
def test_the_worker_loads_the_py_file_whatever_else_is_there(backend, tmp_path):
    """Bypassing intake: ``calc/``, ``calc.<abi>.so`` and ``helper/`` beside the sources still lose."""
    if backend_problem(backend):
        pytest.skip(backend_problem(backend))
    (tmp_path / "calc.py").write_text("import helper\n\ndef which():\n    return 'calc.py', helper.which()\n")
    (tmp_path / "calc").mkdir()
    (tmp_path / "calc" / "__init__.py").write_text("def which():\n    return 'package'\n")
    (tmp_path / "calc.cpython-311-x86_64-linux-gnu.so").write_bytes(ELF)
    (tmp_path / "helper.py").write_text("def which():\n    return 'helper.py'\n")
    (tmp_path / "helper").mkdir()
    (tmp_path / "helper" / "__init__.py").write_text("def which():\n    return 'helper package'\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from . import sub\n")
    (tmp_path / "pkg" / "sub.py").write_text("def which():\n    return 'pkg/sub.py'\n")
    session = WorkerSession(choose_backend(backend), tmp_path, Limits(wall_s=120, call_s=30))
    try:
        student = StudentProxy(session)
        assert tuple(student.calc.which()) == ("calc.py", "helper.py")
        assert student.pkg.sub.which() == "pkg/sub.py"  # a real package keeps working
    finally:
        session.close()
    # the control: Python's own import system would have run the package
    plain = subprocess.run([sys.executable, "-c", "import calc; print(calc.which())"], cwd=tmp_path,
                           capture_output=True, text=True, check=True)
    assert plain.stdout.strip() == "package"
