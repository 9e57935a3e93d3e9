"""The seccomp filter: its syscall table, its program, and what it refuses in a real sandbox."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys

import pytest

from grader.sandbox import Limits, run_command, seccomp

NEEDS_FILTER = pytest.mark.skipif(seccomp.unavailable_reason() is not None,
                                  reason=f"no seccomp filter here: {seccomp.unavailable_reason()}")


def test_the_syscall_table_matches_libseccomp():
    """Our hand-written numbers against libseccomp's, where the system Python has the binding."""
    system_python = shutil.which("python3", path="/usr/bin")
    script = (
        "import json, seccomp\n"
        f"names = {sorted(seccomp.SYSCALLS)!r}\n"
        "out = {}\n"
        "for arch, key in ((seccomp.Arch.X86_64, 'x86_64'), (seccomp.Arch.AARCH64, 'aarch64')):\n"
        "    for n in names:\n"
        "        nr = seccomp.resolve_syscall(arch, n)\n"
        "        out.setdefault(n, {})[key] = nr if nr >= 0 else None\n"
        "print(json.dumps(out))\n"
    )
    if system_python is None:
        pytest.skip("no system python3")
    probe = subprocess.run([system_python, "-c", script], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("the system python has no seccomp binding (apt-get install python3-seccomp): "
                    + probe.stderr[-200:])
    theirs = json.loads(probe.stdout)
    for name, (x86, arm) in seccomp.SYSCALLS.items():
        assert (x86, arm) == (theirs[name]["x86_64"], theirs[name]["aarch64"]), name


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_the_program_is_well_formed(arch):
    program = seccomp.compile_filter(arch, allow_inet=False, protect_pids=(1, 4242))
    assert len(program) % 8 == 0 and 20 < len(program) // 8 < 255
    code, jt, jf, k = struct.unpack("=HBBI", program[:8])
    assert (code, k) == (0x20, 4), "the first instruction loads the architecture"
    code, jt, jf, k = struct.unpack("=HBBI", program[8:16])
    assert k == seccomp.AUDIT_ARCH[arch]
    last = struct.unpack("=HBBI", program[-8:])
    assert last[0] == 0x06 and last[3] == 0x80000000, "the program ends with kill-process (foreign arch)"
    blocked = {n for names in seccomp.BLOCKED.values() for n in names}
    assert {"ptrace", "bpf", "io_uring_setup", "keyctl", "userfaultfd", "mount", "unshare", "setns",
            "kexec_load", "init_module", "perf_event_open", "process_vm_readv"} <= blocked


_PROBE = r'''
import ctypes, errno, os, socket, subprocess, threading, json
libc = ctypes.CDLL(None, use_errno=True)
out = {}
def call(name, fn):
    ctypes.set_errno(0)
    r = fn()
    out[name] = "ok" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
nr = {"x86_64": dict(bpf=321, io_uring_setup=425, userfaultfd=323, perf_event_open=298, keyctl=250, clone3=435),
      "aarch64": dict(bpf=280, io_uring_setup=425, userfaultfd=282, perf_event_open=241, keyctl=219, clone3=435)
      }[os.uname().machine]
call("ptrace", lambda: libc.ptrace(16, os.getppid(), 0, 0))
call("unshare_user", lambda: libc.unshare(0x10000000))
os.makedirs("mnt", exist_ok=True)  # harmless even if a broken filter let it through
call("mount", lambda: libc.mount(b"none", b"mnt", b"tmpfs", 0, None))
call("personality_aslr_off", lambda: libc.personality(0x0040000))
call("personality_query", lambda: libc.personality(0xffffffff))
call("kill_everyone", lambda: libc.kill(-1, 0))
for name, number in nr.items():
    call(name, lambda number=number: libc.syscall(number, 0, 0, 0, 0, 0))
for fam, name in ((socket.AF_VSOCK, "vsock"), (socket.AF_NETLINK, "netlink"), (socket.AF_PACKET, "packet"),
                  (socket.AF_INET, "inet"), (socket.AF_INET6, "inet6"), (socket.AF_UNIX, "unix")):
    try:
        socket.socket(fam, socket.SOCK_DGRAM if fam != socket.AF_PACKET else socket.SOCK_RAW).close()
        out["socket_" + name] = "ok"
    except OSError as e:
        out["socket_" + name] = errno.errorcode.get(e.errno, str(e.errno))
a, b = socket.socketpair(); a.close(); b.close(); out["socketpair"] = "ok"
t = threading.Thread(target=lambda: None); t.start(); t.join(); out["thread"] = "ok"
out["subprocess"] = subprocess.run(["true"]).returncode
print("RESULT " + json.dumps(out))
'''


@NEEDS_FILTER
@pytest.mark.parametrize("backend", ["bwrap", "rlimit"])
def test_the_filter_refuses_what_it_lists_and_nothing_a_homework_needs(tmp_path, backend):
    result = run_command([sys.executable, "-c", _PROBE], workspace=tmp_path, backend=backend,
                         limits=Limits(wall_s=60))
    line = next((l for l in result.output.splitlines() if l.startswith("RESULT ")), None)
    assert line, result.output
    got = json.loads(line[len("RESULT "):])
    for name in ("ptrace", "unshare_user", "mount", "personality_aslr_off", "kill_everyone", "bpf",
                 "io_uring_setup", "userfaultfd", "perf_event_open", "keyctl",
                 "socket_vsock", "socket_netlink", "socket_packet"):
        assert got[name] == "EPERM", (name, got)
    assert got["clone3"] == "ENOSYS", got
    for name in ("personality_query", "socket_unix", "socketpair", "thread"):
        assert got[name] == "ok", (name, got)
    assert got["subprocess"] == 0
    expected_inet = "ok" if backend == "bwrap" else "EPERM"
    assert got["socket_inet"] == got["socket_inet6"] == expected_inet, got


@NEEDS_FILTER
def test_the_rlimit_worker_cannot_signal_the_grader(tmp_path):
    import os

    probe = ("import os, signal\n"
             "for target in (os.getppid(), -os.getpgid(os.getppid()), 1):\n"
             "    try:\n"
             "        os.kill(target, 0)\n"
             "        print('SENT', target)\n"
             "    except OSError as e:\n"
             "        print('REFUSED', target, e.errno)\n")
    result = run_command([sys.executable, "-c", probe], workspace=tmp_path, backend="rlimit",
                         limits=Limits(wall_s=60))
    assert "SENT" not in result.output, result.output
    assert result.output.count("REFUSED") == 3 and os.getpid() > 0
