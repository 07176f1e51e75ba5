"""Vanishing gradients and residual connections."""

import math

import pytest

from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.chain_rule import compute


def test_source_numbers():
    t = compute()
    assert t.value("vanish") == pytest.approx(0.00079, abs=1e-5)
    assert 1000 < t.value("vanish_ratio") < 1300  # "a thousand times smaller"
    assert t.value("vanish_small") == pytest.approx(1e-32, rel=1e-9)
    assert t.value("residual_out") == pytest.approx(5.3)
    assert t.value("plain_out") == pytest.approx(0.3)
    assert t.value("residual_grad") == pytest.approx(1.1)
    assert t.value("plain_grad") == pytest.approx(0.1)
    assert t.value("residual_low") == pytest.approx(0.95**32)
    assert t.value("residual_high") == pytest.approx(1.05**32)
    assert t.value("residual_chain") == pytest.approx(1.1**32)
    assert t.value("plain_chain") == pytest.approx(1e-32, rel=1e-9)
    assert t["vanish_small"].note.startswith("vanishes")
    assert t["residual_low"].note.startswith("survives")


def test_product_of_layer_factors():
    # The chain rule: the factor per layer, multiplied once per layer.
    for factor, layers in ((0.8, 1), (0.8, 5), (0.5, 10), (1.2, 7)):
        product = 1.0
        for _ in range(layers):
            product *= factor
        assert compute(factor=factor, layers=layers).value("vanish") == pytest.approx(product)


def test_decay_series():
    t = compute(layers=32)
    plain, residual = t.series["decay"], t.series["decay_residual"]
    assert plain.x == tuple(float(k) for k in range(33))
    assert plain.y[0] == 1.0
    assert plain.y[-1] == pytest.approx(t.value("vanish"))
    assert residual.y[-1] == pytest.approx(t.value("residual_low"))
    assert all(r >= p for p, r in zip(plain.y, residual.y, strict=True))
    assert compute(layers=1).series["decay"].y == (1.0, 0.8)


def test_extreme_values_do_not_raise():
    t = compute(factor=1e12, layers=1000, small_factor=-1e12, f_prime=1e12)
    assert t.value("vanish") == math.inf
    assert t.value("vanish_small") == math.inf  # even power of a negative base
    assert compute(factor=-1e12, layers=999).value("vanish") == -math.inf
    zero = compute(factor=0.0)
    assert zero.value("vanish") == 0.0
    assert zero.value("vanish_ratio") == math.inf


def test_registered():
    c = COMPUTATIONS["chain_rule"]
    assert c.defaults()["layers"] == 32
    assert c.run({"layers": 2, "factor": 0.5}).value("vanish") == pytest.approx(0.25)
