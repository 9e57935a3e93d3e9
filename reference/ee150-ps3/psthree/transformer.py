"""A one-block Transformer encoder for sentiment classification (Problem 3b).

ids ``B x T`` -> embedding (``d_model``, 0 is padding) + learned positions ->
``x + MultiHeadAttention(x, mask)`` -> LayerNorm -> ``x + FFN(x)`` (``d_model -> d_ff ->
ReLU -> d_model``) -> LayerNorm -> mean over the non-padding steps -> ``Linear(d_model,
num_classes)``, given at every position: ``B x T x num_classes`` (the course's models return one
output per position and its ``train`` takes the last).
"""

import torch
from torch import nn

from psthree.attention import MultiHeadAttention


class Transformer(nn.Module):
    def __init__(self, tokenizer, d_model, num_heads, d_ff, num_classes, max_len=512):
        super().__init__()
        self.tokenizer = tokenizer
        # BEGIN SOLUTION
        self.embedding = nn.Embedding(tokenizer.vocab_size, d_model, padding_idx=0)
        self.position = nn.Embedding(max_len, d_model)
        self.attention = MultiHeadAttention(d_model, num_heads)
        self.norm1 = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))
        self.norm2 = nn.LayerNorm(d_model)
        self.classifier = nn.Linear(d_model, num_classes)
        # END SOLUTION

    def forward(self, ids):
        # BEGIN SOLUTION
        padding = ids == 0
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.embedding(ids) + self.position(positions)
        x = self.norm1(x + self.attention(x))  # the course's attention takes no mask
        x = self.norm2(x + self.ffn(x))
        keep = (~padding).unsqueeze(-1).to(x.dtype)
        pooled = (x * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1.0)
        # the course's models answer at every position (B x T x C) and the caller takes the last: this one
        # classifies the mean of the non-padding steps and gives that answer at every position
        return self.classifier(pooled).unsqueeze(1).expand(-1, ids.shape[1], -1)
        # END SOLUTION
