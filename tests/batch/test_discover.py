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


def test_two_submissions_of_one_student_grade_the_latest_and_list_the_other(tmp_path):
    import os

    (tmp_path / "alice.zip").write_bytes(b"PK")
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "mlp.py").write_text("x = 1\n")
    os.utime(tmp_path / "alice.zip", (1_000_000, 1_000_000))  # the folder is newer
    found = discover_submissions(tmp_path)
    assert [s.path.name for s in found.submissions] == ["alice"]
    assert found.skipped[0][0] == "alice.zip" and "older submission of student alice" in found.skipped[0][1]
    os.utime(tmp_path / "alice.zip", None)
    os.utime(tmp_path / "alice" / "mlp.py", (1_000_000, 1_000_000))
    os.utime(tmp_path / "alice", (1_000_000, 1_000_000))
    found = discover_submissions(tmp_path)
    assert [s.path.name for s in found.submissions] == ["alice.zip"]
    assert found.skipped[0][0] == "alice"


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


def test_canvas_attempts_grade_the_latest_under_the_plain_name(tmp_path):
    for name in ("doejane_12345_900001_mlp.py", "doejane_12345_900001_mlp-1.py", "doejane_12345_900001_mlp-2.py",
                 "doejane_12345_900001_model-2.py"):
        (tmp_path / name).write_text(name)
    found = discover_submissions(tmp_path, required_files=("mlp.py",))
    (jane,) = found.submissions
    # model-2.py is a name of its own (no model.py here, none required), not an attempt
    assert sorted((name, path.name) for name, path in jane.files) == [
        ("mlp.py", "doejane_12345_900001_mlp-2.py"), ("model-2.py", "doejane_12345_900001_model-2.py")]
    skipped = dict(found.skipped)
    assert sorted(skipped) == ["doejane_12345_900001_mlp-1.py", "doejane_12345_900001_mlp.py"]
    assert all("older attempt of mlp.py" in why for why in skipped.values())


def test_canvas_named_files_in_a_plain_folder_are_grouped_per_student(tmp_path):
    """A mixed folder: a TA dropped a Canvas download beside folders and zips of other students."""
    for name in ("smithjohn_123456_7890123_mlp.py", "smithjohn_123456_7890124_gd.py", "smithjohn_123456_7890125_answers.md"):
        (tmp_path / name).write_text(name)
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "mlp.py").write_text("x = 1\n")
    (tmp_path / "carol.zip").write_bytes(b"PK")
    (tmp_path / "notes.txt").write_text("stray")
    found = discover_submissions(tmp_path, required_files=("mlp.py", "gd.py"))
    assert found.layout == "mixed"
    by_id = {s.student.id: s for s in found.submissions}
    assert sorted(by_id) == ["123456", "bob", "carol"]
    john = by_id["123456"]
    assert john.layout == "canvas" and john.student.name == "smithjohn"
    assert sorted(name for name, _ in john.files) == ["answers.md", "gd.py", "mlp.py"]
    assert by_id["bob"].layout == "plain"
    assert [name for name, _ in found.skipped] == ["notes.txt"]


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
    assert by_id["N123"].student.name == "Jane Doe"
    assert [(m.id, m.name, m.email) for m in by_id["N123"].student.group] == [("N456", "Bob Roe", "bob@uni.edu")]
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


def test_gradescope_resubmissions_and_groups_keep_each_person_latest(tmp_path):
    """A student who submitted alone and later in a group is graded with the group, and only once."""
    for n in (1, 2, 3):
        (tmp_path / f"submission_{n}").mkdir()
        (tmp_path / f"submission_{n}" / "mlp.py").write_text(f"x = {n}\n")
    (tmp_path / "submission_metadata.yml").write_text(
        "submission_1:\n"
        "  :submitters:\n"
        "  - :name: Jane Doe\n    :sid: 'N123'\n    :email: jane@uni.edu\n"
        "  :created_at: 2024-09-21 10:00:00.000000000 -04:00\n"
        "submission_2:\n"
        "  :submitters:\n"
        "  - :name: Bob Roe\n    :sid: 'N456'\n"
        "  - :name: Jane Doe\n    :sid: 'N123'\n"
        "  - :name: Cy Poe\n    :sid: 'N789'\n"
        "  :created_at: 2024-09-22 09:00:00.123456789 -04:00\n"
        "submission_3:\n"
        "  :submitters:\n"
        "  - :name: Cy Poe\n    :sid: 'N789'\n"
        "  :created_at: 2024-09-23 09:00:00 -04:00\n")
    found = discover_submissions(tmp_path)
    by_sub = {s.student.submission_id: s for s in found.submissions}
    assert sorted(by_sub) == ["submission_2", "submission_3"]
    group = by_sub["submission_2"].student
    assert group.id == "N456" and [m.id for m in group.group] == ["N123"]  # Cy's latest is submission_3
    assert by_sub["submission_3"].student.id == "N789"
    skipped = dict(found.skipped)
    assert "graded the latest, submission_2" in skipped["submission_1 (N123)"]
    assert "graded the latest, submission_3" in skipped["submission_2 (N789)"]


def test_identity_is_the_graded_files_not_how_they_were_packed(tmp_path):
    """The same files zipped twice (other timestamps), zipped inside a top folder, or as a folder, are one."""
    import zipfile

    files = {"mlp.py": b"def f():\n    return 1\n", "answers.md": b"1.4: yes\n"}

    def zipped(name: str, *, top: str = "", date=(2024, 1, 1, 0, 0, 0), crlf: bool = False) -> None:
        with zipfile.ZipFile(tmp_path / name, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for member, data in files.items():
                info = zipfile.ZipInfo(f"{top}{member}", date_time=date)
                zf.writestr(info, data.replace(b"\n", b"\r\n") if crlf else data)
            zf.writestr("__MACOSX/._mlp.py", b"junk")

    zipped("ann.zip")
    zipped("bob.zip", date=(2025, 5, 5, 5, 5, 6))
    zipped("cat.zip", top="hw1/", crlf=True)
    (tmp_path / "dan").mkdir()
    for member, data in files.items():
        (tmp_path / "dan" / member).write_bytes(data)
    files["mlp.py"] = b"def f():\n    return 2\n"
    zipped("eve.zip")
    (tmp_path / "fay.py").write_bytes(b"x = 1\n")
    (tmp_path / "gus.py").write_bytes(b"x = 1\n")
    found = {s.student.id: submission_sha256(s) for s in discover_submissions(tmp_path).submissions}
    assert (tmp_path / "ann.zip").read_bytes() != (tmp_path / "bob.zip").read_bytes()
    assert found["ann"] == found["bob"] == found["cat"] == found["dan"]
    assert found["eve"] != found["ann"]
    # a lone .py is graded under its own name (intake tells the student it is misnamed): not one
    assert found["fay"] != found["gus"]


def test_an_unreadable_zip_is_identified_by_its_bytes(tmp_path):
    (tmp_path / "ann.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "bob.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "cat.zip").write_bytes(b"PK\x03\x04 another broken zip")
    found = {s.student.id: submission_sha256(s) for s in discover_submissions(tmp_path).submissions}
    assert found["ann"] == found["bob"] != found["cat"]
