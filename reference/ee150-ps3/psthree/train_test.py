"""Training and testing loops shared by every model of the problem set (1b ii, 2a iv), as the
course's ``train_test.py`` has them.

``train(model, model_type, train_dataloader, val_dataloader, criterion, optimizer,
num_epochs, metrics_logger, results_path)`` trains for ``num_epochs`` epochs, records each
batch's ``train_loss``/``train_accuracy`` and each validation batch's
``val_loss``/``val_accuracy`` in ``metrics_logger`` (``psthree.utils.MetricsLogger``), then
writes ``plots/train_loss.png``, ``plots/train_accuracy.png``, ``train_results.txt`` and the
whole model as ``<model_type>.pth`` under ``results_path``. It returns nothing. The sequence
models (``SEQUENCE_MODELS``) return one output per step (``B x T x C``): only the last
step's logits classify the review.
"""

import os

import torch
from tqdm import tqdm

SEQUENCE_MODELS = ["rnn", "lstm", "transformer"]


def train(model, model_type, train_dataloader, val_dataloader, criterion, optimizer, num_epochs, metrics_logger,
          results_path):
    for epoch in range(num_epochs):
        model.train()
        for inputs, labels in tqdm(train_dataloader, desc=f"epoch {epoch + 1}/{num_epochs}", leave=False):
            # BEGIN SOLUTION
            optimizer.zero_grad()
            outputs = model(inputs)
            if model_type in SEQUENCE_MODELS:
                outputs = outputs[:, -1, :]
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            predictions = torch.argmax(torch.softmax(outputs, dim=1), dim=1)
            # END SOLUTION
            metrics_logger.update("train_loss", loss.item())
            metrics_logger.update("train_accuracy", (predictions == labels).float().mean().item())
        if val_dataloader is not None:
            model.eval()
            with torch.no_grad():
                for inputs, labels in val_dataloader:
                    # BEGIN SOLUTION
                    outputs = model(inputs)
                    if model_type in SEQUENCE_MODELS:
                        outputs = outputs[:, -1, :]
                    loss = criterion(outputs, labels)
                    predictions = torch.argmax(outputs, dim=1)
                    # END SOLUTION
                    metrics_logger.update("val_loss", loss.item())
                    metrics_logger.update("val_accuracy", (predictions == labels).float().mean().item())
        print(f"epoch {epoch + 1}/{num_epochs}: train loss {metrics_logger.get_last_epoch_average('train_loss'):.4f}, "
              f"accuracy {metrics_logger.get_last_epoch_average('train_accuracy'):.4f}")
        metrics_logger.next_epoch()
    os.makedirs(os.path.join(results_path, "plots"), exist_ok=True)
    metrics_logger.plot_metric("train_loss", os.path.join(results_path, "plots", "train_loss.png"), "loss")
    metrics_logger.plot_metric("train_accuracy", os.path.join(results_path, "plots", "train_accuracy.png"), "accuracy")
    with open(os.path.join(results_path, "train_results.txt"), "w") as handle:
        for name in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
            handle.write(f"{name}: {metrics_logger.get_last_epoch_average(name)}\n")
    torch.save(model, os.path.join(results_path, f"{model_type}.pth"))


def test(model, model_type, test_dataloader, criterion, metrics_logger, results_path):
    model.eval()
    with torch.no_grad():
        for inputs, labels in test_dataloader:
            # BEGIN SOLUTION
            outputs = model(inputs)
            if model_type in SEQUENCE_MODELS:
                outputs = outputs[:, -1, :]
            loss = criterion(outputs, labels)
            predictions = torch.argmax(outputs, dim=1)
            # END SOLUTION
            metrics_logger.update("test_loss", loss.item())
            metrics_logger.update("test_accuracy", (predictions == labels).float().mean().item())
    loss, accuracy = metrics_logger.get_last_epoch_average("test_loss"), metrics_logger.get_last_epoch_average(
        "test_accuracy")
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f}")
    with open(os.path.join(results_path, "test_results.txt"), "w") as handle:
        handle.write(f"test_loss: {loss}\ntest_accuracy: {accuracy}\n")
