"""Cross-entropy loss: how wrong a prediction was, from the probability of the right token.

L = −ln(p),  average loss = mean of L over tokens,  perplexity = e^(average loss)
"""

from __future__ import annotations

import math

from llmtutor.engine.expr import Expr, exp, ln, num
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt
from llmtutor.engine.trace import Series, Trace

INPUTS = (
    InputSpec("p", 0.233, "probability the model gave the correct token", positive=True, maximum=1),
    InputSpec(
        "avg_loss",
        2.5,
        "an average loss over a whole data set (the article's example: 2.5)",
        symbol="avg L (data)",
        minimum=0,
    ),
)

# Fixed teaching examples: the probabilities are chosen, the losses are computed. 0.95 (a
# confident right answer) and 0.01 (a confident wrong one) are also the worked examples.
TABLE = (0.01, 0.10, 0.25, 0.50, 0.75, 0.95, 0.99)

# A short made-up sentence, "The cat sat on the mat": the probability the model gave each
# correct next token. The last one is the input p (the probability it gave "mat").
SEQUENCE = (("sat", 0.6), ("on", 0.8), ("the", 0.9))

CURVE_POINTS = 200
CURVE_START = 0.005

P_SHARE = Fact(
    "p_share",
    "the probability p of the correct token: all of it (1), more than half, or half or less",
    ("certain", "over_half", "half_or_less"),
)
PERPLEXITY = Fact(
    "perplexity_size",
    "the perplexity of the given average loss: 1 as written (no doubt to speak of), more, "
    "or too large for a float",
    ("one", "more", "overflow"),
)
FACTS = (P_SHARE, PERPLEXITY)


def cross_entropy(p: float) -> float:
    """−ln(p) for 0 < p ≤ 1 (0 when p = 1, never −0.0)."""
    return -math.log(p) if p < 1 else 0.0


def _name(p: float) -> str:
    return f"{round(p * 100):03d}"  # 0.01 -> "001", 0.95 -> "095"


def share(p: float) -> str:
    """The fact `p_share` for a probability 0 < p ≤ 1."""
    return "certain" if p == 1 else "over_half" if p > 0.5 else "half_or_less"


def perplexity_size(perplexity: float) -> str:
    """The fact `perplexity_size` for e^(an average loss ≥ 0): "one" where it is written
    as 1 (below 1.000005), so that text can say so beside the number."""
    if not math.isfinite(perplexity):
        return "overflow"
    return "one" if fmt(perplexity) == "1" else "more"


def _pick_among(perplexity: float) -> str:
    """The note on a perplexity: the fair pick it is as unsure as."""
    if perplexity == 1:
        return "as sure as a pick among 1 token: no doubt at all"
    if fmt(perplexity, 3) == "1":
        return "almost as sure as a pick among 1 token"
    return f"as unsure as a fair pick among {fmt(perplexity, 3)} tokens"


def compute(p: float = 0.233, avg_loss: float = 2.5) -> Trace:
    t = Trace()
    p_ = t.input("p", p)
    avg = t.input("avg_loss", avg_loss, "avg L (data)")

    loss = t.define("loss", "L", -ln(p_))
    t.fact(P_SHARE, share(p))

    # The table: loss falls as the probability of the correct token rises. Each number is a
    # fixed probability, not the input p, so each row is written with its own number.
    for row in TABLE:
        t.define(f"table_p{_name(row)}", f"L({fmt(row)})", -ln(num(row)))

    # The average loss over a short sentence: one loss per predicted token, then the mean.
    # The last token is "mat", whose loss is L itself.
    losses: list[Expr] = []
    for word, prob in SEQUENCE:
        p_word = t.constant(f"p_{word}", f"p({word})", prob, note="made up for this example")
        losses.append(t.define(f"seq_loss_{len(losses) + 1}", f"L({word})", -ln(p_word)))
    losses.append(t.define(f"seq_loss_{len(losses) + 1}", "L(mat)", loss))
    total = losses[0]
    for item in losses[1:]:
        total = total + item
    average = t.define("avg_example", "avg L", total / len(losses))
    sentence_ppl = exp(average)
    t.define("perplexity_example", "PPL", sentence_ppl, _pick_among(sentence_ppl.value))

    ppl = exp(avg)
    t.define("perplexity", "PPL (data)", ppl, note=_pick_among(ppl.value))
    t.fact(PERPLEXITY, perplexity_size(ppl.value))

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
            marks=((p, loss.value, f"p = {fmt(p)}"),),
        )
    )
    return t
