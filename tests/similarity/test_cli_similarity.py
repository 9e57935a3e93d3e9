"""``grader similarity`` end to end on a small folder, and ``grader batch --similarity`` on the toy class."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

import grader.batch.runner as runner_module
from grader.cli.app import app
from grader.cli.exit_codes import ExitCode
from tests.batch.helpers import FAKE_FUNCTION, TOY_ROOT, toy_class
from tests.similarity.synth import HONEST, REFERENCE, REFERENCE_RENAMES, rename, submission, write

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")


def test_similarity_command_on_a_folder_of_folders_zips_and_a_broken_zip(tmp_path) -> None:
    subs = tmp_path / "subs"
    write(subs / "alice", submission(REFERENCE))
    copy = write(tmp_path / "staging" / "bob", submission(rename(REFERENCE, REFERENCE_RENAMES)))
    shutil.make_archive(str(subs / "bob"), "zip", copy)
    write(subs / "dave", submission(HONEST))
    (subs / "eve.zip").write_bytes(b"PK\x03\x04 not really a zip")
    out = tmp_path / "pages"
    result = runner.invoke(app, ["similarity", str(subs), "-a", "nyu-dl-hw1", "-o", str(out), "--threshold", "0.6"])
    assert result.exit_code == ExitCode.OK, result.output
    text = " ".join(result.output.split())
    assert "4 students, 4 distinct, 1 pair(s) at or above 60%" in text
    assert "not compared: eve: not readable" in text
    assert f"pages (TA only): {out / 'index.html'}" in text
    data = json.loads((out / "similarity.json").read_text())
    assert data["threshold"] == 0.6
    assert (data["pairs"][0]["a"], data["pairs"][0]["b"]) == ("alice", "bob") and data["pairs"][0]["score"] > 0.9
    assert data["unreadable"][0][0] == "eve"
    assert (out / data["pairs"][0]["page"]).is_file()


@pytest.mark.parametrize("args, message", [
    (["-a", "no-such-hw"], "no assignment 'no-such-hw'"),
    (["-a", "nyu-dl-hw1", "-o", "{subs}/pages"], "not inside"),
    (["-a", "nyu-dl-hw1", "--threshold", "2"], "--threshold"),
])
def test_usage_errors_exit_3_with_the_next_step(tmp_path, args: list[str], message: str) -> None:
    subs = tmp_path / "subs"
    write(subs / "alice", submission(REFERENCE))
    argv = ["similarity", str(subs), *[a.format(subs=subs) for a in args]]
    if "-o" not in args:
        argv += ["-o", str(tmp_path / "pages")]
    result = runner.invoke(app, argv)
    assert result.exit_code in (ExitCode.USAGE_ERROR, 2), result.output  # 2: typer's own range check
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "pages").exists()


def test_batch_with_similarity_links_the_pages_from_the_summary_and_keeps_them_from_students(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_HOME", str(TOY_ROOT))
    monkeypatch.setenv("FAKE_GRADE_STATE", str(tmp_path))
    real = runner_module.make_executor

    def make(name, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["function"] = FAKE_FUNCTION
        return real(name, **kwargs)

    monkeypatch.setattr(runner_module, "make_executor", make)
    subs = tmp_path / "subs"
    toy_class(subs, 4, distinct=False)  # t00 and t04 would be twins; 4 kinds: t00..t03 differ
    shutil.copytree(subs / "t00", subs / "t04")
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(subs), "-a", "toy", "-o", str(out), "-j", "1", "--similarity"])
    assert result.exit_code == ExitCode.OK, result.output
    assert "pages (TA only)" in result.output
    summary = (out / "summary.html").read_text()
    assert 'href="similarity/index.html"' in summary and "TA only" in summary
    index = (out / "similarity" / "index.html").read_text()
    assert "t00, t04 <span" in index and "result copied from t00" in index
    for path in (out / "students").rglob("*"):
        if path.is_file():
            assert "similarity" not in path.read_text(errors="replace").lower(), f"{path} mentions similarity"
    # a later re-render (here: the batch run again, nothing to grade) keeps the link
    again = runner.invoke(app, ["batch", str(subs), "-a", "toy", "-o", str(out), "-j", "1"])
    assert again.exit_code == ExitCode.OK, again.output
    assert 'href="similarity/index.html"' in (out / "summary.html").read_text()
    # the stand-alone command on the batch output writes to the same place and links it too
    (out / "similarity" / "index.html").unlink()
    (out / "summary.html").write_text("stale")
    alone = runner.invoke(app, ["similarity", str(out), "-a", "toy"])
    assert alone.exit_code == ExitCode.OK, alone.output
    assert (out / "similarity" / "index.html").is_file()
    assert 'href="similarity/index.html"' in (out / "summary.html").read_text()


def test_similarity_may_not_write_into_a_batchs_student_folders(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRADER_HOME", str(TOY_ROOT))
    out = tmp_path / "out"
    subs = tmp_path / "subs"
    toy_class(subs, 2)
    (out / "students" / "t00").mkdir(parents=True)
    (out / "batch.json").write_text(json.dumps({"assignment": "toy", "submissions_dir": str(subs), "layout": "plain",
                                                "created_at": "2026-01-01T00:00:00Z"}))
    result = runner.invoke(app, ["similarity", str(out), "-a", "toy", "-o", str(out / "students" / "t00")])
    assert result.exit_code == ExitCode.USAGE_ERROR, result.output
    assert "students' own outputs" in " ".join(result.output.split())
    assert list((out / "students" / "t00").iterdir()) == []
