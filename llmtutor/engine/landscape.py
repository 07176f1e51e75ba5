"""Loss landscapes over two parameters, and four optimizers racing on them.

A surface is a loss L(w1, w2) with its two partial derivatives, each written once as a
function that works on plain floats (the paths: hundreds of steps) and on `Expr`s (one step
opened up, with its formula and its numbers). The surfaces:

    toy       the article's network over w1 and w2: (x·w1·w2·w3 − target)², x = 2,
              w3 = 1.2, target = 1; every point with w1·w2 = 1 ÷ 2.4 is a minimum
    ravine    0.05·w1² + 2.5·w2²: one direction fifty times steeper than the other
    saddle    w1² − w2² + w2⁴/4 (the SGD lesson's): a saddle at (0, 0), valleys at w2 = ±√2
    minima    (w1² − 1)² + 0.3·w1 + w2²: a shallow minimum near w1 = 1, a deeper one near −1
    sharp     1 − e^(−(w1 − 1)²/0.045) − 0.8·e^(−(w1 + 1)²/1.28) + 0.5·w2²: a narrow minimum
              near w1 = 1, a wide one near −1

The optimizers follow PyTorch's rules (`torch.optim`), so the paths equal torch's:

    gd        w ← w − lr·g
    sgd       w ← w − lr·(g + σ·ξ), ξ a seeded standard normal draw per step and parameter
    momentum  b ← μ·b + g (b = g at the first step), w ← w − lr·b
    adam      m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², w ← w − lr·m̂ ÷ (√v̂ + ε)

A path stops where a value stops being a finite number (the run diverged). No UI, no torch;
numpy only for the seeded draws, imported when a path with noise is computed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from llmtutor.engine.expr import FUNCTIONS, Expr, exp, sqrt

Num = TypeVar("Num", float, Expr)

OPTIMIZERS = ("gd", "sgd", "momentum", "adam")
EPS = 1e-8  # Adam's ε, as torch.optim.Adam's default


def _exp(value: Num) -> Num:
    """e to the `value`, for a float or an Expr (a float that overflows gives ∞)."""
    if isinstance(value, Expr):
        return exp(value)
    return FUNCTIONS["exp"](value)


# -- surfaces -------------------------------------------------------------------------------

TOY_X, TOY_W3, TOY_TARGET = 2.0, 1.2, 1.0  # the article's input, third weight and target


def _toy(w1: Num, w2: Num) -> Num:
    return (TOY_X * w1 * w2 * TOY_W3 - TOY_TARGET) ** 2


def _toy_gradient(w1: Num, w2: Num) -> tuple[Num, Num]:
    error = 2 * (TOY_X * w1 * w2 * TOY_W3 - TOY_TARGET)  # dL/dy
    return error * TOY_X * w2 * TOY_W3, error * TOY_X * w1 * TOY_W3


def _ravine(w1: Num, w2: Num) -> Num:
    return 0.05 * w1**2 + 2.5 * w2**2


def _ravine_gradient(w1: Num, w2: Num) -> tuple[Num, Num]:
    return 0.1 * w1, 5 * w2


def _saddle(w1: Num, w2: Num) -> Num:
    return w1**2 - w2**2 + w2**4 / 4


def _saddle_gradient(w1: Num, w2: Num) -> tuple[Num, Num]:
    return 2 * w1, w2**3 - 2 * w2


def _minima(w1: Num, w2: Num) -> Num:
    return (w1**2 - 1) ** 2 + 0.3 * w1 + w2**2


def _minima_gradient(w1: Num, w2: Num) -> tuple[Num, Num]:
    return 4 * w1 * (w1**2 - 1) + 0.3, 2 * w2


SHARP_WIDTH = 0.045  # 2σ² of the narrow minimum
FLAT_WIDTH = 1.28  # 2σ² of the wide one
FLAT_DEPTH = 0.8


def _sharp(w1: Num, w2: Num) -> Num:
    narrow = _exp(-((w1 - 1) ** 2) / SHARP_WIDTH)
    wide = _exp(-((w1 + 1) ** 2) / FLAT_WIDTH)
    return 1 - narrow - FLAT_DEPTH * wide + 0.5 * w2**2


def _sharp_gradient(w1: Num, w2: Num) -> tuple[Num, Num]:
    narrow = _exp(-((w1 - 1) ** 2) / SHARP_WIDTH)
    wide = _exp(-((w1 + 1) ** 2) / FLAT_WIDTH)
    g1 = narrow * 2 * (w1 - 1) / SHARP_WIDTH + FLAT_DEPTH * wide * 2 * (w1 + 1) / FLAT_WIDTH
    return g1, 1.0 * w2


@dataclass(frozen=True)
class Surface:
    name: str
    title: str
    loss: Callable[..., object]  # (w1, w2) → L, for floats and Exprs alike
    gradient: Callable[..., tuple[object, object]]  # (w1, w2) → (∂L/∂w1, ∂L/∂w2)
    start: tuple[float, float]  # where the lesson starts the race
    box: tuple[float, float, float, float]  # the map: w1 from, w1 to, w2 from, w2 to

    def value(self, w1: float, w2: float) -> float:
        """L at (w1, w2); ∞ where it overflows (a float's ** raises instead)."""
        try:
            result = self.loss(w1, w2)
        except OverflowError:
            return math.inf
        assert isinstance(result, float | int)
        return float(result)

    def slope(self, w1: float, w2: float) -> tuple[float, float]:
        """(∂L/∂w1, ∂L/∂w2) at (w1, w2); nan where they overflow."""
        try:
            g1, g2 = self.gradient(w1, w2)
        except OverflowError:
            return math.nan, math.nan
        assert isinstance(g1, float | int) and isinstance(g2, float | int)
        return float(g1), float(g2)


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in (
        Surface("toy", "the article's network", _toy, _toy_gradient, (0.5, -0.3), (-2, 2, -2, 2)),
        Surface(
            "ravine", "a narrow ravine", _ravine, _ravine_gradient, (-3.5, 0.8), (-4, 4, -1, 1)
        ),
        Surface("saddle", "a saddle", _saddle, _saddle_gradient, (1.0, 0.0), (-1.5, 1.5, -2, 2)),
        Surface(
            "minima",
            "a shallow minimum beside a deeper one",
            _minima,
            _minima_gradient,
            (1.5, 0.5),
            (-1.8, 1.8, -1, 1),
        ),
        Surface(
            "sharp",
            "a sharp minimum beside a flat one",
            _sharp,
            _sharp_gradient,
            (1.4, 0.6),
            (-2.5, 2, -1, 1),
        ),
    )
}


# -- the race -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    lr: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.999
    momentum: float = 0.9
    noise: float = 0.5  # σ of the noise SGD adds to each gradient
    seed: int = 0
    steps: int = 100


@dataclass(frozen=True)
class Path:
    """One optimizer's run: the position after each step (the start first), while finite.
    `states[k]` is what the optimizer carried into step k + 1: (m1, m2, v1, v2) for Adam,
    (b1, b2) for momentum, () otherwise; `noise[k]` the draw added at step k + 1 (SGD)."""

    optimizer: str
    w1: tuple[float, ...]
    w2: tuple[float, ...]
    loss: tuple[float, ...]
    states: tuple[tuple[float, ...], ...] = ()
    noise: tuple[tuple[float, float], ...] = ()
    diverged: bool = False  # stopped before `steps`: a value was no longer finite

    @property
    def steps(self) -> int:
        return len(self.w1) - 1


def draws(seed: int, steps: int) -> list[tuple[float, float]]:
    """SGD's standard normal draws, one pair per step, from `seed` (numpy's generator)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return [(float(a), float(b)) for a, b in rng.standard_normal((steps, 2))]


def run(surface: Surface, optimizer: str, start: tuple[float, float], s: Settings) -> Path:
    """`optimizer` from `start` for `s.steps` steps, or until a value is not finite."""
    w1, w2 = start
    xs, ys, losses = [w1], [w2], [surface.value(w1, w2)]
    states: list[tuple[float, ...]] = []
    noise = draws(s.seed, s.steps) if optimizer == "sgd" else []
    m1 = m2 = v1 = v2 = 0.0
    b1 = b2 = 0.0
    diverged = False
    for step in range(1, s.steps + 1):
        g1, g2 = surface.slope(w1, w2)
        if optimizer == "gd":
            states.append(())
            w1, w2 = w1 - s.lr * g1, w2 - s.lr * g2
        elif optimizer == "sgd":
            states.append(())
            n1, n2 = noise[step - 1]
            w1, w2 = w1 - s.lr * (g1 + s.noise * n1), w2 - s.lr * (g2 + s.noise * n2)
        elif optimizer == "momentum":
            states.append((b1, b2))
            b1, b2 = (g1, g2) if step == 1 else (s.momentum * b1 + g1, s.momentum * b2 + g2)
            w1, w2 = w1 - s.lr * b1, w2 - s.lr * b2
        elif optimizer == "adam":
            states.append((m1, m2, v1, v2))
            m1, m2 = s.beta1 * m1 + (1 - s.beta1) * g1, s.beta1 * m2 + (1 - s.beta1) * g2
            v1, v2 = s.beta2 * v1 + (1 - s.beta2) * g1 * g1, s.beta2 * v2 + (1 - s.beta2) * g2 * g2
            w1 = w1 - adam_update(m1, v1, step, s)
            w2 = w2 - adam_update(m2, v2, step, s)
        else:
            raise ValueError(f"unknown optimizer {optimizer!r}: one of {', '.join(OPTIMIZERS)}")
        loss = surface.value(w1, w2) if math.isfinite(w1) and math.isfinite(w2) else math.nan
        if not math.isfinite(loss):
            diverged = True
            states.pop()
            break
        xs.append(w1)
        ys.append(w2)
        losses.append(loss)
    return Path(
        optimizer,
        tuple(xs),
        tuple(ys),
        tuple(losses),
        tuple(states),
        tuple(noise[: len(xs) - 1]),
        diverged,
    )


def adam_update(m: float, v: float, step: int, s: Settings) -> float:
    """lr·m̂ ÷ (√v̂ + ε), computed as torch.optim.Adam computes it (the same float rounding):
    (lr ÷ (1 − β1^t))·m ÷ (√v ÷ √(1 − β2^t) + ε)."""
    correction1 = 1 - s.beta1**step
    correction2 = 1 - s.beta2**step
    return (s.lr / correction1) * m / (math.sqrt(v) / math.sqrt(correction2) + EPS)


def race(surface: Surface, start: tuple[float, float], s: Settings) -> dict[str, Path]:
    """Every optimizer's path on `surface` from `start`."""
    return {optimizer: run(surface, optimizer, start, s) for optimizer in OPTIMIZERS}


# -- one step, opened up --------------------------------------------------------------------


def open_step(surface: Surface, path: Path, step: int, s: Settings) -> dict[str, Expr]:
    """Step `step` (from 1) of `path`, as named Exprs in the order they are computed."""
    from llmtutor.engine.expr import ref

    if not 1 <= step <= path.steps:
        raise ValueError(f"step {step} is not in the path (1 to {path.steps})")
    w1 = ref("w1", path.w1[step - 1])
    w2 = ref("w2", path.w2[step - 1])
    g1, g2 = surface.gradient(w1, w2)
    assert isinstance(g1, Expr) and isinstance(g2, Expr)
    values: dict[str, Expr] = {"g1": ref("g1", g1), "g2": ref("g2", g2)}
    lr = ref("lr", s.lr)
    if path.optimizer == "gd":
        values["w1_new"] = w1 - lr * values["g1"]
        values["w2_new"] = w2 - lr * values["g2"]
    elif path.optimizer == "sgd":
        sigma = ref("σ", s.noise)
        n1, n2 = path.noise[step - 1]
        values["w1_new"] = w1 - lr * (values["g1"] + sigma * ref("ξ1", n1))
        values["w2_new"] = w2 - lr * (values["g2"] + sigma * ref("ξ2", n2))
    elif path.optimizer == "momentum":
        mu = ref("μ", s.momentum)
        before = path.states[step - 1]
        for i in (1, 2):
            g = values[f"g{i}"]
            b = g if step == 1 else mu * ref(f"b{i}_prev", before[i - 1]) + g
            values[f"b{i}"] = ref(f"b{i}", b)
            values[f"w{i}_new"] = (w1 if i == 1 else w2) - lr * values[f"b{i}"]
    else:
        beta1, beta2, eps = ref("β1", s.beta1), ref("β2", s.beta2), ref("ε", EPS)
        before = path.states[step - 1]
        for i in (1, 2):
            g = values[f"g{i}"]
            m = ref(f"m{i}", beta1 * ref(f"m{i}_prev", before[i - 1]) + (1 - beta1) * g)
            v = ref(f"v{i}", beta2 * ref(f"v{i}_prev", before[i + 1]) + (1 - beta2) * g**2)
            m_hat = ref(f"m̂{i}", m / (1 - beta1**step))
            v_hat = ref(f"v̂{i}", v / (1 - beta2**step))
            update = ref(f"u{i}", lr * m_hat / (sqrt(v_hat) + eps))
            values.update({f"m{i}": m, f"v{i}": v, f"m_hat{i}": m_hat, f"v_hat{i}": v_hat})
            values[f"update{i}"] = update
            values[f"w{i}_new"] = (w1 if i == 1 else w2) - update
    return values
