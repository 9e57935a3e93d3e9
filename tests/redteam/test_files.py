"""Reading and deleting what a worker wrote: every trick a worker can plant, on the trusted side.

The files are planted by a real confined process (``run_command``) where it matters, so
the test sees what a worker can actually make, not what we imagine it can.
"""

from __future__ import annotations

import os
import stat
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.sandbox import Limits, UnsafeWorkerFile, WorkerWorkspace, read_worker_file, remove_tree, run_command

SECRET = "host-secret-in-a-file"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET)
    return folder


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    (folder / "results").mkdir()
    (folder / "results" / "ok.txt").write_text("fine")
    return folder


def test_a_plain_file_is_read(workspace):
    assert read_worker_file(workspace, "results/ok.txt", 100) == b"fine"
    assert read_worker_file(workspace, "./results//ok.txt", 100) == b"fine"


@pytest.mark.parametrize("name, message", [
    ("/etc/passwd", "not an absolute one"),
    ("../outside/secret.txt", "must name a file inside the workspace"),
    ("results/../../outside/secret.txt", "must name a file inside the workspace"),
    ("", "must name a file inside the workspace"),
    ("results/\0ok.txt", "NUL byte"),
])
def test_names_that_leave_the_workspace_are_refused(workspace, name, message):
    with pytest.raises(UnsafeWorkerFile, match=message):
        read_worker_file(workspace, name, 100)


def test_a_symlinked_file_is_refused(workspace, outside):
    (workspace / "results" / "plot.png").symlink_to(outside / "secret.txt")
    with pytest.raises(UnsafeWorkerFile, match="results/plot.png is a symbolic link"):
        read_worker_file(workspace, "results/plot.png", 100)


def test_a_symlinked_folder_anywhere_on_the_path_is_refused(workspace, outside):
    (workspace / "deep").mkdir()
    (workspace / "deep" / "link").symlink_to(outside)
    with pytest.raises(UnsafeWorkerFile, match="deep/link is a symbolic link"):
        read_worker_file(workspace, "deep/link/secret.txt", 100)


def test_a_relative_symlink_climbing_out_is_refused(workspace, outside):
    (workspace / "up").symlink_to("../outside")
    with pytest.raises(UnsafeWorkerFile, match="symbolic link"):
        read_worker_file(workspace, "up/secret.txt", 100)


def test_the_workspace_itself_swapped_for_a_link_is_refused(tmp_path, outside):
    link = tmp_path / "swapped"
    link.symlink_to(outside)
    with pytest.raises(UnsafeWorkerFile, match="the workspace itself was replaced"):
        read_worker_file(link, "secret.txt", 100)


def test_hard_links_fifos_sockets_and_folders_are_refused(workspace, outside):
    os.link(workspace / "results" / "ok.txt", workspace / "results" / "twin.txt")
    os.mkfifo(workspace / "results" / "fifo")
    with pytest.raises(UnsafeWorkerFile, match="has 2 hard links"):
        read_worker_file(workspace, "results/twin.txt", 100)
    start = time.monotonic()
    with pytest.raises(UnsafeWorkerFile, match=r"not a regular file \(a FIFO\)"):
        read_worker_file(workspace, "results/fifo", 100)
    assert time.monotonic() - start < 5, "opening a FIFO must not block"
    with pytest.raises(UnsafeWorkerFile, match=r"not a regular file \(a folder\)"):
        read_worker_file(workspace, "results", 100)
    import socket

    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(workspace / "results" / "sock"))
    try:
        with pytest.raises(UnsafeWorkerFile, match="socket"):
            read_worker_file(workspace, "results/sock", 100)
    finally:
        sock.close()


def test_size_is_capped_and_missing_files_are_named(workspace):
    (workspace / "results" / "big.bin").write_bytes(b"x" * 1000)
    with pytest.raises(UnsafeWorkerFile, match="holds 1000 bytes, more than the 999-byte limit"):
        read_worker_file(workspace, "results/big.bin", 999)
    assert len(read_worker_file(workspace, "results/big.bin", 1000)) == 1000
    with pytest.raises(UnsafeWorkerFile, match="was not written: results/none.txt does not exist"):
        read_worker_file(workspace, "results/none.txt", 100)


def test_a_file_swapped_for_a_link_while_being_looked_up_is_never_followed(workspace, outside):
    """A worker racing the reader: the file flips between a file and a link to a secret."""
    target = workspace / "results" / "flip.txt"
    stop = threading.Event()

    def flip() -> None:
        while not stop.is_set():
            try:
                target.unlink()
            except FileNotFoundError:
                pass
            target.symlink_to(outside / "secret.txt")
            target.unlink()
            target.write_text("plain")

    thread = threading.Thread(target=flip, daemon=True)
    thread.start()
    try:
        for _ in range(300):
            try:
                data = read_worker_file(workspace, "results/flip.txt", 100)
            except UnsafeWorkerFile:
                continue
            assert SECRET.encode() not in data
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize("backend", ["bwrap", "rlimit"])
def test_links_planted_by_a_confined_process_are_refused_and_cleanup_stays_inside(tmp_path, outside, backend):
    workspace = WorkerWorkspace.create(_empty_source(tmp_path), tmp_path / "worker", Limits())
    plant = (
        "import os\n"
        f"os.makedirs('results', exist_ok=True)\n"
        f"os.symlink({str(outside / 'secret.txt')!r}, 'results/plot.png')\n"
        f"os.symlink({str(outside)!r}, 'folder-link')\n"
        "os.symlink('/', 'root-link')\n"
        "os.mkfifo('results/fifo')\n"
        "open('results/real.txt', 'w').write('real')\n"
        "os.link('results/real.txt', 'results/twin.txt')\n"
        "os.makedirs('locked/inner')\n"
        "os.chmod('locked/inner', 0)\n"
        "os.chmod('locked', 0)\n"
        "print('planted')\n"
    )
    result = run_command([sys.executable, "-c", plant], workspace=workspace.path, backend=backend,
                         limits=Limits(wall_s=60))
    assert "planted" in result.output, result.output
    with pytest.raises(UnsafeWorkerFile, match="symbolic link"):
        read_worker_file(workspace.path, "results/plot.png", 100)
    with pytest.raises(UnsafeWorkerFile, match="symbolic link"):
        read_worker_file(workspace.path, "folder-link/secret.txt", 100)
    with pytest.raises(UnsafeWorkerFile, match="FIFO"):
        read_worker_file(workspace.path, "results/fifo", 100)
    with pytest.raises(UnsafeWorkerFile, match="2 hard links"):
        read_worker_file(workspace.path, "results/twin.txt", 100)
    workspace.remove()
    assert not (tmp_path / "worker").exists()
    assert (outside / "secret.txt").read_text() == SECRET, "the cleanup followed a link"


def test_remove_tree_never_follows_links_and_handles_locked_folders(tmp_path, outside):
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "f").write_text("x")
    (tree / "a" / "out").symlink_to(outside)
    (tree / "top-link").symlink_to(outside / "secret.txt")
    os.chmod(tree / "a" / "b", 0)
    os.chmod(tree / "a", 0)
    remove_tree(tree)
    assert not tree.exists()
    assert (outside / "secret.txt").read_text() == SECRET
    link = tmp_path / "link-to-outside"
    link.symlink_to(outside)
    remove_tree(link)
    assert not link.is_symlink() and (outside / "secret.txt").exists()
    remove_tree(tmp_path / "does-not-exist")


def test_remove_tree_stops_at_a_mount_point(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting needs root")
    from grader.sandbox.workspace import _mount_tmpfs, _umount

    tree = tmp_path / "tree"
    (tree / "mnt").mkdir(parents=True)
    try:
        _mount_tmpfs(tree / "mnt", 1 << 20, 16)
    except OSError as exc:
        pytest.skip(f"cannot mount here: {exc}")
    try:
        (tree / "mnt" / "keep.txt").write_text("on another file system")
        with pytest.raises(OSError, match="across a mount point"):
            remove_tree(tree)
        assert (tree / "mnt" / "keep.txt").exists()
    finally:
        _umount(tree / "mnt")
    remove_tree(tree)


def test_the_workspace_copy_is_capped_when_the_host_allows_a_tmpfs(tmp_path):
    from grader.sandbox.workspace import tmpfs_unavailable_reason

    workspace = WorkerWorkspace.create(_empty_source(tmp_path), tmp_path / "worker", Limits(disk_mb=16, files=100))
    try:
        if tmpfs_unavailable_reason() is not None:
            assert not workspace.mounted
            pytest.skip(tmpfs_unavailable_reason())
        assert workspace.mounted
        info = os.statvfs(workspace.path)
        assert 16 * 2**20 <= info.f_blocks * info.f_frsize < 17 * 2**20
        assert info.f_files < 120
        assert stat.S_IMODE(os.stat(workspace.root).st_mode) == 0o755
    finally:
        workspace.remove()
    assert not (tmp_path / "worker").exists()


def _empty_source(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir(exist_ok=True)
    (source / "calc.py").write_text("x = 1\n")
    return source
