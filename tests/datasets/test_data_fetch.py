"""Fetch against a local HTTP server: download, resume, mirrors, checksum mismatch, end to end."""

from __future__ import annotations

import dataclasses
import hashlib
import os

import pytest

from grader.cli.data import data_app
from grader.datasets import FetchError
from grader.datasets.download import download
from grader.datasets.registry import DATASETS
from grader.datasets.store import fetch_dataset, verify_datasets
from tests.datasets._support import file_server, shared_files

PAYLOAD = os.urandom(300_000) + b"the end"
SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def registry_without_urls(monkeypatch):
    """The registry with every public URL removed: fetch tests reach only the local server,
    even on a machine with internet."""
    for name, d in list(DATASETS.items()):
        strip = lambda files: tuple(dataclasses.replace(f, urls=()) for f in files)
        monkeypatch.setitem(DATASETS, name, dataclasses.replace(d, files=strip(d.files), archives=strip(d.archives)))


def test_download_writes_the_file_and_no_part(tmp_path):
    with file_server({"/f.bin": PAYLOAD}) as srv:
        used = download((srv.url("f.bin"),), tmp_path / "f.bin", sha256=SHA, size=len(PAYLOAD), progress=False)
    assert used.endswith("/f.bin") and (tmp_path / "f.bin").read_bytes() == PAYLOAD
    assert not (tmp_path / "f.bin.part").exists()


def test_a_truncated_partial_download_is_resumed_with_a_range_request(tmp_path):
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:123_456])
    with file_server({"/f.bin": PAYLOAD}) as srv:
        download((srv.url("f.bin"),), tmp_path / "f.bin", sha256=SHA, size=len(PAYLOAD), progress=False)
    assert srv.requests == [("/f.bin", "bytes=123456-")]
    assert srv.sent == len(PAYLOAD) - 123_456
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_a_dropped_connection_resumes_from_the_next_mirror(tmp_path):
    files = {"/a/f.bin": PAYLOAD, "/b/f.bin": PAYLOAD}
    with file_server(files, cut_after={"/a/f.bin": 100_000}) as srv:
        used = download((srv.url("a/f.bin"), srv.url("b/f.bin")), tmp_path / "f.bin", sha256=SHA,
                        size=len(PAYLOAD), progress=False)
    assert used == srv.url("b/f.bin")
    assert srv.requests == [("/a/f.bin", None), ("/b/f.bin", "bytes=100000-")]
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_a_server_that_ignores_range_restarts_from_zero(tmp_path):
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:5000])
    with file_server({"/f.bin": PAYLOAD}, honour_range=False) as srv:
        download((srv.url("f.bin"),), tmp_path / "f.bin", sha256=SHA, size=len(PAYLOAD), progress=False)
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_mirrors_are_tried_in_order(tmp_path):
    with file_server({"/good/f.bin": PAYLOAD}) as srv:
        used = download((srv.url("missing/f.bin"), srv.url("good/f.bin")), tmp_path / "f.bin", sha256=SHA,
                        progress=False)
    assert used == srv.url("good/f.bin")
    assert [p for p, _ in srv.requests] == ["/missing/f.bin", "/good/f.bin"]


def test_a_checksum_mismatch_is_refused_and_leaves_nothing(tmp_path):
    tampered = PAYLOAD[:-1] + b"!"
    with file_server({"/f.bin": tampered}) as srv:
        with pytest.raises(FetchError) as info:
            download((srv.url("f.bin"),), tmp_path / "f.bin", sha256=SHA, size=len(PAYLOAD), progress=False)
    assert f"is not the registered {SHA}" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_resumed_part_is_retried_from_zero(tmp_path):
    (tmp_path / "f.bin.part").write_bytes(b"\0" * 1000)   # a prefix that is not the file's
    with file_server({"/f.bin": PAYLOAD}) as srv:
        download((srv.url("f.bin"),), tmp_path / "f.bin", sha256=SHA, size=len(PAYLOAD), progress=False)
    assert srv.requests == [("/f.bin", "bytes=1000-"), ("/f.bin", None)]
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_every_failure_is_listed(tmp_path):
    with file_server({}) as srv:
        with pytest.raises(FetchError) as info:
            download((srv.url("x"), "http://127.0.0.1:9/nothing-listens-here"), tmp_path / "x", sha256=SHA,
                     progress=False)
    message = str(info.value)
    assert "could not download x:" in message and "Not Found" in message and "127.0.0.1:9" in message


def test_fetch_from_a_mirror_imports_and_verifies(shared_data, tmp_path, cli, registry_without_urls):
    root = tmp_path / "data"
    with file_server(shared_files(shared_data, ("cameraman", "boston"))) as srv:
        report = fetch_dataset("boston", root=root, mirror=srv.base, progress=False)
        result = cli.invoke(data_app, ["fetch", "cameraman", "--mirror", srv.base, "--no-progress"],
                            env={"GRADER_DATA": str(root)})
        again = fetch_dataset("boston", root=root, mirror=srv.base, progress=False)
    assert report.name == "boston" and again is None   # already here and verified: nothing downloaded
    assert result.exit_code == 0 and "fetched cameraman: 1 file, sha256 verified" in result.stdout
    assert all(r.ok for r in verify_datasets(("boston", "cameraman"), root=root))
    assert not (root / ".downloads" / "boston").exists()


def test_fetch_failure_says_to_import_instead(tmp_path, cli, registry_without_urls):
    with file_server({}) as srv:
        result = cli.invoke(data_app, ["fetch", "diabetes", "--mirror", srv.base + "/nothing", "--no-progress"],
                            env={"GRADER_DATA": str(tmp_path / "data")})
    assert result.exit_code == 2
    assert "could not download" in result.stderr and "Not Found" in result.stderr
    assert "grader data import diabetes /path/to" in result.stderr


def test_fetch_imdb_from_a_mirror_builds_the_stored_files(shared_data, tmp_path, registry_without_urls):
    root = tmp_path / "data"
    with file_server(shared_files(shared_data, ("imdb",))) as srv:
        report = fetch_dataset("imdb", root=root, mirror=srv.base, progress=False)
    # the official archive is tried first (absent from this mirror), then the repacked one
    assert [p for p, _ in srv.requests] == ["/imdb/aclImdb_v1.tar.gz", "/imdb/aclImdb_train_test.tar.gz"]
    assert "a registered archive" in report.detail
    assert verify_datasets(("imdb",), root=root)[0].ok
    assert not (root / ".downloads" / "imdb").exists()
