"""Helpers for the dataset tests: the shared data folder, byte flips, a local HTTP server."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: where CI puts the offline copies: a folder ``shared/`` beside the clone
DEFAULT_SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data_dir() -> Path:
    """The folder of offline dataset copies; a test that needs it FAILS (never skips) without it."""
    env = os.environ.get("GRADER_SHARED_DATA", "").strip()
    path = Path(env) if env else DEFAULT_SHARED_DATA
    if not (path / "mnist").is_dir():
        pytest.fail(
            f"the offline dataset copies are not at {path} "
            f"({'from $GRADER_SHARED_DATA' if env else 'the default: <repo>/../shared/data'}). "
            "Tests that need data fail rather than skip. Put the shared/ folder beside the clone, "
            "or set GRADER_SHARED_DATA to a folder laid out like it (mnist/, imdb/, cameraman/, boston/, diabetes/).",
            pytrace=False,
        )
    return path


def flip_byte(path: Path, offset: int | None = None) -> None:
    """Change one byte of ``path`` in place (the middle byte by default); the file may be read-only."""
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


@dataclass
class FileServer:
    """What the test server saw and how it behaves; ``files`` maps URL path -> bytes."""

    files: dict[str, bytes]
    #: URL paths whose response stops after this many bytes (the connection then drops)
    cut_after: dict[str, int] = field(default_factory=dict)
    honour_range: bool = True
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    sent: int = 0
    base: str = ""

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"


def _handler(state: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path
            state.requests.append((path, self.headers.get("Range")))
            body = state.files.get(path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = 0
            rng = self.headers.get("Range")
            if rng and state.honour_range:
                start = int(rng.removeprefix("bytes=").split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if path in state.cut_after:
                payload = payload[: state.cut_after.pop(path)]
                self.close_connection = True
            self.wfile.write(payload)
            state.sent += len(payload)

    return Handler


@contextmanager
def file_server(files: dict[str, bytes], **options: object) -> Iterator[FileServer]:
    """A threaded HTTP server on 127.0.0.1 with Range support, for the fetch tests."""
    state = FileServer(files, **options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def shared_files(shared: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """``/<name>/<file>`` -> bytes for the given datasets' folders in the shared copy: a mirror."""
    out = {}
    for name in names:
        for f in sorted((shared / name).iterdir()):
            if f.is_file():
                out[f"/{name}/{f.name}"] = f.read_bytes()
    return out
