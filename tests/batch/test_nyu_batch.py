"""A class of 200 nyu-dl-hw1 submissions, graded by ``grader batch`` with real sandboxed grading.

What keeps this inside the CI budget (about 9 s of two CPUs per nyu-dl-hw1 grading): the class
is made of copies of 14 kinds (``nyu_mix.TEST_KINDS``: reference, template, 7 wrong variants,
5 hostile ones), and byte-identical copies are graded once (``--dedupe``, the default), so the
batch runs 14 real gradings for 200 students. Every student's score is still checked against
what their kind must score. All 29 kinds, and 200 *distinct* submissions, are graded by
``bench/bench_batch.py``.

The kill test builds the same class again, SIGKILLs ``grader batch`` at a random point,
resumes it, and compares every export byte for byte with the uninterrupted run above.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch.helpers import describe, descendants, wait_gone
from tests.batch.nyu_mix import TEST_KINDS, build_class, check_result
from tests.batch.test_outputs import CHROMIUM, dump_and_screenshot

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
STUDENTS = 200
#: where the summary's screenshot is kept (default: the test's temporary folder)
ARTIFACTS = os.environ.get("GRADER_TEST_ARTIFACTS")


def _batch(subs: Path, out: Path, *extra: str, wait: bool = True):  # type: ignore[no-untyped-def]
    argv = [sys.executable, "-m", "grader.cli.batch", "batch", str(subs), "-a", "nyu-dl-hw1", "-o", str(out),
            *extra]
    env = {**os.environ, "COLUMNS": "160"}
    env.pop("GRADER_HOME", None)
    if not wait:
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=1500)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("nyu-class")
    expected = build_class(base / "subs", STUDENTS, only_kinds=TEST_KINDS)
    start = time.monotonic()
    proc = _batch(base / "subs", base / "out")
    return base / "out", expected, proc, time.monotonic() - start


def test_every_student_gets_the_score_of_their_kind(graded_class):
    out, expected, proc, seconds = graded_class
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    kinds = len(TEST_KINDS)
    assert f"{STUDENTS} students; {kinds} to grade, {STUDENTS - kinds} identical copies" in proc.stdout
    problems = []
    for student, what in expected.items():
        result = json.loads((out / "students" / student / "result.json").read_text())
        problems += check_result(student, what, result)
    assert not problems, "\n".join(problems[:40])
    book = (out / "gradebook.csv").read_text().splitlines()
    assert len(book) == STUDENTS + 1
    print(f"\n{STUDENTS} nyu-dl-hw1 submissions ({kinds} distinct) graded in {seconds:.0f} s")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs headless chromium (scripts/setup.sh --for-tests installs it)")
def test_the_class_summary_shows_the_expected_numbers_in_chromium(graded_class, tmp_path):
    out, expected, proc, _ = graded_class
    assert proc.returncode == 0
    not_gradable = sum(1 for e in expected.values() if e.outcome == "not_gradable")
    folder = Path(ARTIFACTS) if ARTIFACTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    dom, shot = dump_and_screenshot(out / "summary.html", folder / "nyu-summary-phone.png", height=6000)
    assert f'id="n-students">{STUDENTS}<' in dom
    assert f'id="n-not-gradable">{not_gradable}<' in dom and 'id="n-grader-error">0<' in dom
    assert f'id="n-graded">{STUDENTS - not_gradable}<' in dom
    # over graded submissions: one that could not be graded has no score, not a zero
    scores = [sum(i["points"] for i in json.loads((out / "students" / s / "result.json").read_text())["items"])
              for s, what in expected.items() if what.outcome == "graded"]
    mean = f"{round(sum(scores) / len(scores), 2):g} / 20"
    assert mean in dom, f"the mean {mean} is not on the page"
    assert "backprop.backward_sigmoid" in dom and "hostile" not in dom
    failing = dom.split('id="failing"')[1].split("</table>")[0]
    for student, what in expected.items():
        assert (f">{student}<" in failing) == (what.outcome == "not_gradable"), student
    assert dom.count("data:image/png;base64,") == 3
    assert shot.stat().st_size > 50_000


def test_sigkill_at_a_random_point_then_resume_equals_an_uninterrupted_run(graded_class, tmp_path):
    whole, _, proc, _ = graded_class
    assert proc.returncode == 0
    subs = tmp_path / "subs"
    build_class(subs, STUDENTS, only_kinds=TEST_KINDS)  # the same bytes as the graded class
    seed = random.randrange(1_000_000)
    target = random.Random(seed).randint(1, STUDENTS - 20)
    out = tmp_path / "killed"
    proc = _batch(subs, out, wait=False)
    family: set[int] = set()
    deadline = time.monotonic() + 900
    while proc.poll() is None and time.monotonic() < deadline:
        family |= descendants(proc.pid)
        if len(list((out / "journal").glob("*.json"))) >= target:
            break
        time.sleep(0.05)
    family |= descendants(proc.pid)
    proc.kill()
    proc.wait()
    done = len(list((out / "journal").glob("*.json")))
    assert done < STUDENTS, f"seed {seed}: finished before the kill"
    survivors = wait_gone(family, timeout=30)
    assert not survivors, f"seed {seed}: processes survived the kill:\n{describe(survivors)}"
    resumed = _batch(subs, out)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert f"{done} already done" in resumed.stdout
    for name in ("gradebook.csv", "canvas.csv", "gradescope.csv"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), f"seed {seed}: {name} differs"
    shutil.rmtree(subs)
