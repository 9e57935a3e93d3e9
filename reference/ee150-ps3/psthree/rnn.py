"""A simple (Elman) RNN for sentiment classification (Problem 2a i-ii).

``RNNLayer`` computes, for ``t = 1..T`` with ``h_0 = 0``::

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h)
    y_t = W_hy h_t + b_y

with ``self.W_xh = nn.Linear(input_size, hidden_size)`` (its bias is ``b_h``),
``self.W_hh = nn.Linear(hidden_size, hidden_size, bias=False)`` and
``self.W_hy = nn.Linear(hidden_size, output_size)`` (its bias is ``b_y``).
``forward(x)`` takes ``B x T x input_size`` and returns ``B x T x output_size`` (every
step's output; ``train_test.sequence_logits`` picks the last).
"""

import torch
from torch import nn


class RNNLayer(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W_xh = nn.Linear(input_size, hidden_size)
        self.W_hh = nn.Linear(hidden_size, hidden_size, bias=False)
        self.W_hy = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        # BEGIN SOLUTION
        batch, steps, _ = x.shape
        h = x.new_zeros(batch, self.hidden_size)
        inputs = self.W_xh(x)  # all steps at once: B x T x H
        outputs = []
        for t in range(steps):
            h = torch.tanh(inputs[:, t] + self.W_hh(h))
            outputs.append(self.W_hy(h))
        return torch.stack(outputs, dim=1)
        # END SOLUTION


class RNN(nn.Module):
    """Embedding (``tokenizer.vocab_size`` ids, 0 is padding) -> ``RNNLayer`` -> ``B x T x num_classes``.

    The model keeps its ``tokenizer`` so that a saved model can encode new reviews.
    """

    def __init__(self, tokenizer, embedding_dim, hidden_size, num_classes):
        super().__init__()
        self.tokenizer = tokenizer
        # BEGIN SOLUTION
        self.embedding = nn.Embedding(tokenizer.vocab_size, embedding_dim, padding_idx=0)
        self.rnn = RNNLayer(embedding_dim, hidden_size, num_classes)
        # END SOLUTION

    def forward(self, ids):
        # BEGIN SOLUTION
        return self.rnn(self.embedding(ids))
        # END SOLUTION
