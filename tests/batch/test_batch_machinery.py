"""The batch machinery (plan, journal, resume, regrade, dedupe, failures, SIGKILL, Ctrl-C), at a fast pace.

Grading here is ``helpers.fake_grade``: the real pipeline without its sandboxed hidden tests,
so each submission takes well under a second. ``test_batch_toy.py`` repeats the important
paths with real grading.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.batch import (
    BatchOptions,
    BatchUsageError,
    JournalBusy,
    default_jobs,
    run_batch,
)
from grader.batch.journal import Journal, Manifest, now
from grader.sandbox import Limits
from tests.batch.helpers import (
    FAKE_FUNCTION,
    GOOD,
    TOY_ROOT,
    descendants,
    gradebook,
    toy_class,
    wait_gone,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fake_state(tmp_path, monkeypatch):
    state = tmp_path / "fake-state"
    state.mkdir()
    monkeypatch.setenv("FAKE_GRADE_STATE", str(state))
    return state


def batch(subs: Path, out: Path, *, root: Path = TOY_ROOT, **options):
    options.setdefault("jobs", 2)
    return run_batch(subs, assignment="toy", out_dir=out, root=root,
                     options=BatchOptions(function=FAKE_FUNCTION, **options))


def records(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((out / "journal").glob("*.json"))}


def test_a_batch_grades_everyone_and_a_rerun_skips_them_all(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    expected = toy_class(subs, 6)
    events = []
    first = run_batch(subs, assignment="toy", out_dir=out, root=TOY_ROOT,
                      options=BatchOptions(function=FAKE_FUNCTION, jobs=2), on_event=events.append)
    assert (first.graded, first.skipped, first.copied) == (6, 0, 0)
    assert sorted(records(out)) == sorted(expected)
    kinds = [e.kind for e in events]
    assert kinds[0] == "planned" and kinds.count("started") == 6 and kinds.count("finished") == 6
    assert kinds[-1] == "exporting"
    assert [e.done for e in events if e.kind == "finished"] == [1, 2, 3, 4, 5, 6]
    for student in expected:
        folder = out / "students" / student
        assert {"report.html", "report-instructor.html", "results.json", "result.json"} <= {
            p.name for p in folder.iterdir()}
    book = (out / "gradebook.csv").read_bytes()
    second = batch(subs, out)
    assert (second.graded, second.skipped) == (0, 6)
    assert (out / "gradebook.csv").read_bytes() == book


def test_a_changed_submission_is_regraded_alone(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    toy_class(subs, 4)
    batch(subs, out)
    before = records(out)
    (subs / "t02" / "calc.py").write_text(GOOD + "\n# a second try\n")
    report = batch(subs, out)
    after = records(out)
    assert (report.graded, report.skipped) == (1, 3)
    assert after["t02"]["submission_sha256"] != before["t02"]["submission_sha256"]
    assert {k: v for k, v in after.items() if k != "t02"} == {k: v for k, v in before.items() if k != "t02"}
    assert len(after["t02"]["history"]) == 2


def test_only_regrades_one_item_for_everyone_and_keeps_the_others(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    toy_class(subs, 4)
    batch(subs, out)
    before = records(out)
    report = batch(subs, out, only=("1.3",))
    after = records(out)
    assert (report.graded, report.skipped) == (4, 0)
    for key in before:
        assert after[key]["history"][-1].endswith("regraded items 1.3")
        old = {i["id"]: i for i in before[key]["result"]["items"]}
        new = {i["id"]: i for i in after[key]["result"]["items"]}
        assert new["1.1"] == old["1.1"]  # kept as it was: fake points and all
        # 1.3 pays only if 1.1 earned points: the regraded constraint sees the kept 1.1
        if old["1.1"]["points"] == 0:
            assert new["1.3"]["points"] == 0 and "No points yet" in new["1.3"]["messages"][-1]
        else:
            assert new["1.3"]["points"] == old["1.3"]["points"]


def test_student_regrades_that_student_only(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    toy_class(subs, 4)
    batch(subs, out)
    report = batch(subs, out, students=("t01",))
    assert (report.graded, report.skipped) == (1, 3)
    assert records(out)["t01"]["history"][-1].endswith(" graded")


def test_unknown_items_students_and_other_assignments_are_refused_with_the_known_names(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    toy_class(subs, 2)
    with pytest.raises(BatchUsageError, match=r"items: 1\.1, 1\.2, 1\.3, 1\.4"):
        batch(subs, out, only=("9.9",))
    with pytest.raises(BatchUsageError, match="did you mean t01"):
        batch(subs, out, students=("t011",))
    out.mkdir(exist_ok=True)
    Journal(out).write_manifest(Manifest(assignment="hw9", submissions_dir=str(subs), layout="plain",
                                         created_at=now()))
    with pytest.raises(BatchUsageError, match="holds a batch of 'hw9'"):
        batch(subs, out)


def test_a_second_process_on_the_same_output_folder_is_refused(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    toy_class(subs, 1)
    out.mkdir()
    with Journal(out), pytest.raises(JournalBusy, match="another grader process"):
        batch(subs, out)


def _copy_toy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(TOY_ROOT, root)
    return root


def test_a_rubric_change_regrades_the_changed_item_only_or_everything(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    root = _copy_toy(tmp_path)
    toy_class(subs, 3)
    batch(subs, out, root=root)
    rubric = root / "rubrics" / "toy" / "rubric.yaml"
    text = rubric.read_text()
    rubric.write_text(text.replace("forbid_imports: [numpy]", "forbid_imports: [numpy, scipy]"))
    report = batch(subs, out, root=root)
    assert report.graded == 3
    assert all(r["history"][-1].endswith("regraded items 1.3") for r in records(out).values())
    assert batch(subs, out, root=root).graded == 0
    rubric.write_text(rubric.read_text().replace("call_s: 8", "call_s: 9"))  # limits: global
    report = batch(subs, out, root=root)
    assert report.graded == 3
    assert all(r["history"][-1].endswith(" graded") for r in records(out).values())
    tests = root / "rubrics" / "toy" / "tests" / "test_toy.py"
    tests.write_text(tests.read_text().replace('"add(2, 3) should be 5"', '"add(2, 3) must be 5"'))
    batch(subs, out, root=root)
    assert all(r["history"][-1].endswith("regraded items 1.1, 1.2") for r in records(out).values())


def test_identical_submissions_are_graded_once_and_flagged_in_the_gradebook(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    toy_class(subs, 6, distinct=False, answers=False)  # t00 == t04, t01 == t05
    report = batch(subs, out)
    assert (report.graded, report.copied) == (4, 2)
    data = records(out)
    assert data["t04"]["timing"]["reused_from"] == "t00"
    assert data["t04"]["result"]["items"] == data["t00"]["result"]["items"]
    book = gradebook(out)
    assert "identical:t04" in book["t00"]["flags"] and "identical:t00" in book["t04"]["flags"]
    # a new student with a known submission is copied from the journal, not graded
    shutil.copytree(subs / "t01", subs / "t06")
    report = batch(subs, out)
    assert (report.graded, report.copied, report.skipped) == (0, 1, 6)
    assert records(out)["t06"]["timing"]["reused_from"] in ("t01", "t05")
    nodedupe = batch(subs, tmp_path / "out2", dedupe=False)
    assert (nodedupe.graded, nodedupe.copied) == (7, 0)
    assert gradebook(tmp_path / "out2") == gradebook(out)


def test_a_grader_failure_is_recorded_flagged_and_retried_only_on_request(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    toy_class(subs, 3)
    (subs / "t01" / "calc.py").write_text(GOOD + "# BOOM\n")
    report = batch(subs, out)
    assert report.grader_errors == 1
    book = gradebook(out)
    assert book["t01"]["status"] == "grader_error" and "regrade" in book["t01"]["flags"]
    instructor = (out / "students" / "t01" / "report-instructor.html").read_text()
    assert "BOOM" in instructor and "BOOM" not in (out / "students" / "t01" / "report.html").read_text()
    assert batch(subs, out).graded == 0  # kept: the journal is the truth until asked
    (subs / "t01" / "calc.py").write_text(GOOD + "# fixed the grader, same bytes\n")
    assert batch(subs, out).graded == 1  # the submission changed: regraded anyway


def test_retry_errors_regrades_grader_errors(tmp_path, fake_state):
    subs, out = tmp_path / "subs", tmp_path / "out"
    toy_class(subs, 2)
    (subs / "t00" / "calc.py").write_text(GOOD + "# DIE always\n")
    report = batch(subs, out)
    assert report.grader_errors == 1
    detail = records(out)["t00"]["result"]["items"][0]["instructor_detail"]
    assert "batch worker process died (exit status 7)" in detail
    assert batch(subs, out).graded == 0
    assert batch(subs, out, retry_errors=True).graded == 1


def test_a_worker_that_dies_once_is_replaced_and_its_submission_retried(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    toy_class(subs, 4)
    (subs / "t00" / "calc.py").write_text(GOOD + "# DIE-ONCE\n")
    report = batch(subs, out)
    assert report.grader_errors == 0 and report.graded == 4
    assert gradebook(out)["t00"]["status"] == "graded"


def test_pool_workers_run_their_own_torch_on_one_thread():
    """Each worker is one slot: its trusted-side torch must not spin a thread per core on the
    cores the sandboxes compute on (the sandboxes' threads come from the rubric's limits)."""
    from grader.batch.executors import LocalPool

    pool = LocalPool(2, function="tests.batch.helpers:trusted_side_threads")
    pool.start()
    answers: list[dict] = []
    try:
        for key in ("a", "b"):
            pool.submit({"key": key})
        deadline = time.monotonic() + 120
        while len(answers) < 2 and time.monotonic() < deadline:
            answers += pool.poll(1.0)
    finally:
        pool.close()
    assert sorted(a["key"] for a in answers) == ["a", "b"]
    for answer in answers:
        assert answer["torch_threads"] == 1, answer
        assert answer["env"] == {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}, answer


def test_default_jobs_follow_cores_and_the_rubric_memory_limit():
    jobs, reason = default_jobs(Limits(memory_mb=4096))
    assert 1 <= jobs <= (os.cpu_count() or 1)
    assert "4096 MiB (the rubric's limit)" in reason
    huge, _ = default_jobs(Limits(memory_mb=10**9))
    assert huge == 1


# -- killed and interrupted -------------------------------------------------------------

_DRIVER = """
import sys
from pathlib import Path
from grader.batch import BatchOptions, run_batch
from tests.batch.helpers import FAKE_FUNCTION, TOY_ROOT

if __name__ == "__main__":
    run_batch(Path(sys.argv[1]), assignment="toy", out_dir=Path(sys.argv[2]), root=TOY_ROOT,
              options=BatchOptions(jobs=2, function=FAKE_FUNCTION))
"""


def _start_driver(tmp_path: Path, subs: Path, out: Path) -> subprocess.Popen:
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(driver), str(subs), str(out)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_for_records(out: Path, count: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list((out / "journal").glob("*.json"))) >= count:
            return
        if proc.poll() is not None:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count} records after {timeout} s")


@pytest.mark.slow
def test_sigkill_at_random_points_then_resume_gives_the_uninterrupted_gradebook(tmp_path):
    subs = tmp_path / "subs"
    toy_class(subs, 10)
    whole = tmp_path / "whole"
    batch(subs, whole)
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    out = tmp_path / "killed"
    kills = 0
    for _ in range(3):
        done = len(list((out / "journal").glob("*.json"))) if out.exists() else 0
        if done >= 10:
            break  # an earlier run finished the class: nothing left to interrupt
        proc = _start_driver(tmp_path, subs, out)
        _wait_for_records(out, rng.randint(done, 9), proc)
        time.sleep(rng.uniform(0, 0.6))
        family = descendants(proc.pid)
        if proc.poll() is None:
            proc.kill()  # SIGKILL: no handler runs
            kills += 1
        proc.wait()
        left = wait_gone(family)
        assert not left, f"seed {seed}: processes of the killed batch still run: {left}"
    assert kills >= 1, f"seed {seed}: the batch finished before any kill"
    report = batch(subs, out)
    assert report.graded + report.skipped == 10
    assert not list((out / "journal").glob(".tmp-*"))
    assert sorted(records(out)) == sorted(records(whole))
    for name in ("gradebook.csv", "canvas.csv", "gradescope.csv"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), f"seed {seed}: {name} differs"


@pytest.mark.slow
def test_ctrl_c_finishes_the_running_submissions_and_a_second_stops_them(tmp_path):
    subs = tmp_path / "subs"
    toy_class(subs, 10)
    out = tmp_path / "out"
    proc = _start_driver(tmp_path, subs, out)
    _wait_for_records(out, 1, proc)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output.decode()[-2000:]
    done = len(records(out))
    assert 1 <= done < 10
    assert (out / "gradebook.csv").is_file()  # exports written from what is done
    assert len(gradebook(out)) == done

    out2 = tmp_path / "out2"
    proc = _start_driver(tmp_path, subs, out2)
    _wait_for_records(out2, 1, proc)
    family = descendants(proc.pid)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert not wait_gone(family)
    assert len(records(out2)) < 10
    report = batch(subs, out2)
    assert len(records(out2)) == 10 and report.graded >= 1
    assert gradebook(out2).keys() == gradebook(out).keys() | gradebook(out2).keys()


def test_a_gradescope_export_keeps_names_emails_and_submission_ids_in_the_csvs(tmp_path):
    subs, out = tmp_path / "gs", tmp_path / "out"
    subs.mkdir()
    meta = []
    for n, (sid, name) in enumerate((("N1", "Ann Lee"), ("N2", "Bob Roe"))):
        folder = subs / f"submission_{900 + n}"
        folder.mkdir()
        (folder / "calc.py").write_text(GOOD + f"# {sid}\n")
        meta.append(f"submission_{900 + n}:\n  :submitters:\n  - :name: {name}\n    :sid: '{sid}'\n"
                    f"    :email: {sid.lower()}@uni.edu\n")
    (subs / "submission_metadata.yml").write_text("".join(meta))
    report = batch(subs, out)
    assert report.layout == "gradescope" and report.graded == 2
    book = gradebook(out)
    assert (book["N1"]["name"], book["N1"]["email"]) == ("Ann Lee", "n1@uni.edu")
    rows = (out / "gradescope.csv").read_text().splitlines()
    assert rows[1].startswith("Ann Lee,N1,n1@uni.edu,") and ",submission_900," in rows[1]
    assert records(out)["N1"]["result"]["submission"] == "submission_900"
