"""Why noisy gradients help: plain vs noisy gradient descent from a saddle point.

    f(x, y) = x² − y² + y⁴/4,   ∂f/∂x = 2x,   ∂f/∂y = y³ − 2y

(0, 0) is a saddle: uphill along x, downhill along y. The y⁴/4 term bounds the surface, so
the two valleys bottom out at y = ±√2 with f = −1. Both runs start on the ridge y = 0, where
∂f/∂y is exactly 0: plain descent slides to the saddle and stops there; descent with noisy
gradients (as from small random batches, here seeded Gaussian noise) is nudged off the ridge
and rolls into a valley.

Also the batch arithmetic of a real run: tokens per batch, and steps to see every token once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt, term
from llmtutor.engine.trace import Series, Trace

ESCAPED = 1.0  # |y| at which the noisy run counts as off the saddle (the valley is at √2)

INPUTS = (
    InputSpec("x0", 1.0, "where both runs start along x, on the ridge y = 0", symbol="x₀"),
    InputSpec(
        "noise", 0.1, "size of the gradient noise (standard deviation)", symbol="σ", minimum=0
    ),
    InputSpec("seed", 0, "seed of the random noise", kind="int", minimum=0),
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


def surface(x: float, y: float) -> float:
    """f(x, y) = x² − y² + y⁴/4 (products, not powers: overflow gives inf, never raises)."""
    yy = y * y
    return x * x - yy + yy * yy / 4


def gradient(x: float, y: float) -> tuple[float, float]:
    return 2 * x, y * y * y - 2 * y


@dataclass(frozen=True)
class Path:
    xs: tuple[float, ...]  # position after each step, the start first
    ys: tuple[float, ...]

    @property
    def losses(self) -> tuple[float, ...]:
        return tuple(surface(x, y) for x, y in zip(self.xs, self.ys, strict=True))


def descend(x0: float, lr: float, steps: int, noise: float = 0.0, seed: int | None = None) -> Path:
    """Gradient descent from (x0, 0); with a `seed`, Gaussian noise of size `noise` is added
    to every gradient."""
    import numpy as np  # here, not at the top: listing the lessons need not load numpy

    rng = np.random.default_rng(seed) if seed is not None else None
    x, y = float(x0), 0.0
    xs, ys = [x], [y]
    for _ in range(steps):
        gx, gy = gradient(x, y)
        if rng is not None:
            nx, ny = rng.standard_normal(2)
            gx, gy = gx + noise * float(nx), gy + noise * float(ny)
        x, y = x - lr * gx, y - lr * gy
        xs.append(x)
        ys.append(y)
    return Path(tuple(xs), tuple(ys))


def _norm_text(gx: float, gy: float) -> str:
    return f"√({term(gx)}² + {term(gy)}²)"


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
    t.given("x0", x0, "x₀")
    t.given("noise", noise, "σ")
    t.given("seed", seed)
    t.given("steps", steps)
    t.given("lr", lr)
    t.given("tokens_total", tokens_total, "D")
    t.given("seq_per_batch", seq_per_batch, "B")
    t.given("seq_len", seq_len, "n_seq")

    # The surface: a saddle at the origin, valleys at y = ±√2.
    t.add("start_loss", "f(x₀, 0)", "x₀² (as y = 0)", f"{term(x0)}²", surface(x0, 0.0))
    t.add(
        "start_grad_y",
        "∂f/∂y (y=0)",
        "y³ − 2y",
        "0³ − 2 × 0",
        gradient(x0, 0.0)[1],
        note="exactly 0: nothing pushes y off the ridge",
    )
    t.add("saddle_loss", "f(0, 0)", "0² − 0² + 0⁴/4", "", surface(0.0, 0.0), note="the saddle")
    valley_y = t.add("valley_y", "y valley", "√2 (where y³ − 2y = 0)", "", math.sqrt(2))
    t.add(
        "valley_loss",
        "f(0, √2)",
        "−y² + y⁴/4",
        f"−{term(valley_y)}² + {term(valley_y)}⁴ ÷ 4",
        surface(0.0, valley_y),
        note="the lowest loss on this surface",
    )

    plain = descend(x0, lr, steps)
    noisy = descend(x0, lr, steps, noise, seed)
    for name, label, path in (("plain", "plain", plain), ("noisy", "noisy", noisy)):
        x, y = path.xs[-1], path.ys[-1]
        t.add(f"{name}_final_x", f"x ({label})", f"x after {steps} steps", "", x)
        t.add(f"{name}_final_y", f"y ({label})", f"y after {steps} steps", "", y)
        t.add(
            f"{name}_final_loss",
            f"f ({label})",
            "x² − y² + y⁴/4",
            f"{term(x)}² − {term(y)}² + {term(y)}⁴ ÷ 4",
            surface(x, y),
            note=_where(x, y),
        )
        gx, gy = gradient(x, y)
        t.add(
            f"{name}_final_grad",
            f"|∇f| ({label})",
            "√((∂f/∂x)² + (∂f/∂y)²)",
            _norm_text(gx, gy),
            math.hypot(gx, gy),
        )

    escape = next((i for i, y in enumerate(noisy.ys) if abs(y) >= ESCAPED), None)
    t.add(
        "escape_step",
        "escape step",
        f"first step with |y| ≥ {fmt(ESCAPED)}",
        "",
        math.inf if escape is None else escape,
        note="noisy run never left the ridge" if escape is None else "noisy run left the saddle",
    )

    # Batches: why a run takes hundreds of thousands of steps.
    per_batch = t.add(
        "tokens_per_batch",
        "tokens/batch",
        "B × n_seq",
        f"{seq_per_batch} × {seq_len}",
        seq_per_batch * seq_len,
    )
    t.add(
        "steps_needed",
        "steps",
        "D ÷ (B × n_seq)",
        f"{fmt(tokens_total)} ÷ {per_batch:.0f}",
        tokens_total / per_batch,
        note="one update per batch, each token seen once",
    )

    steps_axis = tuple(float(i) for i in range(steps + 1))
    plain_losses, noisy_losses = plain.losses, noisy.losses
    t.add_series(
        Series(
            "plain_path",
            "Loss at each step: plain gradient descent",
            steps_axis,
            plain_losses,
            x_label="step",
            y_label="loss f(x, y)",
            marks=((float(steps), plain_losses[-1], "stuck"),),
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
    for name, label, path in (("plain", "plain", plain), ("noisy", "noisy", noisy)):
        t.add_series(
            Series(
                f"{name}_xy",
                f"Where the {label} run went (y against x)",
                path.xs,
                path.ys,
                x_label="x",
                y_label="y",
                marks=((path.xs[0], path.ys[0], "start"), (path.xs[-1], path.ys[-1], "end")),
            )
        )
    return t


def _where(x: float, y: float) -> str:
    """Where a run ended: on the ridge, in a valley, or elsewhere."""
    if y == 0:
        return "on the ridge y = 0: stuck at the saddle" if abs(x) < 0.01 else "still on the ridge"
    if abs(abs(y) - math.sqrt(2)) < 0.2 and abs(x) < 0.2:
        return "in a valley"
    return "off the ridge"
