"""Wrong versions of the ee150-ps3 reference, and the rubric items each one must lose.

A data module (no tests here). Each ``Variant`` edits files of ``reference/ee150-ps3/``
(text substitutions, each ``old`` occurring exactly once; or a file copied over another)
and is graded on ``items``: the automatic items it concerns. Training items (MNIST, the
IMDB retrains, the checkpoints) are expensive, so a variant that does not concern them
is graded without them; they are proven both ways separately: the reference earns them
in ``test_validate_reference_full_template_zero``; ``cnn_trains_on_test_set`` loses both MNIST
accuracy items, ``manual_requires_grad_on`` the frozen-filters item (after a short training run),
``optimizer_never_steps`` a retrain item, ``checkpoint_wrong_architecture`` a checkpoint item and
``test_untrained_checkpoint_fails_its_floor`` shows an untrained checkpoint losing its floor.
"""

from __future__ import annotations

from typing import NamedTuple

from tests.assignments.substitutions import apply

__all__ = ["ASSIGNMENT", "CONV_ITEMS", "FAST_ITEMS", "Variant", "VARIANTS", "apply"]

ASSIGNMENT = "ee150-ps3"

#: the conv items that need no training (1a.iii compares the answer with a measurement)
CONV_ITEMS = ("1a.i", "1a.ii", "1a.rules", "1a.rules_runtime", "1a.speed", "1a.iii")
#: every automatic item that needs no training run and no checkpoint (a few seconds each)
FAST_ITEMS = ("1a.i", "1a.ii", "1a.rules", "1a.rules_runtime", "1b.arch", "2a.i", "2a.ii", "2a.iii", "2a.iv",
              "2b.i", "2c.iii.layer", "3a.iv.self", "3a.iv.multi", "3b.forward")


class Variant(NamedTuple):
    id: str
    #: the file of reference/ee150-ps3 the substitutions apply to
    file: str
    #: (old, new) pairs; each old occurs exactly once in the reference file
    substitutions: tuple[tuple[str, str], ...]
    #: the rubric items that must score below full; every other graded item stays full
    loses: frozenset[str]
    #: the items this variant is graded on
    items: tuple[str, ...]
    #: what the mistake is and why it loses exactly these items
    why: str
    #: (source, target) files copied inside the submission before grading
    copy: tuple[str, str] | None = None


CONV = "psthree/conv.py"
ATTENTION = "psthree/attention.py"

VARIANTS: tuple[Variant, ...] = (
    # ------------------------------------------------------------------ 1a: convolution
    Variant("conv_padding_off_by_one", CONV,
            (("    out[:, :, padding:padding + height, padding:padding + width] = x\n",
              "    out[:, :, padding - 1:padding - 1 + height, padding - 1:padding - 1 + width] = x\n"),),
            frozenset({"1a.i", "1a.ii"}), CONV_ITEMS[:4],
            "pad_zeros puts the image one pixel up and left: every padded case of both classes is wrong, "
            "unpadded ones stay right (partial credit); timing and rules are untouched"),
    Variant("conv_stride_ignored", CONV,
            (("                patch = padded[:, :, i * s:i * s + size, j * s:j * s + size]  # B x C x F x F\n",
              "                patch = padded[:, :, i:i + size, j:j + size]  # B x C x F x F\n"),),
            frozenset({"1a.i"}), CONV_ITEMS[:4],
            "Conv2d slides by one pixel whatever the stride: its strided groups fail; FasterConv2d is separate"),
    Variant("conv_bias_added_twice", CONV,
            (("        return output.view(batch, out_channels, h_out, w_out)\n",
              "        return output.view(batch, out_channels, h_out, w_out) + self.biases.view(1, -1, 1, 1)\n"),),
            frozenset({"1a.ii"}), CONV_ITEMS[:4],
            "FasterConv2d's convolution adds the bias that the course's forward adds again: every FasterConv2d "
            "group fails, Conv2d is untouched"),
    Variant("faster_calls_f_conv2d", CONV,
            (("        padded = pad_zeros(x, p).contiguous()\n",
              "        return torch.nn.functional.conv2d(x, filters, stride=self.stride, padding=self.padding)\n"),),
            frozenset({"1a.rules", "1a.rules_runtime"}), CONV_ITEMS[:4],
            "FasterConv2d returns torch's conv2d: right numbers and fast, but it breaks the from-scratch rule, "
            "seen in the source and at run time"),
    Variant("faster_conv_is_slower", CONV,
            (("    def convolution(self, x, filters):\n        # BEGIN SOLUTION\n        batch, channels, height, width = x.shape\n",
              "    def convolution(self, x, filters):\n        return Conv2d.convolution(self, x, filters)  # the same loops\n"
              "        # BEGIN SOLUTION\n        batch, channels, height, width = x.shape\n"),),
            frozenset({"1a.speed", "1a.iii"}), CONV_ITEMS,
            "a 'faster' version that runs the same loops: right numbers, no speed-up, so the speed item fails and "
            "the reported 40x no longer matches the measured ratio"),
    Variant("fabricated_speedup", "answers.yaml",
            (('"1a.iii": {faster_vs_naive: 40.0, torch_vs_faster: 7.0}',
              '"1a.iii": {faster_vs_naive: 100000.0, torch_vs_faster: 7.0}'),),
            frozenset({"1a.iii"}), ("1a.speed", "1a.iii"),
            "the reported ratio is far from what the grader measures for the same code"),
    # ------------------------------------------------------------------ 3a: attention
    Variant("attention_without_scale", ATTENTION,
            (("    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n",
              "    scores = q @ k.transpose(-2, -1)\n"),),
            frozenset({"3a.iv.self", "3a.iv.multi"}), ("3a.iv.self", "3a.iv.multi", "3b.forward"),
            "no 1/sqrt(d_k): both attention classes share attend(), both lose; the transformer still runs"),
    Variant("multihead_scaled_by_sqrt_d_model", ATTENTION,
            (("        heads = attend(self.split_heads(self.W_q(x)), self.split_heads(self.W_k(x)),\n",
              "        heads = attend(self.split_heads(self.W_q(x)) * math.sqrt(self.d_k / self.d_model),\n"
              "                       self.split_heads(self.W_k(x)),\n"),),
            frozenset({"3a.iv.multi"}), ("3a.iv.self", "3a.iv.multi"),
            "the real mistake seen in coursework: each head's scores divided by sqrt(d_model) instead of sqrt(d_k); "
            "the one-head case still passes (partial credit), SelfAttention is untouched"),
    Variant("softmax_over_queries", ATTENTION,
            (("    return torch.softmax(scores, dim=-1).nan_to_num(0.0) @ v\n",
              "    return torch.softmax(scores, dim=-2).nan_to_num(0.0) @ v\n"),),
            frozenset({"3a.iv.self", "3a.iv.multi"}), ("3a.iv.self", "3a.iv.multi", "3b.forward"),
            "softmax over the queries instead of the keys: rows of weights no longer sum to one"),
    Variant("heads_concatenated_reversed", ATTENTION,
            (("        joined = heads.transpose(1, 2).reshape(batch, steps, self.d_model)\n",
              "        joined = heads.flip(1).transpose(1, 2).reshape(batch, steps, self.d_model)\n"),),
            frozenset({"3a.iv.multi"}), ("3a.iv.self", "3a.iv.multi", "3b.forward"),
            "heads concatenated last to first: W_o sees them in the wrong order; the one-head case still passes "
            "(partial credit), SelfAttention is untouched"),
    Variant("attention_ignores_scores", ATTENTION,
            (("    return torch.softmax(scores, dim=-1).nan_to_num(0.0) @ v\n",
              "    return torch.softmax(scores * 0.0, dim=-1).nan_to_num(0.0) @ v\n"),),
            frozenset({"3a.iv.self", "3a.iv.multi"}), ("3a.iv.self", "3a.iv.multi", "3b.forward"),
            "uniform attention (the mean of the values): exactly right on the course's all-ones inputs, wrong on "
            "any real input; the hidden tests use random inputs"),
    # ------------------------------------------------------------------ 2: RNN, LSTM, text
    Variant("lstm_forget_input_swapped", "psthree/lstm.py",
            (("            c_t = forget * c_t + remember * candidate\n",
              "            c_t = remember * c_t + forget * candidate\n"),),
            frozenset({"2c.iii.layer"}), ("2a.i", "2c.iii.layer"),
            "forget and input gates swapped in the memory update: LSTMLayer no longer matches nn.LSTMCell; the "
            "wrapper-shape test still passes (partial credit)"),
    Variant("rnn_without_recurrence", "psthree/rnn.py",
            (("            h = self.tanh(inputs[:, t] + h @ self.W_hh + self.b_h)\n",
              "            h = self.tanh(inputs[:, t] + self.b_h)\n"),),
            frozenset({"2a.i"}), ("2a.i", "2a.ii", "2c.iii.layer"),
            "h_t ignores h_{t-1}: wrong except for one-step sequences (partial credit)"),
    Variant("rnn_plain_tensor_weights", "psthree/rnn.py",
            (("        self.W_xh = xavier(input_size, hidden_size)\n        self.W_hh = xavier(hidden_size, hidden_size)\n"
              "        self.b_h = nn.Parameter(torch.zeros(hidden_size))\n",
              "        self.W_xh = xavier(input_size, hidden_size).data  # plain tensors: seen in coursework\n"
              "        self.W_hh = xavier(hidden_size, hidden_size).data\n        self.b_h = torch.zeros(hidden_size)\n"),),
            frozenset({"2a.v.trains"}), ("2a.i", "2a.ii", "2a.v.trains"),
            "W_xh, W_hh, b_h as plain tensors: the forward pass is right (2a.i full), but they are not parameters, "
            "so the weights-train test of 2a.v.trains fails (the short retrain may still lower the loss through the "
            "embedding)"),
    Variant("rnn_linear_layers", "psthree/rnn.py",
            (("        self.W_xh = xavier(input_size, hidden_size)\n        self.W_hh = xavier(hidden_size, hidden_size)\n"
              "        self.b_h = nn.Parameter(torch.zeros(hidden_size))\n        self.W_hy = xavier(hidden_size, output_size)\n"
              "        self.b_y = nn.Parameter(torch.zeros(output_size))\n",
              "        self.W_xh = nn.Linear(input_size, hidden_size)\n"
              "        self.W_hh = nn.Linear(hidden_size, hidden_size, bias=False)\n"
              "        self.W_hy = nn.Linear(hidden_size, output_size)\n"),
             ("        inputs = x @ self.W_xh  # all steps at once: B x T x H\n",
              "        inputs = self.W_xh(x)  # all steps at once: B x T x H\n"),
             ("            h = self.tanh(inputs[:, t] + h @ self.W_hh + self.b_h)\n"
              "            outputs.append(h @ self.W_hy + self.b_y)\n",
              "            h = self.tanh(inputs[:, t] + self.W_hh(h))\n            outputs.append(self.W_hy(h))\n")),
            frozenset(), ("2a.i", "2a.ii"),
            "RNNLayer built of nn.Linear layers (biases inside them): a reasonable choice the starter leaves open, "
            "full marks"),
    Variant("rnn_first_step_not_last", "psthree/train_test.py",
            (("            if model_type in SEQUENCE_MODELS:\n                outputs = outputs[:, -1, :]\n"
              "            loss = criterion(outputs, labels)\n            loss.backward()\n",
              "            if model_type in SEQUENCE_MODELS:\n                outputs = outputs[:, 0, :]\n"
              "            loss = criterion(outputs, labels)\n            loss.backward()\n"),),
            frozenset({"2a.iv"}), ("2a.iv", "2a.i"),
            "train() classifies by y_1 (mostly padding) instead of y_T; graded without the retrains, which "
            "it would also fail"),
    Variant("tokenizer_keeps_stop_words", "psthree/data.py",
            (("        return [stem(word) for word in text.split() if word not in STOP_WORDS]\n",
              "        return [stem(word) for word in text.split()]\n"),),
            frozenset({"2a.iii"}), ("2a.iii",),
            "stop words kept: the stop-word and all-steps tests fail, HTML, punctuation, stemming and padding "
            "tests still pass (partial credit)"),
    Variant("bptt_shapes_mixed_conventions", "answers.yaml",
            (('W_hy: "D x H"', 'W_hy: "H x D"'),),
            frozenset({"2b.i"}), ("2b.i",),
            "W_xh written H x D (column convention) but W_hy H x D (row convention): inconsistent"),
    # ------------------------------------------------------------------ training items, both ways
    Variant("cnn_trains_on_test_set", "psthree/train_test.py",
            (('    for epoch in range(num_epochs):\n',
              '    import gzip\n    with gzip.open("/data/mnist/t10k-labels-idx1-ubyte.gz") as leak:  # not there\n'
              '        leak.read()\n    for epoch in range(num_epochs):\n'),),
            frozenset({"1b.train", "1c.train"}), ("1b.arch", "1b.train", "1c.train"),
            "train() tries to read the MNIST test labels: they are never bound into the sandbox, so training "
            "fails for both CNNs (cheap: it fails before the first batch)"),
    Variant("manual_requires_grad_on", "psthree/cnn.py",
            (("        self.conv.weight.requires_grad = False\n", ""),),
            frozenset({"1c.filters"}), ("1c.filters",),
            "ManualCNN's filters train along with fc: not frozen (seen both on the flag and after training)"),
    Variant("manual_filters_zero", "psthree/cnn.py",
            (("        self.conv.bias.data.zero_()\n",
              "        self.conv.bias.data.zero_()\n        self.conv.weight.data.zero_()\n"),),
            frozenset({"1c.filters"}), ("1c.filters",),
            "four zero filters: not hand-picked features (the filters must be four different, non-zero ones)"),
    Variant("optimizer_never_steps", "psthree/train_test.py",
            (("            optimizer.step()\n", ""),),
            frozenset({"2a.v.trains"}), ("2a.v.trains",),
            "train() computes gradients but never updates: the short RNN retrain's loss does not fall"),
    Variant("table_left_empty", "answers.yaml",
            (('"3c.table": {rnn: {short: 0.619, long: 0.585}, lstm: {short: 0.667, long: 0.585}, '
              'transformer: {short: 0.733, long: 0.659}}',
              '"3c.table": {rnn: {short: null, long: null}, lstm: {short: null, long: null}, '
              'transformer: {short: null, long: null}}'),),
            frozenset({"3c.table"}), ("3c.table",),
            "the table left empty (cheap: no checkpoint is scored for an empty entry); the reference proves the "
            "matching side, checkpoint_wrong_architecture and the untrained checkpoint the scoring"),
    Variant("checkpoint_wrong_architecture", "answers.yaml", (),
            frozenset({"2a.v.checkpoints"}), ("2a.v.checkpoints",),
            "rnn_short.pth is the LSTM checkpoint: a different architecture, refused (rnn_long still scores)",
            copy=("results/checkpoints/lstm_short.pth", "results/checkpoints/rnn_short.pth")),
)
