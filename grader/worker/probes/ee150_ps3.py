"""Probes for ee150-ps3: the measurements that must happen where the student's objects live.

They run in the sandboxed worker and hold no secrets (a student may read this file): they
read the sandbox-visible dataset files under ``/data`` themselves (training images and
labels, test *inputs* only), call the student's own ``psthree`` code, and send back data
(histories, predictions, filters). Every score is computed on the trusted side, against
held-out labels the worker never sees. Only torch, numpy and the standard library are
imported; the ``grader`` package is not importable here.

Only the names in ``__all__`` can be called from the trusted side.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib
import json
import os
import random
import re
import time
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "ps3_module",
    "ps3_library_conv_calls",
    "ps3_train_mnist",
    "ps3_predict_mnist",
    "ps3_conv_weight",
    "ps3_load_checkpoint",
    "ps3_imdb_predict",
    "ps3_imdb_retrain",
    "ps3_load_weights",
    "ps3_set_course_weights",
    "ps3_weights_train",
    "ps3_train_last_step",
    "ps3_describe",
]

DATA = Path(os.environ.get("GRADER_SANDBOX_DATA", "/data"))
_MODULE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
#: aten operators that are a library convolution, however they were reached
_CONV_OPS = ("convolution", "_convolution", "conv2d", "cudnn_convolution", "mkldnn_convolution",
             "_slow_conv2d_forward", "thnn_conv2d", "conv_depthwise2d", "_conv_depthwise2d",
             "slow_conv_dilated2d", "convolution_overrideable", "_nnpack_spatial_convolution")
_cache: dict = {}


def ps3_module(name: str):
    """``psthree.<name>`` of the submission (``conv``, ``cnn``, ``train_test``, ...)."""
    if not _MODULE_NAME.match(str(name)):
        raise ImportError(f"{name!r} is not a module of psthree")
    return importlib.import_module(f"psthree.{name}")


def ps3_library_conv_calls(fn, *args, **kwargs) -> dict:
    """Run ``fn(*args, **kwargs)`` and list every library convolution it reached.

    Seen at torch's dispatcher (a ``TorchDispatchMode``), so an alias bound at import
    time (``from torch.nn.functional import conv2d as c``) or ``nn.Conv2d`` is seen too.
    """
    from torch.utils._python_dispatch import TorchDispatchMode

    seen: list[str] = []

    class _Watch(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = func.overloadpacket.__name__ if hasattr(func, "overloadpacket") else str(func)
            if name.lstrip("_") in {op.lstrip("_") for op in _CONV_OPS}:
                seen.append(str(func))
            return func(*args, **(kwargs or {}))

    with _Watch():
        out = fn(*args, **kwargs)
    return {"calls": sorted(set(seen)), "count": len(seen), "out": out if isinstance(out, torch.Tensor) else None}


def ps3_load_weights(module, state: dict) -> None:
    """Copy ``state`` (``{"W_xh.weight": tensor, ...}``) into ``module``'s parameters of those names.

    In place, so the student's own parameter objects keep their identity; a missing
    name or a wrong shape raises an error that names it and lists what exists.
    """
    own = dict(module.named_parameters())
    for name, value in state.items():
        if name not in own:
            raise KeyError(f"{type(module).__name__} has no parameter {name!r}; it has {', '.join(own) or 'none'} "
                           "(the docstring names the layers)")
        if tuple(own[name].shape) != tuple(value.shape):
            raise ValueError(f"{type(module).__name__}.{name} has shape {tuple(own[name].shape)}, expected "
                             f"{tuple(value.shape)}")
        with torch.no_grad():
            own[name].copy_(value)


#: which weights each bias of the course's layers is added to (a layer built of nn.Linear keeps it there)
_BIAS_OF = {"b_h": ("W_xh", "W_hh"), "b_y": ("W_hy",), **{f"b_{g}": (f"W_x{g}", f"W_h{g}") for g in "ifoc"}}


def _tensor_named(module, name: str):
    """``module.<name>`` as the tensor the course's ``(n_in, n_out)`` weight maps to, and whether it is transposed.

    A weight may be an ``nn.Parameter``, a plain tensor or an ``nn.Linear`` (whose
    ``weight`` is ``(n_out, n_in)``); anything else is refused with what was found.
    """
    value = getattr(module, name, None)
    if isinstance(value, torch.nn.Linear):
        return value, True
    if isinstance(value, torch.Tensor):
        return value, False
    found = ", ".join(n for n, v in vars(module).items() if n.startswith(("W_", "b_"))) or "none"
    raise AttributeError(f"{type(module).__name__} has no weight {name!r} (a tensor, nn.Parameter or nn.Linear); "
                         f"the course's starter names them W_xh, W_hh, b_h, W_hy, b_y (found: {found})")


def _copy(target: torch.Tensor, value: torch.Tensor, what: str) -> None:
    if tuple(target.shape) != tuple(value.shape):
        raise ValueError(f"{what} has shape {tuple(target.shape)}, expected {tuple(value.shape)} (the course's "
                         "weights are (n_in, n_out))")
    with torch.no_grad():
        target.copy_(value)


def ps3_set_course_weights(module, weights: dict) -> None:
    """Put the course's ``(n_in, n_out)`` weights and biases into the student's layer, by name.

    Every reasonable way to hold them works: ``nn.Parameter``s or plain tensors of the
    course's shapes, or ``nn.Linear`` layers named ``W_xh``, ... (their weight gets the
    transpose; a bias with no attribute of its own goes into the first of its weights'
    ``nn.Linear`` that has one, the others' biases are zeroed). In place, so the
    student's own objects keep their identity.
    """
    linears: dict = {}
    for name, value in weights.items():
        if name.startswith("b_"):
            continue
        target, is_linear = _tensor_named(module, name)
        if is_linear:
            _copy(target.weight, value.T, f"{type(module).__name__}.{name}.weight (transposed)")
            linears[name] = target
        else:
            _copy(target, value, f"{type(module).__name__}.{name}")
    for name, value in weights.items():
        if not name.startswith("b_"):
            continue
        own = getattr(module, name, None)
        if isinstance(own, torch.Tensor):
            _copy(own, value, f"{type(module).__name__}.{name}")
            for weight in _BIAS_OF.get(name, ()):  # a Linear's own bias would be added on top
                if weight in linears and linears[weight].bias is not None:
                    with torch.no_grad():
                        linears[weight].bias.zero_()
            continue
        holders = [linears[w] for w in _BIAS_OF.get(name, ()) if w in linears and linears[w].bias is not None]
        if not holders:
            raise AttributeError(f"{type(module).__name__} has no bias {name!r} (a tensor, or the bias of its "
                                 f"nn.Linear {' or '.join(_BIAS_OF.get(name, ()))})")
        _copy(holders[0].bias, value, f"{type(module).__name__}.{name}")
        for other in holders[1:]:
            with torch.no_grad():
                other.bias.zero_()


def ps3_weights_train(module, names: list) -> dict:
    """For each named weight: does an optimizer over ``module.parameters()`` update it?

    True when the tensor (or the ``nn.Linear``'s weight) is one of the module's
    parameters and requires grad; a plain tensor attribute is not, so it never trains.
    A bias with no attribute of its own trains when one of its weights' ``nn.Linear``
    holds a bias that does.
    """
    params = {id(p) for p in module.parameters() if p.requires_grad}
    out = {}
    for name in map(str, names):
        value = getattr(module, name, None)
        if value is None and name in _BIAS_OF:
            holders = [getattr(module, w, None) for w in _BIAS_OF[name]]
            out[name] = any(isinstance(h, torch.nn.Linear) and h.bias is not None and id(h.bias) in params
                            for h in holders)
            continue
        tensor = value.weight if isinstance(value, torch.nn.Linear) else value
        out[name] = isinstance(tensor, torch.Tensor) and id(tensor) in params
    return out


class _TwoHeads(torch.nn.Module):
    """A grader-made sequence model: ``B x T x 2`` whose last step and other steps have their own weights."""

    def __init__(self, features: int):
        super().__init__()
        self.last = torch.nn.Linear(features, 2)
        self.rest = torch.nn.Linear(features, 2)

    def forward(self, x):
        out = self.rest(x).unsqueeze(1).repeat(1, 4, 1)
        return torch.cat([out[:, :-1], self.last(x).unsqueeze(1)], dim=1)


def ps3_train_last_step(model_type: str = "rnn", seed: int = 0) -> dict:
    """Run the student's ``train`` on a grader-made sequence model; report which of its heads moved.

    The model's last step and its earlier steps come from separate linear layers, so a
    ``train`` that classifies by the last step (``outputs[:, -1]``) changes only ``last``;
    one that takes another step, or flattens the steps, changes ``rest``.
    """
    from torch.utils.data import DataLoader, TensorDataset

    train_test = ps3_module("train_test")
    generator = torch.Generator().manual_seed(int(seed))
    x = torch.randn(96, 6, generator=generator)
    y = (x[:, 0] > 0).long()
    torch.manual_seed(int(seed))
    model = _TwoHeads(6)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True,
                        generator=torch.Generator().manual_seed(int(seed)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    _course_train(train_test, model, str(model_type), loader, DataLoader(TensorDataset(x[:32], y[:32]), batch_size=16),
                  optimizer, 1)
    moved = {head: any(not torch.equal(p.detach(), before[n]) for n, p in model.named_parameters()
                       if n.startswith(head + ".")) for head in ("last", "rest")}
    return moved


def ps3_describe(model) -> dict:
    """The class name, parameter count and parameter shapes of ``model``."""
    return {"class": type(model).__name__, "module": type(model).__module__,
            "parameters": int(sum(p.numel() for p in model.parameters())),
            "shapes": {name: list(p.shape) for name, p in model.named_parameters()},
            "has_tokenizer": hasattr(model, "tokenizer")}


# ----------------------------------------------------------------------------- MNIST


def _idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * k: 8 + 4 * k], "big") for k in range(dims))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def _mnist_images(prefix: str) -> torch.Tensor:
    key = f"mnist-{prefix}"
    if key not in _cache:
        images = _idx(DATA / "mnist" / f"{prefix}-images-idx3-ubyte.gz")
        _cache[key] = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return _cache[key]


def ps3_conv_weight(model) -> torch.Tensor:
    """A copy of ``model.conv.weight`` (the four 3 x 3 filters)."""
    return model.conv.weight.detach().clone()


def ps3_train_mnist(model, model_type: str, *, train_count: int = 48000, epochs: int = 5, batch_size: int = 32,
                    lr: float = 0.001, val_count: int = 2000, seed: int = 0) -> dict:
    """Train ``model`` with the student's ``train_test.train`` on MNIST's training split.

    The handout's settings: an 80/20 train/validation split of the 60000 training
    images (a seeded permutation), Adam on the trainable parameters, cross-entropy,
    batch 32, lr 0.001. ``train_count`` and ``val_count`` cap the two parts (the
    grader's budget). Returns the logger's history, the time, and the conv filters
    before and after, so the trusted side can see whether frozen filters stayed frozen.
    """
    from torch.utils.data import DataLoader, TensorDataset

    train_test = ps3_module("train_test")
    images = _mnist_images("train")
    labels = torch.from_numpy(_idx(DATA / "mnist" / "train-labels-idx1-ubyte.gz").astype(np.int64))
    generator = torch.Generator().manual_seed(int(seed))
    order = torch.randperm(len(images), generator=generator)
    n_val = len(images) // 5
    val_idx, train_idx = order[:n_val][:val_count], order[n_val:][:train_count]
    torch.manual_seed(int(seed))
    train_dl = DataLoader(TensorDataset(images[train_idx], labels[train_idx]), batch_size=batch_size,
                          shuffle=True, generator=torch.Generator().manual_seed(int(seed)))
    val_dl = DataLoader(TensorDataset(images[val_idx], labels[val_idx]), batch_size=1000)
    before = ps3_conv_weight(model)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=lr)
    start = time.perf_counter()
    history = _course_train(train_test, model, model_type, train_dl, val_dl, optimizer, epochs)
    seconds = time.perf_counter() - start
    return {"history": history,
            "seconds": seconds, "filters_before": before, "filters_after": ps3_conv_weight(model),
            "weight_requires_grad": bool(model.conv.weight.requires_grad)}


def ps3_predict_mnist(model, batch_size: int = 1000) -> torch.Tensor:
    """The model's predicted class for each of the 10000 MNIST test images, in file order."""
    images = _mnist_images("t10k")
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            out.append(model(images[start:start + batch_size]).argmax(dim=1))
    return torch.cat(out).to(torch.int64)


# ----------------------------------------------------------------------------- IMDB


def ps3_load_checkpoint(relative: str):
    """``torch.load`` a model the student saved (a whole pickled model: loaded here, in the sandbox)."""
    path = Path(relative)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"{relative!r}: give a path inside the submission")
    if not path.is_file():
        raise FileNotFoundError(f"{relative} is not in your submission; train_imdb.py --checkpoint writes it")
    # Unpickling is allowed here only: this probe runs inside the sandboxed worker, on the student's own
    # file, and the model stays here (the trusted side gets handles and arrays, never this object).
    model = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{relative} holds a {type(model).__name__}, not a whole model saved with torch.save(model)")
    return model


def _imdb_test_texts() -> dict:
    if "imdb-test" not in _cache:
        texts = {}
        with open(DATA / "imdb" / "test_texts.jsonl", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                texts[row["id"]] = row["text"]
        _cache["imdb-test"] = texts
    return _cache["imdb-test"]


def _tokens(tokenizer, key: str, text: str) -> list:
    """``tokenizer.preprocess(text)``, remembered per tokenizer class: the six checkpoints of a
    submission share one ``BOWTokenizer`` class, so each review is preprocessed once."""
    cache = _cache.setdefault(("tokens", type(tokenizer)), {})
    if key not in cache:
        cache[key] = list(tokenizer.preprocess(text))
    return cache[key]


def _encode(model, key: str, text: str, length: int) -> list:
    tokenizer = model.tokenizer
    ids = list(tokenizer.encode(list(_tokens(tokenizer, key, text))))[-length:]
    return [0] * (length - len(ids)) + [int(i) for i in ids]


def _logits(outputs: torch.Tensor) -> torch.Tensor:
    """``B x C``: the last step of a sequence model's ``B x T x C`` outputs."""
    return outputs[:, -1, :] if outputs.dim() == 3 else outputs


def ps3_imdb_predict(model, ids: list, length: int, batch_size: int = 100) -> torch.Tensor:
    """Predicted class (1 = positive) of each test review in ``ids`` (ids of test_texts.jsonl).

    Each review goes through the model's own ``tokenizer`` (``preprocess`` then
    ``encode``), is left-padded with 0 to ``length`` ids (longer ones keep their last
    ``length``), and the model classifies it; a sequence model's last step decides.
    """
    texts = _imdb_test_texts()
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(ids), batch_size):
            batch = torch.tensor([_encode(model, i, texts[i], int(length)) for i in ids[start:start + batch_size]],
                                 dtype=torch.long)
            out.append(_logits(model(batch)).argmax(dim=1))
    return torch.cat(out).to(torch.int64)


def ps3_imdb_retrain(model_type: str, *, count: int = 600, max_len: int = 100, epochs: int = 3,
                     vocab_size: int = 2000, batch_size: int = 32, lr: float = 0.002, seed: int = 0) -> dict:
    """A short training run of the student's model class on short training reviews.

    Builds the student's ``TextClassificationDataset`` over shuffled training reviews
    (``count`` reviews of at most ``max_len`` tokens), the student's model at the
    course's sizes, and trains it with the student's ``train_test.train``. Returns the
    per-batch losses and the training accuracy per epoch: enough to see that the code
    learns, not a test accuracy.
    """
    from torch.utils.data import DataLoader

    data = ps3_module("data")
    train_test = ps3_module("train_test")
    rows = []
    with open(DATA / "imdb" / "train.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            rows.append((row["text"], int(row["label"])))
    random.Random(int(seed)).shuffle(rows)
    torch.manual_seed(int(seed))
    with contextlib.redirect_stdout(None):
        dataset = data.TextClassificationDataset(rows[: 4 * count], vocab_size=vocab_size, min_seq_length=1,
                                                 max_seq_length=max_len, dataset_length=count, quiet=True)
    tokenizer = dataset.tokenizer
    with contextlib.redirect_stdout(None):  # the course's train always gets a validation loader
        val_set = data.TextClassificationDataset(rows[4 * count:5 * count], tokenizer=tokenizer, vocab_size=vocab_size,
                                                 min_seq_length=1, max_seq_length=max_len, dataset_length=64,
                                                 quiet=True)
    if model_type == "rnn":
        model = ps3_module("rnn").RNN(tokenizer, 128, 128, 2)
    elif model_type == "lstm":
        model = ps3_module("lstm").LSTM(tokenizer, 128, 108, 2)
    else:
        model = ps3_module("transformer").Transformer(tokenizer, 128, 8, 128, 2)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(int(seed)))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    start = time.perf_counter()
    val_loader = DataLoader(val_set, batch_size=batch_size)
    history = _course_train(train_test, model, model_type, loader, val_loader, optimizer, epochs)
    return {"history": history, "seconds": time.perf_counter() - start, "examples": len(dataset)}


def _course_train(train_test, model, model_type, train_dl, val_dl, optimizer, epochs) -> dict:
    """Run the student's ``train`` as the course's scripts call it; the history from the course's logger.

    ``train`` returns nothing in the course: what it logged is read from the
    ``psthree.utils.MetricsLogger`` handed to it (the grader's copy of the course's file),
    and what it saves goes to a fresh folder of the workspace. ``batch_loss`` is every
    training batch's logged loss; ``train_acc``/``val_acc`` the per-epoch means of the
    logged accuracies.
    """
    import tempfile

    logger = ps3_module("utils").MetricsLogger()
    results = tempfile.mkdtemp(prefix=f"grader-{model_type}-", dir=".")
    train_test.train(model, model_type, train_dl, val_dl, torch.nn.CrossEntropyLoss(), optimizer, epochs, logger,
                     results)
    metrics = {str(name): [[float(v) for v in epoch] for epoch in epochs_] for name, epochs_ in
               dict(getattr(logger, "metrics", {})).items()}

    def pick(split, kind):
        names = [n for n in metrics if split in n.lower() and kind in n.lower()]
        return metrics[names[0]] if names else []

    losses = pick("train", "loss")
    return {"batch_loss": [v for epoch in losses for v in epoch],
            "train_acc": [sum(e) / len(e) for e in pick("train", "acc") if e],
            "val_acc": [sum(e) / len(e) for e in pick("val", "acc") if e]}
