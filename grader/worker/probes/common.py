"""Probes every homework may use: timing and gradients measured where the object lives.

Students can read and patch everything here (it runs in their process): a probe's
answer is a claim, not a measurement the grader trusts on its own. ``timed_call`` is
cross-checked by ``grader.checks.proxy.time_call`` against the grader's own clock.
"""

from __future__ import annotations

import time
from typing import Any, Callable

__all__ = ["timed_call", "is_tensor_requiring_grad"]


def timed_call(fn: Callable[..., Any], *args: Any, repeat: int = 3, warmup: int = 1,
               kwargs: dict | None = None) -> dict:
    """Best-of-``repeat`` wall time of ``fn(*args, **kwargs)`` in seconds, after ``warmup`` calls.

    The trusted side must not believe this number alone (a student can patch the clock):
    it cross-checks against its own round-trip time of the same request.
    """
    kwargs = kwargs or {}
    clock = time.perf_counter
    for _ in range(warmup):
        fn(*args, **kwargs)
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        fn(*args, **kwargs)
        best = min(best, clock() - start)
    return {"best_s": best, "repeat": repeat}


def is_tensor_requiring_grad(value: Any) -> bool:
    return bool(getattr(value, "requires_grad", False))
