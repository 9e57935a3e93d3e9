"""Hidden tests of the compatibility toy assignment: the student's files call what the courses'
starters call, and the trusted side compares with its own copy of the data."""

import numpy as np
import pytest
import torch

from grader.checks.session import StudentCodeError
from grader.datasets import load_imdb, load_mnist
from grader.worker.compat.nltk_offline import english_stop_words


def _raises(call, *args):
    with pytest.raises(StudentCodeError) as caught:
        call(*args)
    return caught.value


def test_tfds_train_split_as_tfds_returns_it(student):
    got = student.course_data.imdb("train")
    _, labels = load_imdb("train")
    assert got["n"] == len(labels) == 25000
    assert (got["text_type"], got["label_dtype"], got["label_type"]) == ("bytes", "int64", "int64"), got
    assert got["positives"] == int(labels.sum())
    assert got["texts_known"], "the served texts are not the grader's IMDB training reviews"
    assert 0.3 < got["positives_first_fifth"] / 5000 < 0.7, "the served order is not shuffled (all one class first)"


def test_tfds_slices(student):
    assert student.course_data.imdb("train[:80%]")["n"] == 20000
    assert student.course_data.imdb("train[1000:1500]")["n"] == 500
    assert student.course_data.imdb_batches(1000) == [1000] * 25


def test_tfds_test_split_is_held_out(student):
    error = _raises(student.course_data.imdb, "test")
    assert error.exc_type == "DatasetNotAvailable" and "labels are held out" in error.message, error.describe()


def test_mnist_train_served_without_download(student):
    got = student.course_data.mnist(True)
    images, labels = load_mnist("train")
    assert got["n"] == 60000 and got["shape"] == [1, 28, 28]
    assert got["label"] == int(labels[0]) and abs(got["sum"] - images[0].sum() / 255.0) < 1e-3
    assert got["wrote"] is False, "MNIST(download=True) wrote under its root although the grader's copy was served"


def test_mnist_test_split_is_held_out(student):
    # built with the test images (code that builds both splits at once still trains) ...
    assert student.course_data.mnist_test_size() == 10000
    # ... but reading a label says they are held out
    error = _raises(student.course_data.mnist, False)
    assert error.exc_type == "DatasetNotAvailable" and "labels are held out" in error.message, error.describe()


def test_mnist_subclasses_are_left_alone(student):
    error = _raises(student.course_data.fashion)
    # FashionMNIST keeps torchvision's own download, which finds no network in the sandbox
    assert error.exc_type == "RuntimeError" and "Error downloading" in error.message, error.describe()


def test_nltk_stop_words_offline(student):
    got = student.course_data.stop_words()
    assert got["downloaded"] is True
    assert got["words"] == english_stop_words() and len(got["words"]) == 179
    assert got["stem"] == "run"
    assert got["other"] is False, "a package the grader does not serve must not be reported as downloaded"


def test_device_cuda_runs_on_cpu(student):
    assert student.dev.run() == ["cpu", "cpu", "cpu", "cpu", False]
    assert student.dev.mode_on() is student.dev.EXPECT_MODE


def test_missing_course_module(student):
    error = _raises(lambda: student.needs_tf.x)
    assert error.exc_type == "ModuleNotFoundError", error.describe()
    assert "The grading environment does not have tensorflow" in error.message and "ee150-ps3" in error.message


def test_missing_other_module(student):
    error = _raises(lambda: student.needs_pkg.x)
    assert "the grading environment does not have it, and no course's starter code imports it" in error.message
    assert "wandb" in error.message


def test_missing_own_module(student):
    for module in ("needs_own", "needs_own_dotted"):  # from mypkg import helpers / import mypkg.helpers
        error = _raises(lambda: getattr(student, module).x)
        assert "Your submission's mypkg has no 'helpers'" in error.message, error.message


def test_colab_lines_in_a_py_file(student):
    assert student.course_data.colab() == {}


def test_packages_the_starters_import_work(student):
    got = student.course_env.check()
    assert got["camera"] == [512, 512] and got["resized"] == [1, 64, 64], got  # cs446-hw3's siren_utils
    assert got["vgg"] == "VGG" and got["cv2"] and got["tqdm"], got  # nyu-dl-hw1's gd.py header


def test_packages_pretrained_weights_say_there_is_no_network(student):
    error = _raises(student.course_env.pretrained)
    assert error.exc_type == "WeightsNotAvailable" and "has no network" in error.message, error.describe()
