"""A seccomp filter for the worker: a small deny-list, compiled by hand to classic BPF.

The trusted side builds the program (``worker_filter()``) and either hands it to
bubblewrap (``bwrap --seccomp FD``), which installs it just before it runs the
worker, or installs it itself in the forked child (``install_in_child``, for the
``rlimit`` backend). No library is needed: the program is a list of 8-byte
``sock_filter`` instructions, which is short for a deny-list::

    arch != native            -> kill the process (no i386 or x32 entry points)
    nr in BLOCKED             -> EPERM
    socket/socketpair(family) -> EPERM unless AF_UNIX (and AF_INET/AF_INET6 when allowed)
    clone(flags & CLONE_NEW*) -> EPERM  (no new namespaces, user namespaces included)
    clone3                    -> ENOSYS (its flags are out of reach; glibc falls back to clone)
    personality(p)            -> EPERM unless a query or PER_LINUX (no ADDR_NO_RANDOMIZE)
    ioctl(TIOCSTI, TIOCLINUX) -> EPERM  (no typing into a terminal)
    kill(-1, ...)             -> EPERM  (no signal to every process the uid may signal)
    kill/tkill/tgkill/rt_(tg)sigqueueinfo/pidfd_open on a protected pid (or -pgid)
                              -> EPERM  (the rlimit backend protects the grader's own process
                                         and process group, which it shares a pid space with)
    anything else             -> allowed

``BLOCKED`` groups the syscalls by why they are blocked; SECURITY.md lists them.
Numbers are for x86_64 and aarch64 (tests check them against libseccomp when the
system Python has it); on other machines there is no filter and the backends say so.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
from functools import lru_cache

__all__ = ["BLOCKED", "SYSCALLS", "AUDIT_ARCH", "native_arch", "worker_filter", "install_in_child",
           "unavailable_reason", "compile_filter"]

#: name -> (x86_64 number, aarch64 number); None where the architecture has no such call
SYSCALLS: dict[str, tuple[int | None, int | None]] = {
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "kcmp": (312, 272), "pidfd_getfd": (438, 438),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "mount": (165, 40), "umount2": (166, 39), "open_tree": (428, 428), "move_mount": (429, 429),
    "fsopen": (430, 430), "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433),
    "mount_setattr": (442, 442), "pivot_root": (155, 41), "chroot": (161, 51),
    "unshare": (272, 97), "setns": (308, 268),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294), "reboot": (169, 142),
    "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
    "swapon": (167, 224), "swapoff": (168, 225), "acct": (163, 89), "quotactl": (179, 60),
    "settimeofday": (164, 170), "clock_settime": (227, 112), "adjtimex": (159, 171), "clock_adjtime": (305, 266),
    "open_by_handle_at": (304, 265), "name_to_handle_at": (303, 264), "lookup_dcookie": (212, 18),
    "fanotify_init": (300, 262), "syslog": (103, 116), "vhangup": (153, 58),
    "iopl": (172, None), "ioperm": (173, None), "modify_ldt": (154, None), "uselib": (134, None),
    "_sysctl": (156, None),
    # checked by argument, not blocked outright
    "socket": (41, 198), "socketpair": (53, 199), "clone": (56, 220), "clone3": (435, 435),
    "personality": (135, 92), "ioctl": (16, 29),
    "kill": (62, 129), "tkill": (200, 130), "tgkill": (234, 131), "rt_sigqueueinfo": (129, 138),
    "rt_tgsigqueueinfo": (297, 240), "pidfd_open": (434, 434),
}
_SIGNALLERS = ("tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open")

#: why -> syscalls blocked outright (EPERM)
BLOCKED: dict[str, tuple[str, ...]] = {
    "inspect or change other processes": ("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"),
    "kernel attack surface": ("io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open",
                              "userfaultfd"),
    "kernel keyrings": ("keyctl", "add_key", "request_key"),
    "mounts and namespaces": ("mount", "umount2", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount",
                              "fspick", "mount_setattr", "pivot_root", "chroot", "unshare", "setns"),
    "the machine itself": ("kexec_load", "kexec_file_load", "reboot", "init_module", "finit_module",
                           "delete_module", "swapon", "swapoff", "acct", "quotactl", "settimeofday",
                           "clock_settime", "adjtimex", "clock_adjtime", "syslog", "vhangup"),
    "file handles and notifications": ("open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "fanotify_init"),
    "x86 legacy": ("iopl", "ioperm", "modify_ldt", "uselib", "_sysctl"),
}

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_ARCH_INDEX = {"x86_64": 0, "aarch64": 1}

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
_CLONE_NEW = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
_TIOCSTI, _TIOCLINUX = 0x5412, 0x541C
_PER_QUERY = 0xFFFFFFFF

# classic BPF opcodes and seccomp return values
_LD_ABS = 0x20   # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15      # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35      # BPF_JMP | BPF_JGE | BPF_K
_JSET = 0x45     # BPF_JMP | BPF_JSET | BPF_K
_RET = 0x06      # BPF_RET | BPF_K
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_RET_ALLOW = 0x7FFF0000
_OFF_NR, _OFF_ARCH = 0, 4


def _arg_lo(index: int) -> int:
    """Offset of the low 32 bits of syscall argument ``index`` in ``seccomp_data`` (little endian)."""
    return 16 + 8 * index


def native_arch() -> str | None:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine) if machine else None


def unavailable_reason() -> str | None:
    """None when this machine can run the filter; otherwise why not."""
    arch = native_arch()
    if arch not in AUDIT_ARCH:
        return f"no seccomp filter for the {arch or 'unknown'} architecture (only x86_64 and aarch64)"
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            status = f.read()
    except OSError:
        status = ""
    if "Seccomp:" not in status:
        return "the kernel has no seccomp support"
    return None


def compile_filter(arch: str, *, allow_inet: bool, protect_pids: tuple[int, ...] = ()) -> bytes:
    """The filter for ``arch`` as raw ``struct sock_filter`` instructions.

    ``protect_pids``: pids (and process groups) the worker may not signal, besides -1.
    """
    if arch not in AUDIT_ARCH:
        raise ValueError(f"no seccomp filter for {arch}")
    col = _ARCH_INDEX[arch]

    def nr(name: str) -> int | None:
        return SYSCALLS[name][col]

    prog: list[tuple[int, object, object, int]] = []  # (code, jt label, jf label, k)
    labels: dict[str, int] = {}

    def op(code: int, k: int = 0, jt: object = 0, jf: object = 0) -> None:
        prog.append((code, jt, jf, k))

    def label(name: str) -> None:
        labels[name] = len(prog)

    op(_LD_ABS, _OFF_ARCH)
    op(_JEQ, AUDIT_ARCH[arch], 0, "kill")
    op(_LD_ABS, _OFF_NR)
    if arch == "x86_64":
        op(_JGE, 0x40000000, "kill", 0)  # the x32 ABI: same kernel, other numbers
    for names in BLOCKED.values():
        for name in names:
            number = nr(name)
            if number is not None:
                op(_JEQ, number, "eperm", 0)
    op(_JEQ, nr("socket"), "socket", 0)
    op(_JEQ, nr("socketpair"), "socket", 0)
    op(_JEQ, nr("clone"), "clone", 0)
    op(_JEQ, nr("clone3"), "enosys", 0)
    op(_JEQ, nr("personality"), "personality", 0)
    op(_JEQ, nr("ioctl"), "ioctl", 0)
    op(_JEQ, nr("kill"), "kill_check", 0)
    if protect_pids:
        for name in _SIGNALLERS:
            op(_JEQ, nr(name), "signal_check", 0)
    op(_RET, _RET_ALLOW)

    label("kill_check")
    op(_LD_ABS, _arg_lo(0))
    op(_JEQ, 0xFFFFFFFF, "eperm", 0)
    for pid in protect_pids:
        op(_JEQ, (-pid) & 0xFFFFFFFF, "eperm", 0)
        op(_JEQ, pid & 0xFFFFFFFF, "eperm", 0)
    op(_RET, _RET_ALLOW)

    if protect_pids:
        label("signal_check")
        op(_LD_ABS, _arg_lo(0))
        for pid in protect_pids:
            op(_JEQ, pid & 0xFFFFFFFF, "eperm", 0)
        op(_RET, _RET_ALLOW)

    label("socket")
    op(_LD_ABS, _arg_lo(0))
    op(_JEQ, AF_UNIX, "allow", 0)
    if allow_inet:
        op(_JEQ, AF_INET, "allow", 0)
        op(_JEQ, AF_INET6, "allow", 0)
    op(_RET, _RET_ERRNO | errno.EPERM)

    label("clone")
    op(_LD_ABS, _arg_lo(0))
    op(_JSET, _CLONE_NEW, "eperm", "allow")

    label("personality")
    op(_LD_ABS, _arg_lo(0))
    op(_JEQ, 0, "allow", 0)
    op(_JEQ, _PER_QUERY, "allow", "eperm")

    label("ioctl")
    op(_LD_ABS, _arg_lo(1))
    op(_JEQ, _TIOCSTI, "eperm", 0)
    op(_JEQ, _TIOCLINUX, "eperm", "allow")

    label("allow")
    op(_RET, _RET_ALLOW)
    label("eperm")
    op(_RET, _RET_ERRNO | errno.EPERM)
    label("enosys")
    op(_RET, _RET_ERRNO | errno.ENOSYS)
    label("kill")
    op(_RET, _RET_KILL_PROCESS)

    out = bytearray()
    for index, (code, jt, jf, k) in enumerate(prog):
        offsets = []
        for target in (jt, jf):
            if isinstance(target, str):
                delta = labels[target] - index - 1
                if not 0 <= delta <= 255:
                    raise AssertionError(f"seccomp jump to {target} out of range ({delta})")
                offsets.append(delta)
            else:
                offsets.append(int(target))  # type: ignore[call-overload]
        out += struct.pack("=HBBI", code, offsets[0], offsets[1], k & 0xFFFFFFFF)
    if len(prog) > 4096:
        raise AssertionError("seccomp program too long")
    return bytes(out)


@lru_cache(maxsize=8)
def worker_filter(*, allow_inet: bool, protect_pids: tuple[int, ...] = ()) -> bytes | None:
    """The filter for this machine, or None where there is none (see ``unavailable_reason``)."""
    if unavailable_reason():
        return None
    return compile_filter(native_arch() or "", allow_inet=allow_inet, protect_pids=protect_pids)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2


def install_in_child(program: bytes):  # type: ignore[no-untyped-def]
    """A function for a forked child (``preexec_fn``) that installs ``program`` for it and its exec.

    Everything that allocates is prepared here, in the parent, so the child only calls prctl.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    address = ctypes.addressof(fprog)

    def install() -> None:
        _keep = (buffer, fprog)  # noqa: F841 - keep the buffers alive in the child
        if prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, address, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")

    return install


def filter_fd(program: bytes) -> int:
    """An inheritable fd holding ``program`` at offset 0 (what ``bwrap --seccomp FD`` reads)."""
    fd = os.memfd_create("grader-seccomp", 0)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
