"""RNNLayer, RNN (2a i-ii), LSTMLayer, LSTM (2c iii) and train_test's last step (2a iv).

The references are torch's own cells with the student's weights mapped in: ``nn.RNN``
(tanh) for ``h_t`` and ``nn.LSTMCell`` (gates stacked i, f, g, o) for the LSTM, then
``W_hy``. Weights and inputs are random, so swapped gates or a missing term show.
"""

import pytest
import torch
from torch import nn

from ps3_helpers import compare, mod, randn

SHAPES = [(3, 5, 4, 6, 2), (1, 1, 3, 4, 3), (4, 9, 2, 5, 2)]  # batch, steps, input, hidden, output
GATE_ROWS = {"i": 0, "f": 1, "c": 2, "o": 3}  # nn.LSTMCell stacks input, forget, cell (g), output


def _linear(rng, n_out, n_in, bias=True):
    layer = nn.Linear(n_in, n_out, bias=bias)
    with torch.no_grad():
        layer.weight.copy_(randn(rng, n_out, n_in, scale=0.6))
        if bias:
            layer.bias.copy_(randn(rng, n_out, scale=0.4))
    return layer


def _load(student, student_layer, layers):
    """Copy the grader's ``nn.Linear`` weights into the student's layer, by attribute name."""
    state = {}
    for name, layer in layers.items():
        state[f"{name}.weight"] = layer.weight.detach().clone()
        if layer.bias is not None:
            state[f"{name}.bias"] = layer.bias.detach().clone()
    student.probe.ps3_load_weights(student_layer, state)


@pytest.mark.parametrize("shape", SHAPES, ids=["3x5", "1x1", "4x9"])
def test_rnn_layer_matches_torch(student, rng, shape):
    batch, steps, n_in, hidden, n_out = shape
    w_xh, w_hh, w_hy = _linear(rng, hidden, n_in), _linear(rng, hidden, hidden, bias=False), _linear(rng, n_out, hidden)
    layer = mod(student, "rnn").RNNLayer(n_in, hidden, n_out)
    _load(student, layer, {"W_xh": w_xh, "W_hh": w_hh, "W_hy": w_hy})
    x = randn(rng, batch, steps, n_in)
    ref = nn.RNN(n_in, hidden, nonlinearity="tanh", batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(w_xh.weight), ref.bias_ih_l0.copy_(w_xh.bias)
        ref.weight_hh_l0.copy_(w_hh.weight), ref.bias_hh_l0.zero_()
        expected = w_hy(ref(x)[0])
    compare(layer(x), expected, f"RNNLayer({n_in}, {hidden}, {n_out}) on a {batch} x {steps} x {n_in} input")


def test_rnn_model_shape_and_padding(student, rng):
    data, rnn = mod(student, "data"), mod(student, "rnn")
    tokenizer = data.BOWTokenizer(50)
    model = rnn.RNN(tokenizer, 8, 6, 2)
    ids = torch.from_numpy(rng.integers(2, 50, size=(3, 7)))
    out = model(ids)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (3, 7, 2):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        pytest.fail(f"RNN(tokenizer with vocab_size 50, 8, 6, 2) on 3 x 7 ids returned {got}; expected 3 x 7 x 2 "
                    "(one output per step)", pytrace=False)


def test_sequence_logits_last_step(student, rng):
    train_test = mod(student, "train_test")
    outputs = randn(rng, 4, 6, 2)
    for model_type in ("rnn", "lstm"):
        compare(train_test.sequence_logits(outputs, model_type), outputs[:, -1, :],
                f"sequence_logits(outputs of 4 x 6 x 2, {model_type!r}) (the last step, y_T)")
    flat = randn(rng, 4, 2)
    compare(train_test.sequence_logits(flat, "transformer"), flat,
            "sequence_logits(4 x 2 logits, 'transformer') (already one row per review)")


@pytest.mark.parametrize("shape", SHAPES, ids=["3x5", "1x1", "4x9"])
def test_lstm_layer_matches_torch(student, rng, shape):
    batch, steps, n_in, hidden, n_out = shape
    layers = {}
    for gate in "fico":
        layers[f"W_x{gate}"] = _linear(rng, hidden, n_in)
        layers[f"W_h{gate}"] = _linear(rng, hidden, hidden, bias=False)
    layers["W_hy"] = _linear(rng, n_out, hidden)
    layer = mod(student, "lstm").LSTMLayer(n_in, hidden, n_out)
    _load(student, layer, layers)
    cell = nn.LSTMCell(n_in, hidden)
    with torch.no_grad():
        for gate, row in GATE_ROWS.items():
            rows = slice(row * hidden, (row + 1) * hidden)
            cell.weight_ih[rows] = layers[f"W_x{gate}"].weight
            cell.bias_ih[rows] = layers[f"W_x{gate}"].bias
            cell.weight_hh[rows] = layers[f"W_h{gate}"].weight
        cell.bias_hh.zero_()
        x = randn(rng, batch, steps, n_in)
        h = c = torch.zeros(batch, hidden)
        outs = []
        for t in range(steps):
            h, c = cell(x[:, t], (h, c))
            outs.append(layers["W_hy"](h))
        expected = torch.stack(outs, dim=1)
    compare(layer(x), expected, f"LSTMLayer({n_in}, {hidden}, {n_out}) on a {batch} x {steps} x {n_in} input")


def test_lstm_model_shape(student, rng):
    data, lstm = mod(student, "data"), mod(student, "lstm")
    model = lstm.LSTM(data.BOWTokenizer(50), 8, 6, 2)
    out = model(torch.from_numpy(rng.integers(2, 50, size=(3, 7))))
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (3, 7, 2):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        pytest.fail(f"LSTM(tokenizer with vocab_size 50, 8, 6, 2) on 3 x 7 ids returned {got}; expected 3 x 7 x 2",
                    pytrace=False)
