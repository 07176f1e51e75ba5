"""The chain rule across many layers: why gradients vanish, and how residual connections help.

Passing back through a layer multiplies the gradient by that layer's derivative, so after N
layers the gradient at the top has been multiplied by N such factors:

    no residual:  out = f(x),      d out/dx = f'(x)       → after N layers: f'^N
    residual:     out = x + f(x),  d out/dx = 1 + f'(x)   → factors near 1, e.g. (1 ± δ)^N

If f' stayed at +0.1 in every layer, the residual chain would be 1.1^N and grow; in practice
f' is small and of either sign, so the factors sit near 1 (the source's 0.95 or 1.05).
"""

from __future__ import annotations

import math

from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt, term
from llmtutor.engine.trace import Series, Trace

MAX_LAYERS = 1000

INPUTS = (
    InputSpec("factor", 0.8, "each layer's derivative, no residual connection", symbol="d"),
    InputSpec(
        "layers", 32, "number of layers", symbol="N", kind="int", minimum=1, maximum=MAX_LAYERS
    ),
    InputSpec("small_factor", 0.1, "a smaller per-layer derivative", symbol="d_s"),
    InputSpec("f_prime", 0.1, "derivative of the layer's own transformation f", symbol="f'"),
    InputSpec("residual_input", 5.0, "one value of the vector entering the layer", symbol="x"),
    InputSpec("f_output", 0.3, "what the layer's transformation makes of it", symbol="f(x)"),
    InputSpec(
        "wobble",
        0.05,
        "how far a residual layer's derivative 1 + f' sits from 1",
        symbol="δ",
        minimum=0,
    ),
)


def power(base: float, n: int) -> float:
    """base^n for a whole n ≥ 0, ±∞ where that is too large for a float (instead of raising)."""
    try:
        return base**n
    except OverflowError:
        return -math.inf if base < 0 and n % 2 else math.inf


def fate(value: float) -> str:
    """What a gradient multiplier of `value` means for the first layer."""
    size = abs(value)
    if not math.isfinite(size):
        return "explodes: too large for a float"
    if size == 0:
        return "vanishes: nothing reaches layer 1"
    if size < 0.01:
        return f"vanishes: {_times(1 / size)} smaller at layer 1"
    if size > 100:
        return f"explodes: {_times(size)} larger at layer 1"
    if size >= 1:
        return f"survives: grows {fmt(size, 3)}×"
    return f"survives: keeps {fmt(100 * size, 3)}%"


def _times(value: float) -> str:
    """A large ratio for a note: 1262.2 -> '1,262×', 1e32 -> '1e32×'."""
    return f"{round(value):,}×" if value < 1e6 else f"{fmt(value, 3)}×"


def _ratio(value: float) -> float:
    if value == 0:
        return math.inf
    return 1 / value


def compute(
    factor: float = 0.8,
    layers: int = 32,
    small_factor: float = 0.1,
    f_prime: float = 0.1,
    residual_input: float = 5.0,
    f_output: float = 0.3,
    wobble: float = 0.05,
) -> Trace:
    n = int(layers)
    t = Trace()
    t.given("factor", factor, "d")
    t.given("layers", n, "N")
    t.given("small_factor", small_factor, "d_s")
    t.given("f_prime", f_prime, "f'")
    t.given("residual_input", residual_input, "x")
    t.given("f_output", f_output, "f(x)")
    t.given("wobble", wobble, "δ")

    # Without residual connections: one factor d per layer, N layers.
    vanish = t.add("vanish", "d^N", "d^N", f"{fmt(factor)}^{n}", power(factor, n))
    t.add(
        "vanish_ratio",
        "1÷d^N",
        "1÷d^N",
        f"1 ÷ {term(vanish)}",
        _ratio(vanish),
        note=fate(vanish),
    )
    t.add(
        "vanish_small",
        "d_s^N",
        "d_s^N",
        f"{fmt(small_factor)}^{n}",
        power(small_factor, n),
        note=fate(power(small_factor, n)),
    )

    # One layer, one value: plain output vs residual output, and their derivatives.
    t.add("plain_out", "out", "f(x)", "", f_output, note="no residual: x is replaced")
    t.add(
        "residual_out",
        "out (res)",
        "x + f(x)",
        f"{fmt(residual_input)} + {term(f_output)}",
        residual_input + f_output,
        note="residual: f(x) is added to x",
    )
    t.add("plain_grad", "dout/dx", "f'(x)", "", f_prime)
    t.add(
        "residual_grad",
        "dout/dx (res)",
        "1 + f'(x)",
        f"1 + {term(f_prime)}",
        1 + f_prime,
        note="the 1 is the skip path: it passes the gradient through unchanged",
    )

    # Through all N layers.
    plain_chain = power(f_prime, n)
    t.add("plain_chain", "f'^N", "f'^N", f"{fmt(f_prime)}^{n}", plain_chain, note=fate(plain_chain))
    chain = power(1 + f_prime, n)
    t.add(
        "residual_chain",
        "(1+f')^N",
        "(1+f')^N",
        f"{fmt(1 + f_prime)}^{n}",
        chain,
        note=fate(chain) + " (if f' kept this value in every layer)",
    )
    low = power(1 - wobble, n)
    t.add("residual_low", "(1−δ)^N", "(1−δ)^N", f"{fmt(1 - wobble)}^{n}", low, note=fate(low))
    high = power(1 + wobble, n)
    t.add("residual_high", "(1+δ)^N", "(1+δ)^N", f"{fmt(1 + wobble)}^{n}", high, note=fate(high))

    # The gradient left after passing back through k layers, k = 0..N (top = 1).
    ks = tuple(float(k) for k in range(n + 1))
    t.add_series(
        Series(
            "decay",
            "Gradient after k layers, no residual (× d each)",
            ks,
            tuple(power(factor, k) for k in range(n + 1)),
            x_label="layers passed back k",
            y_label="gradient (top = 1)",
            marks=((float(n), vanish, "layer 1"),),
        )
    )
    t.add_series(
        Series(
            "decay_residual",
            "Gradient after k layers, residual (× (1 − δ) each)",
            ks,
            tuple(power(1 - wobble, k) for k in range(n + 1)),
            x_label="layers passed back k",
            y_label="gradient (top = 1)",
            marks=((float(n), low, "layer 1"),),
        )
    )
    return t
