"""Gradient health bars: log-scale lengths, worked out here from the norms."""

from __future__ import annotations

import math

from rich.console import Console

from llmtutor.render.health import BAR, FLOOR_DECADES, health_bars


def lines(norms, ratio=None, width=40):  # type: ignore[no-untyped-def]
    console = Console(width=width, color_system=None)
    with console.capture() as captured:
        console.print(health_bars(norms, ratio, width))
    return captured.get().splitlines()


def test_each_bar_is_as_long_as_its_norms_decades_above_the_floor() -> None:
    norms = [("embeddings", 1e-3), ("block 1", 1e-1), ("head", 1.0), ("tiny", 1e-9)]
    shown = lines(norms, 2.5e-4)
    bars = [line.count(BAR) for line in shown[: len(norms)]]
    full = bars[2]  # the largest norm fills its bar
    for (_, norm), bar in zip(norms, bars, strict=True):
        share = max(0.0, (math.log10(norm) - (0 - FLOOR_DECADES)) / FLOOR_DECADES)
        assert bar == round(share * full)
    assert bars[0] == full // 2  # a thousand times smaller: half of six decades
    assert bars[3] == 0  # below the floor: no bar, but its number is still printed
    assert shown[3].rstrip().endswith("1e-9")
    assert shown[-1] == "update ÷ weights 0.00025"


def test_zero_and_non_finite_norms_do_not_break_the_bars() -> None:
    shown = lines([("a", 0.0), ("b", math.inf), ("c", math.nan), ("d", 1.0)])
    assert shown[0].count(BAR) == 0
    assert "∞" in shown[1] or "inf" in shown[1]
    assert len(shown) == 5  # four parts and the scale's note


def test_before_the_first_report_it_says_what_will_come() -> None:
    assert "first report" in " ".join(lines([], None))


def test_in_few_lines_the_first_and_last_blocks_stay_and_the_gap_is_counted() -> None:
    norms = [("embeddings", 1e-4)] + [(f"block {i}", 10.0**-i) for i in range(1, 9)]
    norms.append(("head", 0.5))
    shown = lines(norms, 1e-3, width=40)
    assert len(shown) == 12  # every part, the scale's note and the update
    console = Console(width=40, color_system=None)
    with console.capture() as captured:
        console.print(health_bars(norms, 1e-3, 40, height=6))
    few = captured.get().splitlines()
    assert len(few) == 6
    assert [line.split()[0] for line in few] == [
        "embeddings",
        "block",
        "⋮",
        "block",
        "head",
        "update",
    ]
    assert few[1].split()[1] == "1" and few[3].split()[1] == "8"
    assert few[2] == "⋮ 6 more"
