"""The live training run's text and model shape, and the figures its lesson states.

The training package (torch) builds its data and model from these constants; the lesson
that introduces the run fills its `{placeholders}` from `facts()`, which needs no torch, so
the text is there before anything is imported.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

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


@functools.cache
def uniform_loss() -> float:
    """ln V: the loss of a uniform guess over the text's V characters."""
    return facts().value("uniform_loss")


def first_to_last_block(norms: Sequence[tuple[str, float]]) -> float | None:
    """The first block's gradient norm ÷ the last block's (from a report's norms, named
    "block 1" … "block N"); None with fewer than two blocks or a last block at 0."""
    blocks = [norm for name, norm in norms if name.startswith("block ")]
    if len(blocks) < 2 or not blocks[-1]:
        return None
    return blocks[0] / blocks[-1]


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


# --- what went wrong, and what to try ------------------------------------------------------

# The rate each optimizer trains this model well at: the article's 1e-3 for Adam, and for SGD
# a rate measured here (500 steps: SGD at 0.5 reached a loss near Adam's on each of seeds 0 to
# 3 and 42; at 1 it diverged on seeds 0, 2 and 3; at 1e-3 it barely moves). Advice suggests
# moving toward it, never past it.
GOOD_RATE = {"adam": 1e-3, "sgd": 0.5}
STILL_FALLING = 0.05  # a fall of the loss's mean, late in a run, that counts as still falling
NEAR = 0.1  # a loss within this of the frequency guess's has learned little more than it
VANISHED = 1e-2  # the first block's gradient below this share of the last block's


@functools.cache
def frequency_loss() -> float:
    """The loss of guessing every next character from how often it occurs in the text,
    ignoring what came before: the entropy −Σ p ln p of the paragraph's characters (the
    repeated text has the same frequencies). A model that has learned only which characters
    are common levels off near it."""
    import math
    from collections import Counter

    counts = Counter(PARAGRAPH).values()
    return -sum(n / len(PARAGRAPH) * math.log(n / len(PARAGRAPH)) for n in counts)


def diagnosis(
    losses: list[float],
    *,
    optimizer: str,
    lr: float,
    diverged_at: int | None = None,
    plain: bool = False,
    norms: Sequence[tuple[str, float]] = (),
    residual: bool = True,
) -> str:
    """What happened to a run that went wrong, and what to try, from its reported losses (in
    step order); "" for a run that learned (or has too few reports to judge). `plain`: the
    advice names the command's flags instead of the training screen's r. `norms`: the last
    report's gradient norms, by part: in a run without residual connections (`residual`
    False) whose first block's is below VANISHED of the last block's, the advice is about
    that (the chain-rule lesson's vanishing gradient). With the residuals on, a first block
    starved of gradient is a symptom of the stall, not its cause, and is not advised on.

    Diverged: the loss stopped being a number. Otherwise a run is judged by the mean of its
    last tenth of reports: no lower than the frequency guess less NEAR is a run that learned
    little; it is still falling if the mean of the reports between 60% and 80% of the way is
    more than STILL_FALLING above it, and has levelled off if not."""
    import math

    def rate(value: float) -> str:
        return f"run again with --lr {value:g}" if plain else f"press r and try lr {value:g}"

    if diverged_at is not None:
        return (
            f"The loss stopped being a number at step {diverged_at}: the updates pushed the "
            "weights so far that the arithmetic overflowed. A smaller learning rate takes "
            f"smaller steps: {rate(lr / 10)}."
        )
    finite = [x for x in losses if math.isfinite(x)]
    if len(finite) < 10:
        return ""
    tail = finite[-max(1, len(finite) // 10) :]
    end = sum(tail) / len(tail)
    guess = frequency_loss()
    if end <= guess - NEAR:
        return ""
    start = int(len(finite) * 0.6)
    middle = finite[start : max(int(len(finite) * 0.8), start + 1)]
    falling = sum(middle) / len(middle) - end > STILL_FALLING
    learned = (
        "has not yet learned even which characters are common"
        if end > guess + NEAR
        else "has learned little more than which characters are common"
    )
    said = (
        f"The loss ended near {fmt(end, 3)}; guessing each character from how common it is, "
        f"ignoring the text before it, costs {fmt(guess, 3)}: the model {learned}."
    )
    ratio = first_to_last_block(norms)
    if not residual and ratio is not None and ratio < VANISHED:
        blocks = sum(1 for name, _ in norms if name.startswith("block "))
        where = "run again without --no-residual" if plain else "press r and set residual to yes"
        return (
            f"{said} The gradient reaching block 1 was {fmt(ratio, 2)} times block {blocks}'s "
            "at the last report: the early layers hardly learn (a vanishing gradient, as in the "
            "chain-rule lesson). Residual connections give the gradient a path around each "
            f"layer: {where}, or try fewer layers."
        )
    good = GOOD_RATE.get(optimizer, GOOD_RATE["adam"])
    if falling and optimizer == "sgd" and lr < good:
        return (
            f"{said} It was still falling, slowly. SGD's step is the learning rate times the "
            "gradient; Adam divides by the gradient's typical size, so its steps are about "
            "the learning rate however small the gradients are. Where gradients are small, "
            f"SGD needs a far larger rate: {rate(good)}."
        )
    more = "more --steps" if plain else "more steps"
    if falling and lr < good:
        return f"{said} It was still falling, slowly: {rate(min(lr * 10, good))}, or {more}."
    if falling:
        again = "run again with" if plain else "press r and try"
        return f"{said} It was still falling, slowly: {again} {more}."
    if lr > good:
        return (
            f"{said} It had levelled off: steps this large can keep jumping past the finer "
            f"minima. {rate(lr / 10).capitalize()}."
        )
    if lr < good:
        return f"{said} It had levelled off: {rate(min(lr * 10, good))}, or another seed."
    seed = "run again with another --seed" if plain else "press r and try another seed"
    return f"{said} It had levelled off: {seed}."
