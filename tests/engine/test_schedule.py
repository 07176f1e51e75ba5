"""Warmup and cosine decay, against a direct implementation and at its boundaries."""

import math

import pytest

from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.schedule import compute, lr_at


def reference(step, peak, floor, warmup, total):
    """Written separately from the engine: linear ramp, then cosine from peak to floor·peak."""
    if warmup > 0 and step <= warmup:
        return peak * step / warmup
    progress = (step - warmup) / (total - warmup)
    low = peak * floor
    return low + (peak - low) * (math.cos(math.pi * progress) + 1) / 2


def test_source_numbers():
    t = compute()
    assert t.value("lr_min") == pytest.approx(3e-5)
    assert t.value("lr_at_0") == 0.0
    assert t.value("lr_at_1000") == pytest.approx(1.5e-4)
    assert t.value("lr_at_warmup") == pytest.approx(3e-4)
    assert t.value("lr_at_mid") == pytest.approx(1.65e-4)
    assert t.value("lr_at_end") == pytest.approx(3e-5)
    assert t.value("end_fraction") == pytest.approx(0.1)
    assert t.value("warmup_share") == pytest.approx(0.4)
    assert t.value("warmup_share") < 0.5
    assert t.value("decay_steps") == 498_000
    assert t.value("step_mid") == 251_000


CASES = [
    (3e-4, 0.1, 2000, 500_000),
    (1e-3, 0.0, 0, 100),
    (1.0, 1.0, 10, 11),
    (5e-4, 0.25, 7, 1000),
    (2.0, 0.5, 1, 3),
]


@pytest.mark.parametrize(("peak", "floor", "warmup", "total"), CASES)
def test_matches_reference_everywhere(peak, floor, warmup, total):
    for step in sorted(
        {0, 1, warmup // 2, warmup, warmup + 1, (warmup + total) // 2, total - 1, total}
    ):
        expected = reference(step, peak, floor, warmup, total)
        assert lr_at(step, peak, floor, warmup, total) == pytest.approx(
            expected, rel=1e-12, abs=1e-18
        )


@pytest.mark.parametrize(("peak", "floor", "warmup", "total"), CASES)
def test_boundaries(peak, floor, warmup, total):
    assert lr_at(warmup, peak, floor, warmup, total) == pytest.approx(peak)
    assert lr_at(total, peak, floor, warmup, total) == pytest.approx(floor * peak)
    if warmup > 0:
        assert lr_at(0, peak, floor, warmup, total) == 0.0
        # Continuous at the end of warmup: both sides approach the peak.
        before = lr_at(warmup - 1e-6, peak, floor, warmup, total)
        after = lr_at(warmup + 1e-6, peak, floor, warmup, total)
        assert before == pytest.approx(peak, rel=1e-5)
        assert after == pytest.approx(peak, rel=1e-5)
    # Past the run it stays at the floor; before step 0 it is clamped to step 0.
    assert lr_at(total + 10, peak, floor, warmup, total) == pytest.approx(floor * peak)
    assert lr_at(-5, peak, floor, warmup, total) == lr_at(0, peak, floor, warmup, total)


@pytest.mark.parametrize(("peak", "floor", "warmup", "total"), CASES)
def test_series_shape(peak, floor, warmup, total):
    t = compute(peak=peak, floor_fraction=floor, warmup=warmup, total=total)
    series = t.series["schedule"]
    assert series.x[0] == 0 and series.x[-1] == total
    assert list(series.x) == sorted(set(series.x))
    for x, y in zip(series.x, series.y, strict=True):
        assert 0 <= y <= peak * (1 + 1e-12)
        if x >= warmup:
            assert floor * peak * (1 - 1e-12) <= y
        assert y == pytest.approx(reference(x, peak, floor, warmup, total), rel=1e-12, abs=1e-18)
    rising = [y for x, y in zip(series.x, series.y, strict=True) if x <= warmup]
    falling = [y for x, y in zip(series.x, series.y, strict=True) if x >= warmup]
    assert rising == sorted(rising)
    assert falling == sorted(falling, reverse=True)


def test_warmup_is_visible_in_the_series():
    series = compute().series["schedule"]
    assert sum(1 for x in series.x if x <= 2000) >= 20


def test_warmup_must_be_shorter_than_the_run():
    assert "warmup" in COMPUTATIONS["schedule"].validate({"warmup": 100, "total": 100})
    with pytest.raises(ValueError, match="shorter"):
        compute(warmup=100, total=100)
    with pytest.raises(ValueError, match="shorter"):
        lr_at(0, 3e-4, 0.1, 200, 100)


def test_floor_fraction_bounds():
    spec = COMPUTATIONS["schedule"].input("floor_fraction")
    assert spec.check(0) is None and spec.check(1) is None
    assert spec.check(1.1) is not None and spec.check(-0.1) is not None


def test_early_step_after_a_short_run():
    t = compute(warmup=10, total=500)
    assert t.value("lr_at_1000") == pytest.approx(t.value("lr_min"))


def test_formulas_are_the_schedule_written_out():
    t = compute()
    assert (
        t["half_drop"].equation == "A = 0.5 × (lr_max − lr_min) = 0.5 × (0.0003 − 3e-5) = 0.000135"
    )
    assert t.value("half_drop") == pytest.approx(0.5 * (3e-4 - 3e-5))
    assert (
        t["lr_at_1000"].equation == "lr(1000) = lr_max × 1000 ÷ W = 0.0003 × 1000 ÷ 2000 = 0.00015"
    )
    assert t["lr_at_warmup"].formula == "lr_max × W ÷ W"
    # In the decay t = s − W: 249000 at the middle, T = 498000 at the end.
    assert t["lr_at_mid"].formula == "lr_min + A × (1 + cos(π × t ÷ T))"
    assert t["lr_at_mid"].substituted == "3e-5 + 0.000135 × (1 + cos(3.1416 × 249000 ÷ 498000))"
    assert t["lr_at_end"].substituted == "3e-5 + 0.000135 × (1 + cos(3.1416 × 498000 ÷ 498000))"
    assert t["decay_steps"].substituted == "500000 − 2000"
    # Past the end of a short run the rate is the floor itself.
    assert compute(warmup=10, total=500)["lr_at_1000"].equation == "lr(1000) = lr_min = 3e-5"
    # Without warmup the run starts at the top of the cosine, t = 0.
    assert compute(warmup=0)["lr_at_0"].formula == "lr_min + A × (1 + cos(π × t ÷ T))"
    assert compute(warmup=0).value("lr_at_0") == pytest.approx(3e-4)


@pytest.mark.parametrize(
    "inputs",
    [{}, {"warmup": 0}, {"warmup": 1000}, {"warmup": 0, "total": 1000}, {"total": 2001}],
)
def test_no_two_values_share_a_label(inputs):
    symbols = [q.symbol for q in compute(**inputs).values()]
    assert len(symbols) == len(set(symbols)), symbols


@pytest.mark.parametrize(
    ("inputs", "facts"),
    [
        ({}, {"warmup": "ramp", "zoom": "start", "decay": "falls", "step_1000": "warmup"}),
        ({"warmup": 0}, {"warmup": "none", "zoom": "start", "step_1000": "decay"}),
        ({"warmup": 1000}, {"step_1000": "decay"}),  # step W itself is the top of the cosine
        ({"warmup": 10, "total": 500}, {"step_1000": "after"}),
        ({"warmup": 499_999}, {"zoom": "whole", "step_1000": "warmup"}),  # 5·W > S
        ({"floor_fraction": 1.0}, {"decay": "flat"}),
        ({"floor_fraction": 0.0}, {"decay": "falls"}),
        # a peak so small that 0.9 × peak rounds to the peak: nothing is left to decay
        ({"peak": 5e-324, "floor_fraction": 0.9}, {"decay": "flat"}),
    ],
)
def test_facts(inputs, facts):
    t = compute(**inputs)
    for name, value in facts.items():
        assert t.facts[name] == value, name
    assert t.facts["setting"] == ("changed" if inputs else "llama2")


def test_chart_titles_name_what_they_show():
    assert compute().series["schedule"].title.endswith("warmup, then cosine decay")
    assert compute(warmup=0).series["schedule"].title.endswith("no warmup, then cosine decay")
    assert compute(floor_fraction=1.0).series["schedule"].title.endswith("flat at the peak")
    assert "first 10000 steps" in compute().series["schedule_start"].title
    assert "the whole run" in compute(warmup=499_999).series["schedule_start"].title
