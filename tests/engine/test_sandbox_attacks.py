"""Hostile submissions against the toy rubric: each is contained and ends as a clear message.

The bwrap backend must contain all of them. The rlimit backend cannot stop network
or file-system access: those cases are asserted as known holes there, so a change in
either direction shows up.
"""

from __future__ import annotations

import os
import time

import pytest

from grader.results.models import ItemStatus, Outcome
from tests.engine.conftest import GOOD_CALC, TOY_ROOT, item

HIDDEN_TEST = TOY_ROOT / "rubrics" / "toy" / "tests" / "test_toy.py"
SECRET = "SECRET-MARKER-7f3a"


def calc_with(add_body: str, prelude: str = "") -> str:
    return f"{prelude}\n\ndef add(a, b):\n{add_body}\n\n\ndef scale(t, k):\n    return t * k\n"


def messages(result, item_id="1.1") -> str:  # type: ignore[no-untyped-def]
    return "\n".join(item(result, item_id).messages)


def test_reference_like_submission_scores_all_automatic_points(grade_files):
    result = grade_files({"calc.py": GOOD_CALC, "answers.md": "because"})
    assert result.outcome is Outcome.GRADED
    assert [i.points for i in result.items] == [2, 2, 1, 0]
    assert item(result, "1.4").status is ItemStatus.MANUAL


NETWORK = calc_with("""    import socket
    s = socket.socket()
    s.settimeout(2)
    s.connect(("1.1.1.1", 53))
    return a + b""")

READ_HIDDEN_TEST = calc_with(f"""    return open({str(HIDDEN_TEST)!r}).read()""")

PROC_SNOOP = calc_with(f"""    import os
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            for leaf in ("cwd", "root"):
                try:
                    found += os.listdir(f"/proc/{{pid}}/{{leaf}}")
                except OSError:
                    pass
    return found""")


@pytest.mark.parametrize("backend", ["bwrap", "rlimit"])
def test_network_is_unreachable(grade_files, backend):
    result = grade_files({"calc.py": NETWORK}, backend=backend)
    text = messages(result)
    if backend == "bwrap":
        assert item(result, "1.1").points == 0
        assert "Network is unreachable" in text or "OSError" in text, text
    else:  # known hole: rlimit has no network namespace (this machine has no route out, so it fails anyway)
        assert any("no network isolation" in w for w in result.sandbox_warnings)


@pytest.mark.parametrize("backend", ["bwrap", "rlimit"])
def test_hidden_tests_cannot_be_read_from_the_worker(grade_files, backend):
    result = grade_files({"calc.py": READ_HIDDEN_TEST}, backend=backend)
    text = messages(result)
    if backend == "bwrap":
        assert "FileNotFoundError" in text and SECRET not in text, text
    else:  # known hole, asserted so that a change shows: rlimit cannot hide files
        assert any("no file-system isolation" in w for w in result.sandbox_warnings)


def test_the_worker_sees_no_grader_process_files(grade_files):
    result = grade_files({"calc.py": PROC_SNOOP})
    assert SECRET not in messages(result)
    assert "test_toy.py" not in messages(result) and "rubric.yaml" not in messages(result)


def test_etc_shadow_and_writes_outside_the_workspace_fail(grade_files, tmp_path):
    outside = tmp_path / "planted.txt"
    result = grade_files({"calc.py": calc_with(f"""    try:
        open({str(outside)!r}, "w").write("x")
    except OSError as e:
        raise RuntimeError("write refused: " + type(e).__name__)
    return open("/etc/shadow").read()""")})
    assert not outside.exists()
    assert "write refused" in messages(result)


def test_infinite_loop_is_stopped_at_the_call_limit_and_grading_goes_on(grade_files):
    start = time.monotonic()
    result = grade_files({"calc.py": calc_with("    while True:\n        pass")})
    text = messages(result)
    assert "did not finish within 8 s" in text, text
    assert item(result, "1.2").points == 2, "the next item gets a fresh worker"
    assert time.monotonic() - start < 45


def test_memory_bomb_is_stopped_with_the_limit_named(grade_files):
    result = grade_files({"calc.py": calc_with("    x = bytearray(8 * 2**30)\n    return a + b")})
    assert "MemoryError" in messages(result)
    assert item(result, "1.2").points == 2


def test_slow_memory_growth_is_stopped_too(grade_files):
    result = grade_files({"calc.py": calc_with("    hog = []\n    while True:\n        hog.append(bytearray(50 * 2**20))")})
    assert "MemoryError" in messages(result)


def test_fork_bomb_is_contained(grade_files):
    result = grade_files({"calc.py": calc_with("""    import os
    pids = 0
    while True:
        try:
            if os.fork() == 0:
                import time
                time.sleep(60)
                os._exit(0)
            pids += 1
        except OSError as e:
            raise RuntimeError(f"fork refused after {pids} children: {e}")""")})
    assert "fork refused after" in messages(result)
    assert item(result, "1.2").points == 2


def test_early_sys_exit_at_import_is_reported(grade_files):
    result = grade_files({"calc.py": "import sys\nsys.exit(3)\n" + GOOD_CALC})
    assert "sys.exit(3)" in messages(result)
    assert result.outcome is Outcome.GRADED and result.score == 0


def test_os_exit_kills_the_worker_and_the_next_item_restarts_it(grade_files):
    result = grade_files({"calc.py": calc_with("    import os\n    os._exit(7)")})
    assert "exited early with status 7" in messages(result)
    assert item(result, "1.2").points == 2
    assert any("stopped" in w for w in result.warnings)


def test_output_flood_is_capped(grade_files):
    result = grade_files({"calc.py": calc_with("    print('x' * 10_000_000)\n    return a + b")})
    one = item(result, "1.1")
    assert one.points == 2
    assert len(one.output) <= 20_000 and "dropped" in one.output


def test_a_daemon_left_behind_dies_with_the_worker(grade_files, tmp_path):
    marker = f"grader-daemon-{os.getpid()}"
    result = grade_files({"calc.py": calc_with(f"""    import os, subprocess
    subprocess.Popen(["/bin/sh", "-c", "exec -a {marker} sleep 300"], start_new_session=True)
    return a + b""")})
    assert item(result, "1.1").points == 2
    time.sleep(0.5)
    leftovers = [p for p in os.listdir("/proc") if p.isdigit() and _cmdline(p).startswith(marker)]
    assert leftovers == []


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_environment_is_scrubbed(grade_files, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "do-not-leak")
    result = grade_files({"calc.py": calc_with("    import os\n    return dict(os.environ)")})
    assert "do-not-leak" not in messages(result)
