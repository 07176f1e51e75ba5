"""The live training run's text and model shape, and the figures its lesson states.

The training package (torch) builds its data and model from these constants; the lesson
that introduces the run fills its `{placeholders}` from `facts()`, which needs no torch, so
the text is there before anything is imported.
"""

from __future__ import annotations

from llmtutor.engine.expr import ln
from llmtutor.engine.numbers import fmt
from llmtutor.engine.trace import Series, Trace

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


def uniform_guess(total: int) -> Series:
    """The loss of a uniform guess over the V characters, ln V, across a run of `total`
    steps: the line a loss chart reads step 0 against (a model that knows nothing yet
    starts near it)."""
    figures = facts()
    vocab, loss = int(figures.value("vocab")), figures.value("uniform_loss")
    name = f"uniform guess, ln {vocab} = {fmt(loss, 3)}"
    return Series(name, name, (0.0, float(max(1, total - 1))), (loss, loss), "step", "loss")


NEARLY_SURE = 1.5  # a perplexity below this: the model is almost never surprised
MEMORISED = (
    f"It has all but memorised its text, one paragraph repeated {REPEATS} times; real "
    "training sees far more text than a model can memorise, and must learn patterns."
)


def nearly_sure(loss: float) -> bool:
    """Whether a final loss means the model is almost never surprised (and, on this tiny
    repeated paragraph, has memorised it)."""
    return _reading(loss)[0] == "sure"


def _reading(loss: float) -> tuple[str, float, int]:
    """How the article reads a final loss: ("sure" | "unsure" | "worse" | "no_value"), the
    perplexity e^loss, and how many characters the model is unsure between."""
    import math

    if not math.isfinite(loss):
        return "no_value", math.nan, 0
    perplexity = math.exp(loss) if loss < 700 else math.inf
    if perplexity < NEARLY_SURE:
        return "sure", perplexity, 1
    if perplexity > len(set(PARAGRAPH)):
        return "worse", perplexity, 0
    return "unsure", perplexity, max(1, round(perplexity))


def perplexity_phrase(loss: float) -> str:
    """A run's final loss read as the article reads it, in a few words: "perplexity 1.13,
    almost never surprised", "perplexity 7.39, unsure between about 7 characters", or that
    it does worse than a uniform guess."""
    kind, perplexity, choices = _reading(loss)
    head = f"perplexity {fmt(perplexity, 3)}"
    if kind == "no_value":
        return "the run did not converge"
    if kind == "sure":
        return f"{head}, almost never surprised"
    if kind == "worse":
        return f"{head}, worse than a uniform guess over {len(set(PARAGRAPH))} characters"
    return f"{head}, unsure between about {choices} character{'s' if choices > 1 else ''}"


def final_words(loss: float) -> str:
    """The end of a run in the article's words, from its final loss: the perplexity e^loss,
    read as how many characters the model is confused between; below NEARLY_SURE, almost
    never surprised, which on this tiny repeated paragraph means it has memorised it."""
    kind, perplexity, choices = _reading(loss)
    if kind == "no_value":
        return f"The final loss is {fmt(loss)}: the run did not converge."
    head = f"Final loss {fmt(loss, 3)}: perplexity e^{fmt(loss, 3)} = {fmt(perplexity, 3)}"
    if kind == "sure":
        return f"{head}, so the model is almost never surprised by the next character. {MEMORISED}"
    if kind == "worse":
        return (
            f"{head}, more than the {len(set(PARAGRAPH))} characters a uniform guess spreads "
            "over: on average the model gives the right character less than a uniform guess "
            "would."
        )
    word = "character" if choices == 1 else "characters"
    return f"{head}: the model is as unsure as if it were choosing between about {choices} {word}."
