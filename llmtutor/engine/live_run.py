"""The live training run's text and model shape, and the figures its lesson states.

The training package (torch) builds its data and model from these constants; the lesson
that introduces the run fills its `{placeholders}` from `facts()`, which needs no torch, so
the text is there before anything is imported.
"""

from __future__ import annotations

from llmtutor.engine.expr import ln
from llmtutor.engine.trace import Trace

PARAGRAPH = "the quick brown fox jumps over the lazy dog. the dog sleeps. the fox runs. "
REPEATS = 20  # the paragraph, repeated so there is enough to sample from
LAYERS = 2  # transformer layers
WIDTH = 64  # width of every token's vector (d_model)
SAMPLE_EVERY = 100  # steps between the texts the model writes while it trains
PROMPT = "t"  # where the model's writing starts


def facts() -> Trace:
    """What the lesson says about the run before it starts, computed from the constants."""
    t = Trace()
    t.constant("layers", "layers", LAYERS, note="transformer layers")
    t.constant("width", "d", WIDTH, note="width of every token's vector")
    repeats = t.constant("repeats", "repeats", REPEATS, note="copies of the paragraph")
    length = t.constant("paragraph", "len", len(PARAGRAPH), note="characters of the paragraph")
    t.define("text_len", "n", length * repeats, note="characters of the text")
    vocab = t.constant("vocab", "V", len(set(PARAGRAPH)), note="distinct characters")
    t.define("uniform_loss", "ln V", ln(vocab), note="the loss of a uniform guess")
    return t
