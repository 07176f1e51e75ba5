"""Adam on a single parameter, one step at a time (Kingma and Ba, 2015).

For each step t = 1, 2, … with gradient g:

    m = β1·m + (1 − β1)·g          momentum: a running average of gradients
    v = β2·v + (1 − β2)·g²         a running average of squared gradients
    m̂ = m ÷ (1 − β1^t)             bias correction (m and v start at 0)
    v̂ = v ÷ (1 − β2^t)
    u = lr·m̂ ÷ (√v̂ + ε)            the update
    w = w − u
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt, term
from llmtutor.engine.trace import Series, Trace

INPUTS = (
    InputSpec(
        "gradients",
        (0.5, 0.3, 0.4, -0.2),
        "the parameter's gradient at each step",
        symbol="g",
        kind="floats",
        min_items=1,
        max_items=50,
    ),
    InputSpec("beta1", 0.9, "how much momentum history to keep", symbol="β1", minimum=0, below=1),
    InputSpec(
        "beta2", 0.999, "how slowly the squared average moves", symbol="β2", minimum=0, below=1
    ),
    InputSpec("lr", 0.01, "learning rate", positive=True),
    InputSpec("eps", 1e-8, "keeps the division safe when v̂ is 0", symbol="ε", positive=True),
    InputSpec("w0", 1.0, "the parameter before the first step", symbol="w₀"),
    InputSpec(
        "scenario_steps",
        10,
        "steps in each of the three gradient patterns",
        symbol="k",
        kind="int",
        minimum=1,
        maximum=10_000,
    ),
    InputSpec("params", 8e9, "parameters in the model", symbol="P", positive=True),
    InputSpec("bytes_per", 4, "bytes to store one number", symbol="bytes", positive=True),
)

BIG = 5.0  # a parameter whose gradients are large (the source's attention example)
SMALL = 0.01  # and one whose gradients are small
GB = 1e9

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(index: int) -> str:
    """A step number as a subscript: 12 -> '₁₂'."""
    return str(index).translate(_SUBSCRIPTS)


def divide(top: float, bottom: float) -> float:
    """top ÷ bottom, giving ±∞ or nan instead of raising when bottom is 0."""
    if bottom == 0:
        return math.nan if top == 0 or math.isnan(top) else math.copysign(math.inf, top)
    return top / bottom


@dataclass(frozen=True)
class AdamStep:
    t: int
    g: float
    m: float
    v: float
    m_hat: float
    v_hat: float
    update: float
    w: float


def run(
    gradients: Sequence[float], beta1: float, beta2: float, lr: float, eps: float, w0: float = 0.0
) -> list[AdamStep]:
    """Every step of Adam on one parameter fed `gradients`."""
    m = v = 0.0
    w = w0
    steps = []
    for t, g in enumerate(gradients, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * (g * g)
        m_hat = divide(m, 1 - beta1**t)
        v_hat = divide(v, 1 - beta2**t)
        update = divide(lr * m_hat, math.sqrt(v_hat) + eps) if v_hat >= 0 else math.nan
        w = w - update
        steps.append(AdamStep(t, g, m, v, m_hat, v_hat, update, w))
    return steps


def _update_text(lr: float, m_hat: float, v_hat: float, eps: float) -> str:
    return f"{fmt(lr)} × {term(m_hat)} ÷ (√{term(v_hat)} + {term(eps)})"


def compute(
    gradients: Sequence[float] = (0.5, 0.3, 0.4, -0.2),
    beta1: float = 0.9,
    beta2: float = 0.999,
    lr: float = 0.01,
    eps: float = 1e-8,
    w0: float = 1.0,
    scenario_steps: int = 10,
    params: float = 8e9,
    bytes_per: float = 4,
) -> Trace:
    grads = tuple(float(g) for g in gradients)
    t = Trace()
    n = len(grads)
    # The list input is shown as its length; the gradients themselves are g_1, g_2, ….
    t.add("gradients", "n", "number of g", "", n, note="g = " + ", ".join(fmt(g) for g in grads))
    t.given("beta1", beta1, "β1")
    t.given("beta2", beta2, "β2")
    t.given("lr", lr)
    t.given("eps", eps, "ε")
    t.given("w0", w0, "w₀")
    t.given("scenario_steps", scenario_steps, "k")
    t.given("params", params, "P")
    t.given("bytes_per", bytes_per, "bytes")

    # The walkthrough: the four steps of Adam, at every step t.
    steps = run(grads, beta1, beta2, lr, eps, w0)
    m_prev = v_prev = 0.0
    w_prev = w0
    for s in steps:
        k, p = sub(s.t), sub(s.t - 1)
        t.given(f"g_{s.t}", s.g, f"g{k}")
        t.add(
            f"m_{s.t}",
            f"m{k}",
            f"β1·m{p} + (1−β1)·g{k}",
            f"{fmt(beta1)} × {term(m_prev)} + {term(1 - beta1)} × {term(s.g)}",
            s.m,
        )
        t.add(
            f"v_{s.t}",
            f"v{k}",
            f"β2·v{p} + (1−β2)·g{k}²",
            f"{fmt(beta2)} × {term(v_prev)} + {term(1 - beta2)} × {term(s.g)}²",
            s.v,
        )
        t.add(
            f"mhat_{s.t}",
            f"m̂{k}",
            f"m{k} ÷ (1 − β1^{s.t})",
            f"{fmt(s.m)} ÷ (1 − {fmt(beta1)}^{s.t})",
            s.m_hat,
        )
        t.add(
            f"vhat_{s.t}",
            f"v̂{k}",
            f"v{k} ÷ (1 − β2^{s.t})",
            f"{fmt(s.v)} ÷ (1 − {fmt(beta2)}^{s.t})",
            s.v_hat,
        )
        t.add(
            f"update_{s.t}",
            f"u{k}",
            f"lr·m̂{k} ÷ (√v̂{k} + ε)",
            _update_text(lr, s.m_hat, s.v_hat, eps),
            s.update,
            note=_moves(s.update),
        )
        t.add(f"w_{s.t}", f"w{k}", f"w{p} − u{k}", f"{fmt(w_prev)} − {term(s.update)}", s.w)
        m_prev, v_prev, w_prev = s.m, s.v, s.w

    # Bias correction: without it the first update would be much too small.
    first = steps[0]
    uncorrected = t.add(
        "update_1_uncorrected",
        "u₁ (raw m₁)",
        "lr·m₁ ÷ (√v̂₁ + ε)",
        _update_text(lr, first.m, first.v_hat, eps),
        divide(lr * first.m, math.sqrt(first.v_hat) + eps),
        note="momentum left uncorrected",
    )
    t.add(
        "correction_ratio",
        "u₁ ÷ u₁(raw)",
        "u₁ ÷ u₁ (raw m₁)",
        f"{fmt(first.update)} ÷ {term(uncorrected)}",
        divide(first.update, uncorrected),
        note="= 1 ÷ (1 − β1): the correction's boost at step 1",
    )
    t.add(
        "update_1_raw",
        "u₁ (raw m, v)",
        "lr·m₁ ÷ (√v₁ + ε)",
        _update_text(lr, first.m, first.v, eps),
        divide(lr * first.m, math.sqrt(first.v) + eps),
        note="both left uncorrected: the errors do not cancel",
    )
    for at in (10, 100):
        t.add(
            f"bias1_{at}",
            f"1−β1^{at}",
            f"1−β1^{at}",
            f"1 − {fmt(beta1)}^{at}",
            1 - beta1**at,
            note=f"m̂ = m × {fmt(divide(1, 1 - beta1**at), 3)} at step {at}",
        )

    # Three gradient patterns, each for `scenario_steps` steps: what Adam does with them.
    count = int(scenario_steps)
    big = t.add("big_grad", "g big", "", "", BIG)
    small = t.add("small_grad", "g small", "", "", SMALL)
    t.add(
        "grad_spread",
        "g big ÷ g small",
        "g big ÷ g small",
        f"{fmt(big)} ÷ {term(small)}",
        BIG / SMALL,
    )
    patterns = (
        ("alt", f"±{fmt(big)}", [big if i % 2 == 0 else -big for i in range(count)]),
        ("steady5", fmt(big), [big] * count),
        ("steady001", fmt(small), [small] * count),
    )
    for name, label, pattern in patterns:
        last = run(pattern, beta1, beta2, lr, eps)[-1]
        t.add(
            f"{name}_mhat",
            f"m̂ ({label})",
            f"m̂ after {count} steps of {label}",
            "",
            last.m_hat,
        )
        t.add(
            f"{name}_vhat",
            f"v̂ ({label})",
            f"v̂ after {count} steps of {label}",
            "",
            last.v_hat,
        )
        update = t.add(
            f"{name}_update",
            f"u ({label})",
            "lr·m̂ ÷ (√v̂ + ε)",
            _update_text(lr, last.m_hat, last.v_hat, eps),
            last.update,
        )
        t.add(
            f"{name}_ratio", f"u÷lr ({label})", "u ÷ lr", f"{fmt(update)} ÷ {term(lr)}", update / lr
        )

    # Memory: SGD keeps the parameters; Adam keeps the parameters, m and v.
    t.add(
        "sgd_gb",
        "SGD GB",
        "P × bytes ÷ 10⁹",
        f"{fmt(params)} × {term(bytes_per)} ÷ 1e9",
        params * bytes_per / GB,
    )
    t.add(
        "adam_gb",
        "Adam GB",
        "3 × P × bytes ÷ 10⁹",
        f"3 × {fmt(params)} × {term(bytes_per)} ÷ 1e9",
        3 * params * bytes_per / GB,
        note="the parameter, m and v: three numbers each",
    )

    t.add_series(
        Series(
            "updates",
            "Adam's update at each step",
            tuple(float(s.t) for s in steps),
            tuple(s.update for s in steps),
            x_label="step t",
            y_label="update u",
            marks=tuple((float(s.t), s.update, f"g = {fmt(s.g)}") for s in steps),
        )
    )
    t.add_series(
        Series(
            "w_path",
            "The parameter after each step",
            (0.0, *(float(s.t) for s in steps)),
            (w0, *(s.w for s in steps)),
            x_label="step t",
            y_label="w",
        )
    )
    return t


def _moves(update: float) -> str:
    if update > 0:
        return "w moves down"
    if update < 0:
        return "w moves up"
    return "w stays"
