"""The sandbox's compatibility with the courses' starter code (``graderworker.compat``,
``docs/course-packages.md``), graded end to end through the real sandbox.

The student's files call what the courses' starters call (``tfds.load('imdb_reviews', ...)``,
``torchvision.datasets.MNIST(download=True)``, ``nltk.download('stopwords')``, ``DEVICE = "cuda"``,
``from google.colab import drive``); the hidden tests (``compat_project``) compare what came back
with the trusted side's own copy of the data, and the report's notes say what the grader did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.api import grade
from grader.results.models import SubmissionResult
from grader.sandbox import BwrapBackend, backend_problem
from grader.sandbox.zygote import warm_unavailable_reason

ROOT = Path(__file__).parent / "compat_project"

COURSE_DATA = '''
import os

import numpy as np
import tensorflow_datasets as tfds
import torchvision
from torchvision import datasets, transforms
import nltk
from nltk.corpus import stopwords
from nltk.stem import PorterStemmer
from google.colab import drive, files


def imdb(split):
    texts, labels = tfds.as_numpy(tfds.load("imdb_reviews", split=split, batch_size=-1, as_supervised=True))
    with open("/data/imdb/train.jsonl", encoding="utf-8") as fh:
        first = fh.readline()
    import json
    known = json.loads(first)["text"].encode() in set(texts.tolist())
    return {"n": len(texts), "text_type": type(texts[0]).__name__, "label_dtype": str(labels.dtype),
            "label_type": type(labels[0]).__name__, "positives": int(labels.sum()),
            "positives_first_fifth": int(labels[:5000].sum()), "texts_known": known or len(texts) < 25000}


def imdb_batches(size):
    return [len(labels) for _, labels in tfds.as_numpy(tfds.load("imdb_reviews", split="train", batch_size=size,
                                                                as_supervised=True))]


def mnist(train):
    ds = datasets.MNIST("data", train=train, download=True, transform=transforms.ToTensor())
    image, label = ds[0]
    return {"n": len(ds), "shape": list(image.shape), "sum": float(image.sum()), "label": label, "wrote": wrote()}


def mnist_test_size():
    return len(datasets.MNIST("data", train=False, download=True, transform=transforms.ToTensor()))


def fashion():
    return len(datasets.FashionMNIST("data", train=True, download=True))


def wrote():
    return os.path.exists("data")


def stop_words():
    downloaded = nltk.download("stopwords", quiet=True)
    return {"downloaded": downloaded, "words": stopwords.words("english"), "stem": PorterStemmer().stem("running"),
            "other": nltk.download("punkt", quiet=True)}


def colab():
    drive.mount("/content/drive")
    return files.upload()
'''

DEV_CUDA = '''
import torch

DEVICE = "cuda"
EXPECT_MODE = True


def run():
    model = torch.nn.Linear(3, 2).to(DEVICE)
    x = torch.ones(4, 3, device=DEVICE)
    y = model(x.cuda())
    z = torch.zeros(2, device=torch.device("cuda")) + y.sum()
    other = torch.nn.Linear(3, 1).cuda()
    w = torch.ones(2).to(0, torch.float64)
    torch.cuda.synchronize()
    return [y.device.type, z.device.type, next(other.parameters()).device.type, w.device.type,
            torch.cuda.is_available()]


def mode_on():
    return torch._C._is_torch_function_mode_enabled()
'''

DEV_CPU = '''
import torch

DEVICE = "cpu"
EXPECT_MODE = False


def run():
    model = torch.nn.Linear(3, 2).to(DEVICE)
    x = torch.ones(4, 3, device=DEVICE)
    y = model(x)
    z = torch.zeros(2) + y.sum()
    w = torch.ones(2).to(DEVICE, torch.float64)
    return [y.device.type, z.device.type, "cpu", w.device.type, False]


def mode_on():
    return torch._C._is_torch_function_mode_enabled()
'''

COURSE_ENV = '''
import cv2 as cv
import numpy as np
import torch
import torchvision.transforms as transforms
from torchvision.models import VGG13_BN_Weights, vgg13_bn
from tqdm import tqdm
from PIL import Image
from skimage.data import camera


def check():
    image = transforms.Compose([transforms.Resize(64), transforms.ToTensor(), transforms.Normalize(0.5, 0.5)])(
        Image.fromarray(camera()))
    return {"camera": list(camera().shape), "resized": list(image.shape), "vgg": type(vgg13_bn()).__name__,
            "cv2": cv.__version__, "tqdm": sum(tqdm(range(3), disable=True)) == 3}


def pretrained():
    return vgg13_bn(VGG13_BN_Weights.IMAGENET1K_V1)
'''

OTHERS = {
    "course_env.py": COURSE_ENV,
    "needs_tf.py": "import tensorflow as tf\nx = 1\n",
    "needs_pkg.py": "import wandb\nx = 1\n",
    "needs_own.py": "from mypkg import helpers\nx = 1\n",
    "needs_own_dotted.py": "import mypkg.helpers\nx = 1\n",
    "mypkg/__init__.py": "",
}

pytestmark = pytest.mark.skipif(backend_problem("bwrap") is not None,
                                reason=f"the sandbox is bwrap: {backend_problem('bwrap')}")


def _grade(tmp_path: Path, files: dict[str, str], assignment: str = "compat", backend=None) -> SubmissionResult:
    folder = tmp_path / "submission"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return grade(folder, assignment=assignment, root=ROOT, backend=backend or "bwrap", out_dir=tmp_path / "out")


def _line(source: str, needle: str) -> int:
    """The line of ``source`` (as written to its file) where ``needle`` first appears."""
    return next(n for n, line in enumerate(source.split("\n"), 1) if needle in line)


def _failures(result: SubmissionResult) -> str:
    return "\n".join(f"{i.id}: {i.points}/{i.max_points} {i.messages} {i.instructor_detail}"
                     for i in result.items if i.points < i.max_points)


def test_a_course_style_submission_gets_every_stand_in_and_the_notes_say_so(tmp_path):
    result = _grade(tmp_path, {"course_data.py": COURSE_DATA, "dev.py": DEV_CUDA, **OTHERS})
    assert result.score == result.max_score, _failures(result)
    notes = "\n".join(result.notes)
    device_line = _line(DEV_CUDA, "to(DEVICE)")
    assert f"your code asked for the cuda device (at dev.py:{device_line})" in notes, notes
    assert "so it ran on the CPU" in notes, notes
    assert "tensorflow_datasets.load('imdb_reviews', split='train') was served from the grader's copy" in notes
    assert "torchvision.datasets.MNIST(train=True) was served from the grader's copy of MNIST (60000 images" in notes
    assert "MNIST(train=False) was built from the grader's copy of MNIST with its 10000 images; its labels are " \
           "held out" in notes, notes
    assert f"skipped drive.mount('/content/drive') (at course_data.py:{_line(COURSE_DATA, 'drive.mount')})" in notes
    assert f"skipped files.upload() (at course_data.py:{_line(COURSE_DATA, 'files.upload')})" in notes, notes
    assert "nltk.download('punkt') could not run" in notes, notes
    assert f"your code asked to download vgg13_bn-abd245e5.pth (at course_env.py:{_line(COURSE_ENV, 'IMAGENET1K_V1)')})" \
           in notes, notes
    report = (tmp_path / "out" / "report.html").read_text()
    assert (f"your code asked for the cuda device (at dev.py:{_line(DEV_CUDA, 'to(DEVICE)')}); this grader has no "
            "GPU, so it ran on the CPU") in report


def test_code_that_never_mentions_cuda_runs_without_the_device_mapping(tmp_path):
    result = _grade(tmp_path, {"course_data.py": COURSE_DATA, "dev.py": DEV_CPU, **OTHERS})
    assert result.score == result.max_score, _failures(result)
    assert not [n for n in result.notes if "ran on the CPU" in n], result.notes


def test_without_datasets_in_the_rubric_nothing_is_served_or_downloaded(tmp_path):
    result = _grade(tmp_path, {"course_data.py": COURSE_DATA}, assignment="compat-nodata")
    assert result.score == result.max_score, _failures(result)


@pytest.mark.skipif(warm_unavailable_reason() is not None, reason=f"warm workers: {warm_unavailable_reason()}")
def test_warm_workers_get_the_same_stand_ins_and_device_mapping(tmp_path):
    backend = BwrapBackend(warm=True)
    try:
        result = _grade(tmp_path, {"course_data.py": COURSE_DATA, "dev.py": DEV_CUDA, **OTHERS}, backend=backend)
        assert backend.warm, backend.warm_problem
    finally:
        backend.close()
    assert result.score == result.max_score, _failures(result)
    assert any("so it ran on the CPU" in n for n in result.notes), result.notes
