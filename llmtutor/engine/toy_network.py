"""The three-parameter toy network: forward pass, backward pass, one gradient-descent step.

    h = x·w1,  a = h·w2,  y = a·w3,  L = (y − target)²

The backward pass is written one local derivative at a time, the way the chain rule is
taught: each gradient is the gradient one step closer to the loss times a local derivative.
"""

from __future__ import annotations

from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt, term
from llmtutor.engine.trace import Trace

INPUTS = (
    InputSpec("x", 2.0, "the input"),
    InputSpec("w1", 0.5, "first weight"),
    InputSpec("w2", -0.3, "second weight"),
    InputSpec("w3", 1.2, "third weight"),
    InputSpec("target", 1.0, "the output we want"),
    InputSpec("lr", 0.1, "learning rate", positive=True),
)


def _square(value: float) -> float:
    return value * value  # unlike ** 2, overflows to inf instead of raising


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


def _loss(x: float, w1: float, w2: float, w3: float, target: float) -> float:
    return _square(x * w1 * w2 * w3 - target)


def _loss_after_step(
    trace: Trace, name: str, symbol: str, lr: float, how: str, grads: tuple[float, float, float]
) -> float:
    """Record the loss after one step of size `lr` (used to show what the step size does)."""
    x, target = trace.value("x"), trace.value("target")
    weights = [trace.value(w) - lr * g for w, g in zip(("w1", "w2", "w3"), grads, strict=True)]
    w1, w2, w3 = weights
    return trace.add(
        name,
        symbol,
        f"L at w − ({how})·dL/dw",
        f"({fmt(x)} × {term(w1)} × {term(w2)} × {term(w3)} − {term(target)})²",
        _loss(x, w1, w2, w3, target),
        note=compared(_loss(x, w1, w2, w3, target), trace.value("L")),
    )


def compute(
    x: float = 2.0,
    w1: float = 0.5,
    w2: float = -0.3,
    w3: float = 1.2,
    target: float = 1.0,
    lr: float = 0.1,
) -> Trace:
    t = Trace()
    t.given("x", x)
    t.given("w1", w1)
    t.given("w2", w2)
    t.given("w3", w3)
    t.given("target", target)
    t.given("lr", lr)

    # Forward pass: each value feeds the next.
    h = t.add("h", "h", "x × w1", f"{fmt(x)} × {term(w1)}", x * w1)
    a = t.add("a", "a", "h × w2", f"{fmt(h)} × {term(w2)}", h * w2)
    y = t.add("y", "y", "a × w3", f"{fmt(a)} × {term(w3)}", a * w3)
    loss = t.add("L", "L", "(y − target)²", f"({fmt(y)} − {term(target)})²", _square(y - target))

    # Backward pass: start at the loss and multiply by one local derivative per step.
    dl_dy = t.add(
        "dL_dy", "dL/dy", "2(y − target)", f"2 × ({fmt(y)} − {term(target)})", 2 * (y - target)
    )

    dy_dw3 = t.add("dy_dw3", "dy/dw3", "a", "", a)
    dl_dw3 = t.add(
        "dL_dw3",
        "dL/dw3",
        "dL/dy × dy/dw3",
        f"{fmt(dl_dy)} × {term(dy_dw3)}",
        dl_dy * dy_dw3,
        note=direction(dl_dy * dy_dw3, "w3"),
    )
    dy_da = t.add("dy_da", "dy/da", "w3", "", w3)
    dl_da = t.add("dL_da", "dL/da", "dL/dy × dy/da", f"{fmt(dl_dy)} × {term(dy_da)}", dl_dy * dy_da)

    da_dw2 = t.add("da_dw2", "da/dw2", "h", "", h)
    dl_dw2 = t.add(
        "dL_dw2",
        "dL/dw2",
        "dL/da × da/dw2",
        f"{fmt(dl_da)} × {term(da_dw2)}",
        dl_da * da_dw2,
        note=direction(dl_da * da_dw2, "w2"),
    )
    da_dh = t.add("da_dh", "da/dh", "w2", "", w2)
    dl_dh = t.add("dL_dh", "dL/dh", "dL/da × da/dh", f"{fmt(dl_da)} × {term(da_dh)}", dl_da * da_dh)

    dh_dw1 = t.add("dh_dw1", "dh/dw1", "x", "", x)
    dl_dw1 = t.add(
        "dL_dw1",
        "dL/dw1",
        "dL/dh × dh/dw1",
        f"{fmt(dl_dh)} × {term(dh_dw1)}",
        dl_dh * dh_dw1,
        note=direction(dl_dh * dh_dw1, "w1"),
    )

    # The chain rule in one line: the same gradient as a product of all local derivatives.
    t.add(
        "dL_dw1_chain",
        "dL/dw1 (chain)",
        "dL/dy × dy/da × da/dh × dh/dw1",
        f"{fmt(dl_dy)} × {term(dy_da)} × {term(da_dh)} × {term(dh_dw1)}",
        dl_dy * dy_da * da_dh * dh_dw1,
    )

    # Gradient descent: step every weight against its gradient.
    grads = (dl_dw1, dl_dw2, dl_dw3)
    for index, (w, g) in enumerate(zip((w1, w2, w3), grads, strict=True), start=1):
        t.add(
            f"w{index}_new",
            f"w{index}'",
            f"w{index} − lr × dL/dw{index}",
            f"{fmt(w)} − {term(lr)} × {term(g)}",
            w - lr * g,
        )
    n1, n2, n3 = t.value("w1_new"), t.value("w2_new"), t.value("w3_new")

    # The forward pass again, with the new weights.
    h2 = t.add("h_new", "h'", "x × w1'", f"{fmt(x)} × {term(n1)}", x * n1)
    a2 = t.add("a_new", "a'", "h' × w2'", f"{fmt(h2)} × {term(n2)}", h2 * n2)
    y2 = t.add("y_new", "y'", "a' × w3'", f"{fmt(a2)} × {term(n3)}", a2 * n3)
    loss2 = t.add(
        "L_new",
        "L'",
        "(y' − target)²",
        f"({fmt(y2)} − {term(target)})²",
        _square(y2 - target),
        note=compared(_square(y2 - target), loss),
    )
    t.add("L_change", "ΔL", "L' − L", f"{fmt(loss2)} − {term(loss)}", loss2 - loss)

    # A hand calculation rounds the new weights to three decimals; show what that does.
    r1, r2, r3 = round(n1, 3), round(n2, 3), round(n3, 3)
    t.add(
        "L_rounded",
        "L'(3dp)",
        "L at w' rounded to 3 decimals",
        f"({fmt(x)} × {term(r1)} × {term(r2)} × {term(r3)} − {term(target)})²",
        _loss(x, r1, r2, r3, target),
    )

    # What the step size does: one step ten times smaller, and one five times larger.
    _loss_after_step(t, "L_small_lr", "L'(lr÷10)", lr / 10, "lr ÷ 10", grads)
    _loss_after_step(t, "L_large_lr", "L'(lr×5)", lr * 5, "lr × 5", grads)
    return t
