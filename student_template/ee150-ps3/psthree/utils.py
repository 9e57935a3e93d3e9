"""Helpers the course hands out with ``psthree`` (written anew by the grader to the course's interface).

``SEED``; ``seed_everything()`` seeds Python, NumPy and torch (and CUDA, where present)
and makes cuDNN deterministic; ``MetricsLogger`` keeps per-batch values of named metrics,
grouped by epoch; ``get_results_path(results_path, model_type, dataset_name=None)``
creates and returns ``results_path/model_type[/dataset_name]/<%H-%M-%S_%m-%d-%Y>``.
The grader grades with this copy whatever ``psthree/utils.py`` a submission holds.
"""

import os
import random
import time
from collections import defaultdict

import numpy as np
import torch

SEED = 42


def seed_everything(seed=SEED):
    """Seed every generator a training run uses, so two runs give the same numbers."""
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


class MetricsLogger:
    """Values of named metrics ("train_loss", "val_accuracy", ...), one list per epoch."""

    def __init__(self):
        self.metrics = defaultdict(lambda: [[]])

    def update(self, name, value):
        """Record one value (a batch's loss, say) in the current epoch of ``name``."""
        self.metrics[name][-1].append(float(value))

    def next_epoch(self):
        """Start a new epoch for every metric seen so far."""
        for epochs in self.metrics.values():
            epochs.append([])

    def get_epoch_average(self, name, epoch):
        """The mean of ``name`` over ``epoch`` (0-based), or None when nothing was recorded."""
        epochs = self.metrics.get(name)
        if not epochs or epoch >= len(epochs) or not epochs[epoch]:
            return None
        return sum(epochs[epoch]) / len(epochs[epoch])

    def get_last_epoch_average(self, name):
        """The mean of ``name`` over its last epoch that holds values, or None."""
        for values in reversed(self.metrics.get(name, [])):
            if values:
                return sum(values) / len(values)
        return None

    def plot_metric(self, name, path, ylabel=None):
        """Save a plot of ``name``'s per-epoch averages at ``path``."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        averages = [sum(v) / len(v) for v in self.metrics.get(name, []) if v]
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(range(1, len(averages) + 1), averages, marker="o")
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel or name)
        ax.set_title(name)
        fig.tight_layout()
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        fig.savefig(path)
        plt.close(fig)


def get_results_path(results_path, model_type, dataset_name=None):
    """A new folder for one run's results, named by the time it started."""
    parts = [results_path, model_type] + ([dataset_name] if dataset_name else [])
    path = os.path.join(*parts, time.strftime("%H-%M-%S_%m-%d-%Y"))
    os.makedirs(path, exist_ok=True)
    return path
