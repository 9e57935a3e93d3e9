"""Probes every homework may use: timing and gradients measured where the object lives."""

from __future__ import annotations

import time
from typing import Any, Callable

__all__ = ["timed_call", "is_tensor_requiring_grad"]


def timed_call(fn: Callable[..., Any], *args: Any, repeat: int = 3, warmup: int = 1) -> dict:
    """Best-of-``repeat`` wall time of ``fn(*args)`` in seconds, after ``warmup`` calls.

    The trusted side must not believe this number alone (a student can patch the clock):
    it cross-checks against its own round-trip time of the same request.
    """
    for _ in range(warmup):
        fn(*args)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return {"best_s": best, "repeat": repeat}


def is_tensor_requiring_grad(value: Any) -> bool:
    return bool(getattr(value, "requires_grad", False))
