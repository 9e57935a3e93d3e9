"""Training and testing loops shared by every model of the problem set (1b ii, 2a iv).

``train`` runs ``num_epochs`` epochs over ``train_dl``, evaluates on ``val_dl`` after each,
records the mean loss and the accuracy of both in ``metrics_logger`` and, when
``results_path`` is given, writes the loss and accuracy plots and the model there.
``model_type`` is ``cnn``, ``manual_cnn``, ``rnn``, ``lstm`` or ``transformer``: the
sequence models return one output per step (``B x T x C``) and only the last step's
logits classify the review (``sequence_logits``).
"""

from pathlib import Path

import torch

SEQUENCE_MODELS = ("rnn", "lstm")


class MetricsLogger:
    """Per-epoch mean loss and accuracy of each split: ``history["train_loss"]`` etc., and
    every training batch's loss in ``history["batch_loss"]``."""

    def __init__(self):
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "batch_loss": []}

    def log(self, split, loss, accuracy):
        self.history[f"{split}_loss"].append(float(loss))
        self.history[f"{split}_acc"].append(float(accuracy))


def sequence_logits(outputs, model_type):
    """The logits that classify each example: the last step's for the RNN and the LSTM."""
    raise NotImplementedError("sequence_logits: write this part")


def run_epoch(model, model_type, loader, criterion, optimizer=None, metrics_logger=None):
    """One pass over ``loader``; trains when an ``optimizer`` is given. Returns ``(mean loss, accuracy)``."""
    training = optimizer is not None
    model.train(training)
    total_loss, correct, seen = 0.0, 0, 0
    with torch.set_grad_enabled(training):
        for inputs, labels in loader:
            raise NotImplementedError("run_epoch: write this part")
    return total_loss / max(seen, 1), correct / max(seen, 1)


def train(model, model_type, train_dl, val_dl, criterion, optimizer, num_epochs, metrics_logger, results_path):
    """Train ``model`` for ``num_epochs`` epochs; returns ``metrics_logger``."""
    for epoch in range(num_epochs):
        train_loss, train_acc = run_epoch(model, model_type, train_dl, criterion, optimizer, metrics_logger)
        metrics_logger.log("train", train_loss, train_acc)
        if val_dl is not None:
            val_loss, val_acc = run_epoch(model, model_type, val_dl, criterion)
            metrics_logger.log("val", val_loss, val_acc)
            print(f"epoch {epoch + 1}/{num_epochs}: train loss {train_loss:.4f} acc {train_acc:.4f}, "
                  f"val loss {val_loss:.4f} acc {val_acc:.4f}")
    if results_path is not None:
        save_results(model, metrics_logger, Path(results_path))
    return metrics_logger


def test(model, model_type, test_dl, criterion, metrics_logger=None):
    """Mean loss and accuracy on ``test_dl``; logged as the ``test`` split when a logger is given."""
    loss, accuracy = run_epoch(model, model_type, test_dl, criterion)
    if metrics_logger is not None:
        metrics_logger.history.setdefault("test_loss", []).append(loss)
        metrics_logger.history.setdefault("test_acc", []).append(accuracy)
    return loss, accuracy


def save_results(model, metrics_logger, folder):
    """``loss.png``, ``accuracy.png`` and ``model.pth`` (the whole model) in ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    history = metrics_logger.history
    for metric in ("loss", "acc"):
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for split in ("train", "val"):
            values = history.get(f"{split}_{metric}", [])
            ax.plot(range(1, len(values) + 1), values, marker="o", label=split)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy" if metric == "acc" else "loss")
        ax.legend()
        fig.tight_layout()
        fig.savefig(folder / ("accuracy.png" if metric == "acc" else "loss.png"))
        plt.close(fig)
    torch.save(model, folder / "model.pth")
