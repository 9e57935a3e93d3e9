"""Train the CNN or the ManualCNN on MNIST (1b, 1c).

    python train_mnist.py                          # CNN: 5 epochs, lr 0.001, batch 32
    python train_mnist.py --model_type manual_cnn  # ManualCNN

The course's flags (``--learning_rate``, ``--batch_size``, ``--num_epochs``, ``--model_type``,
``--results_path``); the first 80% of MNIST's training images train, the last 20% validate;
the test accuracy is printed at the end. Results (plots, ``train_results.txt``,
``<model_type>.pth``) go to ``<results_path>/<model_type>/mnist/<timestamp>/``.
"""

import argparse

import torch
from torch.utils.data import DataLoader, Subset, TensorDataset

from psthree import train_test
from psthree.utils import MetricsLogger, get_results_path, seed_everything
from psthree.cnn import CNN, ManualCNN
from psthree.data import mnist_tensors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_type", choices=("cnn", "manual_cnn"), default="cnn")
    parser.add_argument("--learning_rate", type=float, default=0.001)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--num_epochs", type=int, default=5)
    parser.add_argument("--results_path", default="results")
    parser.add_argument("--data", default=None, help="the mnist folder (default: $GRADER_DATA/mnist)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    seed_everything(args.seed)
    images, labels = mnist_tensors("train", args.data)
    full = TensorDataset(images, labels)
    n_train = len(full) * 4 // 5
    train_set, val_set = Subset(full, range(n_train)), Subset(full, range(n_train, len(full)))
    train_dl = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    val_dl = DataLoader(val_set, batch_size=1000)
    model = CNN() if args.model_type == "cnn" else ManualCNN()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.learning_rate)
    criterion = torch.nn.CrossEntropyLoss()
    results = get_results_path(args.results_path, args.model_type, "mnist")
    logger = MetricsLogger()
    train_test.train(model, args.model_type, train_dl, val_dl, criterion, optimizer, args.num_epochs, logger, results)
    test_images, test_labels = mnist_tensors("test", args.data)
    train_test.test(model, args.model_type, DataLoader(TensorDataset(test_images, test_labels), batch_size=1000),
                    criterion, logger, results)
    print(f"results in {results}")


if __name__ == "__main__":
    main()
