"""A simple (Elman) RNN for sentiment classification (Problem 2a i-ii), as the course's ``rnn.py`` has it.

``RNNLayer(input_size, hidden_size, output_size)`` holds ``nn.Parameter``s ``W_xh``
(``input_size x hidden_size``), ``W_hh`` (``hidden_size x hidden_size``), ``b_h``,
``W_hy`` (``hidden_size x output_size``) and ``b_y``: each weight of shape
``(n_in, n_out)``, so inputs multiply on the left (``x_t @ W_xh``). Weights are
Xavier-normal (``randn * sqrt(2 / (n_in + n_out))``), biases zeros. For ``t = 1..T``
with ``h_0 = 0``::

    h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)
    y_t = h_t W_hy + b_y

``forward(x)`` takes ``B x T x input_size`` and returns every step's output,
``B x T x output_size`` (the caller, ``train_test.train``, takes the last step).
``RNN(tokenizer, embedding_size, hidden_size, output_size)``: ``self.embedding`` then
``self.rnn_layer``; ids ``B x T`` -> ``B x T x output_size``.
"""

import numpy as np
import torch
from torch import nn


def xavier(n_in, n_out):
    """A ``(n_in, n_out)`` weight, Xavier-normal: variance ``2 / (n_in + n_out)``."""
    return nn.Parameter(torch.randn(n_in, n_out) * np.sqrt(2.0 / (n_in + n_out)))


class RNNLayer(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        # BEGIN SOLUTION
        self.W_xh = xavier(input_size, hidden_size)
        self.W_hh = xavier(hidden_size, hidden_size)
        self.b_h = nn.Parameter(torch.zeros(hidden_size))
        self.W_hy = xavier(hidden_size, output_size)
        self.b_y = nn.Parameter(torch.zeros(output_size))
        self.tanh = nn.Tanh()
        # END SOLUTION

    def forward(self, x):
        # BEGIN SOLUTION
        batch, steps, _ = x.shape
        h = torch.zeros(batch, self.hidden_size)
        inputs = x @ self.W_xh  # all steps at once: B x T x H
        outputs = []
        for t in range(steps):
            h = self.tanh(inputs[:, t] + h @ self.W_hh + self.b_h)
            outputs.append(h @ self.W_hy + self.b_y)
        return torch.stack(outputs, dim=1)
        # END SOLUTION

    def predict(self, x):
        self.eval()
        with torch.no_grad():
            return torch.argmax(self.forward(x), dim=-1)


class RNN(nn.Module):
    """Embedding (``tokenizer.vocab_size`` ids, 0 is padding) -> ``RNNLayer`` -> ``B x T x output_size``.

    The model keeps its ``tokenizer`` so that a saved model can encode new reviews.
    """

    def __init__(self, tokenizer, embedding_size, hidden_size, output_size):
        super().__init__()
        self.tokenizer = tokenizer
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        # BEGIN SOLUTION
        self.embedding = nn.Embedding(tokenizer.vocab_size, embedding_size)
        self.rnn_layer = RNNLayer(embedding_size, hidden_size, output_size)
        # END SOLUTION

    def forward(self, x):
        # BEGIN SOLUTION
        return self.rnn_layer(self.embedding(x))
        # END SOLUTION
