"""The training text, its character vocabulary, and random batches of (inputs, targets).

The text and its vocabulary are defined in llmtutor.run_types (no torch there: the interface
checks a prompt's characters with them) and re-exported here; this module turns them into
tensors.
"""

from __future__ import annotations

import torch

from llmtutor.run_types import CHAR_IDS, TEXT, VOCAB, VOCAB_SIZE, unknown_characters

__all__ = ["TEXT", "VOCAB", "VOCAB_SIZE", "decode", "encode", "get_batch", "unknown_characters"]


def encode(text: str) -> torch.Tensor:
    """Characters → token ids, shape (len(text),), dtype long. Raises ValueError on unknown ones."""
    missing = unknown_characters(text)
    if missing:
        raise ValueError(f"characters not in the vocabulary: {''.join(missing)!r}")
    return torch.tensor([CHAR_IDS[char] for char in text], dtype=torch.long)


def decode(ids: torch.Tensor | list[int]) -> str:
    """Token ids → characters."""
    if isinstance(ids, torch.Tensor):
        ids = ids.tolist()
    return "".join(VOCAB[i] for i in ids)


def get_batch(
    data: torch.Tensor, batch_size: int, seq_len: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """`batch_size` random windows of `data`, each `seq_len` + 1 tokens long, split into inputs
    and targets shifted by one: targets[b, t] is the character after inputs[b, t].

    One index tensor gathers the whole batch (no Python loop over it). The random numbers are
    drawn on `data`'s device, so `generator` (if given) must live on that device too.
    """
    # Any start from 0 to len - seq_len - 1 leaves room for seq_len + 1 tokens.
    starts = torch.randint(
        0, len(data) - seq_len, (batch_size,), device=data.device, generator=generator
    )  # (B,)
    offsets = torch.arange(seq_len + 1, device=data.device)  # (T+1,)
    windows = data[starts[:, None] + offsets]  # (B, T+1): row b is data[starts[b] : starts[b]+T+1]
    return windows[:, :-1], windows[:, 1:]  # inputs (B, T), targets (B, T)
