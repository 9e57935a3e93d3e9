"""The ``rlimit`` backend: for machines where namespaces are not allowed.

The worker runs as a plain child process with resource limits, its own process group
(killed as a whole), a scrubbed environment and, when the grader runs as root and the
Python installation is readable by others, an unprivileged uid. It does NOT isolate
the file system or the network: it says so in every report it produces.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from grader.sandbox.base import (
    WORKER_PACKAGE_DIR,
    Backend,
    Launch,
    SandboxSpec,
    base_env,
    python_executable,
    sandbox_uid,
    worker_rlimits,
)

__all__ = ["RlimitBackend"]


class RlimitBackend(Backend):
    name = "rlimit"

    def __init__(self, **_: object):
        self._drop = os.geteuid() == 0 and _world_reachable(Path(python_executable()))
        self.uid = sandbox_uid() if self._drop else os.getuid()
        self._worker_root = _worker_link_dir()

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None

    def warnings(self) -> tuple[str, ...]:
        warned = [
            "rlimit sandbox: no network isolation (the student's code can open sockets)",
            "rlimit sandbox: no file-system isolation (the student's code can read any file its user can read)",
        ]
        if not self._drop:
            warned.append("rlimit sandbox: the student's code runs as the grader's own user")
        return tuple(warned)

    def prepare_workspace(self, workspace: Path) -> None:
        if not self._drop:
            return
        for root, dirs, files in os.walk(workspace):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), self.uid, self.uid)
        os.lchown(workspace, self.uid, self.uid)

    def launch_command(self, spec: SandboxSpec, argv: list[str]) -> Launch:
        scratch = spec.workspace.parent / (spec.workspace.name + "-home")
        scratch.mkdir(exist_ok=True)
        if self._drop:
            os.chown(scratch, self.uid, self.uid)
        env = base_env(spec.limits, home=str(scratch), pythonpath=str(self._worker_root))
        env["TMPDIR"] = str(scratch)
        return Launch(
            argv=argv,
            env=env,
            cwd=spec.workspace,
            rlimits=worker_rlimits(spec.limits),
            drop_to=self.uid if self._drop else None,
        )


def _world_reachable(path: Path) -> bool:
    """Whether another uid can reach and run ``path`` (every ancestor searchable by others)."""
    real = Path(os.path.realpath(path))
    for parent in [*real.parents][::-1]:
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(real).st_mode & stat.S_IXOTH)


_link_dir: Path | None = None


def _worker_link_dir() -> Path:
    """A folder holding only a ``graderworker`` link to the worker package (our PYTHONPATH)."""
    global _link_dir
    if _link_dir is None or not (_link_dir / "graderworker").exists():
        _link_dir = Path(tempfile.mkdtemp(prefix="grader-worker-"))
        os.chmod(_link_dir, 0o755)
        (_link_dir / "graderworker").symlink_to(WORKER_PACKAGE_DIR, target_is_directory=True)
    return _link_dir
