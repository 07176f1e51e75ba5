"""The slope of a one-parameter loss curve, and what it predicts about a small nudge.

    L(w) = (w − w★)² + L★,   dL/dw = 2(w − w★)

w★ = 0.35 and L★ = 1.4345 make the story's numbers: at w = 0.5 the loss is 1.457 (the "mat"
loss) and the gradient is +0.3.
"""

from __future__ import annotations

from llmtutor.engine import facts
from llmtutor.engine.expr import call, precise
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt
from llmtutor.engine.toy_network import compared, direction
from llmtutor.engine.trace import Series, Trace

W_STAR = 0.35  # where the made-up curve is lowest
L_STAR = 1.4345  # its lowest loss

INPUTS = (
    InputSpec("w", 0.5, "the parameter's current value"),
    InputSpec("nudge", 0.001, "a tiny change to w", symbol="Δw", positive=True),
    InputSpec("lr", 0.1, "learning rate", positive=True),
)

CURVE_POINTS = 101
TANGENT_POINTS = 21


def curve(w: float) -> float:
    """The made-up loss curve L(w)."""
    gap = w - W_STAR
    return gap * gap + L_STAR  # unlike ** 2, overflows to inf instead of raising


def slope(w: float) -> float:
    """Its derivative dL/dw, worked out by hand."""
    return 2 * (w - W_STAR)


GRADIENT_SIGN = Fact(
    "gradient_sign", "the sign of dL/dw where w is", ("positive", "negative", "zero", "not_finite")
)
AFTER_STEP = Fact(
    "after_step", "the loss after one step, against the loss before it", facts.CHANGES
)
FACTS = (GRADIENT_SIGN, AFTER_STEP)


def compute(w: float = 0.5, nudge: float = 0.001, lr: float = 0.1) -> Trace:
    t = Trace()
    w_ = t.input("w", w)
    nudge_ = t.input("nudge", nudge, "Δw")
    lr_ = t.input("lr", lr)
    w_star = t.constant("w_star", "w★", W_STAR, note="where this curve is lowest")
    l_star = t.constant("L_min", "L★", L_STAR, note="the lowest loss on this curve")

    loss = t.define("L", "L", (w_ - w_star) ** 2 + l_star)
    grad = t.define("grad", "dL/dw", 2 * (w_ - w_star), note=direction(slope(w), "w"))
    t.fact(GRADIENT_SIGN, facts.sign(grad.value))
    t.define("direction", "sign", call("sign", grad), note=direction(grad.value, "w"))

    # What the slope predicts for a tiny nudge, and what the curve actually does.
    predicted = t.define(
        "predicted_change",
        "ΔL (slope)",
        grad * nudge_,
        note={"up": "loss goes up", "down": "loss goes down"}.get(
            facts.change(grad.value * nudge, 0.0), ""
        ),
    )
    nudged = t.define("L_nudged", "L(w+Δw)", (w_ + nudge_ - w_star) ** 2 + l_star)
    # The two losses differ only in their last places: shown with more digits than usual.
    actual = t.define("actual_change", "ΔL (actual)", precise(nudged) - precise(loss))
    t.define(
        "change_gap",
        "gap",
        actual - predicted,
        note="the curve bends, so the slope is exact only for tiny nudges",
    )

    # One gradient-descent step.
    w_step = t.define("w_step", "w'", w_ - lr_ * grad)
    after = t.define(
        "L_step",
        "L(w')",
        (w_step - w_star) ** 2 + l_star,
        note=compared(curve(w_step.value), loss.value),
    )
    t.fact(AFTER_STEP, facts.change(after.value, loss.value))

    # The curve around both the current point and the lowest point, and the slope line.
    half = max(0.5, 1.25 * abs(w - W_STAR))
    lo = W_STAR - half
    xs = tuple(lo + 2 * half * i / (CURVE_POINTS - 1) for i in range(CURVE_POINTS))
    t.add_series(
        Series(
            "curve",
            "Loss against the parameter w",
            xs,
            tuple(curve(x) for x in xs),
            x_label="w",
            y_label="loss L(w)",
            marks=((w, loss.value, f"w = {fmt(w)}"), (W_STAR, L_STAR, "lowest")),
        )
    )
    reach = 0.3 * half
    txs = tuple(w - reach + 2 * reach * i / (TANGENT_POINTS - 1) for i in range(TANGENT_POINTS))
    t.add_series(
        Series(
            "tangent",
            "The slope at the current w",
            txs,
            tuple(loss.value + grad.value * (x - w) for x in txs),
            x_label="w",
            y_label="loss L(w)",
            marks=((w, loss.value, f"slope {fmt(grad.value)}"),),
        )
    )
    return t
