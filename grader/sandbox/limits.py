"""One model for every resource limit a sandboxed worker runs under.

A rubric's ``limits:`` section fills it; the defaults are the sane values for a
small homework on a laptop. There is exactly one knob per resource (STYLE, "Avoid" 3).
How each one is enforced (rlimit, cgroup, tmpfs, wall clock) is listed in SECURITY.md.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Limits", "OPEN_FILES"]

#: file descriptors one worker process may hold at once (RLIMIT_NOFILE)
OPEN_FILES = 256


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: wall-clock seconds for everything one submission's workers do (imports, all calls)
    wall_s: float = Field(default=300, gt=0)
    #: wall-clock seconds a single call into the student's code may take
    call_s: float = Field(default=60, gt=0)
    #: CPU seconds of one worker: all its processes together where a cgroup counts them,
    #: else per process (RLIMIT_CPU)
    cpu_s: int = Field(default=600, gt=0)
    #: memory of the worker, in MiB: per process (address space) and, with a cgroup, of the whole tree
    memory_mb: int = Field(default=4096, ge=256)
    #: processes and threads the worker may have at once
    processes: int = Field(default=64, ge=8)
    #: largest file the worker may write, in MiB
    file_size_mb: int = Field(default=64, ge=1)
    #: bytes the worker may keep in its workspace copy and in its /tmp, in MiB
    disk_mb: int = Field(default=512, ge=16)
    #: files and folders the worker may have in its workspace copy
    files: int = Field(default=10_000, ge=100)
    #: captured stdout+stderr kept per worker, in KiB (the rest is counted and dropped)
    output_kb: int = Field(default=64, ge=1)
    #: stdout+stderr a worker may print in all, in MiB, before it is stopped
    output_max_mb: int = Field(default=100, ge=1)
    #: largest single wire message accepted from the worker, in MiB
    message_mb: int = Field(default=256, ge=1)
    #: threads torch / BLAS may use inside the worker
    threads: int = Field(default=1, ge=1)

    def describe_memory(self) -> str:
        return _mib(self.memory_mb)

    def describe_disk(self) -> str:
        return _mib(self.disk_mb)


def _mib(mb: int) -> str:
    return f"{mb // 1024} GiB" if mb % 1024 == 0 else f"{mb} MiB"
