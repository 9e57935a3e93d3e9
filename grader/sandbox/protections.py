"""Which protections this machine gives each backend, for ``grader doctor`` and result warnings.

``host_protections(backend_name)`` lists every protection with whether it is on here
and how (``Protection``); ``host_warnings(backend)`` is the short list of what is
missing, copied into every result's ``sandbox_warnings`` so a report never hides a
weaker sandbox.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.sandbox import cgroups, seccomp
from grader.sandbox.workspace import tmpfs_unavailable_reason

if TYPE_CHECKING:
    from grader.sandbox.base import Backend

__all__ = ["Protection", "host_protections", "host_warnings"]


@dataclass(frozen=True)
class Protection:
    name: str
    on: bool
    detail: str


def host_protections(backend: str) -> list[Protection]:
    """Every protection the ``backend`` sandbox gives on this machine, on or off, with how."""
    root = os.geteuid() == 0
    support = cgroups.detect()
    seccomp_missing = seccomp.unavailable_reason()
    tmpfs_missing = tmpfs_unavailable_reason()
    found: list[Protection] = []
    if backend == "bwrap":
        from grader.sandbox import backend_problem

        problem = backend_problem("bwrap")
        found += [
            Protection("namespaces", problem is None,
                       problem or "bubblewrap: own mount, pid, ipc, uts, network and cgroup namespaces"),
            Protection("network", problem is None, "a network namespace with only loopback"),
            Protection("file system", problem is None,
                       "read-only /usr and Python, private /tmp, only the workspace copy writable; "
                       "rubrics, hidden tests and references are never mounted"),
        ]
    else:
        found += [
            Protection("namespaces", False, "none: the rlimit backend runs the worker as a plain process"),
            Protection("network", False,
                       "partial: seccomp refuses internet sockets (AF_INET, AF_INET6); the host's UNIX sockets "
                       "stay reachable" if seccomp_missing is None else "none: the worker can open sockets"),
            Protection("file system", False,
                       "none: the worker can read what its uid can read and write where it may write"),
        ]
    drops = root and (backend == "bwrap" or _rlimit_can_drop())
    if drops:
        why = "each worker runs as an unprivileged uid of its own, with no capabilities"
    elif root:
        why = ("the worker runs as root, the grader's own user: the Python installation "
               f"({os.path.realpath(sys.executable)}) is not reachable by other users; install the grader's "
               "Python where others can read it (e.g. /opt or /usr/local) to let rlimit drop to a uid of its own")
    else:
        why = "the worker runs as the grader's own user (run the grader as root to give each worker its own uid)"
    found.append(Protection("own uid", drops, why))
    found.append(Protection("seccomp", seccomp_missing is None,
                            f"a deny-list of {sum(len(v) for v in seccomp.BLOCKED.values())} syscalls "
                            "(ptrace, io_uring, bpf, mount, unshare, keyrings, ...) and socket families "
                            "other than UNIX" + (" and internet" if backend == "bwrap" else "")
                            if seccomp_missing is None else seccomp_missing))
    found.append(Protection("cgroup", support.version != "none",
                            support.describe() + ("" if support.version == "none" else
                                                  ": memory, processes and CPU time of the whole worker tree")))
    found.append(Protection("tree kill", support.version != "none" or backend == "bwrap" or root,
                            "cgroup kill (freezer or cgroup.kill)" if support.version != "none" else
                            "the pid namespace dies with bubblewrap" if backend == "bwrap" else
                            "process group, then every process of the worker's uid" if root else
                            "process group only: a daemon that calls setsid() survives"))
    found.append(Protection("disk quota", tmpfs_missing is None,
                            "each workspace copy on a size- and inode-capped tmpfs" if tmpfs_missing is None
                            else tmpfs_missing))
    found.append(Protection("rlimits", True, "address space, CPU per process, file size, processes per uid, "
                                             "open files, no core dumps"))
    return found


def _rlimit_can_drop() -> bool:
    from grader.sandbox.rlimit import RlimitBackend

    return RlimitBackend().drops_privileges


def host_warnings(backend: "Backend") -> tuple[str, ...]:
    """What ``backend`` cannot protect here, one sentence each (empty when everything is on)."""
    warned = []
    name = backend.name
    if name == "rlimit":
        warned += [
            "rlimit sandbox: no file-system isolation (the student's code can read any file its user can read)",
        ]
        if seccomp.unavailable_reason() is not None:
            warned.append("rlimit sandbox: no network isolation (the student's code can open sockets)")
        else:
            warned.append("rlimit sandbox: no network namespace (internet sockets are refused by seccomp; "
                          "UNIX sockets on the host stay reachable)")
        if not backend.drops_privileges:
            warned.append("rlimit sandbox: the student's code runs as the grader's own user")
    for protection in host_protections(name):
        if protection.on or protection.name in ("namespaces", "network", "file system", "own uid"):
            continue
        warned.append(f"{name} sandbox: no {protection.name} here ({protection.detail})")
    return tuple(warned)
