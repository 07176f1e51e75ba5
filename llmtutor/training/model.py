"""The source's tiny transformer, written lean: the same math as its `nn.TransformerEncoder`
stack (post-norm, ReLU, dropout 0, causal mask) in a few explicit lines.

    token embedding + learned position embedding
    → n_layers × [x = norm1(x + attention(x)); x = norm2(x + feed_forward(x))]
    → linear head: one score (logit) per vocabulary character, at every position

The weights are created in the same order and with the same initialisation as the source's
model, so the same seed gives the same starting weights (see `TinyTransformer.__init__`).
"""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from llmtutor.run_settings import RunSettings
from llmtutor.run_types import TrainConfig
from llmtutor.training.data import VOCAB_SIZE


class Block(nn.Module):
    """One post-norm transformer layer: `nn.TransformerEncoderLayer`'s math with dropout 0.
    Without `residual`, each sublayer's output replaces its input instead of adding to it:
    the experiment that shows what the skip connections do for the gradients."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, residual: bool = True) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.residual = residual
        # Initialised like nn.MultiheadAttention, in its order of random draws: the output
        # projection gets nn.Linear's default, then the fused q/k/v weight xavier-uniform and
        # both biases zero. qkv is built without drawing random numbers for it first: on the
        # meta device (shapes only), then given real, empty weights. (nn.utils.skip_init does
        # the same through torch's reference ops, whose first use imports sympy: ~0.5 s.)
        self.qkv = nn.Linear(d_model, 3 * d_model, device="meta")  # rows: q, then k, then v
        self.qkv.weight = nn.Parameter(torch.empty(3 * d_model, d_model))
        self.qkv.bias = nn.Parameter(torch.empty(3 * d_model))
        self.out_proj = nn.Linear(d_model, d_model)
        nn.init.xavier_uniform_(self.qkv.weight)
        nn.init.zeros_(self.qkv.bias)
        nn.init.zeros_(self.out_proj.bias)
        self.ff_in = nn.Linear(d_model, d_ff)  # feed-forward: nn.Linear's default init
        self.ff_out = nn.Linear(d_ff, d_model)
        self.norm1 = nn.LayerNorm(d_model)  # eps 1e-5, weight 1, bias 0
        self.norm2 = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, T: int) -> torch.Tensor:
        """x: (B·T, C), the rows of B sequences of T positions one after another; returns the
        same shape. (Rows, not (B, T, C): each linear layer then multiplies them as they are,
        without reshaping a 3-D input on the way in and out, forward and backward. The same
        numbers, with fewer steps for autograd: measured faster on the CPU.)"""
        C = x.size(1)  # d_model
        B = x.size(0) // T
        # one projection gives q, k and v; each head gets a contiguous slice of C // n_heads
        q, k, v = self.qkv(x).view(B, T, 3, self.n_heads, C // self.n_heads).unbind(2)
        # q, k, v: (B, T, heads, head size), seen as (B, heads, T, head size) by transposing.
        # (Unbinding dim 2, not permuting it to the front, lets the backward pass stack the
        # three gradients straight into the projection's layout, without two strided copies:
        # the same numbers again, measured faster.) is_causal: position t sees 0..t only.
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, heads, T, head size)
        y = y.transpose(1, 2).reshape(B * T, C)  # heads side by side again: (B·T, C)
        if self.residual:
            x = self.norm1(x + self.out_proj(y))  # post-norm: add, then normalise
            return self.norm2(x + self.ff_out(F.relu(self.ff_in(x))))  # (B·T, C)
        x = self.norm1(self.out_proj(y))  # no skip: the sublayer's output alone
        return self.norm2(self.ff_out(F.relu(self.ff_in(x))))


def config_for(settings: RunSettings, **rest: Any) -> TrainConfig:
    """The run a learner's settings ask for (steps, lr, seed, optimizer, device and the
    experiments), with `rest` setting any other field."""
    return TrainConfig(
        steps=settings.steps,
        lr=settings.lr,
        seed=settings.seed,
        optimizer=settings.optimizer,
        device=settings.device,
        n_layers=settings.layers,
        residual=settings.residual,
        schedule=settings.schedule,
        warmup=settings.warmup,
        lr_min=settings.lr_min,
        bias_correction=settings.bias_correction,
        **rest,
    )


class TinyTransformer(nn.Module):
    """Characters in, next-character logits out: (B, T) token ids → (B, T, vocab_size)."""

    def __init__(self, config: TrainConfig, vocab_size: int = VOCAB_SIZE) -> None:
        super().__init__()
        self.max_len = config.max_len  # positions it has embeddings for
        # Training only ever shows positions 0 … seq_len − 1: the embeddings of later positions
        # stay random. Generation therefore looks at the last seq_len characters at most.
        self.context_len = config.seq_len
        # nn.Embedding's default init: normal(0, 1)
        self.token_embedding = nn.Embedding(vocab_size, config.d_model)
        self.position_embedding = nn.Embedding(config.max_len, config.d_model)
        # Like nn.TransformerEncoder, the layers are copies of one freshly initialised layer:
        # they start equal and grow apart in training (this keeps the source's random draws).
        layer = Block(config.d_model, config.n_heads, config.d_ff, config.residual)
        self.blocks = nn.ModuleList(copy.deepcopy(layer) for _ in range(config.n_layers))
        self.head = nn.Linear(config.d_model, vocab_size)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        B, T = ids.shape
        # positions 0 … T − 1 are the embedding table's first T rows: a slice, not a lookup
        positions = self.position_embedding.weight[:T]  # (T, d_model)
        x = (self.token_embedding(ids) + positions).view(B * T, -1)  # (B·T, d_model)
        for block in self.blocks:
            x = block(x, T)
        return self.head(x).view(B, T, -1)  # (B, T, vocab_size)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())
