"""Control groups for the worker's whole process tree: memory, processes, CPU, and a clean kill.

Rlimits count per process: a worker that forks eight children gets eight address
spaces and eight CPU budgets. A cgroup counts the tree. ``detect()`` finds what the
host lets us use, in this order:

- **v2** (the unified hierarchy): a child of our own cgroup with ``memory.max``,
  ``memory.swap.max``, ``pids.max``, ``cpu.max``; CPU time from ``cpu.stat``; killed with
  ``cgroup.kill``. Needs ``memory`` and ``pids`` enabled in our cgroup's
  ``cgroup.subtree_control`` (a delegated cgroup, or the root of a container's namespace);
- **v1** (one hierarchy per controller): children of our own cgroup in ``memory``
  (``memory.limit_in_bytes``, ``memory.memsw.limit_in_bytes``), ``pids`` (``pids.max``),
  ``cpu``/``cpuacct`` (``cpu.cfs_quota_us``, ``cpuacct.usage``) and ``freezer`` (to stop
  the tree before killing it, so nothing forks away during the kill);
- **none**: rlimits only; the backends say so in every result's ``sandbox_warnings``.

The worker's child process writes its own pid into each ``cgroup.procs`` between fork
and exec, so everything it starts is counted from the first instruction. Each worker
gets its own cgroup (``grader-<pid>-<n>``), removed when the worker is closed.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from grader.sandbox.limits import Limits

__all__ = ["CgroupSupport", "WorkerCgroup", "LimitCounters", "detect", "leftover_cgroups", "release_cgroups_of",
           "sweep_leftover_cgroups"]

_V1_CONTROLLERS = ("memory", "pids", "cpuacct", "cpu", "freezer")
_names = itertools.count(1)
_names_lock = threading.Lock()


@dataclass(frozen=True)
class CgroupSupport:
    """What this host lets the grader do with cgroups."""

    version: str  # "v2", "v1" or "none"
    #: controller -> our own cgroup folder in its hierarchy (v2: one folder for all)
    bases: dict[str, Path] = field(default_factory=dict)
    #: why there is no cgroup, or what is missing, in words
    reason: str = ""

    @property
    def controllers(self) -> tuple[str, ...]:
        return tuple(sorted(self.bases))

    def has(self, controller: str) -> bool:
        return controller in self.bases

    def describe(self) -> str:
        if self.version == "none":
            return f"no cgroup ({self.reason})"
        text = f"cgroup {self.version}: {', '.join(self.controllers)}"
        return text + (f" ({self.reason})" if self.reason else "")


@dataclass(frozen=True)
class LimitCounters:
    """Events a cgroup counted so far; compare two snapshots to see what one call did."""

    oom_kills: int = 0
    pids_refused: int = 0
    cpu_s: float = 0.0


def _read(path: Path | str) -> str:
    """A small control file's text ("" when it cannot be read); plain syscalls: it is read per request."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return ""
    try:
        return os.read(fd, 1 << 16).decode("ascii", errors="replace")
    except OSError:
        return ""
    finally:
        os.close(fd)


def _write(path: Path, value: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(value)


def _keyed(text: str, key: str) -> int:
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key:
            try:
                return int(parts[1])
            except ValueError:
                return 0
    return 0


def _mounts() -> list[tuple[str, str, set[str]]]:
    """(mount point, fstype, super options) of every cgroup mount we can see."""
    found = []
    for line in _read(Path("/proc/self/mountinfo")).splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        found.append((fields[4].replace("\\040", " "), tail[0], set(tail[2].split(","))))
    return found


def _own_paths() -> tuple[str | None, dict[str, str]]:
    """Our cgroup path in the v2 hierarchy and, per v1 controller, in its hierarchy."""
    v2 = None
    v1: dict[str, str] = {}
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        number, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if number == "0" and controllers == "":
            v2 = path
        else:
            for name in controllers.split(","):
                v1[name] = path
    return v2, v1


def _usable(base: Path) -> str | None:
    """None when we may make child cgroups under ``base``."""
    probe = base / f"grader-probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
        return None
    except OSError as exc:
        return f"cannot create a cgroup under {base}: {exc.strerror or exc}"


def _detect_v2(mount: Path, own: str) -> tuple[CgroupSupport | None, str]:
    base = mount / own.lstrip("/")
    available = set(_read(base / "cgroup.controllers").split())
    wanted = {"memory", "pids"} | ({"cpu"} & available)
    if not {"memory", "pids"} <= available:
        return None, f"cgroup v2 at {base} offers only {', '.join(sorted(available)) or 'no controllers'}"
    enabled = set(_read(base / "cgroup.subtree_control").split())
    missing = wanted - enabled
    if missing:
        try:
            _write(base / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(missing)))
        except OSError as exc:
            return None, (f"cannot enable {', '.join(sorted(missing))} for child cgroups of {base} "
                          f"({exc.strerror or exc}); run the grader in a delegated cgroup "
                          "(systemd-run --scope -p Delegate=yes ...)")
    problem = _usable(base)
    if problem:
        return None, problem
    return CgroupSupport("v2", {name: base for name in wanted}), ""


@lru_cache(maxsize=1)
def detect() -> CgroupSupport:
    """What cgroups this host lets us use (checked once per process)."""
    mounts = _mounts()
    own_v2, own_v1 = _own_paths()
    notes = []
    for point, fstype, _ in mounts:
        if fstype == "cgroup2" and own_v2 is not None:
            support, why = _detect_v2(Path(point), own_v2)
            if support:
                return support
            notes.append(why)
            break
    bases: dict[str, Path] = {}
    for point, fstype, options in mounts:
        if fstype != "cgroup":
            continue
        for controller in _V1_CONTROLLERS:
            if controller in options and controller not in bases and controller in own_v1:
                base = Path(point) / own_v1[controller].lstrip("/")
                problem = _usable(base)
                if problem:
                    notes.append(problem)
                else:
                    bases[controller] = base
    if "memory" in bases or "pids" in bases:
        missing = [c for c in ("memory", "pids", "cpuacct") if c not in bases]
        reason = f"missing: {', '.join(missing)}" if missing else ""
        return CgroupSupport("v1", bases, reason)
    if not mounts:
        notes.append("no cgroup file system is mounted")
    return CgroupSupport("none", {}, "; ".join(dict.fromkeys(notes)) or "no usable cgroup controller")


class WorkerCgroup:
    """One worker's cgroup (a folder per v1 hierarchy, or one v2 folder)."""

    def __init__(self, support: CgroupSupport, limits: Limits, *, helper_processes: int = 0):
        self.support = support
        self.limits = limits
        with _names_lock:
            self.name = f"grader-{os.getpid()}-{next(_names)}"
        _sweep_once()
        bases = sorted(set(support.bases.values()) if support.version == "v2" else support.bases.values())
        self.dirs: list[Path] = []
        try:
            for base in dict.fromkeys(bases):
                folder = base / self.name
                folder.mkdir()
                self.dirs.append(folder)
            self._configure(helper_processes)
        except OSError:
            self.remove()
            raise

    # ----------------------------------------------------------------- set up

    def _dir(self, controller: str) -> Path | None:
        base = self.support.bases.get(controller)
        if base is None:
            return None
        return base / self.name

    def _configure(self, helpers: int) -> None:
        limits = self.limits
        # the tree's RAM plus what it keeps in its in-memory workspace and /tmp
        memory = (limits.memory_mb + limits.disk_mb) * 1024 * 1024
        processes = limits.processes + helpers
        cpus = limits.threads + 1
        self._set_memory(memory)
        if self.support.version == "v2":
            folder = self.dirs[0]
            if (folder / "memory.swap.max").exists():
                _write(folder / "memory.swap.max", "0")
            _write(folder / "pids.max", str(processes))
            if (folder / "cpu.max").exists():
                _write(folder / "cpu.max", f"{cpus * 100_000} 100000")
            return
        if (folder := self._dir("pids")) is not None:
            _write(folder / "pids.max", str(processes))
        if (folder := self._dir("cpu")) is not None and (folder / "cpu.cfs_quota_us").exists():
            _write(folder / "cpu.cfs_period_us", "100000")
            _write(folder / "cpu.cfs_quota_us", str(cpus * 100_000))

    def _set_memory(self, memory: int) -> None:
        if self.support.version == "v2":
            _write(self.dirs[0] / "memory.max", str(memory))
            return
        if (folder := self._dir("memory")) is None:
            return
        swap = folder / "memory.memsw.limit_in_bytes"
        current = int(_read(folder / "memory.limit_in_bytes").strip() or 0)
        # memory+swap may never be below memory alone: raise it first, lower it last
        order = [swap, folder / "memory.limit_in_bytes"] if memory > current else [folder / "memory.limit_in_bytes",
                                                                                   swap]
        for path in order:
            if path == swap and not swap.exists():
                continue
            try:
                _write(path, str(memory))
            except OSError:
                if path != swap:
                    raise

    def add_memory(self, extra: int) -> None:
        """Raise the tree's memory limit by ``extra`` bytes (a warm worker's own imports, not the student's)."""
        self._set_memory((self.limits.memory_mb + self.limits.disk_mb) * 1024 * 1024 + extra)

    def procs_files(self) -> tuple[str, ...]:
        """The ``cgroup.procs`` files a new process writes its pid into (see ``preexec_for``)."""
        return tuple(str(folder / "cgroup.procs") for folder in self.dirs)

    # ----------------------------------------------------------------- counters

    def counters(self) -> LimitCounters:
        files = self._counter_files
        if self.support.version == "v2":
            usage = _keyed(_read(files["cpu"]), "usage_usec") / 1e6
            return LimitCounters(_keyed(_read(files["memory"]), "oom_kill"), _keyed(_read(files["pids"]), "max"), usage)
        oom = _keyed(_read(files["memory"]), "oom_kill") if "memory" in files else 0
        pids = _keyed(_read(files["pids"]), "max") if "pids" in files else 0
        cpu = 0.0
        if "cpu" in files:
            try:
                cpu = int(_read(files["cpu"]).strip() or 0) / 1e9
            except ValueError:
                cpu = 0.0
        return LimitCounters(oom, pids, cpu)

    @cached_property
    def _counter_files(self) -> dict[str, str]:
        """The files ``counters`` reads, by what they count (paths made once: it runs per request)."""
        if self.support.version == "v2":
            folder = self.support.bases["memory"] / self.name
            return {"cpu": str(folder / "cpu.stat"), "memory": str(folder / "memory.events"),
                    "pids": str(folder / "pids.events")}
        files: dict[str, str] = {}
        for what, controller, name in (("memory", "memory", "memory.oom_control"), ("pids", "pids", "pids.events"),
                                       ("cpu", "cpuacct", "cpuacct.usage")):
            if (folder := self._dir(controller)) is not None:
                files[what] = str(folder / name)
        return files

    @property
    def counts_cpu(self) -> bool:
        return self.support.version == "v2" or self.support.has("cpuacct")

    def pids(self) -> list[int]:
        found: set[int] = set()
        for folder in self.dirs:
            for token in _read(folder / "cgroup.procs").split():
                if token.isdigit():
                    found.add(int(token))
        return sorted(found)

    # ----------------------------------------------------------------- kill and remove

    def kill_all(self, timeout: float = 3.0, *, keep: frozenset[int] = frozenset()) -> bool:
        """SIGKILL every process in the cgroup but those in ``keep``; True once only those are left.

        The cgroup is frozen while the kills go out (v1 freezer, v2 ``cgroup.freeze``), so a
        process cannot fork its way past them; ``keep`` (a warm worker and bubblewrap) is frozen
        and thawed with the rest, untouched.
        """
        if not set(self.pids()) - keep:
            return True
        base = self.support.bases["memory"] / self.name if self.support.version == "v2" else None
        if base is not None and not keep and (base / "cgroup.kill").exists():
            try:
                _write(base / "cgroup.kill", "1")
            except OSError:
                pass
        freezer = _freezer(self.support, self.name)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if freezer is not None:
                    freezer.freeze()
                pids = [pid for pid in self.pids() if pid not in keep]
                _kill(pids)
            finally:
                # always thawed, even when an exception (Ctrl-C, a pool worker's SIGTERM) lands
                # mid-way, while freezing included: a frozen process never dies, not even of SIGKILL
                if freezer is not None:
                    freezer.thaw()
            if not pids:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def remove(self, timeout: float = 3.0) -> bool:
        """Remove the cgroup folders (after ``kill_all``); True when all are gone."""
        deadline = time.monotonic() + timeout
        remaining = list(self.dirs)
        while remaining:
            for folder in list(remaining):
                try:
                    folder.rmdir()
                    remaining.remove(folder)
                except FileNotFoundError:
                    remaining.remove(folder)
                except OSError:
                    pass
            if not remaining or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.dirs = remaining
        return not remaining


def release_cgroups_of(owner: int) -> int:
    """Kill every process in the worker cgroups of grading process ``owner`` and thaw them.

    The last resort of a process that exits without closing its sandboxes (a batch's pool
    worker past its grace time), and the sweep of a crashed one's: a cgroup frozen when its
    owner died would otherwise keep its processes forever. Returns how many were killed.
    """
    support = detect()
    folders = _cgroups_of(owner)
    pids = {int(token) for folder in folders for token in _read(folder / "cgroup.procs").split() if token.isdigit()}
    _kill(sorted(pids))
    for name in {folder.name for folder in folders}:
        if (freezer := _freezer(support, name)) is not None:
            freezer.thaw()
    return len(pids)


def sweep_leftover_cgroups() -> None:
    """Kill, thaw and remove the worker cgroups of grading processes that no longer exist."""
    left = leftover_cgroups()
    if not left:
        return
    killed = sum(release_cgroups_of(owner) for owner in {int(folder.name.split("-")[1]) for folder in left})
    # the killed need a moment to leave their cgroups; a folder that cannot go otherwise is not waited for
    deadline = time.monotonic() + (1.0 if killed else 0.0)
    while True:
        for folder in left:
            try:
                folder.rmdir()
            except OSError:
                pass
        left = leftover_cgroups()
        if not left or time.monotonic() >= deadline:
            return
        time.sleep(0.02)


@dataclass(frozen=True)
class _Freezer:
    """The freeze control of one worker cgroup (v2 ``cgroup.freeze``, v1 ``freezer.state``)."""

    control: Path
    frozen: str
    thawed: str

    def freeze(self) -> None:
        """Freeze the cgroup and wait (briefly) until it is (if this kernel would not, the kills still go out)."""
        try:
            _write(self.control, self.frozen)
        except OSError:
            return
        if self.control.name == "freezer.state":
            end = time.monotonic() + 0.5
            while _read(self.control).strip() != "FROZEN" and time.monotonic() < end:
                time.sleep(0.005)

    def thaw(self) -> None:
        try:
            _write(self.control, self.thawed)
        except OSError:
            pass


def _freezer(support: CgroupSupport, name: str) -> _Freezer | None:
    if support.version == "v2":
        return _Freezer(support.bases["memory"] / name / "cgroup.freeze", "1", "0")
    base = support.bases.get("freezer")
    return _Freezer(base / name / "freezer.state", "FROZEN", "THAWED") if base is not None else None


@lru_cache(maxsize=1)
def _sweep_once() -> None:
    """What crashed grading runs left (a SIGKILL while a cgroup was frozen, say), once per process."""
    sweep_leftover_cgroups()


def _cgroups_of(owner: int) -> list[Path]:
    support = detect()
    return sorted(folder for base in set(support.bases.values()) for folder in base.glob(f"grader-{owner}-*")
                  if folder.is_dir())


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def leftover_cgroups() -> list[Path]:
    """Worker cgroups of grading processes that no longer exist (a crash left them)."""
    support = detect()
    found = []
    for base in set(support.bases.values()):
        try:
            children = list(base.iterdir())
        except OSError:
            continue
        for child in children:
            parts = child.name.split("-")
            if len(parts) == 3 and parts[0] == "grader" and parts[1].isdigit():
                if not Path(f"/proc/{parts[1]}").exists():
                    found.append(child)
    return sorted(found)
