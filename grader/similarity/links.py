"""The class summary's link to the similarity pages of a batch (``OUT/similarity/``), when they exist.

Kept apart from the rest of :mod:`grader.similarity` so that the batch's renderer can ask
without importing it: every re-render of ``summary.html`` (a resumed batch, a manual import)
keeps the link.
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.batch.summary import SummaryLink

__all__ = ["SIMILARITY_DIR", "similarity_links"]

#: where ``grader batch --similarity`` and ``grader similarity <batch out>`` write, inside the batch's folder
SIMILARITY_DIR = "similarity"


def similarity_links(out_dir: Path) -> tuple[SummaryLink, ...]:
    """A link to ``similarity/index.html`` with its count of flagged pairs; none when there is no such page."""
    folder = Path(out_dir) / SIMILARITY_DIR
    if not (folder / "index.html").is_file():
        return ()
    note = "TA only"
    try:
        data = json.loads((folder / "similarity.json").read_text(encoding="utf-8"))
        note = f"TA only: {int(data['flagged'])} pair(s) at or above {100 * float(data['threshold']):.0f}%"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return (SummaryLink(label="Similarity across the class", href=f"{SIMILARITY_DIR}/index.html", note=note),)
