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
        raise NotImplementedError("LSTMLayer.forward: write this part")


class LSTM(nn.Module):
    """Embedding -> ``LSTMLayer`` -> ``B x T x num_classes``; keeps its ``tokenizer``."""

    def __init__(self, tokenizer, embedding_dim, hidden_size, num_classes):
        super().__init__()
        self.tokenizer = tokenizer
        raise NotImplementedError("LSTM.__init__: write this part")

    def forward(self, ids):
        raise NotImplementedError("LSTM.forward: write this part")
