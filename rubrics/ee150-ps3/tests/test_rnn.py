"""RNNLayer, RNN (2a i-ii), LSTMLayer, LSTM (2c iii) and train_test's last step (2a iv).

Through the course's interface: the layers' weights are named ``W_xh``, ``W_hh``, ``b_h``,
``W_hy``, ``b_y`` (LSTM: ``W_x?``, ``W_h?``, ``b_?`` per gate, ``W_hy``, ``b_y``) in the
course's ``(n_in, n_out)`` orientation. The grader puts random weights in with the
``ps3_set_course_weights`` probe, which accepts every way a student may hold them
(``nn.Parameter``, a plain tensor, an ``nn.Linear``); whether they train is a separate
test (``test_*_weights_train``, in the "trains" items). The references are torch's own
cells with those weights: ``nn.RNN`` (tanh) for ``h_t`` and ``nn.LSTMCell`` (gates
stacked i, f, g, o) for the LSTM, then ``h_t W_hy + b_y``. Weights and inputs are random,
so swapped gates or a missing term show.
"""

import pytest
import torch
from torch import nn

from ps3_helpers import compare, mod, randn

SHAPES = [(3, 5, 4, 6, 2), (1, 1, 3, 4, 3), (4, 9, 2, 5, 2)]  # batch, steps, input, hidden, output
GATE_ROWS = {"i": 0, "f": 1, "c": 2, "o": 3}  # nn.LSTMCell stacks input, forget, cell (g), output
RNN_WEIGHTS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")
LSTM_WEIGHTS = (*(f"{k}{g}" for g in "ifoc" for k in ("W_x", "W_h", "b_")), "W_hy", "b_y")


def _course_weights(rng, n_in, hidden, n_out, gates):
    """The course's weights: ``(n_in, n_out)`` matrices and bias vectors, random."""
    weights = {}
    for g in gates:
        weights[f"W_x{g}"] = randn(rng, n_in, hidden, scale=0.6)
        weights[f"W_h{g}"] = randn(rng, hidden, hidden, scale=0.6)
        weights[f"b_{g}"] = randn(rng, hidden, scale=0.4)
    weights["W_hy"] = randn(rng, hidden, n_out, scale=0.6)
    weights["b_y"] = randn(rng, n_out, scale=0.4)
    return weights


@pytest.mark.parametrize("shape", SHAPES, ids=["3x5", "1x1", "4x9"])
def test_rnn_layer_matches_torch(student, rng, shape):
    batch, steps, n_in, hidden, n_out = shape
    weights = _course_weights(rng, n_in, hidden, n_out, "h")
    layer = mod(student, "rnn").RNNLayer(n_in, hidden, n_out)
    student.probe.ps3_set_course_weights(layer, weights)
    x = randn(rng, batch, steps, n_in)
    ref = nn.RNN(n_in, hidden, nonlinearity="tanh", batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(weights["W_xh"].T), ref.bias_ih_l0.copy_(weights["b_h"])
        ref.weight_hh_l0.copy_(weights["W_hh"].T), ref.bias_hh_l0.zero_()
        expected = ref(x)[0] @ weights["W_hy"] + weights["b_y"]
    compare(layer(x), expected, f"RNNLayer({n_in}, {hidden}, {n_out}) on a {batch} x {steps} x {n_in} input")


def _weights_train(student, layer, names, what):
    trains = student.probe.ps3_weights_train(layer, list(names))
    frozen = [n for n in names if not trains.get(n)]
    if frozen:
        pytest.fail(f"{what}: {', '.join(frozen)} would never change in training: an optimizer over "
                    "model.parameters() does not see them. Make each one an nn.Parameter (a plain tensor is not "
                    "registered with the module)", pytrace=False)


def test_rnn_weights_train(student):
    layer = mod(student, "rnn").RNNLayer(4, 6, 2)
    _weights_train(student, layer, RNN_WEIGHTS, "RNNLayer(4, 6, 2)")


def test_lstm_weights_train(student):
    layer = mod(student, "lstm").LSTMLayer(4, 6, 2)
    _weights_train(student, layer, LSTM_WEIGHTS, "LSTMLayer(4, 6, 2)")


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


def test_train_takes_the_last_step(student):
    """2a iv through the course's train(): a grader-made B x T x 2 model whose last step has its own weights."""
    for model_type in ("rnn", "lstm"):
        moved = student.probe.ps3_train_last_step(model_type, seed=150)
        if not moved.get("last") or moved.get("rest"):
            pytest.fail(f"train(model, {model_type!r}, ...) on a model that returns B x T x 2: the weights behind "
                        f"the last step {'changed' if moved.get('last') else 'did not change'}, those behind the "
                        f"other steps {'changed' if moved.get('rest') else 'did not'}; for the sequence models only "
                        "the last step's output, outputs[:, -1], should classify", pytrace=False)


@pytest.mark.parametrize("shape", SHAPES, ids=["3x5", "1x1", "4x9"])
def test_lstm_layer_matches_torch(student, rng, shape):
    batch, steps, n_in, hidden, n_out = shape
    weights = _course_weights(rng, n_in, hidden, n_out, "fico")
    layer = mod(student, "lstm").LSTMLayer(n_in, hidden, n_out)
    student.probe.ps3_set_course_weights(layer, weights)
    cell = nn.LSTMCell(n_in, hidden)
    with torch.no_grad():
        for gate, row in GATE_ROWS.items():
            rows = slice(row * hidden, (row + 1) * hidden)
            cell.weight_ih[rows] = weights[f"W_x{gate}"].T
            cell.bias_ih[rows] = weights[f"b_{gate}"]
            cell.weight_hh[rows] = weights[f"W_h{gate}"].T
        cell.bias_hh.zero_()
        x = randn(rng, batch, steps, n_in)
        h = c = torch.zeros(batch, hidden)
        outs = []
        for t in range(steps):
            h, c = cell(x[:, t], (h, c))
            outs.append(h @ weights["W_hy"] + weights["b_y"])
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
