"""NLTK's data offline: the English stop words where ``nltk.corpus.stopwords`` looks, and
``nltk.download`` answering without network.

The stop words are NLTK's English list (179 words since NLTK 3.8), stored as a data file in
NLTK's own layout (``nltk_data/corpora/stopwords/english``, beside this module), so
``nltk.corpus.stopwords.words('english')`` reads it through NLTK's normal corpus reader. In the
sandbox the folder is put first on ``nltk.data.path`` when ``nltk`` is imported, and
``nltk.download('stopwords')`` (and ``'corpora/stopwords'``, ``'all-corpora'`` does not count)
returns True at once; any other package prints that the sandbox has no network and returns
False, as NLTK does offline (or raises ``ValueError`` with ``raise_on_error=True``). Porter
stemming is code and needs no data.

The trusted side uses the same file: ``english_stop_words()`` here, or ``use_offline_data(nltk)``
to make the real ``nltk.corpus.stopwords`` read it (``grader.worker.compat.nltk_offline``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from . import notes

__all__ = ["NLTK_DATA", "SERVED", "english_stop_words", "use_offline_data", "patch"]

#: the folder in NLTK's data layout
NLTK_DATA = Path(__file__).resolve().parent / "nltk_data"
#: what ``nltk.download`` can answer True for
SERVED = frozenset({"stopwords", "corpora/stopwords"})


def english_stop_words() -> list[str]:
    """NLTK's English stop words, in NLTK's order, read from our data file (no nltk needed)."""
    text = (NLTK_DATA / "corpora" / "stopwords" / "english").read_text(encoding="utf-8")
    return [w for w in text.split("\n") if w]


def use_offline_data(nltk: ModuleType) -> None:
    """Put our data folder first on ``nltk.data.path`` (for ``nltk.corpus.stopwords``)."""
    folder = str(NLTK_DATA)
    if folder not in nltk.data.path:
        nltk.data.path.insert(0, folder)


def _download(info_or_id: Any = None, download_dir: Any = None, quiet: bool = False, force: bool = False,
              prefix: str = "[nltk_data] ", halt_on_error: bool = True, raise_on_error: bool = False,
              print_error_to: Any = None, **_ignored: Any) -> bool:
    wanted = info_or_id if isinstance(info_or_id, (list, tuple)) else [info_or_id]
    missing = [str(w) for w in wanted if str(w) not in SERVED]
    if not missing:
        if not quiet:
            print(f"{prefix}{', '.join(map(str, wanted))}: served offline by the grader", file=sys.stdout)
        return True
    message = (f"the grading sandbox has no network: nltk.download({', '.join(map(repr, missing))}) cannot fetch "
               f"it; the grader serves only the English stop words (nltk.download('stopwords'))")
    notes.record(f"nltk:{missing}", f"nltk.download({', '.join(map(repr, missing))}) could not run: {message}"
                 f"{notes.at()}")
    if raise_on_error:
        raise ValueError(message)
    print(f"{prefix}{message}", file=print_error_to or sys.stderr)
    return False


def patch(module: ModuleType) -> None:
    """Run right after ``nltk`` executed (its ``data`` and ``downloader`` are imported by then)."""
    use_offline_data(module)
    module.download = _download
    downloader = sys.modules.get("nltk.downloader")
    if downloader is not None:
        downloader.download = _download
