"""The training text, its character vocabulary, and random batches of (inputs, targets).

The text is the source's: one short paragraph repeated (llmtutor.engine.live_run, which
the lesson's figures come from too). Each character is a token, so the vocabulary is the
sorted set of characters in the text.
"""

from __future__ import annotations

import torch

from llmtutor.engine.live_run import PARAGRAPH, REPEATS

TEXT = PARAGRAPH * REPEATS  # repeated so there is enough to sample from; the model memorises it

VOCAB: tuple[str, ...] = tuple(sorted(set(TEXT)))  # (' ', '.', 'a', 'b', …): 28 characters
VOCAB_SIZE = len(VOCAB)
_CHAR_TO_ID = {char: i for i, char in enumerate(VOCAB)}


def unknown_characters(text: str) -> list[str]:
    """The characters of `text` that are not in the vocabulary (in order, without repeats)."""
    return list(dict.fromkeys(char for char in text if char not in _CHAR_TO_ID))


def encode(text: str) -> torch.Tensor:
    """Characters → token ids, shape (len(text),), dtype long. Raises ValueError on unknown ones."""
    missing = unknown_characters(text)
    if missing:
        raise ValueError(f"characters not in the vocabulary: {''.join(missing)!r}")
    return torch.tensor([_CHAR_TO_ID[char] for char in text], dtype=torch.long)


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
