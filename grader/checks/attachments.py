"""Pictures and text a hidden test attaches to its item's section of the report.

The ``attach`` fixture hands a test an ``Attachments``; what it collects travels inline
in the item's result (PNG or text, base64), so a report is one file and a batch journal
entry holds everything. Sizes are capped: a test that attaches too much gets a note in
place of the extra pictures, never a failed test.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from grader.results.models import Artifact

__all__ = ["Attachments", "MAX_ARTIFACT_BYTES", "MAX_ARTIFACTS_BYTES"]

#: one picture or text, encoded
MAX_ARTIFACT_BYTES = 1536 * 1024
#: everything one test attaches
MAX_ARTIFACTS_BYTES = 6 * 1024 * 1024
_FIGURE_DPI = 80


class Attachments:
    """Collects a test's artifacts: ``figure``, ``image`` and ``text``."""

    def __init__(self) -> None:
        self.artifacts: list[Artifact] = []
        self.dropped: list[str] = []
        self._bytes = 0

    def figure(self, figure: Any, title: str) -> None:
        """A matplotlib figure, saved as PNG (and closed, so tests do not pile up figures)."""
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=_FIGURE_DPI, bbox_inches="tight")
        plt.close(figure)
        self._add(title, "image/png", buffer.getvalue())

    def image(self, array: Any, title: str, *, cmap: str = "gray", vmin: float | None = None,
              vmax: float | None = None) -> None:
        """A 2-D array (shown with ``cmap``) or an H x W x 3 array (RGB in [0, 1]) as a PNG."""
        import matplotlib.pyplot as plt  # imsave draws no figure: no backend is involved
        import numpy as np

        data = np.asarray(array, dtype=float)
        if data.ndim not in (2, 3):
            raise ValueError(f"attach.image needs a 2-D or H x W x 3 array, not shape {data.shape}")
        buffer = io.BytesIO()
        plt.imsave(buffer, data, cmap=cmap if data.ndim == 2 else None, vmin=vmin, vmax=vmax, format="png")
        self._add(title, "image/png", buffer.getvalue())

    def text(self, text: str, title: str) -> None:
        self._add(title, "text/plain", str(text).encode("utf-8"), kind="text")

    def _add(self, title: str, media_type: str, data: bytes, kind: str = "image") -> None:
        if len(data) > MAX_ARTIFACT_BYTES or self._bytes + len(data) > MAX_ARTIFACTS_BYTES:
            self.dropped.append(f"{title} ({len(data) // 1024} KiB) was not attached: "
                                "the report's size limit was reached")
            return
        self._bytes += len(data)
        self.artifacts.append(Artifact(title=title, kind=kind, media_type=media_type,
                                       data_b64=base64.b64encode(data).decode("ascii")))
