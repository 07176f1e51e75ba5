"""A learning-rate schedule: linear warmup, then cosine decay (Loshchilov and Hutter, 2017).

For step s of a run of S steps with W warmup steps:

    warmup (s < W):  lr(s) = lr_max × s ÷ W
    decay  (s ≥ W):  lr(s) = lr_min + 0.5 × (lr_max − lr_min) × (1 + cos(π × t ÷ T)),
                     t = s − W, T = S − W

with lr_min = floor × lr_max. The decay starts at lr_max (t = 0) and ends at lr_min (t = T);
after the run the rate stays at lr_min. Every value, and every point of the charts, comes
from the one definition in `rate`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from llmtutor.engine.expr import Expr, call, lift, precise, ref
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt
from llmtutor.engine.trace import Series, Trace

INPUTS = (
    InputSpec(
        "peak",
        3e-4,
        "the highest learning rate, reached after warmup",
        symbol="lr_max",
        positive=True,
    ),
    InputSpec(
        "floor_fraction",
        0.1,
        "the lowest learning rate as a fraction of the peak",
        symbol="floor",
        minimum=0,
        maximum=1,
    ),
    InputSpec("warmup", 2000, "steps of linear warmup", symbol="W", kind="int", minimum=0),
    InputSpec(
        "total",
        500_000,
        "steps in the whole run (longer than warmup)",
        symbol="S",
        kind="int",
        positive=True,
    ),
)

Mark = tuple[float, float, str]  # (step, learning rate, label) shown on a chart
SAMPLES = 400  # points over the whole run
WARMUP_SAMPLES = 50  # extra points inside the warmup, so the short ramp shows on a chart
EARLY_STEP = 1000  # a step to look at early in the run (half way through the source's warmup)
COUNT_DIGITS = 12  # step counts in formulas: 498000, not 498,000 or 4.98e5
PI = ref("π", math.pi)
LLAMA_2 = {"peak": 3e-4, "floor_fraction": 0.1, "warmup": 2000, "total": 500_000}

WARMUP = Fact("warmup", "whether the run warms up: W = 0 (none) or W > 0 (ramp)", ("none", "ramp"))
ZOOM = Fact(
    "zoom",
    "what the chart schedule_start shows: the first steps of the run, or the whole run",
    ("start", "whole"),
)
DECAY = Fact(
    "decay",
    "whether the rate falls after warmup (lr_min < lr_max) or stays at the peak (flat)",
    ("falls", "flat"),
)
STEP_1000 = Fact(
    "step_1000",
    "where step 1000 falls: in the warmup, in the decay, or after the run",
    ("warmup", "decay", "after"),
)
SETTING = Fact(
    "setting",
    "whether the inputs are Llama 2's (3e-4, 0.1, 2000, 500000) or changed",
    ("llama2", "changed"),
)
FACTS = (WARMUP, ZOOM, DECAY, STEP_1000, SETTING)


def count(value: float) -> str:
    """A step count as written in a message: 500000, not 5e5."""
    return str(int(value)) if float(value).is_integer() else fmt(value, 12)


def problem(warmup: float, total: float) -> str | None:
    """Why `warmup` and `total` cannot go together, or None."""
    if warmup >= total:
        return (
            f"warmup ({count(warmup)} steps) must be shorter than the whole run "
            f"(total = {count(total)}): no steps would be left to decay over"
        )
    return None


def validate(values: Mapping[str, Any]) -> str | None:
    """The computation-level check: every input's value, together."""
    return problem(values["warmup"], values["total"])


def steps(value: Expr) -> Expr:
    """A step count, written in full among the numbers of a formula."""
    return precise(value, COUNT_DIGITS)


class Schedule:
    """The schedule's parameters as named operands, so each rate is built from them."""

    def __init__(
        self, peak: Expr, lr_min: Expr, half: Expr, warmup: Expr, total: Expr, decay: Expr
    ) -> None:
        self.peak, self.lr_min, self.half = peak, lr_min, half
        self.warmup, self.total, self.decay = warmup, total, decay

    def rate(self, step: Expr | float) -> Expr:
        """The learning rate at `step`, by the formula of its phase. In the decay, t = s − W
        is written as t among the symbols, as the lesson defines it, and as its number."""
        s = lift(step)
        if s.value < self.warmup.value:
            return self.peak * s / self.warmup
        if s.value > self.total.value:
            return self.lr_min  # after the run the rate stays at the floor
        t = steps(ref("t", s - self.warmup))
        return self.lr_min + self.half * (1 + call("cos", PI * t / self.decay))


def _schedule(peak: float, floor_fraction: float, warmup: int, total: int) -> Schedule:
    """The schedule of these inputs, unrecorded: for `lr_at` and the charts."""
    lr_max, w, s = ref("lr_max", peak), ref("W", warmup), ref("S", total)
    lr_min = ref("lr_min", ref("floor", floor_fraction) * lr_max)
    return Schedule(lr_max, lr_min, ref("A", 0.5 * (lr_max - lr_min)), w, s, ref("T", s - w))


def lr_at(step: float, peak: float, floor_fraction: float, warmup: int, total: int) -> float:
    """The learning rate at `step` (clamped to 0..total). Raises ValueError if warmup ≥ total."""
    reason = problem(warmup, total)
    if reason:
        raise ValueError(reason)
    return _schedule(peak, floor_fraction, warmup, total).rate(max(step, 0)).value


def compute(
    peak: float = 3e-4, floor_fraction: float = 0.1, warmup: int = 2000, total: int = 500_000
) -> Trace:
    warmup, total = int(warmup), int(total)
    reason = problem(warmup, total)
    if reason:
        raise ValueError(reason)
    t = Trace()
    lr_max = t.input("peak", peak, "lr_max")
    floor = t.input("floor_fraction", floor_fraction, "floor")
    w = steps(t.input("warmup", warmup, "W"))
    s = steps(t.input("total", total, "S"))

    lr_min = t.define("lr_min", "lr_min", floor * lr_max, note="the floor the decay ends at")
    half = t.define(
        "half_drop", "A", 0.5 * (lr_max - lr_min), note="half the drop from peak to floor"
    )
    decay = steps(t.define("decay_steps", "T", s - w, note="steps after warmup"))
    mid = steps(t.define("step_mid", "s_mid", w + decay / 2, note="half way through the decay"))
    schedule = Schedule(lr_max, lr_min, half, w, s, decay)

    used: set[str] = set()

    def record(name: str, step: Expr | float, role: str, note: str) -> Expr:
        """lr at `step`, labelled by its step ("lr(1000)") unless another value already has
        that label, then by its role ("lr(W)")."""
        symbol = f"lr({count(float(step))})"
        symbol = role if symbol in used else symbol
        used.add(symbol)
        value = float(step)
        if value > total:
            note = f"past the end of the run (S = {count(total)}): it stays at lr_min"
        elif role == "lr(W)" and warmup > 0:  # the top of the ramp, where both phases meet
            return t.define(name, symbol, lr_max * w / w, note=note)
        return t.define(name, symbol, schedule.rate(step), note=note)

    record("lr_at_0", 0, "lr(0)", "the start of the run")
    early_note = "warming up" if warmup > EARLY_STEP else "after warmup"
    record("lr_at_1000", EARLY_STEP, "lr(1000)", early_note)
    peak_note = "the peak: warmup ends here" if warmup else "the peak: no warmup"
    record("lr_at_warmup", w, "lr(W)", peak_note)
    record("lr_at_mid", mid, "lr(s_mid)", "half way between the peak and the floor")
    end = record("lr_at_end", s, "lr(S)", "the end of the run: the floor")
    t.define("end_fraction", "lr_end ÷ lr_max", end / lr_max, note="where the decay ends")
    t.define(
        "warmup_share",
        "W ÷ S (%)",
        100 * w / s,
        note="share of the run spent warming up",
    )

    # The whole run, sampled; the warmup gets extra points so its ramp is visible.
    points = {round(total * i / (SAMPLES - 1)) for i in range(SAMPLES)}
    if warmup > 0:
        points |= {round(warmup * i / WARMUP_SAMPLES) for i in range(WARMUP_SAMPLES + 1)}
    xs = tuple(float(x) for x in sorted(points))
    # On the whole run the warmup is a sliver (0.4% for Llama 2): a second curve zooms in on
    # the start, up to five warmups long, so the ramp can be seen.
    zoom_end = min(total, max(5 * warmup, 10))

    t.fact(WARMUP, "ramp" if warmup > 0 else "none")
    t.fact(ZOOM, "start" if zoom_end < total else "whole")
    flat = lr_min.value >= peak
    t.fact(DECAY, "flat" if flat else "falls")
    t.fact(
        STEP_1000,
        "warmup" if warmup > EARLY_STEP else "after" if total < EARLY_STEP else "decay",
    )
    given = {"peak": peak, "floor_fraction": floor_fraction, "warmup": warmup, "total": total}
    t.fact(SETTING, "llama2" if given == LLAMA_2 else "changed")

    def curve(name: str, title: str, at: tuple[float, ...], *marks: Mark) -> None:
        rates = tuple(lr_at(x, peak, floor_fraction, warmup, total) for x in at)
        t.add_series(Series(name, title, at, rates, "step", "learning rate", marks))

    ramp = "warmup" if warmup > 0 else "no warmup"
    fall = "flat at the peak" if flat else "cosine decay"
    peak_mark: Mark = (float(warmup), peak, "end of warmup" if warmup > 0 else "peak")
    curve(
        "schedule",
        f"Learning rate over the run: {ramp}, then {fall}",
        xs,
        peak_mark,
        (float(total), lr_min.value, "end"),
    )
    zoom = tuple(float(round(zoom_end * i / (SAMPLES - 1))) for i in range(SAMPLES))
    shown = "the whole run" if zoom_end == total else f"the first {count(zoom_end)} steps"
    start = "the warmup ramp" if warmup > 0 else "no warmup: the rate starts at its peak"
    curve("schedule_start", f"Learning rate over {shown}: {start}", zoom, peak_mark)
    return t
