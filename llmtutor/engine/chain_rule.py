"""The chain rule across many layers: why gradients vanish, and how residual connections help.

Passing back through a layer multiplies the gradient by that layer's derivative, so after N
layers the gradient at the top has been multiplied by N such factors:

    no residual:  out = f(x),      d out/dx = f'(x)       → after N layers: f'^N
    residual:     out = x + f(x),  d out/dx = 1 + f'(x)   → factors near 1, e.g. (1 ± δ)^N

If f' stayed at +0.1 in every layer, the residual chain would be 1.1^N and grow; in practice
f' is small and of either sign, so the factors sit near 1 (the source's 0.95 or 1.05).

A product's fate is a fact lesson text chooses its words by (`SIZES`): its size against 1,
with "vanishes" below 0.01 and "explodes" above 100, and the cases a float cannot hold.
"""

from __future__ import annotations

import math
import sys

from llmtutor.engine import facts
from llmtutor.engine.expr import Expr, call, power
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt
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
        below=1,  # 1 − δ stays a positive factor: the products of step 4 lie between the ends
    ),
)

VANISHES_BELOW = 0.01  # a gradient multiplied by less than this has all but vanished
EXPLODES_ABOVE = 100.0  # ...and by more than this has exploded
SMALLEST_FLOAT = sys.float_info.min  # below it a float loses digits, and then becomes 0

# The fate of a product of N equal factors, by its size |product|.
SIZES = (
    "zero",  # exactly 0: the factor is 0
    "underflow",  # too small for a float: stored as 0, or with digits lost
    "vanishes",  # under VANISHES_BELOW
    "shrinks",  # under 1
    "same",  # exactly 1
    "grows",  # over 1, up to EXPLODES_ABOVE
    "explodes",  # over EXPLODES_ABOVE
    "overflow",  # too large for a float: ±∞
)


def _size_fact(name: str, product: str) -> Fact:
    return Fact(
        name,
        f"the size of {product}: 0, too small for a float, under 0.01, under 1, 1, "
        "up to 100, over 100, or too large for a float",
        SIZES,
    )


FACTOR_SIGN = Fact("factor_sign", "the sign of d, each layer's derivative", facts.SIGNS[:3])
VANISH_SIZE = _size_fact("vanish_size", "d^N, the gradient left at layer 1")
VANISH_SMALL_SIZE = _size_fact("vanish_small_size", "d_s^N")
PLAIN_CHAIN_SIZE = _size_fact("plain_chain_size", "f'^N, N layers without the skip path")
RESIDUAL_BAND = Fact(
    "residual_band",
    "whether (1 − δ)^N and (1 + δ)^N both keep a size from 0.01 to 100 (usable)",
    ("usable", "unusable"),
)
FACTS = (
    FACTOR_SIGN,
    VANISH_SIZE,
    VANISH_SMALL_SIZE,
    PLAIN_CHAIN_SIZE,
    RESIDUAL_BAND,
)


def size(product: float, factor: float) -> str:
    """The fate of `product`, N factors equal to `factor` multiplied together: one of SIZES."""
    magnitude = abs(product)
    if not math.isfinite(magnitude):
        return "overflow"
    if magnitude == 0:
        return "zero" if factor == 0 else "underflow"
    if magnitude < SMALLEST_FLOAT:
        return "underflow"
    if magnitude < VANISHES_BELOW:
        return "vanishes"
    if magnitude < 1:
        return "shrinks"
    if magnitude == 1:
        return "same"
    return "grows" if magnitude <= EXPLODES_ABOVE else "explodes"


def fate(product: float, factor: float) -> str:
    """What a gradient multiplier of `product` (N factors of `factor`) means for layer 1."""
    kind, magnitude = size(product, factor), abs(product)
    words = {
        "overflow": "explodes: too large for a float",
        "zero": "vanishes: nothing reaches layer 1",
        "underflow": "underflows: too small for a float, so 0 or nearly nothing reaches layer 1",
        "same": "survives: keeps its full size",
    }.get(kind)
    if words is None:
        if kind == "vanishes":
            words = f"vanishes: {_times(1 / magnitude)} smaller at layer 1"
        elif kind == "shrinks":
            words = f"survives: keeps {fmt(100 * magnitude, 3)}%"
        elif kind == "grows":
            words = f"survives: grows {fmt(magnitude, 3)}×"
        else:
            words = f"explodes: {_times(magnitude)} larger at layer 1"
    return words + (", sign flipped" if product < 0 and kind != "overflow" else "")


def _times(value: float) -> str:
    """A large ratio for a note: 1262.2 -> '1,262×', 1e32 -> '1e32×'."""
    return f"{round(value):,}×" if value < 1e6 else f"{fmt(value, 3)}×"


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
    d = t.input("factor", factor, "d")
    count = t.input("layers", n, "N")
    d_s = t.input("small_factor", small_factor, "d_s")
    f_prime_ = t.input("f_prime", f_prime, "f'")
    x = t.input("residual_input", residual_input, "x")
    f_x = t.input("f_output", f_output, "f(x)")
    delta = t.input("wobble", wobble, "δ")

    # Without residual connections: one factor d per layer, N layers.
    vanish = _product(t, "vanish", "d^N", d, count, VANISH_SIZE)
    t.fact(FACTOR_SIGN, facts.sign(factor))
    t.define(
        "vanish_ratio",
        "1 ÷ abs(d^N)",
        1 / call("abs", vanish),
        note="" if math.isfinite(vanish.value) else "1 ÷ ∞: no real ratio, d^N overflowed",
    )
    _product(t, "vanish_small", "d_s^N", d_s, count, VANISH_SMALL_SIZE)

    # One layer, one value: plain output vs residual output, and their derivatives.
    t.define("plain_out", "out", f_x, note="no residual: x is replaced")
    t.define("residual_out", "out (res)", x + f_x, note="residual: f(x) is added to x")
    t.define("plain_grad", "dout/dx", f_prime_)
    t.define(
        "residual_grad",
        "dout/dx (res)",
        1 + f_prime_,
        note="the 1 is the skip path: it passes the gradient through unchanged",
    )

    # Through all N layers.
    _product(t, "plain_chain", "f'^N", f_prime_, count, PLAIN_CHAIN_SIZE)
    chain = (1 + f_prime_) ** count
    t.define(
        "residual_chain",
        "(1 + f')^N",
        chain,
        note=fate(chain.value, 1 + f_prime) + " (if f' kept this value in every layer)",
    )
    # In practice f' is small and of either sign: factors between 1 − δ and 1 + δ.
    low = _product(t, "residual_low", "(1 − δ)^N", 1 - delta, count)
    high = _product(t, "residual_high", "(1 + δ)^N", 1 + delta, count)
    fates = {size(low.value, 1 - wobble), size(high.value, 1 + wobble)}
    t.fact(RESIDUAL_BAND, "usable" if fates <= {"shrinks", "same", "grows"} else "unusable")

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
            marks=((float(n), vanish.value, "layer 1"),),
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
            marks=((float(n), low.value, "layer 1"),),
        )
    )
    return t


def _product(
    t: Trace, name: str, symbol: str, factor: Expr, count: Expr, fact: Fact | None = None
) -> Expr:
    """Record factor^count, N equal factors multiplied, with its fate as a note (and as
    `fact`, where given)."""
    product = factor**count
    if fact is not None:
        t.fact(fact, size(product.value, factor.value))
    return t.define(name, symbol, product, note=fate(product.value, factor.value))
