"""Every dataset a rubric names: where it comes from, what is stored, who may see what.

The registry is data (frozen dataclasses), not code paths: ``grader data`` commands, the
sandbox binds and the docs all read it, so a checksum or a trust decision lives in one place.

Each dataset stores a few files under ``<data root>/<name>/``; every stored file has a
registered sha256 and is either **sandbox-visible** (bound read-only into the worker at
``/data/<name>/<path>``) or **trusted-only** (read by the grader process, never bound):
test labels are trusted-only, so a student's code cannot read what it is scored against.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from grader.datasets.errors import UnknownDataset

__all__ = ["DATASETS", "SANDBOX_DATA_DIR", "DataFile", "Dataset", "dataset_names", "get_dataset"]

#: where a dataset's sandbox-visible files appear inside the worker
SANDBOX_DATA_DIR = "/data"


@dataclass(frozen=True)
class DataFile:
    """One file with a pinned checksum: a stored file, or a known input archive."""

    #: path relative to the dataset's folder (POSIX separators), or an archive's file name
    path: str
    sha256: str
    size: int
    #: download sources tried in order; the sha256 decides, so a mirror cannot change the data
    urls: tuple[str, ...] = ()
    #: published md5, kept where it is the checksum other tools quote (IMDB, MNIST)
    md5: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if len(self.sha256) != 64 or any(c not in "0123456789abcdef" for c in self.sha256):
            raise ValueError(f"{self.path}: sha256 must be 64 lower-case hex digits")
        if PurePosixPath(self.path).is_absolute() or ".." in PurePosixPath(self.path).parts:
            raise ValueError(f"{self.path}: must be a relative path inside the dataset folder")

    @property
    def basename(self) -> str:
        return PurePosixPath(self.path).name


@dataclass(frozen=True)
class Dataset:
    """A dataset: provenance, stored files, the trust split, and how it is built and loaded."""

    name: str
    title: str
    #: what the loader returns (shape, dtype, order), in one line for ``grader data list``
    contents: str
    homepage: str
    license: str
    citation: str
    #: the files kept under ``<root>/<name>/``; ``verify`` re-hashes exactly these
    files: tuple[DataFile, ...]
    #: stored files the sandboxed worker may read (bound read-only under /data/<name>/)
    sandbox_files: tuple[str, ...]
    #: stored files only the trusted grader reads (held-out labels): never bound
    trusted_files: tuple[str, ...]
    #: the public function that loads it, for messages and docs
    loader: str
    #: "copy": the stored files are the inputs, copied and verified;
    #: "aclimdb": the input is the aclImdb folder or archive, and the stored files derive from it
    builder: Literal["copy", "aclimdb"] = "copy"
    #: known input archives other than the stored files themselves (fetch downloads the first
    #: with URLs; import recognises all of them by checksum)
    archives: tuple[DataFile, ...] = ()
    used_by: tuple[str, ...] = ()
    #: a caveat every user must see (printed by ``grader data list``)
    note: str = ""
    #: another registered dataset to use instead where the note applies
    alternative: str | None = None

    def __post_init__(self) -> None:
        stored = [f.path for f in self.files]
        if len(set(stored)) != len(stored):
            raise ValueError(f"{self.name}: a stored file is listed twice")
        sandbox, trusted = set(self.sandbox_files), set(self.trusted_files)
        if sandbox & trusted:
            raise ValueError(f"{self.name}: {sorted(sandbox & trusted)} are both sandbox-visible and trusted")
        if sandbox | trusted != set(stored):
            raise ValueError(f"{self.name}: every stored file must be sandbox-visible or trusted-only, "
                             f"and nothing else: {sorted(set(stored) ^ (sandbox | trusted))}")

    def file(self, path: str) -> DataFile:
        for f in self.files:
            if f.path == path:
                return f
        raise KeyError(f"{self.name} stores no file {path!r}; it stores {', '.join(f.path for f in self.files)}")

    def folder(self, root: Path | None = None) -> Path:
        """``<root>/<name>``: where this dataset's files live (root defaults to :func:`data_root`)."""
        from grader.datasets.paths import data_root

        return (data_root() if root is None else Path(root)) / self.name

    def sandbox_binds(self, root: Path | None = None) -> list[tuple[Path, str]]:
        """``(host path, path inside the sandbox)`` for each sandbox-visible file, to bind read-only.

        Only the files in ``sandbox_files`` are listed, one bind each, so a trusted file
        beside them in the same folder is not reachable from the worker. Raises
        :class:`DatasetMissing` when one of them is not there.
        """
        from grader.datasets.paths import require

        folder = require(self.name, root=root, files=self.sandbox_files)
        return [(folder / rel, f"{SANDBOX_DATA_DIR}/{self.name}/{rel}") for rel in self.sandbox_files]


_MNIST_URLS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/{}",   # PyTorch's mirror
    "https://storage.googleapis.com/cvdf-datasets/mnist/{}",   # TensorFlow's mirror
    "http://yann.lecun.com/exdb/mnist/{}",   # the canonical site, often refuses scripted downloads
)


def _mnist_file(name: str, sha256: str, size: int, md5: str, note: str) -> DataFile:
    return DataFile(name, sha256, size, tuple(u.format(name) for u in _MNIST_URLS), md5, note)


MNIST = Dataset(
    name="mnist",
    title="MNIST handwritten digits (LeCun, Cortes, Burges)",
    contents="images uint8 (N, 28, 28), labels int64 (N,) in 0..9; train N=60000, test N=10000",
    homepage="http://yann.lecun.com/exdb/mnist/",
    license="none stated by the MNIST site; commonly listed as CC BY-SA 3.0",
    citation=("Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-based learning applied to "
              "document recognition. Proceedings of the IEEE 86(11):2278-2324, 1998."),
    files=(
        _mnist_file("train-images-idx3-ubyte.gz",
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422,
                    "f68b3c2dcbeaaa9fbdd348bbdeb94873", "60000 training images, IDX magic 0x00000803"),
        _mnist_file("train-labels-idx1-ubyte.gz",
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881,
                    "d53e105ee54ea40749a09fcbcd1e9432", "60000 training labels, IDX magic 0x00000801"),
        _mnist_file("t10k-images-idx3-ubyte.gz",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877,
                    "9fb629c4189551a2d022fa330f9573f3", "10000 test images"),
        _mnist_file("t10k-labels-idx1-ubyte.gz",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542,
                    "ec29112dd5afa0611ce80d1b7f02629c", "10000 test labels: the held-out answers"),
    ),
    sandbox_files=("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"),
    trusted_files=("t10k-labels-idx1-ubyte.gz",),
    loader="grader.datasets.load_mnist",
    used_by=("comp499-a1 (4: init study, 5-epoch training)", "ee150-ps3 (train_mnist.py, CNN floors)"),
)

IMDB = Dataset(
    name="imdb",
    title="IMDB Large Movie Review Dataset v1.0, labelled train/test (Maas et al. 2011)",
    contents=("texts list[str] (raw, HTML <br /> kept), labels int64 (N,), 1=pos 0=neg; "
              "train 25000 (12500/12500), test 25000 (12500/12500)"),
    homepage="https://ai.stanford.edu/~amaas/data/sentiment/",
    license="none stated; the dataset's README asks users to cite the paper below",
    citation=("A. L. Maas, R. E. Daly, P. T. Pham, D. Huang, A. Y. Ng, C. Potts. Learning Word Vectors "
              "for Sentiment Analysis. ACL 2011, pages 142-150."),
    files=(
        DataFile("train.jsonl", "ead2ddb3f276dc031c966caeb452968726f911e9355df50e72bd2b0f9014b2be", 34810970,
                 note='25000 rows {"id": "train/neg/0_3", "label": 0|1, "rating": 1..10, "text": ...}, '
                      "neg then pos, ids ascending"),
        DataFile("test_texts.jsonl", "399ff1ac615bc7392d0fd5404e6f7a42ffc2f21affcafa058024c8508255629f", 33241790,
                 note='25000 rows {"id": "test-00000", "text": ...} in a fixed shuffled order: no labels'),
        DataFile("test_labels.tsv", "4e27e3dc91b3d403dfab49edf455f5e1f3d95ee0b3359bfa45524d0033ffe586", 887801,
                 note="id, label, rating, source file in aclImdb/test: the held-out answers"),
    ),
    sandbox_files=("train.jsonl", "test_texts.jsonl"),
    trusted_files=("test_labels.tsv",),
    loader="grader.datasets.load_imdb",
    builder="aclimdb",
    archives=(
        DataFile("aclImdb_v1.tar.gz", "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
                 84125825,
                 ("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                  "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                  "http://d2l-data.s3-accelerate.amazonaws.com/aclImdb_v1.tar.gz"),
                 "7c2ac02c03563afcf9b574c7e56c153a",
                 "the official archive (sha256 as pinned by tensorflow/datasets' url_checksums); "
                 "also holds train/unsup and *.feat, which are not imported"),
        DataFile("aclImdb_train_test.tar.gz", "3c27c84c5b647935a2b44ee9c5b3fc302d26b6d268caf4c6a360aa7cb1f5fce7",
                 28631016, (), None,
                 "a deterministic repack of the labelled train/test reviews (no unsup, no *.feat), "
                 "as brought to offline machines; not downloadable"),
    ),
    used_by=("ee150-ps3 (RNN, LSTM, Transformer sentiment training)",),
)

CAMERAMAN = Dataset(
    name="cameraman",
    title="cameraman test image (scikit-image's camera.png)",
    contents="float32 (512, 512) in [0, 1] (the uint8 grey levels / 255)",
    homepage="https://scikit-image.org/docs/stable/api/skimage.data.html#skimage.data.camera",
    license="CC0 (photo by Lav Varshney, 'no copyright restrictions'); shipped in scikit-image (BSD-3)",
    citation=("S. van der Walt et al. scikit-image: image processing in Python. PeerJ 2:e453, 2014 "
              "(skimage.data.camera)."),
    files=(
        DataFile("camera.png", "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a", 139512,
                 ("https://raw.githubusercontent.com/scikit-image/scikit-image/v0.26.0/skimage/data/camera.png",),
                 note="512 x 512 grayscale PNG, mean grey level 129.06"),
    ),
    sandbox_files=("camera.png",),
    trusted_files=(),
    loader="grader.datasets.load_cameraman",
    used_by=("cs446-hw3 (SIREN: MyDataset, train, model_results)",),
    note=("Since scikit-image 0.18 this is a CC0 re-shoot that replaced the classic MIT 'cameraman' "
          "for copyright reasons; numbers a course produced with scikit-image 0.17 or older differ."),
)

_SKLEARN_1_0_2 = "https://raw.githubusercontent.com/scikit-learn/scikit-learn/1.0.2/sklearn/datasets/"
_SKLEARN_1_9_1 = "https://raw.githubusercontent.com/scikit-learn/scikit-learn/1.9.1/sklearn/datasets/"

BOSTON = Dataset(
    name="boston",
    title="Boston house prices (Harrison & Rubinfeld 1978), scikit-learn's copy",
    contents="X float64 (506, 13), y = MEDV float64 (506,) in $1000s, 13 feature names",
    homepage="https://lib.stat.cmu.edu/datasets/boston",
    license="scikit-learn's data file (BSD-3); the table is from StatLib",
    citation=("D. Harrison, D. L. Rubinfeld. Hedonic prices and the demand for clean air. Journal of "
              "Environmental Economics and Management 5:81-102, 1978."),
    files=(
        DataFile("boston_house_prices.csv", "d98212636026544fc9b9c0f372e5f819872e6fa6fa757ab025efdda22180f2d6",
                 34742, (_SKLEARN_1_0_2 + "data/boston_house_prices.csv",),
                 note="line 1 '506,13,...', line 2 the header, then 506 rows"),
        DataFile("boston_house_prices.rst", "1d4d7df7b12134c0bd5255c843f8a7e544537cb40d6e841075dc8fc9543ef552",
                 2347, (_SKLEARN_1_0_2 + "descr/boston_house_prices.rst",),
                 note="scikit-learn's description of the table"),
    ),
    sandbox_files=("boston_house_prices.csv", "boston_house_prices.rst"),
    trusted_files=(),
    loader="grader.datasets.load_regression_table",
    used_by=("comp499-a1 (1(d): 15-epoch regression, as the homework was written)",),
    note=("scikit-learn removed load_boston in 1.2 over this table's ethical problems: the column B is "
          "1000(Bk - 0.63)^2 where Bk is the share of Black residents, built on the assumption that "
          "racial self-segregation raises house prices (and MEDV is censored at 50.0). "
          "It is shipped only because the homework names it; a rubric should use 'diabetes' instead "
          "and say so to students."),
    alternative="diabetes",
)

DIABETES = Dataset(
    name="diabetes",
    title="Diabetes progression (Efron et al. 2004), scikit-learn's raw table",
    contents="X float64 (442, 10) unscaled (age, sex, bmi, bp, s1..s6), y float64 (442,) progression after a year",
    homepage="https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html",
    license="scikit-learn's data files (BSD-3)",
    citation=("B. Efron, T. Hastie, I. Johnstone, R. Tibshirani. Least Angle Regression. Annals of "
              "Statistics 32(2):407-499, 2004."),
    files=(
        DataFile("diabetes_data_raw.csv.gz", "7fc0ded571454b1982210d3bb43f0aca44eae01a0b8654a3b24022bdb6b38009",
                 7073, (_SKLEARN_1_9_1 + "data/diabetes_data_raw.csv.gz",),
                 note="442 rows x 10 space-separated raw features"),
        DataFile("diabetes_target.csv.gz", "8e53f65eb811df43c206f3534bb3af0e5fed213bc37ed6ba36310157d6023803",
                 1050, (_SKLEARN_1_9_1 + "data/diabetes_target.csv.gz",),
                 note="442 targets"),
        DataFile("diabetes.rst", "07dcfc13957a82485bdfce44aecffba72e7977595966d118b81f162cb827e381",
                 1455, (_SKLEARN_1_9_1 + "descr/diabetes.rst",),
                 note="scikit-learn's description of the table"),
    ),
    sandbox_files=("diabetes_data_raw.csv.gz", "diabetes_target.csv.gz", "diabetes.rst"),
    trusted_files=(),
    loader="grader.datasets.load_regression_table",
    used_by=("comp499-a1 (1(d), the grader's replacement for the Boston table)",),
    note="the regression table the grader uses in place of Boston (bundled in every scikit-learn).",
)

#: name -> dataset, in the order ``grader data list`` prints them
DATASETS: dict[str, Dataset] = {d.name: d for d in (MNIST, IMDB, CAMERAMAN, BOSTON, DIABETES)}


def dataset_names() -> tuple[str, ...]:
    return tuple(DATASETS)


def get_dataset(name: str) -> Dataset:
    """The registered dataset ``name``; an unknown name raises :class:`UnknownDataset` listing the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise UnknownDataset(name, dataset_names()) from None
