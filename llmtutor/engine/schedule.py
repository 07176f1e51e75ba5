"""A learning-rate schedule: linear warmup, then cosine decay (Loshchilov and Hutter, 2017).

For step s of a run of S steps with W warmup steps:

    warmup (s < W):  lr(s) = lr_max × s ÷ W
    decay  (s ≥ W):  lr(s) = lr_min + ½(lr_max − lr_min)(1 + cos(π t ÷ T)),  t = s − W, T = S − W

with lr_min = floor × lr_max. The decay starts at lr_max (t = 0) and ends at lr_min (t = T).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.numbers import fmt, term
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


def count(value: float) -> str:
    """A step count as written in a formula: 500000, not 5e5."""
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


def lr_at(step: float, peak: float, floor_fraction: float, warmup: int, total: int) -> float:
    """The learning rate at `step` (clamped to 0..total). Raises ValueError if warmup ≥ total."""
    reason = problem(warmup, total)
    if reason:
        raise ValueError(reason)
    step = min(max(step, 0), total)
    if step < warmup:
        return peak * step / warmup
    lr_min = floor_fraction * peak
    return lr_min + 0.5 * (peak - lr_min) * (
        1 + math.cos(math.pi * (step - warmup) / (total - warmup))
    )


def _record(
    t: Trace, name: str, step: float, peak: float, floor: float, warmup: int, total: int
) -> float:
    """Record lr at `step`, with whichever formula applies there."""
    value = lr_at(step, peak, floor, warmup, total)
    symbol = f"lr({count(step)})"
    if step < warmup:
        return t.add(
            name,
            symbol,
            "lr_max × s ÷ W",
            f"{fmt(peak)} × {count(step)} ÷ {warmup}",
            value,
            note="warming up",
        )
    s = min(step, total)
    lr_min = floor * peak
    note = "after the run: stays at lr_min" if step > total else "cosine decay"
    return t.add(
        name,
        symbol,
        "lr_min + ½(lr_max−lr_min)(1+cos(πt÷T))",
        f"{fmt(lr_min)} + ½ × {term(peak - lr_min)}"
        f" × (1 + cos(π × {count(s - warmup)} ÷ {total - warmup}))",
        value,
        note=note,
    )


def compute(
    peak: float = 3e-4, floor_fraction: float = 0.1, warmup: int = 2000, total: int = 500_000
) -> Trace:
    warmup, total = int(warmup), int(total)
    reason = problem(warmup, total)
    if reason:
        raise ValueError(reason)
    t = Trace()
    t.given("peak", peak, "lr_max")
    t.given("floor_fraction", floor_fraction, "floor")
    t.given("warmup", warmup, "W")
    t.given("total", total, "S")

    lr_min = t.add(
        "lr_min",
        "lr_min",
        "floor × lr_max",
        f"{fmt(floor_fraction)} × {term(peak)}",
        floor_fraction * peak,
    )
    decay = t.add("decay_steps", "T", "S − W", f"{total} − {warmup}", total - warmup)
    mid = t.add(
        "step_mid", "s (mid)", "W + T ÷ 2", f"{warmup} + {count(decay)} ÷ 2", warmup + decay / 2
    )

    _record(t, "lr_at_0", 0, peak, floor_fraction, warmup, total)
    _record(t, "lr_at_1000", EARLY_STEP, peak, floor_fraction, warmup, total)
    _record(t, "lr_at_warmup", warmup, peak, floor_fraction, warmup, total)
    _record(t, "lr_at_mid", mid, peak, floor_fraction, warmup, total)
    end = _record(t, "lr_at_end", total, peak, floor_fraction, warmup, total)
    t.add(
        "end_fraction",
        "lr_end ÷ lr_max",
        "lr(S) ÷ lr_max",
        f"{fmt(end)} ÷ {term(peak)}",
        end / peak,
    )
    t.add(
        "warmup_share",
        "W ÷ S (%)",
        "100 × W ÷ S",
        f"100 × {warmup} ÷ {total}",
        100 * warmup / total,
        note="share of the run spent warming up",
    )

    # The whole run, sampled; the warmup gets extra points so its ramp is visible.
    steps = {round(total * i / (SAMPLES - 1)) for i in range(SAMPLES)}
    if warmup > 0:
        steps |= {round(warmup * i / WARMUP_SAMPLES) for i in range(WARMUP_SAMPLES + 1)}
    xs = tuple(float(s) for s in sorted(steps))

    def curve(name: str, title: str, at: tuple[float, ...], *marks: Mark) -> None:
        rates = tuple(lr_at(s, peak, floor_fraction, warmup, total) for s in at)
        t.add_series(Series(name, title, at, rates, "step", "learning rate", marks))

    warmup_end: Mark = (float(warmup), peak, "end of warmup")
    curve(
        "schedule",
        "Learning rate over the run: warmup, then cosine decay",
        xs,
        warmup_end,
        (float(total), lr_min, "end"),
    )
    # On the whole run the warmup is a sliver (0.4% for Llama 2): a second curve zooms in on
    # the start, up to five warmups long, so the ramp can be seen.
    zoom_end = min(total, max(5 * warmup, 10))
    zoom = tuple(float(round(zoom_end * i / (SAMPLES - 1))) for i in range(SAMPLES))
    curve("schedule_start", "The start of the run: the warmup ramp", zoom, warmup_end)
    return t
