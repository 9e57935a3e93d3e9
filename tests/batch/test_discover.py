"""Finding one submission per student, and the student's id, in plain, Canvas and Gradescope folders."""

from __future__ import annotations

import pytest

from grader.batch.discover import (
    DiscoveryError,
    discover_submissions,
    stage_submission,
    student_key,
)
from grader.batch.fingerprint import submission_sha256


def test_plain_layout_takes_files_and_folders_and_lists_what_it_skipped(tmp_path):
    (tmp_path / "alice.zip").write_bytes(b"PK")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "mlp.py").write_text("x = 1\n")
    (tmp_path / "carol.py").write_text("x = 2\n")
    (tmp_path / "notes.txt").write_text("not a submission")
    (tmp_path / ".DS_Store").write_bytes(b"")
    (tmp_path / "__MACOSX").mkdir()
    found = discover_submissions(tmp_path)
    assert found.layout == "plain"
    assert [(s.student.id, s.path.name) for s in found.submissions] == [
        ("alice", "alice.zip"), ("bob", "bob"), ("carol", "carol.py")]
    assert [name for name, _ in found.skipped] == ["notes.txt"]
    assert "expected a folder or a .zip" in found.skipped[0][1]


def test_two_submissions_of_one_student_are_refused_with_both_names(tmp_path):
    (tmp_path / "alice.zip").write_bytes(b"PK")
    (tmp_path / "alice").mkdir()
    with pytest.raises(DiscoveryError, match="alice.zip, alice|alice, alice.zip"):
        discover_submissions(tmp_path)


def test_canvas_download_groups_files_by_user_and_undoes_resubmission_suffixes(tmp_path):
    for name in ("doejane_12345_900001_mlp-1.py", "doejane_12345_900001_gd.py",
                 "smithbob_LATE_67890_900002_hw1.zip", "leeann_555_900003_mlp.py"):
        (tmp_path / name).write_bytes(name.encode())
    (tmp_path / "readme.txt").write_text("stray")
    found = discover_submissions(tmp_path, required_files=("mlp.py", "gd.py"))
    assert found.layout == "canvas"
    by_id = {s.student.id: s for s in found.submissions}
    assert sorted(by_id) == ["12345", "555", "67890"]
    jane = by_id["12345"]
    assert jane.student.name == "doejane" and jane.student.submission_id == "900001"
    assert sorted(name for name, _ in jane.files) == ["gd.py", "mlp.py"]
    bob = by_id["67890"]
    assert bob.student.late and bob.path.name == "smithbob_LATE_67890_900002_hw1.zip" and not bob.files
    assert found.skipped == [("readme.txt", found.skipped[0][1])]
    staged = stage_submission(jane, tmp_path / "staging")
    assert sorted(p.name for p in staged.iterdir()) == ["gd.py", "mlp.py"]
    assert (staged / "mlp.py").read_bytes() == b"doejane_12345_900001_mlp-1.py"


def test_canvas_suffix_is_kept_when_the_plain_name_was_submitted_too(tmp_path):
    for name in ("doejane_12345_900001_mlp.py", "doejane_12345_900001_mlp-1.py"):
        (tmp_path / name).write_text(name)
    (jane,) = discover_submissions(tmp_path, required_files=("mlp.py",)).submissions
    assert sorted(name for name, _ in jane.files) == ["mlp-1.py", "mlp.py"]


def test_gradescope_export_takes_sid_then_email_and_keeps_group_members(tmp_path):
    (tmp_path / "submission_101").mkdir()
    (tmp_path / "submission_101" / "mlp.py").write_text("x = 1\n")
    (tmp_path / "submission_102").mkdir()
    (tmp_path / "submission_103").mkdir()
    (tmp_path / "submission_metadata.yml").write_text(
        "submission_101:\n"
        "  :submitters:\n"
        "  - :name: Jane Doe\n    :sid: 'N123'\n    :email: jane@uni.edu\n"
        "  - :name: Bob Roe\n    :sid: 'N456'\n    :email: bob@uni.edu\n"
        "  :created_at: 2024-09-20 10:00:00.000000000 -04:00\n"
        "submission_102:\n"
        "  :submitters:\n"
        "  - :name: Ann Lee\n    :sid: ''\n    :email: ann@uni.edu\n"
        "submission_999:\n"
        "  :submitters:\n"
        "  - :name: Gone\n    :sid: X\n")
    found = discover_submissions(tmp_path)
    assert found.layout == "gradescope"
    by_id = {s.student.id: s for s in found.submissions}
    assert sorted(by_id) == ["N123", "ann@uni.edu"]
    assert by_id["N123"].student.name == "Jane Doe & Bob Roe"
    assert by_id["N123"].student.email == "jane@uni.edu"
    assert by_id["N123"].student.submission_id == "submission_101"
    assert by_id["ann@uni.edu"].key != "ann@uni.edu"  # not a safe file name: slug + hash
    skipped = dict(found.skipped)
    assert "no folder" in skipped["submission_999"] and "not listed" in skipped["submission_103"]


def test_a_broken_gradescope_metadata_file_names_the_way_out(tmp_path):
    (tmp_path / "submission_metadata.yml").write_text("a: [unclosed\n")
    with pytest.raises(DiscoveryError, match="--layout plain"):
        discover_submissions(tmp_path)


def test_student_keys_are_file_safe_and_unique():
    assert student_key("alice") == "alice"
    odd = [student_key(s) for s in ("a/b", "a_b", "a b", "../x", "ann@uni.edu", ".hidden")]
    assert len(set(odd)) == len(odd)
    assert all("/" not in k and not k.startswith(".") for k in odd)
    assert student_key("a_b") == "a_b"


def test_the_submission_hash_ignores_litter_and_sees_content_and_names(tmp_path):
    folder = tmp_path / "alice"
    (folder / "__pycache__").mkdir(parents=True)
    (folder / "mlp.py").write_text("x = 1\n")
    (found,) = discover_submissions(tmp_path).submissions
    before = submission_sha256(found)
    (folder / "__pycache__" / "mlp.cpython-311.pyc").write_bytes(b"junk")
    assert submission_sha256(found) == before
    (folder / "mlp.py").write_text("x = 2\n")
    assert submission_sha256(found) != before
    (folder / "mlp.py").write_text("x = 1\n")
    (folder / "mlp.py").rename(folder / "mlp2.py")
    assert submission_sha256(found) != before
