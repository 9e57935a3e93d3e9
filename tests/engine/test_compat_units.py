"""The parts of ``graderworker.compat`` that need no sandbox, on the trusted side (the end-to-end
runs are ``test_course_compat.py`` and ``tests/notebooks/test_colab.py``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import nltk
import pytest

from grader.datasets.paths import data_root
from grader.worker import datafiles
from grader.worker.compat import devices, missing, nltk_offline, tfds
from grader.worker.compat._hooks import Finder
from grader.worker.compat.datasets import DatasetNotAvailable


def test_the_stop_words_are_nltks_english_list_and_nltk_reads_them_offline():
    words = nltk_offline.english_stop_words()
    assert len(words) == len(set(words)) == 179 and words[:3] == ["i", "me", "my"] and "wouldn't" in words
    nltk_offline.use_offline_data(nltk)  # what the trusted side does to compare a tokenizer with nltk's steps
    from nltk.corpus import stopwords

    assert stopwords.words("english") == words


@pytest.fixture
def imdb_here(monkeypatch):
    monkeypatch.setattr(datafiles, "SANDBOX_DATA", data_root())
    tfds._cache.clear()
    yield
    tfds._cache.clear()


def test_tfds_slices_and_a_fixed_shuffled_order(imdb_here):
    texts, labels = tfds.load("imdb_reviews", split="train", batch_size=-1, as_supervised=True)
    assert len(labels) == 25000 and labels.dtype.name == "int64" and isinstance(texts[0], bytes)
    assert texts.numpy().dtype == object, "batch_size=-1 values answer .numpy() as tf.Tensors do"
    assert 1000 < int(labels[:2500].sum()) < 1500, "the order must be shuffled, not neg then pos"
    tfds._cache.clear()
    again, _ = tfds.load("imdb_reviews", split="train", batch_size=-1, as_supervised=True)
    assert list(again[:5]) == list(texts[:5]), "the order must be the same at every load"
    assert len(tfds.load("imdb_reviews", split="train[:10%]", batch_size=-1, as_supervised=True)[1]) == 2500
    assert len(tfds.load("imdb_reviews", split="train[-100:]", batch_size=-1, as_supervised=True)[1]) == 100
    first = next(tfds.as_numpy(tfds.load("imdb_reviews", split="train[:3]", as_supervised=True)))
    assert first[0] == texts[0] and first[1] == labels[0]
    as_dict = tfds.load("imdb_reviews", split="train[:2]", batch_size=-1)
    assert sorted(as_dict) == ["label", "text"]


@pytest.mark.parametrize(("name", "split", "says"), [
    ("imdb_reviews", "test", "labels are held out"),
    ("imdb_reviews", "train[:80%]+test", "not understood"),
    ("imdb_reviews", None, "name the split"),
    ("mnist", "train", "serves only imdb_reviews"),
])
def test_tfds_refuses_what_it_cannot_serve_and_says_why(imdb_here, name, split, says):
    with pytest.raises(DatasetNotAvailable, match=says):
        tfds.load(name, split=split, batch_size=-1, as_supervised=True)


def test_tfds_without_the_dataset_bound_says_the_rubric_must_list_it(monkeypatch, tmp_path):
    monkeypatch.setattr(datafiles, "SANDBOX_DATA", tmp_path)
    tfds._cache.clear()
    with pytest.raises(DatasetNotAvailable, match="must list imdb under datasets:"):
        tfds.load("imdb_reviews", split="train", batch_size=-1, as_supervised=True)


def test_missing_module_messages_say_whether_a_course_imports_it(monkeypatch):
    assert "The ee150-ps3 starter lists tensorflow" in missing.explain("tensorflow")
    assert "no course's starter code imports it" in missing.explain("wandb_not_here")
    monkeypatch.setattr(missing, "_findable", lambda root: False)
    monkeypatch.delitem(sys.modules, "cv2", raising=False)
    text = missing.explain("cv2")
    assert "although the starter code of nyu-dl-hw1 imports it" in text and "not yours" in text
    assert missing.message_for(ValueError("x"), "x") == "x", "only import errors get an explanation"


def test_cuda_is_found_in_sources_only_where_it_is_written(tmp_path):
    workspace, outside = tmp_path / "ws", tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    (workspace / "a.py").write_text("DEVICE = 'cpu'\n")
    (workspace / "notes.txt").write_text("cuda\n")
    (outside / "b.py").write_text("d = 'cuda'\n")
    os.symlink(outside, workspace / "link")
    os.symlink(outside / "b.py", workspace / "c.py")
    assert not devices.mentions_cuda(str(workspace)), "text files and links out of the workspace do not count"
    (workspace / "sub").mkdir()
    (workspace / "sub" / "nb.ipynb").write_text('{"cells": [{"source": "x.cuda()"}]}')
    assert devices.mentions_cuda(str(workspace))


def test_with_a_gpu_the_device_mapping_stays_off():
    fake = SimpleNamespace(cuda=SimpleNamespace(is_available=lambda: True))
    devices.enable(fake)  # type: ignore[arg-type]
    assert not devices.enabled()


def test_the_finder_serves_stand_ins_runs_hooks_after_import_and_survives_a_failing_hook(tmp_path, monkeypatch,
                                                                                          capsys):
    (tmp_path / "compat_probe_mod.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = Finder()
    seen = []
    finder.stand_in("compat_probe_stand_in", lambda: SimpleNamespace(__name__="compat_probe_stand_in", ok=True))
    finder.after("compat_probe_mod", lambda module: seen.append(module.VALUE))
    finder.after("compat_probe_mod", lambda module: 1 / 0)
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    try:
        import compat_probe_mod  # noqa: F401
        import compat_probe_stand_in  # noqa: F401

        assert seen == [1] and compat_probe_stand_in.ok
        assert "a compatibility hook failed" in capsys.readouterr().err
    finally:
        sys.modules.pop("compat_probe_mod", None)
        sys.modules.pop("compat_probe_stand_in", None)
