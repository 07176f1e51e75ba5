"""The three-parameter toy network: forward pass, backward pass, one gradient-descent step.

    h = x·w1,  a = h·w2,  y = a·w3,  L = (y − target)²

The backward pass is written one local derivative at a time, the way the chain rule is
taught: each gradient is the gradient one step closer to the loss times a local derivative.
Every quantity is defined once, as an `Expr`: its formula, the formula with the numbers put
in and its value all come from that definition.
"""

from __future__ import annotations

import math

from llmtutor.engine import facts
from llmtutor.engine.expr import Expr, call, precise
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.trace import Trace

INPUTS = (
    InputSpec("x", 2.0, "the input"),
    InputSpec("w1", 0.5, "first weight"),
    InputSpec("w2", -0.3, "second weight"),
    InputSpec("w3", 1.2, "third weight"),
    InputSpec("target", 1.0, "the output we want"),
    InputSpec("lr", 0.1, "learning rate", positive=True),
)

# How a weight moves in one step of gradient descent: up or down; not at all because its
# gradient is 0, or because lr × gradient is too small next to the weight to change it in
# the digits a float keeps; or to a value that is not a finite number.
MOVES = ("up", "down", "no_gradient", "too_small", "not_finite")

Y_VS_TARGET = Fact(
    "y_vs_target", "where the output y lands against the target", ("below", "above", "on_target")
)
W1_MOVES = Fact("w1_moves", "how one step of gradient descent moves w1", MOVES)
W2_MOVES = Fact("w2_moves", "how one step of gradient descent moves w2", MOVES)
W3_MOVES = Fact("w3_moves", "how one step of gradient descent moves w3", MOVES)
AFTER_STEP = Fact("after_step", "the loss after the step (L'), against L", facts.CHANGES)
ROUNDING = Fact(
    "rounding",
    "whether rounding the new weights to 3 decimals changes the loss after the step",
    ("changes", "same", "not_finite"),
)
AFTER_SMALLER_STEP = Fact(
    "after_smaller_step", "the loss after a step ten times smaller, against L", facts.CHANGES
)
SMALLER_VS_STEP = Fact(
    "smaller_vs_step", "the loss after a step ten times smaller, against L'", facts.CHANGES
)
AFTER_LARGER_STEP = Fact(
    "after_larger_step", "the loss after a step five times larger, against L", facts.CHANGES
)
LARGER_VS_STEP = Fact(
    "larger_vs_step", "the loss after a step five times larger, against L'", facts.CHANGES
)
FACTS = (
    Y_VS_TARGET,
    W1_MOVES,
    W2_MOVES,
    W3_MOVES,
    AFTER_STEP,
    ROUNDING,
    AFTER_SMALLER_STEP,
    SMALLER_VS_STEP,
    AFTER_LARGER_STEP,
    LARGER_VS_STEP,
)


def direction(gradient: float, parameter: str) -> str:
    """What the sign of a gradient says to do with its parameter."""
    if gradient > 0:
        return f"positive → decrease {parameter}"
    if gradient < 0:
        return f"negative → increase {parameter}"
    return f"zero → {parameter} does not matter here"


def compared(loss: float, before: float) -> str:
    """How a loss after a step compares with the loss before it."""
    if loss < before:
        return "below L: the step helped"
    if loss > before:
        return "above L: the step overshot"
    return "equal to L"


def side(y: float, target: float) -> str:
    """Where the output lands against the target (both are finite: inputs are bounded)."""
    return "below" if y < target else "above" if y > target else "on_target"


def moved(before: float, gradient: float, after: float) -> str:
    """How one step took a weight from `before` to `after`, given its gradient (a `MOVES`)."""
    if not (math.isfinite(gradient) and math.isfinite(after)):
        return "not_finite"
    if gradient == 0:
        return "no_gradient"
    return "up" if after > before else "down" if after < before else "too_small"


def rounding_effect(rounded: float, exact: float) -> str:
    """Whether the loss with rounded weights differs from the loss with exact ones."""
    if not (math.isfinite(rounded) and math.isfinite(exact)):
        return "not_finite"
    return "same" if rounded == exact else "changes"


def compute(
    x: float = 2.0,
    w1: float = 0.5,
    w2: float = -0.3,
    w3: float = 1.2,
    target: float = 1.0,
    lr: float = 0.1,
) -> Trace:
    t = Trace()
    x_ = t.input("x", x)
    weights = (t.input("w1", w1), t.input("w2", w2), t.input("w3", w3))
    w1_, w2_, w3_ = weights
    target_ = t.input("target", target)
    lr_ = t.input("lr", lr)

    # Forward pass: each value feeds the next.
    h = t.define("h", "h", x_ * w1_)
    a = t.define("a", "a", h * w2_)
    y = t.define("y", "y", a * w3_)
    loss = t.define("L", "L", (y - target_) ** 2)
    t.fact(Y_VS_TARGET, side(y.value, target))

    # Backward pass: start at the loss and multiply by one local derivative per step.
    dl_dy = t.define("dL_dy", "dL/dy", 2 * (y - target_))

    dy_dw3 = t.define("dy_dw3", "dy/dw3", a)
    dl_dw3 = dl_dy * dy_dw3
    dl_dw3 = t.define("dL_dw3", "dL/dw3", dl_dw3, note=direction(dl_dw3.value, "w3"))
    dy_da = t.define("dy_da", "dy/da", w3_)
    dl_da = t.define("dL_da", "dL/da", dl_dy * dy_da)

    da_dw2 = t.define("da_dw2", "da/dw2", h)
    dl_dw2 = dl_da * da_dw2
    dl_dw2 = t.define("dL_dw2", "dL/dw2", dl_dw2, note=direction(dl_dw2.value, "w2"))
    da_dh = t.define("da_dh", "da/dh", w2_)
    dl_dh = t.define("dL_dh", "dL/dh", dl_da * da_dh)

    dh_dw1 = t.define("dh_dw1", "dh/dw1", x_)
    dl_dw1 = dl_dh * dh_dw1
    dl_dw1 = t.define("dL_dw1", "dL/dw1", dl_dw1, note=direction(dl_dw1.value, "w1"))

    # The chain rule in one line: the same gradient as a product of all local derivatives.
    t.define("dL_dw1_chain", "dL/dw1 (chain)", dl_dy * dy_da * da_dh * dh_dw1)

    # Gradient descent: step every weight against its gradient.
    grads = (dl_dw1, dl_dw2, dl_dw3)
    new = _step(t, weights, grads, lr_, "new", "'")
    moves = zip((W1_MOVES, W2_MOVES, W3_MOVES), weights, grads, new, strict=True)
    for fact, before, grad, after in moves:
        t.fact(fact, moved(before.value, grad.value, after.value))
    n1, n2, n3 = new

    # The forward pass again, with the new weights.
    h2 = t.define("h_new", "h'", x_ * n1)
    a2 = t.define("a_new", "a'", h2 * n2)
    y2 = t.define("y_new", "y'", a2 * n3)
    loss2 = (y2 - target_) ** 2
    loss2 = t.define("L_new", "L'", loss2, note=compared(loss2.value, loss.value))
    # The two losses may agree in their first digits: written with more digits than usual.
    t.define("L_change", "ΔL", precise(loss2) - precise(loss))
    t.fact(AFTER_STEP, facts.change(loss2.value, loss.value))

    # A hand calculation rounds the new weights to three decimals; show what that does.
    r1, r2, r3 = (
        t.define(f"w{i}_rounded", f"w{i}'(3dp)", call("round", w, 3))
        for i, w in enumerate(new, start=1)
    )
    rounded = t.define("L_rounded", "L'(3dp)", (x_ * r1 * r2 * r3 - target_) ** 2)
    t.define("L_rounding_gap", "ΔL'(3dp)", precise(rounded) - precise(loss2))
    t.fact(ROUNDING, rounding_effect(rounded.value, loss2.value))

    # What the step size does: one step ten times smaller, and one five times larger.
    for lr_variant, label, suffix, after_fact, vs_fact in (
        (lr_ / 10, "lr÷10", "small_lr", AFTER_SMALLER_STEP, SMALLER_VS_STEP),
        (lr_ * 5, "lr×5", "large_lr", AFTER_LARGER_STEP, LARGER_VS_STEP),
    ):
        v1, v2, v3 = _step(t, weights, grads, lr_variant, suffix, f"'({label})")
        other = (x_ * v1 * v2 * v3 - target_) ** 2
        note = compared(other.value, loss.value)
        t.define(f"L_{suffix}", f"L'({label})", other, note=note)
        t.fact(after_fact, facts.change(other.value, loss.value))
        t.fact(vs_fact, facts.change(other.value, loss2.value))
    return t


def _step(
    t: Trace, weights: tuple[Expr, ...], grads: tuple[Expr, ...], lr: Expr, suffix: str, mark: str
) -> tuple[Expr, ...]:
    """Record w − lr × dL/dw for each weight, as `w{i}_{suffix}`, written `w{i}{mark}`."""
    return tuple(
        t.define(f"w{i}_{suffix}", f"w{i}{mark}", w - lr * g)
        for i, (w, g) in enumerate(zip(weights, grads, strict=True), start=1)
    )
