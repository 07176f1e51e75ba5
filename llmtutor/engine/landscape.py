"""Loss landscapes over two parameters, and four optimizers racing on them.

A surface is a loss L(w1, w2) with its two partial derivatives, each written once as a
function that works on plain floats (the paths: hundreds of steps) and on `Expr`s (one step
opened up, with its formula and its numbers). The surfaces:

    toy       the article's network over w1 and w2: (x·w1·w2·w3 − target)², x = 2,
              w3 = 1.2, target = 1; every point with w1·w2 = 1 ÷ 2.4 is a minimum
    ravine    0.05·w1² + 2.5·w2²: one direction fifty times steeper than the other
    saddle    w1² − w2² + w2⁴/4 (the SGD lesson's): a saddle at (0, 0), valleys at w2 = ±√2
    minima    (w1² − 1)²/4 + 0.3·w1 + w2²: a shallow minimum near w1 = 0.8, a deeper one near −1.1
    sharp     1 − e^(−(w1 − 1)²/0.08) − 0.8·e^(−(w1 + 1)²/1.28) + 0.5·w2²: a narrow minimum
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from llmtutor.engine.expr import FUNCTIONS, Expr, exp, num, sqrt
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt
from llmtutor.engine.trace import Series, Trace

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
    return (w1**2 - 1) ** 2 / 4 + 0.3 * w1 + w2**2


def _minima_gradient(w1: Num, w2: Num) -> tuple[Num, Num]:
    return w1 * (w1**2 - 1) + 0.3, 2 * w2


SHARP_WIDTH = 0.08  # 2σ² of the narrow minimum
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
    lr: float = 0.05
    beta1: float = 0.9
    beta2: float = 0.999
    momentum: float = 0.8
    noise: float = 1.0  # σ of the noise SGD adds to each gradient
    seed: int = 0
    steps: int = 200


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

NAMES = {"gd": "GD", "sgd": "SGD", "momentum": "momentum", "adam": "Adam"}
TAGS = {"gd": "GD", "sgd": "SGD", "momentum": "Mom", "adam": "Adam"}  # in short symbols


def record_step(
    t: Trace,
    surface: Surface,
    path: Path,
    step: int,
    s: Settings,
    prefix: str = "",
    label: str = "",
) -> None:
    """Step `step` (from 1) of `path` written into `t`: the gradient, then each value the
    optimizer computes from it, each with its formula and its numbers. Names are `prefix`
    followed by g1, g2, (b1, b2 | m1, v1, m_hat1, v_hat1, update1, …), w1, w2 and L; symbols
    carry the step's number (m1₃ is m of w1 after step 3), and the new position's `label`
    (which optimizer moved there, where several are recorded in one trace)."""
    from llmtutor.engine.adam import sub

    if not 1 <= step <= path.steps:
        raise ValueError(f"step {step} is not in the path (1 to {path.steps})")
    k, before = sub(step), sub(step - 1)
    w = (
        t.input(f"{prefix}w1_before", path.w1[step - 1], f"w1{before}"),
        t.input(f"{prefix}w2_before", path.w2[step - 1], f"w2{before}"),
    )
    gradient = surface.gradient(*w)
    g = [t.define(f"{prefix}g{i}", f"g{i}{k}", gradient[i - 1]) for i in (1, 2)]  # type: ignore[arg-type]
    lr = t.input(f"{prefix}lr", s.lr, "lr")
    moves: list[Expr] = []
    if path.optimizer == "gd":
        moves = [lr * g[0], lr * g[1]]
    elif path.optimizer == "sgd":
        sigma = t.input(f"{prefix}noise", s.noise, "σ")
        for i in (1, 2):
            xi = t.constant(
                f"{prefix}xi{i}",
                f"ξ{i}{k}",
                path.noise[step - 1][i - 1],
                note="a standard normal draw, from the seed",
            )
            moves.append(lr * (g[i - 1] + sigma * xi))
    elif path.optimizer == "momentum":
        mu = t.input(f"{prefix}momentum", s.momentum, "μ")
        for i in (1, 2):
            if step == 1:
                b = t.define(f"{prefix}b{i}", f"b{i}{k}", g[i - 1])
            else:
                earlier = t.constant(
                    f"{prefix}b{i}_before", f"b{i}{before}", path.states[step - 1][i - 1]
                )
                b = t.define(f"{prefix}b{i}", f"b{i}{k}", mu * earlier + g[i - 1])
            moves.append(lr * b)
    else:
        beta1 = t.input(f"{prefix}beta1", s.beta1, "β1")
        beta2 = t.input(f"{prefix}beta2", s.beta2, "β2")
        eps = t.constant(f"{prefix}eps", "ε", EPS, note="torch.optim.Adam's default")
        state = path.states[step - 1]
        for i in (1, 2):
            m_before = t.constant(f"{prefix}m{i}_before", f"m{i}{before}", state[i - 1])
            v_before = t.constant(f"{prefix}v{i}_before", f"v{i}{before}", state[i + 1])
            m = t.define(f"{prefix}m{i}", f"m{i}{k}", beta1 * m_before + (1 - beta1) * g[i - 1])
            v = t.define(
                f"{prefix}v{i}", f"v{i}{k}", beta2 * v_before + (1 - beta2) * g[i - 1] ** 2
            )
            m_hat = t.define(f"{prefix}m_hat{i}", f"m̂{i}{k}", m / (1 - beta1**step))
            v_hat = t.define(f"{prefix}v_hat{i}", f"v̂{i}{k}", v / (1 - beta2**step))
            moves.append(
                t.define(f"{prefix}update{i}", f"u{i}{k}", lr * m_hat / (sqrt(v_hat) + eps))
            )
    new = [t.define(f"{prefix}w{i}", f"w{i}{k}{label}", w[i - 1] - moves[i - 1]) for i in (1, 2)]
    loss = surface.loss(*new)
    assert isinstance(loss, Expr)
    t.define(f"{prefix}L", f"L{k}{label}", loss)


def step_trace(surface: Surface, path: Path, step: int, s: Settings) -> Trace:
    """Step `step` of `path`, opened up: a trace of its values in the order computed."""
    t = Trace()
    record_step(t, surface, path, step, s)
    return t


# -- the lesson's computation ---------------------------------------------------------------

TARGET_LOSS = 0.01  # "reaches a loss below 0.01": the race on the surfaces whose lowest is 0
RACED_TO_TARGET = ("toy", "ravine")
LEFT_RIDGE = 1.0  # |w2| the saddle's runs must reach to count as off the ridge (valleys: √2)


def _start_inputs() -> tuple[InputSpec, ...]:
    specs = []
    for surface in SURFACES.values():
        low1, high1, low2, high2 = surface.box
        for axis, default, low, high in (
            ("w1", surface.start[0], low1, high1),
            ("w2", surface.start[1], low2, high2),
        ):
            name = axis if surface.name == "toy" else f"{surface.name}_{axis}"
            where = "the article's network" if surface.name == "toy" else f"the {surface.name} map"
            specs.append(
                InputSpec(
                    name,
                    default,
                    f"where the race starts on {where}: {axis} (the map spans {fmt(low)} "
                    f"to {fmt(high)})",
                    symbol=f"{axis}₀" if surface.name == "toy" else f"{axis}₀ ({surface.name})",
                    minimum=low,
                    maximum=high,
                )
            )
    return tuple(specs)


def start_names(surface: str) -> tuple[str, str]:
    """The names of the inputs that hold where the race starts on `surface`."""
    return ("w1", "w2") if surface == "toy" else (f"{surface}_w1", f"{surface}_w2")


INPUTS = (
    *_start_inputs(),
    InputSpec(
        "lr", Settings.lr, "learning rate, the same for every optimizer", positive=True, maximum=10
    ),
    InputSpec(
        "beta1",
        Settings.beta1,
        "Adam: how much momentum history to keep",
        symbol="β1",
        minimum=0,
        below=1,
    ),
    InputSpec(
        "beta2",
        Settings.beta2,
        "Adam: how slowly the squared average moves",
        symbol="β2",
        minimum=0,
        below=1,
    ),
    InputSpec(
        "momentum",
        Settings.momentum,
        "momentum: how much of the last step each step keeps",
        symbol="μ",
        minimum=0,
        below=1,
    ),
    InputSpec(
        "noise",
        Settings.noise,
        "SGD: the size of the noise added to each gradient (its standard deviation)",
        symbol="σ",
        minimum=0,
        maximum=100,
    ),
    InputSpec(
        "seed",
        Settings.seed,
        "picks SGD's random numbers: the same seed, the same run",
        kind="int",
        minimum=0,
    ),
    InputSpec(
        "steps",
        Settings.steps,
        "steps each optimizer takes",
        kind="int",
        minimum=1,
        maximum=1000,
    ),
)

FIRST_VALUES = ("gd", "sgd", "momentum", "adam", "tie", "none")
ENDS_MINIMA = ("shallow", "deep", "diverged")
ENDS_SHARP = ("sharp", "flat", "diverged")
ENDS_SADDLE = ("left", "stalled", "diverged")


def _facts() -> tuple[Fact, ...]:
    found = [
        Fact(
            f"{name}_first",
            f"which optimizer is first to reach L < {fmt(TARGET_LOSS)} on the {name} map: "
            "gd, sgd, momentum or adam; tie (two or more on the same step); none (no one did)",
            FIRST_VALUES,
        )
        for name in RACED_TO_TARGET
    ]
    found.append(
        Fact(
            "ravine_gd",
            "plain gradient descent across the ravine, whose steepest curvature is 5: lr below "
            "2 ÷ 5 (converges), exactly 2 ÷ 5 (bounces: w2 flips sign forever), or above "
            "(diverges); or the start is on the floor, w2 = 0, where that curvature never acts "
            "(floor)",
            ("converges", "bounces", "diverges", "floor"),
        )
    )
    for optimizer in OPTIMIZERS:
        found += [
            Fact(
                f"saddle_{optimizer}",
                f"{NAMES[optimizer]} on the saddle map: |w2| reached {fmt(LEFT_RIDGE)} (left the "
                "ridge), never did (stalled), or the run diverged",
                ENDS_SADDLE,
            ),
            Fact(
                f"minima_{optimizer}",
                f"where {NAMES[optimizer]} ends on the minima map: right of the ridge between "
                "the dips (shallow), left of it (deep), or the run diverged",
                ENDS_MINIMA,
            ),
            Fact(
                f"sharp_{optimizer}",
                f"where {NAMES[optimizer]} ends on the sharp map: right of the ridge between "
                "the minima (sharp), left of it (flat), or the run diverged",
                ENDS_SHARP,
            ),
        ]
    return tuple(found)


FACTS = _facts()


def ridge(surface: Surface, low: float, high: float) -> float:
    """Where ∂L/∂w1 (at w2 = 0) changes sign from + to − between `low` and `high`: the top
    of the ridge between two dips, by bisection."""
    for _ in range(200):
        middle = (low + high) / 2
        if surface.slope(middle, 0.0)[0] > 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _first_below(path: Path) -> int | None:
    return next((k for k, value in enumerate(path.loss) if value < TARGET_LOSS), None)


def settings(values: Mapping[str, float]) -> Settings:
    """The race's settings from the computation's input values (defaults where missing)."""
    given = {name: values[name] for name in SETTING_NAMES if name in values}
    return Settings(
        **{name: int(v) if name in ("seed", "steps") else float(v) for name, v in given.items()}  # type: ignore[arg-type]
    )


def start(values: Mapping[str, float], surface: Surface) -> tuple[float, float]:
    """Where the race starts on `surface`, from the input values (its own start if unset)."""
    first, second = start_names(surface.name)
    return float(values.get(first, surface.start[0])), float(values.get(second, surface.start[1]))


SETTING_NAMES = ("lr", "beta1", "beta2", "momentum", "noise", "seed", "steps")


def compute(**values: float) -> Trace:
    """The race on every map, from each map's start, with one set of settings."""
    s = settings(values)
    t = Trace()
    for spec in INPUTS:
        if spec.name in SETTING_NAMES:
            t.input(spec.name, float(values.get(spec.name, spec.default)), spec.symbol)  # type: ignore[arg-type]
    for surface in SURFACES.values():
        # Every map's values share short symbols ("L end GD"): the panels head them by map.
        with t.grouped("the article's network" if surface.name == "toy" else f"{surface.name} map"):
            _race_on(t, surface, start(values, surface), s)
    return t


def _race_on(t: Trace, surface: Surface, begin: tuple[float, float], s: Settings) -> None:
    name = surface.name
    first, second = start_names(name)
    suffix = "" if name == "toy" else f" ({name})"
    w1 = t.input(first, begin[0], f"w1₀{suffix}")
    w2 = t.input(second, begin[1], f"w2₀{suffix}")
    loss = surface.loss(w1, w2)
    assert isinstance(loss, Expr)
    t.define(f"{name}_L_0", f"L₀{suffix}", loss)
    paths = race(surface, begin, s)
    where = "" if name == "toy" else f"on the {name} map, "
    for optimizer, path in paths.items():
        # Short, for the values panel ("L end Mom"); the note says which map.
        tag = TAGS[optimizer]
        label = f"{NAMES[optimizer]}{suffix}"
        if path.steps >= 1:
            record_step(t, surface, path, 1, s, f"{name}_{optimizer}_1_", f" {label}")
        note = where + (
            f"after {path.steps} steps, simulated"
            if not path.diverged
            else f"the last finite point, at step {path.steps}: the next step overflowed"
        )
        t.constant(f"{name}_{optimizer}_w1_end", f"w1 end {tag}", path.w1[-1], note=note)
        t.constant(f"{name}_{optimizer}_w2_end", f"w2 end {tag}", path.w2[-1], note=note)
        t.constant(f"{name}_{optimizer}_L_end", f"L end {tag}", path.loss[-1], note=note)
        steps_axis = tuple(float(k) for k in range(path.steps + 1))
        t.add_series(
            Series(f"{name}_{optimizer}", f"{label}: where it went", path.w1, path.w2, "w1", "w2")
        )
        t.add_series(
            Series(
                f"{name}_{optimizer}_loss",
                f"{label}: loss at each step",
                steps_axis,
                path.loss,
                "step",
                "L",
            )
        )
    if name in RACED_TO_TARGET:
        reached = {}
        for optimizer, path in paths.items():
            at = _first_below(path)
            reached[optimizer] = at
            t.constant(
                f"{name}_{optimizer}_below",
                f"{TAGS[optimizer]} L<{fmt(TARGET_LOSS)}",
                math.inf if at is None else at,
                note=f"the first step with L < {fmt(TARGET_LOSS)}, {where}"
                + (f"never, up to step {path.steps}" if at is None else "simulated"),
            )
        finishers = [k for k in reached.values() if k is not None]
        best = min(finishers, default=None)
        winners = [o for o, k in reached.items() if k is not None and k == best]
        t.fact(
            next(f for f in FACTS if f.name == f"{name}_first"),
            "none" if not winners else winners[0] if len(winners) == 1 else "tie",
        )
    if name == "ravine":
        curvature = t.constant(
            "ravine_curvature", "∂²L/∂w2²", 5.0, note="the steepest direction: L = 2.5·w2² there"
        )
        limit = t.define(
            "ravine_lr_limit", "lr limit", num(2) / curvature, note="GD diverges above this"
        )
        if begin[1] == 0:
            verdict = "floor"
        elif s.lr < limit.value:
            verdict = "converges"
        else:
            verdict = "bounces" if s.lr == limit.value else "diverges"
        t.fact(next(f for f in FACTS if f.name == "ravine_gd"), verdict)
    if name == "saddle":
        for optimizer, path in paths.items():
            escaped = any(abs(value) >= LEFT_RIDGE for value in path.w2)
            outcome = "left" if escaped else "diverged" if path.diverged else "stalled"
            t.fact(next(f for f in FACTS if f.name == f"saddle_{optimizer}"), outcome)
    if name in ("minima", "sharp"):
        top = ridge(surface, -0.9, 0.9)
        t.constant(
            f"{name}_ridge", f"ridge ({name})", top, note="where ∂L/∂w1 = 0 between the dips"
        )
        right_side = "shallow" if name == "minima" else "sharp"
        left_side = "deep" if name == "minima" else "flat"
        for optimizer, path in paths.items():
            if path.diverged:
                outcome = "diverged"
            else:
                outcome = right_side if path.w1[-1] > top else left_side
            t.fact(next(f for f in FACTS if f.name == f"{name}_{optimizer}"), outcome)
