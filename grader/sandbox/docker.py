"""The ``docker`` backend: one container per worker, for hosts with a Docker engine but no namespaces for us.

Each worker runs in a fresh container (``docker run --rm``) that is removed when the
worker ends; nothing is reused, so no state crosses from one submission to the next.
The container gets:

- ``--network none`` (only loopback), its own pid, ipc, uts and mount namespaces;
- a read-only root, a ``/tmp`` tmpfs capped at ``Limits.disk_mb``, the workspace copy
  bound read-write at ``/workspace`` as the only writable place;
- ``--memory`` (= ``--memory-swap``; ``memory_mb + disk_mb``, as the grader's own cgroup, since
  ``/tmp`` is a tmpfs), ``--pids-limit``, ``--cpus`` (``Limits.threads``),
  ``--ulimit`` for CPU seconds, file size, open files and core dumps, and
  ``RLIMIT_AS`` set by the loader below;
- no capabilities, ``no-new-privileges``, Docker's default seccomp profile *and* the
  grader's own deny-list (``grader.sandbox.seccomp``), installed by a few lines of
  Python run before the worker (the *loader*), so the same syscalls are refused as
  under ``bwrap``;
- an unprivileged uid of its own when the grader is root (the grader's uid otherwise);
- ``tini`` as pid 1 (``--init``): when the worker exits, the pid namespace and every
  process the student started end with it.

Two ways to fill the container's root:

- *host* (the default): an empty image (``dl-grader-hostroot``, made on first use by
  ``docker import`` of a tar of empty folders) with the host's ``/usr`` and the
  grader's Python bound read-only, as ``bwrap`` does. Costs nothing to build.
- *image*: ``GRADER_DOCKER_IMAGE`` (or ``DockerBackend(image=...)``) names an image with
  Python and torch, e.g. the one ``docker/Dockerfile`` builds; ``GRADER_DOCKER_PYTHON``
  (default ``/opt/grader/venv/bin/python``) is its interpreter.

In both, the worker package is bound from the host (the same code as the grader's),
and datasets come in through ``SandboxSpec.ro_binds``.

The wire protocol is unchanged: ``docker run -i`` carries the request pipe on the
container's stdin and the reply pipe on its stdout; the loader moves them to fds 3
and 4 and points stdout at stderr, so what the student prints is captured output and
never a frame. Killing the worker kills the ``docker`` client; a watcher thread sees
the client's end of a pipe close and removes the container (``docker rm -f``).
"""

from __future__ import annotations

import io
import itertools
import os
import shutil
import subprocess
import tarfile
import threading
import time
from functools import lru_cache
from pathlib import Path

from grader.sandbox import seccomp
from grader.sandbox.base import (
    WORKER_PACKAGE_DIR,
    Backend,
    Launch,
    SandboxSpec,
    base_env,
    python_executable,
    python_install_dirs,
    refuse_forbidden,
    worker_argv,
)
from grader.sandbox.cgroups import LimitCounters
from grader.sandbox.limits import OPEN_FILES

__all__ = ["DockerBackend", "HOST_ROOT_IMAGE", "LABEL", "docker_protections", "leftover_containers",
           "wait_for_removals", "engine_problem"]

#: the empty image the host mode starts from (made on first use)
HOST_ROOT_IMAGE = "dl-grader-hostroot:2"
#: every worker container carries this label (``leftover_containers`` finds the ones a crash left)
LABEL = "dl-grader.worker"
SANDBOX_WORKSPACE = "/workspace"
SANDBOX_WORKER_ROOT = "/run/grader"
_IMAGE_PYTHON = "/opt/grader/venv/bin/python"
_ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/alternatives")
_TOPS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: the docker client (a Go program with ~10-20 threads) stays in the worker's host cgroup
_CLIENT_THREADS = 32
#: seconds a container may outlive its wall-clock limit if the grader itself dies (``timeout`` inside)
_BACKSTOP_S = 60

# Runs inside the container before the worker: the channel to fds 3/4 and stdout to stderr, RLIMIT_AS,
# then (started as root with only CAP_SETUID/CAP_SETGID) the drop to the worker's uid, so that tini and
# ``timeout`` above it stay out of its reach, then the grader's seccomp deny-list, then exec without
# Docker's HOSTNAME. Everything it gets is data in argv: filter (hex), RLIMIT_AS, mode, uid, command.
_LOADER = r"""
import ctypes, os, resource, sys
prog_hex, as_bytes, channel, uid = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "channel", int(sys.argv[4])
if channel:
    os.dup2(0, 3); os.dup2(1, 4)
    null = os.open("/dev/null", os.O_RDONLY); os.dup2(null, 0); os.close(null); os.dup2(2, 1)
resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
os.setpgid(0, 0)  # a group of its own: the parent's group holds only root-owned timeout
if os.getuid() != uid:
    os.setgroups([]); os.setgid(uid); os.setuid(uid)
if prog_hex:
    prog = bytes.fromhex(prog_hex)
    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = Fprog(len(prog) // 8, ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(38, 1, None, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:
        sys.stderr.write("the sandbox could not install its seccomp filter\n"); os._exit(70)
env = {k: v for k, v in os.environ.items() if k != "HOSTNAME"}
os.execve(sys.argv[5], sys.argv[5:], env)
"""

# Runs on the host: the docker client gets the request pipe as stdin and the reply pipe as stdout.
_CLIENT_WRAPPER = r"""
import os, sys
fd_in, fd_out = int(sys.argv[1]), int(sys.argv[2])
os.dup2(fd_in, 0); os.dup2(fd_out, 1); os.close(fd_in); os.close(fd_out)
os.execv(sys.argv[3], sys.argv[3:])
"""

_names = itertools.count()


class DockerBackend(Backend):
    name = "docker"
    helper_processes = _CLIENT_THREADS

    def __init__(self, *, forbidden_roots: tuple[Path, ...] = (), image: str | None = None,
                 python: str | None = None, use_seccomp: bool = True):
        self.forbidden_roots = tuple(p.resolve() for p in forbidden_roots)
        self.image = image or os.environ.get("GRADER_DOCKER_IMAGE") or None
        self.python = python or os.environ.get("GRADER_DOCKER_PYTHON") or _IMAGE_PYTHON
        self.use_seccomp = use_seccomp
        self._as_root = os.geteuid() == 0

    @property
    def drops_privileges(self) -> bool:
        return self._as_root

    @property
    def host_mode(self) -> bool:
        """Whether the container's root is the host's ``/usr`` and Python (no image of ours)."""
        return self.image is None

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return engine_problem(os.environ.get("GRADER_DOCKER_IMAGE") or None)

    # ------------------------------------------------------------------ launch

    def launch(self, spec: SandboxSpec, fd_in: int, fd_out: int) -> Launch:
        """``docker run -i`` with the request pipe as its stdin and the reply pipe as its stdout."""
        inner = worker_argv(self._python(), spec.limits, 3, 4, spec.preload)
        # the client's stdin and stdout become the channel (dash cannot name fds above 9, so Python does it)
        wrapped = [python_executable(), "-I", "-S", "-c", _CLIENT_WRAPPER, str(fd_in), str(fd_out)]
        return self._launch(spec, inner, channel=True, wrap=wrapped)

    def launch_command(self, spec: SandboxSpec, argv: list[str]) -> Launch:
        if argv and argv[0] == python_executable():
            argv = [self._python(), *argv[1:]]
        return self._launch(spec, argv, channel=False, wrap=[])

    def _launch(self, spec: SandboxSpec, argv: list[str], *, channel: bool, wrap: list[str]) -> Launch:
        limits = spec.limits
        image = self.image or ensure_host_root_image()
        name = f"dlg-{os.getpid()}-{next(_names)}-{os.urandom(3).hex()}"
        user = spec.uid if self._as_root and spec.uid is not None else os.getuid()
        tree_mb = limits.memory_mb + limits.disk_mb
        if self._as_root and spec.uid is None:
            raise ValueError("the docker backend run as root needs spec.uid (spawn picks one)")
        args = [
            docker_cli(), "run", "--rm", "--name", name, "--label", f"{LABEL}={os.getpid()}",
            "--network", "none", "--ipc", "private", "--hostname", "sandbox", "--init",
            "--read-only", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", "--log-driver", "none",
            # as the grader's own cgroup: the tree's RAM plus what it keeps in /tmp (a tmpfs counts as memory)
            "--memory", f"{tree_mb}m", "--memory-swap", f"{tree_mb}m",
            "--pids-limit", str(limits.processes), "--cpus", str(min(limits.threads, os.cpu_count() or 1)),
            "--ulimit", f"cpu={limits.cpu_s}:{limits.cpu_s + 5}",
            "--ulimit", f"fsize={limits.file_size_mb * 1024 * 1024}",
            "--ulimit", f"nofile={OPEN_FILES}:{OPEN_FILES}", "--ulimit", "core=0", "--ulimit", "memlock=0",
            "--ulimit", "msgqueue=0",
            "--tmpfs", f"/tmp:rw,nosuid,nodev,size={limits.disk_mb}m,mode=1777",
            "--workdir", SANDBOX_WORKSPACE,
        ]
        if user != os.getuid():  # root until the loader drops to the worker's uid; then no capability at all
            args += ["--user", "0:0", "--cap-add", "SETUID", "--cap-add", "SETGID"]
        else:
            args += ["--user", f"{user}:{os.getgid()}"]
        if channel:
            args.append("-i")
        for host, inside in self._binds(spec):
            args += ["--mount", f"type=bind,source={host},target={inside},readonly"]
        args += ["--mount", f"type=bind,source={spec.workspace},target={SANDBOX_WORKSPACE}"]
        for key, value in base_env(limits, home="/tmp", pythonpath=SANDBOX_WORKER_ROOT).items():
            args += ["--env", f"{key}={value}"]
        python = self._python()
        program = seccomp.worker_filter(allow_inet=True) if self.use_seccomp else None
        loader = [python, "-I", "-S", "-c", _LOADER, program.hex() if program else "",
                  str(limits.memory_mb * 1024 * 1024), "channel" if channel else "plain", str(user)]
        backstop = ["timeout", "-s", "KILL", str(int(limits.wall_s) + _BACKSTOP_S)]
        args += ["--entrypoint", backstop[0], image, *backstop[1:], *loader, *argv]
        watch_r, watch_w = os.pipe()
        _watch(watch_r, name)
        return Launch(argv=wrap + args, env=_client_env(), cwd=spec.workspace, rlimits={},
                      pass_fds=(watch_w,), close_after_start=(watch_w,))

    def _python(self) -> str:
        return python_executable() if self.host_mode else self.python

    def _binds(self, spec: SandboxSpec) -> list[tuple[str, str]]:
        binds: list[tuple[str, str]] = []
        if self.host_mode:
            for top in ("/usr", *_TOPS):
                if top != "/sbin" and os.path.isdir(top) and not os.path.islink(top):
                    binds.append((top, top))
            binds += [(p, p) for p in _ETC_FILES if os.path.exists(p)]
            binds += [(str(p), str(p)) for p in self._python_dirs()]
        binds.append((str(WORKER_PACKAGE_DIR), f"{SANDBOX_WORKER_ROOT}/graderworker"))
        for host, inside in spec.ro_binds:
            self._refuse_forbidden(Path(host))
            binds.append((str(host), inside))
        for host, _ in binds:
            if "," in host or "=" in host:
                raise RuntimeError(f"cannot bind {host} into a container: ',' and '=' are not allowed in its path")
        return binds

    def _python_dirs(self) -> list[Path]:
        return python_install_dirs(self.forbidden_roots, "the container")

    def _refuse_forbidden(self, path: Path) -> None:
        refuse_forbidden(path, self.forbidden_roots, "the container")

    def warnings(self) -> tuple[str, ...]:
        return tuple(f"docker sandbox: no {p.name} here ({p.detail})" for p in docker_protections() if not p.on)

    # ------------------------------------------------------------------ the container's own cgroup

    #: the container's cgroup counts CPU time of the whole tree (``counters``)
    counts_cpu = True

    def counters(self, launch: Launch) -> LimitCounters:
        """What the container's cgroup counted: OOM kills, refused forks, CPU seconds of the whole tree.

        The grader's own cgroup holds only the docker client; the worker's tree lives in the
        container's cgroup, which Docker makes and removes. Zeros before it starts and after it is gone.
        """
        name = _name_of(launch)
        folders = _container_cgroups.get(name) if name else None
        if name and folders is None:
            folders = _cgroup_folders_of(name)
            if folders:
                _container_cgroups[name] = folders
        return _read_counters(folders or {})

    def release(self, launch: Launch) -> None:
        """Remove the container now (after the client was killed) and wait until it is gone."""
        name = _name_of(launch)
        if name:
            _container_cgroups.pop(name, None)
            _remove(name)


# ---------------------------------------------------------------------- the engine


def docker_cli() -> str:
    return shutil.which("docker") or "docker"


def _client_env() -> dict[str, str]:
    """The docker client's environment: where the engine is, nothing else of the grader's."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp"}
    for key in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"):
        if key in os.environ:
            env[key] = os.environ[key]
    if "DOCKER_CONFIG" not in env:
        env["DOCKER_CONFIG"] = os.path.expanduser("~/.docker")
    return env


def _docker(*args: str, timeout: float = 30, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([docker_cli(), *args], input=stdin, capture_output=True, timeout=timeout,
                          env=_client_env(), check=False)


def engine_problem(image: str | None = None) -> str | None:
    """None when a Docker engine answers here (and ``image``, if named, is present); else why not."""
    if not shutil.which("docker"):
        return "the docker command is not installed (Debian/Ubuntu: apt-get install docker.io)"
    try:
        info = _docker("version", "--format", "{{.Server.Version}}", timeout=15)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"the docker command failed: {exc}"
    if info.returncode != 0:
        detail = info.stderr.decode(errors="replace").strip().splitlines()
        return ("no Docker engine answers (start dockerd, or set DOCKER_HOST): "
                + (detail[-1] if detail else f"exit {info.returncode}"))
    if image is not None and _docker("image", "inspect", image).returncode != 0:
        return f"the image {image} (GRADER_DOCKER_IMAGE) is not present; build it with docker/build.sh"
    return None


@lru_cache(maxsize=1)
def ensure_host_root_image() -> str:
    """The empty image of the host mode: mount points only, made once with ``docker import``."""
    if _docker("image", "inspect", HOST_ROOT_IMAGE).returncode == 0:
        return HOST_ROOT_IMAGE
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        # /sbin stays a real folder: Docker mounts its init at /sbin/docker-init, which must not land in /usr
        folders = ["usr", "etc", "tmp", "proc", "dev", "sys", "run", "run/grader", "workspace", "sbin"]
        for top in _TOPS:
            if top == "/sbin":
                continue
            if os.path.islink(top):
                info = tarfile.TarInfo(top.lstrip("/"))
                info.type = tarfile.SYMTYPE
                info.linkname = os.readlink(top)
                tar.addfile(info)
            elif os.path.isdir(top):
                folders.append(top.lstrip("/"))
        for folder in folders:
            info = tarfile.TarInfo(folder)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
    made = _docker("import", "--change", "LABEL dl-grader.hostroot=1", "-", HOST_ROOT_IMAGE,
                   stdin=data.getvalue(), timeout=120)
    if made.returncode != 0:
        raise RuntimeError(f"could not create {HOST_ROOT_IMAGE}: {made.stderr.decode(errors='replace').strip()}")
    return HOST_ROOT_IMAGE


_reapers: dict[str, threading.Thread] = {}
_reapers_lock = threading.Lock()
_container_cgroups: dict[str, dict[str, Path]] = {}


def _watch(read_fd: int, name: str) -> None:
    """Remove container ``name`` once every copy of the pipe's write end is closed (the client is gone)."""

    def wait_then_remove() -> None:
        try:
            while os.read(read_fd, 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(read_fd)
        _remove(name)
        with _reapers_lock:
            _reapers.pop(name, None)

    thread = threading.Thread(target=wait_then_remove, daemon=True, name=f"docker-reaper-{name}")
    with _reapers_lock:
        _reapers[name] = thread
    thread.start()


def _remove(name: str) -> None:
    try:
        _docker("rm", "--force", "--volumes", name, timeout=60)
    except (OSError, subprocess.SubprocessError):
        pass


def wait_for_removals(timeout: float = 30.0) -> bool:
    """Wait until every container whose client has ended is removed; True when none is pending.

    A killed worker's container is removed by a background thread (``docker rm --force``,
    ~0.2 s); callers that must see it gone (tests, a batch's end) wait here.
    """
    deadline = time.monotonic() + timeout
    while True:
        with _reapers_lock:
            pending = [t for t in _reapers.values() if t.is_alive()]
        if not pending:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        pending[0].join(min(remaining, 1.0))


def _name_of(launch: Launch) -> str | None:
    argv = launch.argv
    for i, arg in enumerate(argv[:-1]):
        if arg == "--name":
            return argv[i + 1]
    return None


def _cgroup_folders_of(name: str) -> dict[str, Path]:
    """controller -> the container's cgroup folder ("v2" for the unified one), found via its init's pid."""
    try:
        found = _docker("inspect", "--format", "{{.State.Pid}}", name, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return {}
    pid = found.stdout.decode().strip()
    if found.returncode != 0 or not pid.isdigit() or pid == "0":
        return {}
    mounts: dict[str, Path] = {}
    try:
        with open("/proc/self/mountinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                fields, tail = left.split(), right.split()
                if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
                    for key in (["v2"] if tail[0] == "cgroup2" else tail[2].split(",")):
                        mounts.setdefault(key, Path(fields[4]))
        with open(f"/proc/{pid}/cgroup", encoding="ascii", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return {}
    folders: dict[str, Path] = {}
    for line in lines:
        number, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        keys = ["v2"] if number == "0" and not controllers else controllers.split(",")
        for key in keys:
            if key in mounts and (mounts[key] / path.lstrip("/")).is_dir():
                folders[key] = mounts[key] / path.lstrip("/")
    return folders


def _read_counters(folders: dict[str, Path]) -> LimitCounters:
    def read(path: Path) -> str:
        try:
            return path.read_text(encoding="ascii", errors="replace")
        except OSError:
            return ""

    def keyed(text: str, key: str) -> int:
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == key and parts[1].isdigit():
                return int(parts[1])
        return 0

    if "memory" in folders or "pids" in folders or "cpuacct" in folders:
        usage = read(folders["cpuacct"] / "cpuacct.usage").strip() if "cpuacct" in folders else ""
        return LimitCounters(
            keyed(read(folders["memory"] / "memory.oom_control"), "oom_kill") if "memory" in folders else 0,
            keyed(read(folders["pids"] / "pids.events"), "max") if "pids" in folders else 0,
            int(usage) / 1e9 if usage.isdigit() else 0.0,
        )
    if "v2" in folders:
        folder = folders["v2"]
        return LimitCounters(keyed(read(folder / "memory.events"), "oom_kill"),
                             keyed(read(folder / "pids.events"), "max"),
                             keyed(read(folder / "cpu.stat"), "usage_usec") / 1e6)
    return LimitCounters()


def leftover_containers() -> list[str]:
    """Worker containers still present (a grading process that was killed leaves them for ``timeout``)."""
    if engine_problem() is not None:
        return []
    listed = _docker("ps", "--all", "--filter", f"label={LABEL}", "--format", "{{.Names}}")
    return [line for line in listed.stdout.decode(errors="replace").splitlines() if line.strip()]


def docker_protections() -> list:
    """What the docker backend gives on this machine, in ``grader doctor``'s terms."""
    from grader.sandbox.protections import Protection

    problem = engine_problem(os.environ.get("GRADER_DOCKER_IMAGE") or None)
    up = problem is None
    seccomp_missing = seccomp.unavailable_reason()
    root = os.geteuid() == 0
    return [
        Protection("namespaces", up, problem or "a container per worker: own mount, pid, ipc, uts, network "
                                                "namespaces; tini as pid 1"),
        Protection("network", up, "--network none: only loopback"),
        Protection("file system", up, "read-only root (the host's /usr and Python bound read-only, or an image), "
                                      "tmpfs /tmp, only the workspace copy writable; rubrics, hidden tests and "
                                      "references are never mounted"),
        Protection("own uid", root, "each worker runs as an unprivileged uid of its own, no capabilities" if root
                   else "the worker runs as the grader's uid inside the container, with no capabilities"),
        Protection("seccomp", up, "Docker's default profile, plus the grader's deny-list "
                                  f"({sum(len(v) for v in seccomp.BLOCKED.values())} syscalls)"
                                  if seccomp_missing is None else "Docker's default profile only"),
        Protection("cgroup", up, "the container's cgroup: --memory (no swap), --pids-limit, --cpus"),
        Protection("tree kill", up, "docker rm --force; the pid namespace ends with the worker"),
        Protection("disk quota", up, "/tmp is a size-capped tmpfs; the workspace copy is capped as for "
                                     "the other backends"),
        Protection("rlimits", up, "address space, CPU per process, file size, open files, no core dumps"),
    ]
