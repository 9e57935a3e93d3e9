"""The docker backend itself: what a container gives the worker, its limits, and that it is removed.

Every test needs a Docker engine (``docker_engine`` in conftest.py starts one when it may,
else skips saying why). Each test runs one short container (about a second each).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.sandbox import Limits, SandboxSpec, choose_backend, run_command, spawn
from grader.sandbox.docker import LABEL, DockerBackend, docker_cli, leftover_containers

pytestmark = pytest.mark.usefixtures("docker_engine")

PROBE = r"""
import os, socket
print("uid", os.getuid())
print("root", sorted(os.listdir("/")))
for path in ("/usr/evil", "/evil", "/workspace/ok.txt", "/tmp/ok.txt"):
    try:
        open(path, "w").write("x"); print("wrote", path)
    except OSError as exc:
        print("refused", path, exc.errno)
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2); print("net open")
except OSError as exc:
    print("net refused", exc.errno)
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print("unshare", libc.unshare(0x00020000), ctypes.get_errno())
print("ptrace", libc.ptrace(0, 0, 0, 0), ctypes.get_errno())
print("caps", [l for l in open("/proc/self/status") if l.startswith("CapEff")][0].split()[1])
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("project visible", os.path.exists(PROJECT + "/rubrics"), os.path.exists(PROJECT + "/reference"))
"""


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    ws.chmod(0o777)
    return ws


def test_the_container_isolates_the_worker(tmp_path):
    project = str(Path(__file__).resolve().parents[2])
    result = run_command([sys.executable, "-c", f"PROJECT = {project!r}\n" + PROBE], workspace=_workspace(tmp_path),
                         backend="docker")
    out = result.output
    assert result.returncode == 0, out
    assert "uid 0" not in out
    assert "refused /usr/evil" in out and "refused /evil" in out, out  # read-only root and /usr
    assert "wrote /workspace/ok.txt" in out and "wrote /tmp/ok.txt" in out, out
    assert "net refused" in out, out  # --network none
    assert "unshare -1 1" in out and "ptrace -1 1" in out, out  # EPERM from the grader's seccomp deny-list
    assert "caps 0000000000000000" in out, out
    assert "project visible False False" in out, out  # only the Python installation is bound, never the project
    pids = eval(out.split("pids ")[1].splitlines()[0])  # noqa: S307 - our own probe's list of ints
    assert max(pids) < 20, f"the host's processes are visible: {pids}"


def test_memory_processes_and_tmp_are_capped(tmp_path):
    limits = Limits(memory_mb=256, processes=16, disk_mb=16, wall_s=60)
    code = ("import os\n"
            "try:\n  open('/tmp/big','wb').write(b'x' * (32 << 20)); print('tmp unlimited')\n"
            "except OSError as e: print('tmp full', e.errno)\n"
            "n = 0\n"
            "try:\n  [os.fork() or os._exit(0) for _ in range(40)]\n"
            "except OSError as e: print('fork refused', e.errno)\n"
            "x = bytearray(512 << 20); print('memory unlimited')\n")
    result = run_command([sys.executable, "-c", code], workspace=_workspace(tmp_path), backend="docker",
                         limits=limits)
    assert "tmp full 28" in result.output, result.output  # ENOSPC on the capped tmpfs
    assert "fork refused 11" in result.output, result.output  # EAGAIN past --pids-limit
    assert "memory unlimited" not in result.output, result.output
    assert result.returncode != 0


def test_a_timed_out_container_is_removed(tmp_path):
    limits = Limits(wall_s=2)
    start = time.monotonic()
    result = run_command([sys.executable, "-c", "import time; time.sleep(600)"], workspace=_workspace(tmp_path),
                         backend="docker", limits=limits)
    assert result.timed_out
    assert time.monotonic() - start < 30
    _assert_no_container_left()


def test_a_killed_worker_takes_its_container_with_it(tmp_path):
    backend = choose_backend("docker")
    worker = spawn(backend, SandboxSpec(workspace=_workspace(tmp_path)))
    try:
        time.sleep(1.0)
        assert worker.alive()
    finally:
        worker.close()
    _assert_no_container_left()


def test_the_backend_is_chosen_only_by_name():
    assert choose_backend().name != "docker"
    assert choose_backend("docker").name == "docker"
    assert isinstance(choose_backend("docker"), DockerBackend)


def test_an_image_that_is_missing_is_named(monkeypatch):
    from grader.sandbox.docker import engine_problem

    problem = engine_problem("dl-grader-no-such-image:0")
    assert problem and "dl-grader-no-such-image:0" in problem and "docker/build.sh" in problem


def _assert_no_container_left(within_s: float = 20) -> None:
    deadline = time.monotonic() + within_s
    while leftover_containers_of_ours() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not leftover_containers_of_ours(), leftover_containers()


def leftover_containers_of_ours() -> list[str]:
    import os

    listed = subprocess.run([docker_cli(), "ps", "--all", "--filter", f"label={LABEL}={os.getpid()}",
                             "--format", "{{.Names}}"], capture_output=True, text=True, check=False)
    return listed.stdout.split()
