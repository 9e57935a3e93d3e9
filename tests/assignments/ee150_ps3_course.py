"""ee150-ps3 files written the way the course's students write them (a data module).

Each ``CourseSubmission`` replaces files of a copy of the reference with course-style
ones (``shared/assignments/REAL_INTERFACES.md`` section 3: the starter's names and shapes,
the hints' loops, the choices students made and the mistakes seen in real coursework) and
is graded on ``expected``'s items only (keeps CI small); ``expected`` is each item's score.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CourseSubmission", "SUBMISSIONS"]


class CourseSubmission(NamedTuple):
    id: str
    files: dict[str, str]
    expected: dict[str, float]
    why: str


_CONV_HEAD = '''import torch
import torch.nn as nn


class Conv2d(nn.Module):
    def __init__(self, in_channels, out_channels, filter_size, padding=0, stride=1, filters=None, biases=None):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.filter_size = filter_size
        self.padding = padding
        self.stride = stride
        self.filters = nn.Parameter(filters if filters is not None else torch.randn(out_channels, in_channels,
                                                                                   filter_size, filter_size))
        self.biases = nn.Parameter(biases if biases is not None else torch.randn(out_channels))

    def convolution(self, x, filters):
        B, C_in, H, W = x.shape
        C_out = filters.shape[0]
        F, P, S = self.filter_size, self.padding, self.stride
        H_out = (H + 2 * P - F) // S + 1
        W_out = (W + 2 * P - F) // S + 1
        output = torch.zeros(B, C_out, H_out, W_out)
        x_padded = torch.zeros(B, C_in, H + 2 * P, W + 2 * P)
        x_padded[:, :, P:P + H, P:P + W] = x
        # ----------------------------------------------------------------
        for b in range(B):
            for c in range(C_out):
                for i in range(H_out):
                    for j in range(W_out):
                        patch = x_padded[b, :, i * S:i * S + F, j * S:j * S + F]
                        output[b, c, i, j] = torch.sum(patch * filters[c])
        # ----------------------------------------------------------------
        return output

    def forward(self, x):
        return self.convolution(x, self.filters) + self.biases.view(1, -1, 1, 1)


class FasterConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, filter_size, padding=0, stride=1, filters=None, biases=None):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.filter_size = filter_size
        self.padding = padding
        self.stride = stride
        self.filters = nn.Parameter(filters if filters is not None else torch.randn(out_channels, in_channels,
                                                                                   filter_size, filter_size))
        self.biases = nn.Parameter(biases if biases is not None else torch.randn(out_channels))

    def forward(self, x):
        return self.convolution(x, self.filters) + self.biases.view(1, -1, 1, 1)
'''

#: FasterConv2d as the hint says: loops over the output positions only, broadcasting the rest
CONV_COURSE = _CONV_HEAD + '''
    def convolution(self, x, filters):
        B, C_in, H, W = x.shape
        C_out = filters.shape[0]
        F, P, S = self.filter_size, self.padding, self.stride
        H_out = (H + 2 * P - F) // S + 1
        W_out = (W + 2 * P - F) // S + 1
        output = torch.zeros(B, C_out, H_out, W_out)
        x_padded = torch.zeros(B, C_in, H + 2 * P, W + 2 * P)
        x_padded[:, :, P:P + H, P:P + W] = x
        for i in range(H_out):
            for j in range(W_out):
                patch = x_padded[:, :, i * S:i * S + F, j * S:j * S + F]        # B x C_in x F x F
                output[:, :, i, j] = (patch.unsqueeze(1) * filters.unsqueeze(0)).sum(dim=(2, 3, 4))
        return output
'''

#: a "faster" version that is the same four loops (seen in coursework)
CONV_NOT_FASTER = _CONV_HEAD + '''
    def convolution(self, x, filters):
        return Conv2d.convolution(self, x, filters)
'''

_RNN_TAIL = '''

class RNN(nn.Module):
    def __init__(self, tokenizer, embedding_size, hidden_size, output_size):
        super().__init__()
        self.tokenizer = tokenizer
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.embedding = nn.Embedding(tokenizer.vocab_size, embedding_size)
        self.rnn_layer = RNNLayer(embedding_size, hidden_size, output_size)

    def forward(self, x):
        return self.rnn_layer(self.embedding(x))
'''


def _rnn(make, forward):
    return f'''import numpy as np
import torch
import torch.nn as nn


class RNNLayer(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
{make}
        self.tanh = nn.Tanh()

    def forward(self, x):
        B, T, _ = x.shape
        h_t = torch.zeros(B, self.hidden_size)
        outputs = []
        for t in range(T):
            x_t = x[:, t, :]
{forward}
            outputs.append(y_t)
        return torch.stack(outputs, dim=1)

    def predict(self, x):
        self.eval()
        with torch.no_grad():
            return torch.argmax(self.forward(x), dim=-1)
''' + _RNN_TAIL


_XAVIER = "torch.randn({a}, {b}) * np.sqrt(2 / ({a} + {b}))"
_SHAPES = (("W_xh", "input_size", "hidden_size"), ("W_hh", "hidden_size", "hidden_size"),
           ("W_hy", "hidden_size", "output_size"))
_PARAM_LINES = "\n".join(f"        self.{n} = nn.Parameter({_XAVIER.format(a=a, b=b)})" for n, a, b in _SHAPES) + (
    "\n        self.b_h = nn.Parameter(torch.zeros(hidden_size))\n        self.b_y = nn.Parameter(torch.zeros(output_size))")
_PLAIN_LINES = "\n".join(f"        self.{n} = {_XAVIER.format(a=a, b=b)}" for n, a, b in _SHAPES) + (
    "\n        self.b_h = torch.zeros(hidden_size)\n        self.b_y = torch.zeros(output_size)")
_MATMUL_FORWARD = ("            h_t = self.tanh(x_t @ self.W_xh + h_t @ self.W_hh + self.b_h)\n"
                   "            y_t = h_t @ self.W_hy + self.b_y")
RNN_PARAMETERS = _rnn(_PARAM_LINES, _MATMUL_FORWARD)
RNN_PLAIN_TENSORS = _rnn(_PLAIN_LINES, _MATMUL_FORWARD)
RNN_LINEAR = _rnn("        self.W_xh = nn.Linear(input_size, hidden_size)\n"
                  "        self.W_hh = nn.Linear(hidden_size, hidden_size)\n"
                  "        self.W_hy = nn.Linear(hidden_size, output_size)",
                  "            h_t = self.tanh(self.W_xh(x_t) + self.W_hh(h_t))\n            y_t = self.W_hy(h_t)")

ATTENTION_COURSE = '''import numpy as np
import torch
import torch.nn as nn


class SelfAttention(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.d_model = d_model
        self.W_q = nn.Linear(d_model, d_model)
        self.W_k = nn.Linear(d_model, d_model)
        self.W_v = nn.Linear(d_model, d_model)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):
        Q, K, V = self.W_q(x), self.W_k(x), self.W_v(x)
        scores = Q @ K.transpose(-2, -1) / np.sqrt(self.d_model)
        return self.softmax(scores) @ V


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        assert d_model % num_heads == 0
        self.d_model = d_model
        self.num_heads = num_heads
        self.W_q = nn.Linear(d_model, d_model)
        self.W_k = nn.Linear(d_model, d_model)
        self.W_v = nn.Linear(d_model, d_model)
        self.W_o = nn.Linear(d_model, d_model)
        self.d_k = d_model // num_heads
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x):
        B, T, _ = x.shape
        Q = self.W_q(x).reshape(B, T, self.num_heads, self.d_k).transpose(1, 2)
        K = self.W_k(x).reshape(B, T, self.num_heads, self.d_k).transpose(1, 2)
        V = self.W_v(x).reshape(B, T, self.num_heads, self.d_k).transpose(1, 2)
        scores = Q @ K.transpose(-2, -1) / np.sqrt(SCALE)
        out = self.softmax(scores) @ V
        out = out.transpose(1, 2).reshape(B, T, self.d_model)
        return self.W_o(out)
'''

_TRAIN = '''import os

import torch
from tqdm import tqdm

SEQUENCE_MODELS = ["rnn", "lstm", "transformer"]


def train(model, model_type, train_dataloader, val_dataloader, criterion, optimizer, num_epochs, metrics_logger,
          results_path):
    for epoch in range(num_epochs):
        model.train()
        for inputs, labels in tqdm(train_dataloader):
            optimizer.zero_grad()
            outputs = model(inputs)
            if model_type in SEQUENCE_MODELS:
                outputs = LAST
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            preds = torch.argmax(torch.softmax(outputs, dim=1), dim=1)
            metrics_logger.update("train_loss", loss.item())
            metrics_logger.update("train_accuracy", (preds == labels).float().mean().item())
        model.eval()
        with torch.no_grad():
            for inputs, labels in val_dataloader:
                outputs = model(inputs)
                if model_type in SEQUENCE_MODELS:
                    outputs = LAST
                loss = criterion(outputs, labels)
                metrics_logger.update("val_loss", loss.item())
                metrics_logger.update("val_accuracy", (outputs.argmax(1) == labels).float().mean().item())
        metrics_logger.next_epoch()
    os.makedirs(os.path.join(results_path, "plots"), exist_ok=True)
    metrics_logger.plot_metric("train_loss", os.path.join(results_path, "plots", "train_loss.png"))
    metrics_logger.plot_metric("train_accuracy", os.path.join(results_path, "plots", "train_accuracy.png"))
    torch.save(model, os.path.join(results_path, f"{model_type}.pth"))


def test(model, model_type, test_dataloader, criterion, metrics_logger, results_path):
    pass
'''
TRAIN_COURSE = _TRAIN.replace("LAST", "outputs[:, -1]")
TRAIN_MEAN_OF_STEPS = _TRAIN.replace("LAST", "outputs.mean(dim=1)")

RNN_ITEMS = ("2a.i", "2a.ii", "2a.v.trains")
CONV_ITEMS = ("1a.i", "1a.ii", "1a.rules", "1a.rules_runtime", "1a.speed")

SUBMISSIONS: tuple[CourseSubmission, ...] = (
    CourseSubmission("conv_as_the_hints_say", {"psthree/conv.py": CONV_COURSE}, dict.fromkeys(CONV_ITEMS, None),
                     "four nested loops, then loops over the output positions with broadcasting: full marks"),
    CourseSubmission("faster_conv_not_faster", {"psthree/conv.py": CONV_NOT_FASTER},
                     {**dict.fromkeys(CONV_ITEMS, None), "1a.speed": 0.0},
                     "FasterConv2d runs Conv2d's loops: right numbers, the speed item lost"),
    CourseSubmission("rnn_parameters", {"psthree/rnn.py": RNN_PARAMETERS}, dict.fromkeys(RNN_ITEMS, None),
                     "the starter's nn.Parameters, Xavier-normal, x_t @ W: full marks"),
    CourseSubmission("rnn_plain_tensors", {"psthree/rnn.py": RNN_PLAIN_TENSORS},
                     {**dict.fromkeys(RNN_ITEMS, None), "2a.v.trains": 0.0},
                     "plain tensors: forward points kept; both training tests lost (the weights are not parameters, "
                     "and the embedding alone does not learn in the short retrain)"),
    CourseSubmission("rnn_linear_layers", {"psthree/rnn.py": RNN_LINEAR}, dict.fromkeys(RNN_ITEMS, None),
                     "nn.Linear layers (both with a bias): full marks"),
    CourseSubmission("attention_course", {"psthree/attention.py": ATTENTION_COURSE.replace("SCALE", "self.d_k")},
                     dict.fromkeys(("3a.iv.self", "3a.iv.multi"), None), "nn.Linear, nn.Softmax: full marks"),
    CourseSubmission("attention_sqrt_d_model", {"psthree/attention.py": ATTENTION_COURSE.replace("SCALE", "self.d_model")},
                     {"3a.iv.self": None, "3a.iv.multi": 0.4},
                     "the real mistake: MHA scores over sqrt(d_model); only the one-head case passes (1 of 5)"),
    CourseSubmission("train_course", {"psthree/train_test.py": TRAIN_COURSE},
                     dict.fromkeys(("1b.train", "2a.iv", "2a.v.trains"), None),
                     "the course's train with outputs[:, -1], returns nothing, saves <model_type>.pth: full marks"),
    CourseSubmission("train_mean_of_steps", {"psthree/train_test.py": TRAIN_MEAN_OF_STEPS},
                     {"2a.iv": 0.0}, "classifies by the mean of all steps: 2a iv lost"),
)
