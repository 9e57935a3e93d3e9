"""Train an RNN, LSTM or Transformer on IMDB reviews (Problems 2a v, 2c iii, 3b).

    python train_imdb.py --model rnn --min_len 0 --max_len 200            # the handout's run
    python train_imdb.py --model lstm --min_len 200 --max_len 400

Results (plots, ``model.pth``) go to ``results/<model>/imdb/<timestamp>/``; with
``--checkpoint NAME`` the trained model is also saved as ``results/checkpoints/NAME.pth``,
the file the grader evaluates (``rnn_short``, ``rnn_long``, ``lstm_short``, ...).
"""

import argparse
import random
from pathlib import Path

import torch
from torch.utils.data import DataLoader, random_split

from psthree import train_test
from psthree.utils import MetricsLogger, get_results_path
from psthree.data import TextClassificationDataset, read_imdb
from psthree.lstm import LSTM
from psthree.rnn import RNN
from psthree.transformer import Transformer


def build_model(name, tokenizer):
    """The course's sizes: about the same number of parameters for the three models."""
    if name == "rnn":
        return RNN(tokenizer, 128, 128, 2)
    if name == "lstm":
        return LSTM(tokenizer, 128, 108, 2)
    if name == "transformer":
        return Transformer(tokenizer, 128, 8, 128, 2)
    raise ValueError(f"unknown model {name!r}: rnn, lstm or transformer")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=("rnn", "lstm", "transformer"), default="rnn")
    parser.add_argument("--min_len", type=int, default=0)
    parser.add_argument("--max_len", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--vocab_size", type=int, default=10000)
    parser.add_argument("--dataset_length", type=int, default=None, help="keep only this many reviews")
    parser.add_argument("--data", default=None, help="the imdb folder (default: $GRADER_DATA/imdb)")
    parser.add_argument("--checkpoint", default=None, help="also save results/checkpoints/NAME.pth")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    reviews = read_imdb("train", args.data)
    random.Random(args.seed).shuffle(reviews)  # the file is sorted: negatives first
    dataset = TextClassificationDataset(reviews, vocab_size=args.vocab_size, min_seq_length=args.min_len,
                                        max_seq_length=args.max_len, dataset_length=args.dataset_length)
    n_val = len(dataset) // 5
    train_set, val_set = random_split(dataset, [len(dataset) - n_val, n_val])
    tokenizer = dataset.tokenizer
    model = build_model(args.model, tokenizer)
    train_dl = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    val_dl = DataLoader(val_set, batch_size=256)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    results = get_results_path("results", args.model, "imdb")
    logger = MetricsLogger()
    train_test.train(model, args.model, train_dl, val_dl, torch.nn.CrossEntropyLoss(), optimizer, args.epochs, logger,
                     results)
    if args.checkpoint:
        target = Path("results") / "checkpoints" / f"{args.checkpoint}.pth"
        target.parent.mkdir(parents=True, exist_ok=True)
        torch.save(model, target)
        print(f"saved {target}")
    print(f"final validation accuracy {logger.get_last_epoch_average('val_accuracy'):.4f}; results in {results}")


if __name__ == "__main__":
    main()
