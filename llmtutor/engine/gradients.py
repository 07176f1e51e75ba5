"""The slope of a one-parameter loss curve, and what it predicts about a small nudge.

    L(w) = (w − w★)² + L★,   dL/dw = 2(w − w★)

w★ = 0.35 and L★ = 1.4345 make the story's numbers: at w = 0.5 the loss is 1.457 (the "mat"
loss) and the gradient is +0.3.
"""

from __future__ import annotations

from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt, term
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


def _sign(value: float) -> float:
    return 1.0 if value > 0 else -1.0 if value < 0 else 0.0


def compute(w: float = 0.5, nudge: float = 0.001, lr: float = 0.1) -> Trace:
    t = Trace()
    t.given("w", w)
    t.given("nudge", nudge, "Δw")
    t.given("lr", lr)
    w_star = t.add("w_star", "w★", "", "", W_STAR, note="where this curve is lowest")
    l_star = t.add("L_min", "L★", "", "", L_STAR, note="the lowest loss on this curve")

    loss = t.add(
        "L", "L", "(w − w★)² + L★", f"({fmt(w)} − {term(w_star)})² + {term(l_star)}", curve(w)
    )
    grad = t.add(
        "grad",
        "dL/dw",
        "2(w − w★)",
        f"2 × ({fmt(w)} − {term(w_star)})",
        slope(w),
        note=direction(slope(w), "w"),
    )
    t.add(
        "direction",
        "sign",
        "sign(dL/dw)",
        f"sign({fmt(grad)})",
        _sign(grad),
        note=direction(grad, "w"),
    )

    # What the slope predicts for a tiny nudge, and what the curve actually does.
    predicted = t.add(
        "predicted_change",
        "ΔL (slope)",
        "dL/dw × Δw",
        f"{fmt(grad)} × {term(nudge)}",
        grad * nudge,
        note="loss goes up" if grad * nudge > 0 else "loss goes down" if grad * nudge < 0 else "",
    )
    nudged = t.add(
        "L_nudged",
        "L(w+Δw)",
        "(w + Δw − w★)² + L★",
        f"({fmt(w)} + {term(nudge)} − {term(w_star)})² + {term(l_star)}",
        curve(w + nudge),
    )
    # More digits than usual: the two losses differ only in their last places.
    actual = t.add(
        "actual_change",
        "ΔL (actual)",
        "L(w+Δw) − L(w)",
        f"{fmt(nudged, 9)} − {fmt(loss, 9)}",  # both ≥ L★ > 0: no parentheses needed
        nudged - loss,
    )
    t.add(
        "change_gap",
        "gap",
        "ΔL (actual) − ΔL (slope)",
        f"{fmt(actual)} − {term(predicted)}",
        actual - predicted,
        note="the curve bends, so the slope is exact only for tiny nudges",
    )

    # One gradient-descent step.
    w_step = t.add(
        "w_step", "w'", "w − lr × dL/dw", f"{fmt(w)} − {term(lr)} × {term(grad)}", w - lr * grad
    )
    t.add(
        "L_step",
        "L(w')",
        "(w' − w★)² + L★",
        f"({fmt(w_step)} − {term(w_star)})² + {term(l_star)}",
        curve(w_step),
        note=compared(curve(w_step), loss),
    )

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
            marks=((w, loss, f"w = {fmt(w)}"), (W_STAR, L_STAR, "lowest")),
        )
    )
    reach = 0.3 * half
    txs = tuple(w - reach + 2 * reach * i / (TANGENT_POINTS - 1) for i in range(TANGENT_POINTS))
    t.add_series(
        Series(
            "tangent",
            "The slope at the current w",
            txs,
            tuple(loss + grad * (x - w) for x in txs),
            x_label="w",
            y_label="loss L(w)",
            marks=((w, loss, f"slope {fmt(grad)}"),),
        )
    )
    return t
