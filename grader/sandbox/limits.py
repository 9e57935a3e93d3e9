"""One model for every resource limit a sandboxed worker runs under.

A rubric's ``limits:`` section fills it; the defaults are the sane values for a
small homework on a laptop. There is exactly one knob per resource (STYLE, "Avoid" 3).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Limits"]


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: wall-clock seconds for everything one worker does (imports, all calls)
    wall_s: float = Field(default=300, gt=0)
    #: wall-clock seconds a single call into the student's code may take
    call_s: float = Field(default=60, gt=0)
    #: CPU seconds of the worker process (RLIMIT_CPU; per process, the wall clock covers the tree)
    cpu_s: int = Field(default=600, gt=0)
    #: address-space / memory limit of the worker, in MiB
    memory_mb: int = Field(default=4096, ge=256)
    #: processes and threads the worker may have at once
    processes: int = Field(default=64, ge=8)
    #: largest file the worker may write, in MiB
    file_size_mb: int = Field(default=64, ge=1)
    #: captured stdout+stderr kept per worker, in KiB (the rest is counted and dropped)
    output_kb: int = Field(default=64, ge=1)
    #: largest single wire message accepted from the worker, in MiB
    message_mb: int = Field(default=256, ge=1)
    #: threads torch / BLAS may use inside the worker
    threads: int = Field(default=1, ge=1)

    def describe_memory(self) -> str:
        mb = self.memory_mb
        return f"{mb // 1024} GiB" if mb % 1024 == 0 else f"{mb} MiB"
