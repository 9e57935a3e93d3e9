"""The trust split: the sandbox gets binds of just the allowed files; held-out labels stay outside."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from grader.datasets import DatasetMissing, get_dataset, load_imdb, load_imdb_test_texts, load_mnist
from grader.datasets.registry import DATASETS


@pytest.mark.parametrize("name", list(DATASETS))
def test_sandbox_binds_list_exactly_the_sandbox_files(grader_data, name):
    d = get_dataset(name)
    binds = d.sandbox_binds()
    assert [inside for _, inside in binds] == [f"/data/{name}/{rel}" for rel in d.sandbox_files]
    assert all(host.is_file() and host.parent == grader_data.root / name for host, _ in binds)
    for trusted in d.trusted_files:
        assert all(host.name != Path(trusted).name and trusted not in inside for host, inside in binds)


def test_sandbox_binds_of_a_missing_dataset_say_what_to_run(empty_root):
    with pytest.raises(DatasetMissing) as info:
        get_dataset("mnist").sandbox_binds()
    assert str(info.value).endswith("grader data fetch mnist")


def _sandbox_view(grader_data, tmp_path: Path, name: str) -> Path:
    """A data root holding only what the sandbox is given: the sandbox files of ``name``."""
    root = tmp_path / "view"
    for host, inside in get_dataset(name).sandbox_binds():
        dest = root / Path(inside).relative_to("/data")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(host, dest)
    return root


def test_mnist_train_loads_from_the_sandbox_view_and_test_labels_do_not(grader_data, tmp_path):
    view = _sandbox_view(grader_data, tmp_path, "mnist")
    images, labels = load_mnist("train", root=view)
    assert images.shape == (60000, 28, 28)
    with pytest.raises(DatasetMissing, match="t10k-labels-idx1-ubyte.gz"):
        load_mnist("test", root=view)


def test_imdb_sandbox_view_has_test_texts_without_labels(grader_data, tmp_path):
    view = _sandbox_view(grader_data, tmp_path, "imdb")
    texts, labels = load_imdb("train", root=view)
    assert len(texts) == 25000 and labels.sum() == 12500
    ids, test_texts = load_imdb_test_texts(root=view)
    assert len(test_texts) == 25000
    with pytest.raises(DatasetMissing, match="test_labels.tsv"):
        load_imdb("test", root=view)
    with open(view / "imdb" / "test_texts.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert {tuple(sorted(r)) for r in rows} == {("id", "text")}   # no label, rating or source path
    assert all(r["id"].startswith("test-") for r in rows)


def _sandbox_run_command():
    try:
        from grader.sandbox import run_command
    except ImportError as exc:   # the sandbox package is being written beside this one
        pytest.fail(f"grader.sandbox.run_command is not importable: {exc}")
    return run_command


def test_the_worker_reads_mnist_train_files_but_cannot_open_the_test_labels(grader_data, tmp_path):
    run_command = _sandbox_run_command()
    from grader.sandbox import SandboxUnavailable, choose_backend

    try:
        backend = choose_backend("bwrap")
    except SandboxUnavailable as exc:
        pytest.fail(f"this test needs the bwrap sandbox, which cannot run here: {exc}")
    binds = get_dataset("mnist").sandbox_binds()
    labels_on_host = grader_data.root / "mnist" / "t10k-labels-idx1-ubyte.gz"
    probe = (
        "import gzip, os, sys\n"
        "train = gzip.open('/data/mnist/train-labels-idx1-ubyte.gz').read()\n"
        "images = open('/data/mnist/t10k-images-idx3-ubyte.gz', 'rb').read(4)\n"
        "print('train labels', len(train), 'test images magic', images.hex())\n"
        "print('listing', sorted(os.listdir('/data/mnist')))\n"
        f"for path in ('/data/mnist/t10k-labels-idx1-ubyte.gz', {str(labels_on_host)!r}):\n"
        "    try:\n"
        "        open(path, 'rb').read(1)\n"
        "        print('READ', path)\n"
        "    except OSError as exc:\n"
        "        print('refused', path, type(exc).__name__)\n"
    )
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    result = run_command([sys.executable, "-c", probe], workspace=workspace, ro_binds=binds, backend=backend)
    assert result.returncode == 0, result.output
    assert "train labels 60008 test images magic 1f8b0808" in result.output
    assert ("listing ['t10k-images-idx3-ubyte.gz', 'train-images-idx3-ubyte.gz', "
            "'train-labels-idx1-ubyte.gz']") in result.output
    assert "READ" not in result.output
    assert result.output.count("refused") == 2
