"""An LSTM for sentiment classification (Problem 2c iii).

``LSTMLayer`` computes, for ``t = 1..T`` with ``h_0 = C_0 = 0``::

    F_t = sigmoid(W_xf x_t + W_hf h_{t-1} + b_f)       forget gate
    I_t = sigmoid(W_xi x_t + W_hi h_{t-1} + b_i)       input gate
    C~_t = tanh(W_xc x_t + W_hc h_{t-1} + b_c)         candidate memory
    O_t = sigmoid(W_xo x_t + W_ho h_{t-1} + b_o)       output gate
    C_t = F_t * C_{t-1} + I_t * C~_t
    h_t = O_t * tanh(C_t)
    y_t = W_hy h_t + b_y

Each ``W_x?`` is an ``nn.Linear(input_size, hidden_size)`` holding the gate's bias, each
``W_h?`` an ``nn.Linear(hidden_size, hidden_size, bias=False)``, named as above
(``self.W_xf``, ``self.W_hf``, ...); ``self.W_hy = nn.Linear(hidden_size, output_size)``.
``forward(x)``: ``B x T x input_size`` -> ``B x T x output_size`` (logits, no softmax).
"""

import torch
from torch import nn

GATES = ("f", "i", "c", "o")


class LSTMLayer(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        for gate in GATES:
            setattr(self, f"W_x{gate}", nn.Linear(input_size, hidden_size))
            setattr(self, f"W_h{gate}", nn.Linear(hidden_size, hidden_size, bias=False))
        self.W_hy = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        # BEGIN SOLUTION
        batch, steps, _ = x.shape
        h = x.new_zeros(batch, self.hidden_size)
        c = x.new_zeros(batch, self.hidden_size)
        outputs = []
        for t in range(steps):
            x_t = x[:, t]
            forget = torch.sigmoid(self.W_xf(x_t) + self.W_hf(h))
            remember = torch.sigmoid(self.W_xi(x_t) + self.W_hi(h))
            candidate = torch.tanh(self.W_xc(x_t) + self.W_hc(h))
            output = torch.sigmoid(self.W_xo(x_t) + self.W_ho(h))
            c = forget * c + remember * candidate
            h = output * torch.tanh(c)
            outputs.append(self.W_hy(h))
        return torch.stack(outputs, dim=1)
        # END SOLUTION


class LSTM(nn.Module):
    """Embedding -> ``LSTMLayer`` -> ``B x T x num_classes``; keeps its ``tokenizer``."""

    def __init__(self, tokenizer, embedding_dim, hidden_size, num_classes):
        super().__init__()
        self.tokenizer = tokenizer
        # BEGIN SOLUTION
        self.embedding = nn.Embedding(tokenizer.vocab_size, embedding_dim, padding_idx=0)
        self.lstm = LSTMLayer(embedding_dim, hidden_size, num_classes)
        # END SOLUTION

    def forward(self, ids):
        # BEGIN SOLUTION
        return self.lstm(self.embedding(ids))
        # END SOLUTION
