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


def multiplied(factor, layers):
    """The chain rule through `layers` layers: `factor` multiplied in once per layer. Plain
    float products: a product too large for a float becomes ±inf, nothing raises."""
    product = 1.0
    for _ in range(layers):
        product *= factor
    return product


def test_product_of_layer_factors():
    for factor, layers in ((0.8, 1), (0.8, 5), (0.5, 10), (1.2, 7)):
        vanish = compute(factor=factor, layers=layers).value("vanish")
        assert vanish == pytest.approx(multiplied(factor, layers))


def test_decay_series():
    t = compute(layers=32)
    plain, residual = t.series["decay"], t.series["decay_residual"]
    assert plain.x == residual.x == tuple(float(k) for k in range(33))
    # After k layers: 0.8 multiplied in k times without residuals, 1 − δ = 0.95 with them.
    assert plain.y == pytest.approx([multiplied(0.8, k) for k in range(33)], rel=1e-12)
    assert residual.y == pytest.approx([multiplied(0.95, k) for k in range(33)], rel=1e-12)
    assert plain.y[-1] == pytest.approx(0.00079, abs=1e-5)  # the source's 0.8^32
    assert compute(layers=1).series["decay"].y == (1.0, 0.8)


def test_extreme_values_overflow_as_products_do():
    t = compute(factor=1e12, layers=1000, small_factor=-1e12, f_prime=1e12, wobble=1e12)
    assert t.value("vanish") == multiplied(1e12, 1000) == math.inf
    assert t.value("vanish_ratio") == 0.0  # 1 ÷ ∞
    assert t.value("vanish_small") == multiplied(-1e12, 1000) == math.inf  # an even power
    assert t.value("plain_chain") == multiplied(1e12, 1000) == math.inf
    assert t.value("residual_chain") == multiplied(1 + 1e12, 1000) == math.inf
    assert t.value("residual_low") == multiplied(1 - 1e12, 1000) == math.inf
    assert t.value("residual_high") == multiplied(1 + 1e12, 1000) == math.inf
    assert compute(factor=-1e12, layers=999).value("vanish") == multiplied(-1e12, 999)
    assert multiplied(-1e12, 999) == -math.inf  # an odd power
    zero = compute(factor=0.0)
    assert zero.value("vanish") == 0.0
    assert zero.value("vanish_ratio") == math.inf
    # Below the smallest float: 10⁻³⁰⁰ multiplied in twice is 0, and 1 ÷ 0 reads ∞.
    tiny = compute(factor=1e-300, layers=2)
    assert tiny.value("vanish") == multiplied(1e-300, 2) == 0.0
    assert tiny.value("vanish_ratio") == math.inf


def test_registered():
    c = COMPUTATIONS["chain_rule"]
    assert c.defaults()["layers"] == 32
    assert c.run({"layers": 2, "factor": 0.5}).value("vanish") == pytest.approx(0.25)
