"""Intake: safe unpacking, clear refusals, hashing."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from grader.intake import IntakeLimits, NotGradable, prepare_workspace


def make_zip(path: Path, entries: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def test_zip_with_one_top_folder_is_flattened_and_litter_dropped(tmp_path):
    sub = make_zip(tmp_path / "s.zip", {"hw1/mlp.py": b"x=1\n", "hw1/gd.py": b"y=2\n",
                                        "__MACOSX/hw1/._mlp.py": b"junk", "hw1/.DS_Store": b"junk"})
    ws = prepare_workspace(sub, tmp_path / "ws")
    assert ws.files == ("gd.py", "mlp.py")
    assert len(ws.sha256) == 64


def test_a_lone_package_folder_is_kept(tmp_path):
    sub = make_zip(tmp_path / "s.zip", {"psthree/__init__.py": b"", "psthree/conv.py": b""})
    assert prepare_workspace(sub, tmp_path / "ws").files == ("psthree/__init__.py", "psthree/conv.py")


@pytest.mark.parametrize("name, message", [
    ("../evil.py", "outside the submission"),
    ("a/../../evil.py", "outside the submission"),
    ("/etc/evil.py", "absolute path"),
    ("C:\\evil.py", "absolute path"),
])
def test_zip_slip_and_absolute_paths_are_refused(tmp_path, name, message):
    sub = make_zip(tmp_path / "s.zip", {name: b"x", "ok.py": b""})
    with pytest.raises(NotGradable, match=message):
        prepare_workspace(sub, tmp_path / "ws")
    assert not (tmp_path / "evil.py").exists()


def test_symlink_entries_are_refused(tmp_path):
    sub = make_zip(tmp_path / "s.zip", {"ok.py": b""}, symlinks={"link.py": "/etc/passwd"})
    with pytest.raises(NotGradable, match="symbolic link"):
        prepare_workspace(sub, tmp_path / "ws")


def test_corrupt_and_fake_zips_get_a_clear_error(tmp_path):
    fake = tmp_path / "s.zip"
    fake.write_bytes(b"this is not a zip at all")
    with pytest.raises(NotGradable, match="not a readable zip file"):
        prepare_workspace(fake, tmp_path / "ws")
    good = make_zip(tmp_path / "g.zip", {"mlp.py": os.urandom(4000)})
    data = bytearray(good.read_bytes())
    data[60:200] = b"\x00" * 140  # damage the compressed stream
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bytes(data))
    with pytest.raises(NotGradable, match="damaged|not a readable"):
        prepare_workspace(broken, tmp_path / "ws2")


def test_zip_bomb_ratio_and_size_caps(tmp_path):
    bomb = make_zip(tmp_path / "bomb.zip", {"zeros.bin": b"\0" * (50 * 2**20)})
    with pytest.raises(NotGradable, match="expands more than"):
        prepare_workspace(bomb, tmp_path / "ws")
    many = make_zip(tmp_path / "many.zip", {f"f{i}.py": b"" for i in range(30)})
    with pytest.raises(NotGradable, match="holds 30 files; the limit is 20"):
        prepare_workspace(many, tmp_path / "ws2", IntakeLimits(max_files=20))


def test_empty_folder_and_missing_path(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotGradable, match="holds no files"):
        prepare_workspace(tmp_path / "empty", tmp_path / "ws")
    with pytest.raises(NotGradable, match="does not exist"):
        prepare_workspace(tmp_path / "nope.zip", tmp_path / "ws2")


def test_folder_with_a_symlink_is_refused_and_hash_is_stable(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "mlp.py").write_text("x = 1\n")
    first = prepare_workspace(folder, tmp_path / "ws1").sha256
    assert prepare_workspace(folder, tmp_path / "ws2").sha256 == first
    (folder / "mlp.py").write_text("x = 2\n")
    assert prepare_workspace(folder, tmp_path / "ws3").sha256 != first
    (folder / "leak.py").symlink_to("/etc/passwd")
    with pytest.raises(NotGradable, match="symbolic link"):
        prepare_workspace(folder, tmp_path / "ws4")


def test_single_py_and_wrong_file_type(tmp_path):
    py = tmp_path / "mlp.py"
    py.write_text("x = 1\n")
    assert prepare_workspace(py, tmp_path / "ws").files == ("mlp.py",)
    pdf = tmp_path / "answers.pdf"
    pdf.write_bytes(b"%PDF")
    with pytest.raises(NotGradable, match="must be a .zip, a folder"):
        prepare_workspace(pdf, tmp_path / "ws2")
