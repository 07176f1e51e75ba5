"""Cross-entropy loss: how wrong a prediction was, from the probability of the right token.

L = −ln(p),  average loss = mean of L over tokens,  perplexity = e^(average loss)
"""

from __future__ import annotations

import math

from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt, term
from llmtutor.engine.trace import Series, Trace

INPUTS = (
    InputSpec("p", 0.233, "probability the model gave the correct token", positive=True, maximum=1),
    InputSpec("avg_loss", 2.5, "an average loss over a data set", symbol="avg L", minimum=0),
)

# Fixed teaching examples: the probabilities are chosen, the losses are computed.
TABLE = (0.01, 0.10, 0.25, 0.50, 0.75, 0.95, 0.99)

# A short made-up sentence, "The cat sat on the mat": the probability the model gave each
# correct next token. The last one is the input p (the probability it gave "mat").
SEQUENCE = (("sat", 0.6), ("on", 0.8), ("the", 0.9))

CURVE_POINTS = 200
CURVE_START = 0.005


def cross_entropy(p: float) -> float:
    """−ln(p) for 0 < p ≤ 1 (0 when p = 1, never −0.0)."""
    return -math.log(p) if p < 1 else 0.0


def exp(value: float) -> float:
    """e^value, or ∞ where that is too large for a float (instead of raising)."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _name(p: float) -> str:
    return f"{round(p * 100):03d}"  # 0.01 -> "001", 0.95 -> "095"


def compute(p: float = 0.233, avg_loss: float = 2.5) -> Trace:
    t = Trace()
    t.given("p", p)
    t.given("avg_loss", avg_loss, "avg L")

    loss = t.add("loss", "L", "−ln(p)", f"−ln({fmt(p)})", cross_entropy(p))

    # Worked examples: a confident right answer and a confident wrong one.
    for example in (0.95, 0.01):
        t.add(
            f"loss_p{_name(example)}",
            f"L(p={fmt(example)})",
            "−ln(p)",
            f"−ln({fmt(example)})",
            cross_entropy(example),
        )

    # The table: loss falls as the probability of the correct token rises.
    for row in TABLE:
        t.add(
            f"table_p{_name(row)}",
            f"L({fmt(row)})",
            "−ln(p)",
            f"−ln({fmt(row)})",
            cross_entropy(row),
        )

    # The average loss over a short sentence: one loss per predicted token, then the mean.
    tokens = [*SEQUENCE, ("mat", p)]
    losses = []
    for index, (word, prob) in enumerate(tokens, start=1):
        losses.append(
            t.add(
                f"seq_loss_{index}",
                f"L{index} ({word})",
                "−ln(p)",
                f"−ln({fmt(prob)})",
                cross_entropy(prob),
            )
        )
    count = len(losses)
    average = t.add(
        "avg_example",
        "mean L",
        f"(L1 + … + L{count}) ÷ {count}",
        "(" + " + ".join([fmt(losses[0]), *(term(v) for v in losses[1:])]) + f") ÷ {count}",
        math.fsum(losses) / count,
    )
    t.add(
        "perplexity_example",
        "PPL (mean L)",
        "e^(mean L)",
        f"e^{term(average)}",
        exp(average),
    )

    ppl = exp(avg_loss)
    t.add(
        "perplexity",
        "PPL",
        "e^(avg L)",
        f"e^{term(avg_loss)}",
        ppl,
        note=f"as unsure as a fair pick among {fmt(ppl, 3)} tokens",
    )

    # The curve: loss against the probability of the correct token, over (0, 1].
    start = min(CURVE_START, p)
    step = (1.0 - start) / (CURVE_POINTS - 1)
    xs = (*(start + i * step for i in range(CURVE_POINTS - 1)), 1.0)
    t.add_series(
        Series(
            "loss_curve",
            "Cross-entropy loss against the probability of the correct token",
            xs,
            tuple(cross_entropy(x) for x in xs),
            x_label="p (correct token)",
            y_label="loss −ln(p)",
            marks=((p, loss, f"p = {fmt(p)}"),),
        )
    )
    return t
