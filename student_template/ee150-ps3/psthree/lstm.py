"""An LSTM for sentiment classification (Problem 2c iii), as the course's ``lstm.py`` has it.

``LSTMLayer(input_size, hidden_size, output_size)`` holds ``nn.Parameter``s ``W_x?``
(``input_size x hidden_size``), ``W_h?`` (``hidden_size x hidden_size``) and ``b_?`` for
each gate ``? in i, f, o, c``, plus ``W_hy`` (``hidden_size x output_size``) and ``b_y``;
weights ``(n_in, n_out)``, Xavier-normal, biases zeros. For ``t = 1..T`` with
``h_0 = C_0 = 0``::

    F_t = sigmoid(x_t W_xf + h_{t-1} W_hf + b_f)       forget gate
    I_t = sigmoid(x_t W_xi + h_{t-1} W_hi + b_i)       input gate
    C~_t = tanh(x_t W_xc + h_{t-1} W_hc + b_c)         candidate memory
    O_t = sigmoid(x_t W_xo + h_{t-1} W_ho + b_o)       output gate
    C_t = F_t * C_{t-1} + I_t * C~_t
    h_t = O_t * tanh(C_t)
    y_t = h_t W_hy + b_y

``forward(x)``: ``B x T x input_size`` -> ``B x T x output_size`` (logits, no softmax).
``LSTM(tokenizer, embedding_size, hidden_size, output_size)``: ``self.embedding`` then
``self.lstm_layer``.
"""

import numpy as np
import torch
from torch import nn


def xavier(n_in, n_out):
    """A ``(n_in, n_out)`` weight, Xavier-normal: variance ``2 / (n_in + n_out)``."""
    return nn.Parameter(torch.randn(n_in, n_out) * np.sqrt(2.0 / (n_in + n_out)))


class LSTMLayer(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        raise NotImplementedError("LSTMLayer.__init__: write this part")

    def forward(self, x):
        raise NotImplementedError("LSTMLayer.forward: write this part")

    def predict(self, x):
        self.eval()
        with torch.no_grad():
            return torch.argmax(self.forward(x), dim=-1)


class LSTM(nn.Module):
    """Embedding -> ``LSTMLayer`` -> ``B x T x output_size``; keeps its ``tokenizer``."""

    def __init__(self, tokenizer, embedding_size, hidden_size, output_size):
        super().__init__()
        self.tokenizer = tokenizer
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        raise NotImplementedError("LSTM.__init__: write this part")

    def forward(self, x):
        raise NotImplementedError("LSTM.forward: write this part")
