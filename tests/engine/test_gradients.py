"""The slope of a one-parameter loss curve."""

import pytest

from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.gradients import compute


def test_source_numbers():
    t = compute()
    assert t.value("w") == 0.5
    assert t.value("L") == pytest.approx(1.457)
    assert t.value("grad") == pytest.approx(0.3)
    assert t.value("predicted_change") == pytest.approx(0.0003)
    assert t.value("actual_change") == pytest.approx(0.0003, rel=0.01)
    assert t["grad"].note == "positive → decrease w"
    assert t.value("direction") == 1.0


@pytest.mark.parametrize("w", [-3.0, 0.0, 0.2, 0.35, 0.5, 2.0])
def test_slope_matches_finite_difference(w):
    t = compute(w=w)

    def loss(v):
        return compute(w=v).value("L")

    h = 1e-6
    assert t.value("grad") == pytest.approx((loss(w + h) - loss(w - h)) / (2 * h), abs=1e-6)


@pytest.mark.parametrize("nudge", [1e-1, 1e-2, 1e-3, 1e-4])
def test_prediction_gets_better_as_nudge_shrinks(nudge):
    t = compute(w=0.5, nudge=nudge)
    assert t.value("predicted_change") == pytest.approx(0.3 * nudge)
    # For a parabola the error of the linear prediction is exactly nudge².
    assert t.value("change_gap") == pytest.approx(nudge * nudge, rel=1e-4, abs=1e-12)


def test_direction_follows_the_sign():
    below = compute(w=0.1)
    assert below.value("grad") < 0
    assert below["grad"].note == "negative → increase w"
    assert below.value("direction") == -1.0
    at_min = compute(w=0.35)
    assert at_min.value("grad") == 0
    assert at_min.value("direction") == 0.0


def test_step_goes_downhill():
    for w in (-1.0, 0.1, 0.5, 3.0):
        t = compute(w=w, lr=0.1)
        assert t.value("w_step") == pytest.approx(w - 0.1 * t.value("grad"))
        assert t.value("L_step") < t.value("L")
    # Too large a step (lr > 1 for this parabola) overshoots.
    t = compute(w=0.5, lr=1.5)
    assert t.value("L_step") > t.value("L")
    assert "overshot" in t["L_step"].note


def test_series():
    t = compute()
    curve = t.series["curve"]
    assert min(curve.x) <= 0.35 <= max(curve.x)
    assert min(curve.x) <= 0.5 <= max(curve.x)
    assert curve.marks[0][:2] == (0.5, pytest.approx(1.457))
    tangent = t.series["tangent"]
    assert min(tangent.x) < 0.5 < max(tangent.x)
    for x, y in zip(tangent.x, tangent.y, strict=True):
        assert y == pytest.approx(1.457 + 0.3 * (x - 0.5))
    far = compute(w=10.0).series["curve"]
    assert min(far.x) <= 10.0 <= max(far.x)


def test_registered():
    assert COMPUTATIONS["slope"].run({"w": 0.6}).value("grad") == pytest.approx(0.5)
