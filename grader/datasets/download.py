"""Download one file: mirrors in order, resume with an HTTP Range request, sha256 decides.

Bytes go to ``<dest>.part``; a later attempt (after a dropped connection, or from the
next mirror: the checksum makes mirrors interchangeable) continues where it stopped. Only
a part whose sha256 matches is renamed to ``dest``; one that does not is deleted, so a
bad mirror cannot poison the next try.
"""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.request
from contextlib import nullcontext
from pathlib import Path

from rich.console import Console
from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                           TransferSpeedColumn)

from grader._version import __version__
from grader.datasets._files import CHUNK, sha256_file
from grader.datasets.errors import FetchError

__all__ = ["download"]

USER_AGENT = f"dl-grader/{__version__} (grader data fetch)"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                    TimeRemainingColumn(), console=Console(stderr=True), transient=False)


def _fetch_into(url: str, part: Path, size: int | None, progress: Progress | None, timeout: float) -> None:
    """Bring ``part`` up to the full file from ``url``, resuming from its current length."""
    offset = part.stat().st_size if part.exists() else 0
    if size is not None and offset > size:
        part.unlink()   # longer than the real file: cannot be a prefix of it
        offset = 0
    if size is not None and offset == size:
        return          # complete already; the checksum will tell
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:   # nothing left to send: the part is complete (or wrong)
            return
        raise
    with response:
        mode = "ab"
        if offset and response.status == 206:
            m = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if not m or int(m.group(1)) != offset:
                raise OSError(f"server answered the range request from {offset} with "
                              f"{response.headers.get('Content-Range')!r}")
        else:
            mode, offset = "wb", 0    # the server ignored the Range header: start over
        length = response.headers.get("Content-Length")
        total = size if size is not None else (offset + int(length) if length else None)
        task = progress.add_task(part.name.removesuffix(".part"), total=total, completed=offset) if progress else None
        received = 0
        with open(part, mode) as out:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except http.client.IncompleteRead as exc:   # the connection dropped: keep what came
                    out.write(exc.partial)
                    raise
                if not chunk:
                    break
                out.write(chunk)
                received += len(chunk)
                if progress is not None:
                    progress.advance(task, len(chunk))
        if length and received < int(length):   # closed early: keep the part for the next attempt
            raise OSError(f"connection closed after {offset + received} of {offset + int(length)} bytes")


def download(urls: tuple[str, ...], dest: Path, *, sha256: str, size: int | None = None,
             progress: bool = True, timeout: float = 60.0) -> str:
    """Download ``dest`` from the first of ``urls`` that yields the right bytes; returns that URL.

    Raises :class:`FetchError` listing each URL's failure when none does.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_file() and sha256_file(dest) == sha256:
        return "(already downloaded)"   # an earlier fetch got this file, then stopped on another
    part = dest.with_name(dest.name + ".part")
    failures: list[str] = []
    with _progress() if progress else nullcontext() as bar:
        for url in urls:
            for _attempt in range(2):   # a resumed part that fails the checksum is retried once from zero
                resumed = part.exists() and part.stat().st_size > 0
                try:
                    _fetch_into(url, part, size, bar, timeout)
                except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
                    failures.append(f"{url}: {getattr(exc, 'reason', None) or exc}")
                    break   # keep the part: the next mirror resumes it
                digest = sha256_file(part)
                if digest == sha256:
                    part.replace(dest)
                    return url
                part.unlink()
                if not resumed:
                    failures.append(f"{url}: sha256 {digest} is not the registered {sha256}")
                    break
    raise FetchError(dest.name, tuple(failures))
