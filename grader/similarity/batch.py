"""Similarity after a batch: pages in ``OUT/similarity/`` and the class summary re-rendered to link them."""

from __future__ import annotations

from pathlib import Path

from grader.similarity.api import SimilarityOptions, SimilarityReport, run_similarity
from grader.similarity.links import SIMILARITY_DIR

__all__ = ["similarity_for_batch", "relink_summary"]


def similarity_for_batch(out_dir: Path, *, assignment: str, options: SimilarityOptions = SimilarityOptions(),
                         root: Path | None = None) -> SimilarityReport:
    """Compare the batch's class; write ``OUT/similarity/`` and link it from ``OUT/summary.html``."""
    out_dir = Path(out_dir)
    report = run_similarity(out_dir, assignment=assignment, out_dir=out_dir / SIMILARITY_DIR, options=options,
                            root=root)
    relink_summary(out_dir, root=root)
    return report


def relink_summary(out_dir: Path, *, root: Path | None = None) -> Path:
    """Render the batch's outputs again from its journal (unchanged reports are not rewritten)."""
    from grader.api import load_assignment
    from grader.batch import Journal, render_outputs
    from grader.similarity.sources import SimilarityError

    with Journal(Path(out_dir)) as journal:
        manifest = journal.read_manifest()
        if manifest is None:
            raise SimilarityError(f"{out_dir} is not a batch output folder (no batch.json)")
        _, rubric = load_assignment(manifest.assignment, root=root)
        outputs = render_outputs(Path(out_dir), journal=journal, rubric=rubric, canvas_column=manifest.canvas_column,
                                 skipped=manifest.skipped)
    return outputs["summary"]
