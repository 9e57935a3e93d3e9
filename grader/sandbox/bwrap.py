"""The ``bwrap`` backend: bubblewrap namespaces around the worker.

No network (a fresh network namespace with only loopback), its own pid, ipc and uts
namespaces, a root made of read-only binds (``/usr``, the Python installation, the
worker package), a private ``/tmp``, and the workspace copy as the only writable
place. Run as root, bubblewrap keeps the host's user namespace and the worker drops
to an unprivileged uid of its own with ``setpriv`` (no capabilities, no_new_privs);
the seccomp filter refuses new namespaces (user namespaces included). Run as a normal
user, bubblewrap makes a user namespace and forbids nested ones.

bubblewrap installs the seccomp filter (``--seccomp FD``, built by
``grader.sandbox.seccomp``) right before it runs ``setpriv``, so everything the student
runs is under it. ``/tmp`` is a tmpfs capped at ``Limits.disk_mb``. ``/content`` (where a
Colab notebook keeps its files) is a link to the workspace.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from grader.sandbox import seccomp
from grader.sandbox.base import (
    WORKER_PACKAGE_DIR,
    Backend,
    Launch,
    SandboxSpec,
    base_env,
    python_install_dirs,
    refuse_forbidden,
    worker_rlimits,
)
from grader.sandbox.limits import Limits
from grader.sandbox.zygote import Zygote, ZygoteUnavailable, warm_unavailable_reason

__all__ = ["BwrapBackend"]

SANDBOX_WORKSPACE = "/workspace"
SANDBOX_WORKER_ROOT = "/run/grader"
#: ``/content`` (Colab's working folder) is a link to the workspace
COLAB_CONTENT = "/content"
#: a backend stops trying warm sandboxes after this many failed starts (and grades the slow way)
_WARM_TRIES = 3
_ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/alternatives")


class BwrapBackend(Backend):
    name = "bwrap"
    #: bubblewrap itself and the pid namespace's init stay in the worker's cgroup
    helper_processes = 2

    def __init__(self, *, forbidden_roots: tuple[Path, ...] = (), use_seccomp: bool = True, warm: bool = False):
        #: folders that must never be visible inside (the project with rubrics and references)
        self.forbidden_roots = tuple(p.resolve() for p in forbidden_roots)
        self._as_root = os.geteuid() == 0
        self.use_seccomp = use_seccomp
        #: fork workers from a warm sandbox (``grader.sandbox.zygote``) where the host allows it
        self.warm = warm
        #: why the last warm sandbox could not be had (None while they work)
        self.warm_problem: str | None = None
        self._zygotes: list[Zygote] = []
        self._warm_failures = 0

    def warm_worker(self, limits: Limits, ro_binds: tuple[tuple[Path, str], ...]) -> Zygote | None:
        if not self.warm or not self.use_seccomp:
            return None
        self._zygotes = [z for z in self._zygotes if not z.closed]
        for zygote in self._zygotes:
            if zygote.usable_for(limits, ro_binds):
                return zygote
        for zygote in [z for z in self._zygotes if not z.busy]:  # other limits: one idle sandbox is enough
            zygote.close()
            self._zygotes.remove(zygote)
        try:
            zygote = Zygote(self, limits, ro_binds)
        except (ZygoteUnavailable, OSError) as exc:
            self.warm_problem = str(exc)
            self._warm_failures += 1
            if warm_unavailable_reason() is not None or self._warm_failures >= _WARM_TRIES:
                self.warm = False
            return None
        self._zygotes.append(zygote)
        return zygote

    def close(self) -> None:
        for zygote in self._zygotes:
            zygote.close()
        self._zygotes = []

    @property
    def drops_privileges(self) -> bool:
        return self._as_root

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if not shutil.which("bwrap"):
            return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
        if os.geteuid() == 0 and not shutil.which("setpriv"):
            return "setpriv is missing (Debian/Ubuntu: apt-get install util-linux)"
        return None

    def launch_command(self, spec: SandboxSpec, argv: list[str]) -> Launch:
        args = [
            shutil.which("bwrap") or "bwrap",
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--clearenv", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
            "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(spec.limits.disk_mb * 1024 * 1024), "--tmpfs", "/tmp",
        ]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        for path in _ETC_FILES:
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        made: set[str] = {"/", "/usr", "/tmp", "/proc", "/dev"}
        for host in self._python_dirs():
            args += _mkdirs(str(host), made) + ["--ro-bind", str(host), str(host)]
        args += _mkdirs(SANDBOX_WORKER_ROOT, made)
        args += ["--ro-bind", str(WORKER_PACKAGE_DIR), f"{SANDBOX_WORKER_ROOT}/graderworker"]
        for host, inside in spec.ro_binds:
            self._refuse_forbidden(Path(host))
            args += _mkdirs(str(Path(inside).parent), made) + ["--ro-bind", str(host), inside]
        args += ["--bind", str(spec.workspace), SANDBOX_WORKSPACE, "--chdir", SANDBOX_WORKSPACE]
        # Colab's working folder, which students' notebooks name in paths (docs/course-packages.md)
        args += ["--symlink", SANDBOX_WORKSPACE, COLAB_CONTENT]
        if not self._as_root:
            args += ["--unshare-user", "--disable-userns"]
        env = base_env(spec.limits, home="/tmp", pythonpath=SANDBOX_WORKER_ROOT)
        for key, value in env.items():
            args += ["--setenv", key, value]
        pass_fds: tuple[int, ...] = ()
        program = seccomp.worker_filter(allow_inet=True, protect_pids=spec.protect_pids) if self.use_seccomp else None
        if program is not None:
            fd = seccomp.filter_fd(program)
            pass_fds = (fd,)
            args += ["--seccomp", str(fd)]
        if self._as_root:
            if spec.uid is None:
                raise ValueError("the bwrap backend run as root needs spec.uid (spawn picks one)")
            uid = str(spec.uid)
            args += [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                     "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        args += argv
        return Launch(argv=args, env={}, cwd=spec.workspace, rlimits=worker_rlimits(spec.limits),
                      pass_fds=pass_fds, close_after_start=pass_fds)

    def _python_dirs(self) -> list[Path]:
        return python_install_dirs(self.forbidden_roots, "the sandbox")

    def _refuse_forbidden(self, path: Path) -> None:
        refuse_forbidden(path, self.forbidden_roots, "the sandbox")


def _mkdirs(path: str, made: set[str]) -> list[str]:
    """``--dir`` for each missing ancestor, world-traversable (bwrap's default is 0700)."""
    args: list[str] = []
    parts = Path(path).parts
    for i in range(2, len(parts) + 1):
        sub = str(Path(*parts[:i]))
        if sub not in made:
            made.add(sub)
            args += ["--perms", "0755", "--dir", sub]
    return args
