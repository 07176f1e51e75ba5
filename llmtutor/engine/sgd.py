"""Why noisy gradients help: plain vs noisy gradient descent from a saddle point.

    f(x, y) = x² − y² + y⁴/4,   ∂f/∂x = 2x,   ∂f/∂y = y³ − 2y

(0, 0) is a saddle: uphill along x, downhill along y. The y⁴/4 term bounds the surface, so
the two valleys bottom out at y = ±√2 with f = −1. Both runs start on the ridge y = 0, where
∂f/∂y is exactly 0.

Plain descent never leaves the ridge, and along it each step multiplies x by
r = 1 − 2·lr, so after N steps x = x₀·r^N: a closed form, written as such. Descent with
noisy gradients (as from small random batches, here seeded Gaussian noise) is nudged off the
ridge on its first step; the rest of that run is simulated step by step, and its results are
recorded as what they are: the numbers the simulation reached.

Also the batch arithmetic of a real run: tokens per batch, and steps to see every token once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llmtutor.engine.expr import Expr, num, power, precise, sqrt
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt
from llmtutor.engine.trace import Series, Trace

ESCAPED = 1.0  # |y| at which the noisy run counts as off the saddle (the valley is at √2)
NEAR_VALLEY = 0.2  # how close to a valley's bottom (0, ±√2), in x and in |y|, counts as in it

INPUTS = (
    InputSpec("x0", 1.0, "where both runs start along x, on the ridge y = 0", symbol="x₀"),
    InputSpec(
        "noise",
        0.1,
        "size of the noise added to each gradient of the noisy run (its standard deviation)",
        symbol="σ",
        minimum=0,
    ),
    InputSpec(
        "seed",
        0,
        "picks the noisy run's random numbers: the same seed, the same run",
        kind="int",
        minimum=0,
    ),
    InputSpec("steps", 100, "gradient steps in each run", kind="int", minimum=1, maximum=10_000),
    InputSpec("lr", 0.1, "learning rate", positive=True),
    InputSpec(
        "tokens_total", 2e12, "tokens in the training data", symbol="D", positive=True, limit=1e15
    ),
    InputSpec(
        "seq_per_batch", 1024, "sequences in one batch", symbol="B", kind="int", positive=True
    ),
    InputSpec("seq_len", 4096, "tokens in one sequence", symbol="n_seq", kind="int", positive=True),
)

START = Fact(
    "start",
    "where both runs start: on the saddle point itself (x₀ = 0) or elsewhere on the ridge",
    ("saddle", "ridge"),
)
PLAIN_X = Fact(
    "plain_x",
    "what plain descent does to x, each step multiplying it by r = 1 − 2·lr: x₀ = 0 "
    "(start_saddle); r rounds to 1 (stays); 0 < r < 1 (shrinks), so slowly that x shows "
    "as x₀ at five digits (barely); r = 0 (zero); −1 < r < 0 "
    "(zigzag); |r| < 1 and x rounds to 0 (underflow); r = −1 (flips); r < −1 (grows); "
    "x too large for a float (overflow)",
    (
        "start_saddle",
        "stays",
        "barely",
        "shrinks",
        "zero",
        "zigzag",
        "underflow",
        "flips",
        "grows",
        "overflow",
    ),
)
NOISE = Fact("noise", "whether the noisy run has noise: σ = 0 (none) or σ > 0", ("none", "some"))
NOISY_RUN = Fact(
    "noisy_run",
    "how the noisy run ends: in a valley; off the ridge (|y| reached 1) but not in a valley "
    "(left); |y| never reached 1 (near); σ = 0 (no_noise); its first push rounded to 0 "
    "(tiny_noise); or x or y not a finite number (not_finite)",
    ("valley", "left", "near", "no_noise", "tiny_noise", "not_finite"),
)
FACTS = (START, PLAIN_X, NOISE, NOISY_RUN)


def surface(x: float, y: float) -> float:
    """f(x, y) = x² − y² + y⁴/4 (products, not powers: overflow gives inf, never raises)."""
    yy = y * y
    return x * x - yy + yy * yy / 4


def gradient(x: float, y: float) -> tuple[float, float]:
    return 2 * x, y * y * y - 2 * y


def f(x: Expr, y: Expr) -> Expr:
    """The surface, as a formula of its two coordinates."""
    return x**2 - y**2 + y**4 / 4


@dataclass(frozen=True)
class Path:
    xs: tuple[float, ...]  # position after each step, the start first
    ys: tuple[float, ...]
    draws: tuple[tuple[float, float], ...] = ()  # the noise of each step, before × σ

    @property
    def losses(self) -> tuple[float, ...]:
        return tuple(surface(x, y) for x, y in zip(self.xs, self.ys, strict=True))


def descend(x0: float, lr: float, steps: int, noise: float = 0.0, seed: int | None = None) -> Path:
    """Gradient descent from (x0, 0); with a `seed`, Gaussian noise of size `noise` is added
    to every gradient."""
    import numpy as np  # here, not at the top: listing the lessons need not load numpy

    rng = np.random.default_rng(seed) if seed is not None else None
    x, y = float(x0), 0.0
    xs, ys, draws = [x], [y], []
    for _ in range(steps):
        gx, gy = gradient(x, y)
        if rng is not None:
            nx, ny = (float(n) for n in rng.standard_normal(2))
            draws.append((nx, ny))
            gx, gy = gx + noise * nx, gy + noise * ny
        x, y = x - lr * gx, y - lr * gy
        xs.append(x)
        ys.append(y)
    return Path(tuple(xs), tuple(ys), tuple(draws))


def plain_x(x0: float, lr: float, step: int) -> float:
    """x after `step` steps of plain descent along the ridge: x₀·(1 − 2·lr)^step, computed as
    the lesson writes it (x₀ = 0 stays 0 even where the power overflows)."""
    return 0.0 if x0 == 0 else x0 * power(1 - 2 * lr, step)


def compute(
    x0: float = 1.0,
    noise: float = 0.1,
    seed: int = 0,
    steps: int = 100,
    lr: float = 0.1,
    tokens_total: float = 2e12,
    seq_per_batch: int = 1024,
    seq_len: int = 4096,
) -> Trace:
    seed, steps, seq_per_batch, seq_len = int(seed), int(steps), int(seq_per_batch), int(seq_len)
    t = Trace()
    x0_ = t.input("x0", x0, "x₀")
    sigma = t.input("noise", noise, "σ")
    t.input("seed", seed)
    n_steps = precise(t.input("steps", steps), 12)  # 10000 in formulas, not 10,000
    lr_ = t.input("lr", lr)
    d = t.input("tokens_total", tokens_total, "D")
    b = t.input("seq_per_batch", seq_per_batch, "B")
    n_seq = t.input("seq_len", seq_len, "n_seq")

    # Batches: why a run takes hundreds of thousands of steps.
    t.define("tokens_per_batch", "tokens/batch", b * n_seq)
    t.define(
        "steps_needed",
        "steps/pass",
        d / (b * n_seq),
        note="one update per batch, each token seen once",
    )

    # The surface: a saddle at the origin, valleys at y = ±√2.
    y0 = t.constant("y0", "y₀", 0.0, note="both runs start on the ridge y = 0")
    t.define("start_loss", "f(x₀, 0)", f(x0_, y0))
    grad_y = t.define(
        "start_grad_y",
        "∂f/∂y(y=0)",
        y0**3 - 2 * y0,
        note="exactly 0: nothing pushes y off the ridge",
    )
    t.define("saddle_loss", "f(0, 0)", f(num(0), num(0)), note="the saddle")
    valley_y = t.define(
        "valley_y", "y★", sqrt(num(2)), note="the valleys: where y³ − 2y = 0 and f curves up"
    )
    t.define(
        "valley_loss",
        "f(0, y★)",
        f(num(0), valley_y),
        note="the lowest loss on this surface",
    )
    t.fact(START, "saddle" if x0 == 0 else "ridge")

    # Plain descent: y stays 0, and each step multiplies x by r.
    r = t.define("plain_factor", "r", 1 - 2 * lr_, note="each plain step multiplies x by r")
    if x0 == 0:
        x_plain = t.define(
            "plain_final_x", "x_plain", x0_, note="the saddle itself: 2x = 0, so x never moves"
        )
    else:
        x_plain = t.define("plain_final_x", "x_plain", x0_ * r**n_steps)
    y_plain = t.define(
        "plain_final_y", "y_plain", y0, note="∂f/∂y = 0 on the ridge, so y never changes"
    )
    if x_plain.value == 0:
        where = "on the saddle point itself: stuck there"
    elif abs(x_plain.value) < 0.01 and abs(r.value) < 1:
        where = "on the ridge, next to the saddle: stuck there"
    else:
        where = "on the ridge y = 0"
    t.define("plain_final_loss", "f_plain", f(x_plain, y_plain), note=where)
    # On the ridge ∂f/∂y is the same everywhere: the start's.
    t.define("plain_final_grad", "|∇f|_plain", sqrt((2 * x_plain) ** 2 + grad_y**2))
    t.fact(PLAIN_X, _plain_fate(x0, r.value, x_plain.value))

    # Noisy descent: the first step written out, the rest simulated.
    noisy = descend(x0, lr, steps, noise, seed)
    draw = t.constant(
        "noise_draw",
        "n₁",
        noisy.draws[0][1],
        note="the first random number for y: a standard normal draw, from the seed",
    )
    y1 = t.define("noisy_y1", "y₁_noisy", y0 - lr_ * (y0**3 - 2 * y0 + sigma * draw))
    x_end, y_end = noisy.xs[-1], noisy.ys[-1]
    x_noisy = t.constant("noisy_final_x", "x_noisy", x_end, note=_after(noisy.xs, steps))
    y_noisy = t.constant("noisy_final_y", "y_noisy", y_end, note=_after(noisy.ys, steps))
    escape = next((i for i, y in enumerate(noisy.ys) if abs(y) >= ESCAPED), None)
    in_valley = abs(x_end) < NEAR_VALLEY and abs(abs(y_end) - math.sqrt(2)) < NEAR_VALLEY
    t.define(
        "noisy_final_loss",
        "f_noisy",
        f(x_noisy, y_noisy),
        note="in a valley" if in_valley else "on the ridge y = 0" if y_end == 0 else "",
    )
    t.constant(
        "escape_step",
        "escape step",
        math.inf if escape is None else escape,
        note=f"never: |y| stayed below {fmt(ESCAPED)} up to step {steps}"
        if escape is None
        else f"the first step with |y| ≥ {fmt(ESCAPED)}: off the ridge",
    )
    t.fact(NOISE, "none" if noise == 0 else "some")
    if not (math.isfinite(x_end) and math.isfinite(y_end)):
        outcome = "not_finite"
    elif noise == 0:
        outcome = "no_noise"
    elif y1.value == 0:
        outcome = "tiny_noise"
    elif in_valley:
        outcome = "valley"
    else:
        outcome = "near" if escape is None else "left"
    t.fact(NOISY_RUN, outcome)

    steps_axis = tuple(float(i) for i in range(steps + 1))
    plain_xs = tuple(plain_x(x0, lr, k) for k in range(steps + 1))
    plain_losses = tuple(surface(x, 0.0) for x in plain_xs)
    noisy_losses = noisy.losses
    t.add_series(
        Series(
            "plain_path",
            "Loss at each step: plain gradient descent",
            steps_axis,
            plain_losses,
            x_label="step",
            y_label="loss f(x, y)",
            marks=((float(steps), plain_losses[-1], "end"),),
        )
    )
    noisy_marks = () if escape is None else ((float(escape), noisy_losses[escape], "escapes"),)
    t.add_series(
        Series(
            "noisy_path",
            "Loss at each step: noisy gradient descent",
            steps_axis,
            noisy_losses,
            x_label="step",
            y_label="loss f(x, y)",
            marks=noisy_marks,
        )
    )
    for name, xs, ys in (
        ("plain", plain_xs, tuple(0.0 for _ in plain_xs)),
        ("noisy", noisy.xs, noisy.ys),
    ):
        t.add_series(
            Series(
                f"{name}_xy",
                f"Where the {name} run went (y against x)",
                xs,
                ys,
                x_label="x",
                y_label="y",
                marks=((xs[0], ys[0], "start"), (xs[-1], ys[-1], "end")),
            )
        )
    return t


def _plain_fate(x0: float, r: float, x: float) -> str:
    """The value of PLAIN_X: what multiplying x₀ by r, again and again, did."""
    if x0 == 0:
        return "start_saddle"
    if not math.isfinite(x):
        return "overflow"
    if r == 1:
        return "stays"
    if r == 0:
        return "zero"
    if abs(r) < 1:
        if x == 0:
            return "underflow"
        if r > 0:
            return "barely" if fmt(x) == fmt(x0) else "shrinks"
        return "zigzag"
    return "flips" if r == -1 else "grows"


def _after(values: tuple[float, ...], steps: int) -> str:
    """A note on where a simulated coordinate ended, or why it is not a finite number."""
    if math.isfinite(values[-1]):
        return f"at step {steps}, simulated"
    first = next(k for k, v in enumerate(values) if not math.isfinite(v))
    if math.isnan(values[first]):
        return f"not a number from step {first} on"
    if math.isnan(values[-1]):
        return (
            f"not a number: it overflowed to {fmt(values[first])} at step {first}, "
            "and the next step computed ∞ − ∞, which has no value"
        )
    return f"overflowed at step {first}: too large for a float"
