"""Values from the worker, checked before trusted-side numpy or torch computes with them.

What comes back over the wire is data, but its size is the student's choice: a 50 MB
"filter" or a shape that makes ``np.kron`` ask for tens of GiB would stall or kill the
grading process, not just the student's item. ``checked_array`` turns a value into a
small numpy array or fails the test with a message that names what was expected.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["MAX_ELEMENTS", "checked_array"]

#: elements a hidden test may compute with when it sets no bound of its own (8 MB of float64)
MAX_ELEMENTS = 1 << 20


def checked_array(value: Any, what: str, *, ndim: int | None = None, shape: Sequence[int | None] | None = None,
                  max_elements: int = MAX_ELEMENTS, max_side: int | None = None,
                  dtype: Any = np.float64) -> np.ndarray:
    """``value`` as a finite-size numeric array; raises ``AssertionError`` (the item's message) when it is not.

    ``shape`` may hold ``None`` for a free dimension; ``max_side`` bounds every dimension.
    The size is judged from the shape before any element is converted.
    """
    got_shape = _shape_of(value)
    if got_shape is None:
        raise AssertionError(f"{what} should be an array of numbers, not {type(value).__name__}")
    if ndim is not None and len(got_shape) != ndim:
        raise AssertionError(f"{what} has {len(got_shape)} dimensions {got_shape}; expected {ndim}")
    if shape is not None:
        wrong = len(shape) != len(got_shape) or any(w is not None and w != g for w, g in zip(shape, got_shape))
        if wrong:
            shown = " x ".join("*" if s is None else str(s) for s in shape)
            raise AssertionError(f"{what} has shape {got_shape}; expected {shown}")
    elements = int(np.prod(got_shape, dtype=np.float64)) if got_shape else 1
    if elements > max_elements:
        raise AssertionError(f"{what} has shape {got_shape} ({elements} values); at most {max_elements} are accepted")
    if max_side is not None and any(side > max_side for side in got_shape):
        raise AssertionError(f"{what} has shape {got_shape}; no side may exceed {max_side}")
    try:
        return np.asarray(value, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise AssertionError(f"{what} could not be read as numbers: {exc}") from None


def _shape_of(value: Any) -> tuple[int, ...] | None:
    """The shape of an array, tensor, number or (regular) nested list, without converting it."""
    shape = getattr(value, "shape", None)
    if shape is not None and not callable(shape):
        try:
            return tuple(int(s) for s in shape)
        except (TypeError, ValueError):
            return None
    if isinstance(value, bool) or isinstance(value, (int, float, complex)):
        return ()
    if isinstance(value, (list, tuple)):
        dims = []
        level: Any = value
        for _ in range(32):
            if not isinstance(level, (list, tuple)):
                break
            dims.append(len(level))
            if not level:
                break
            level = level[0]
        return tuple(dims)
    return None
