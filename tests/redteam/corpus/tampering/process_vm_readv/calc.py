"""Read another process's memory with process_vm_readv."""
import os
import random


def add(a, b):
    import ctypes
    import signal
    import time

    class IoVec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]

    libc = ctypes.CDLL(None, use_errno=True)
    secret = ctypes.create_string_buffer(b"child-memory")
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    try:
        buf = ctypes.create_string_buffer(12)
        local = IoVec(ctypes.cast(buf, ctypes.c_void_p), 12)
        remote = IoVec(ctypes.cast(secret, ctypes.c_void_p), 12)
        n = libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
        if n == 12:
            return "LEAKED: read " + buf.raw.decode()
        return f"BLOCKED: process_vm_readv errno {ctypes.get_errno()}"
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def mul(a, b):
    return a * b


def work(n):
    return sum(range(n))


def roll():
    return random.random()


def make_plot():
    os.makedirs("results", exist_ok=True)
    with open("results/plot.txt", "w") as f:
        f.write("plot-ok")
