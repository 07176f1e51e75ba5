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


def test_a_negative_factor_is_written_in_brackets():
    q = compute(factor=-0.945, layers=64)["vanish"]
    assert q.formula == "d^N"
    assert q.substituted == "(-0.945)^64"  # not -0.945^64, which reads as −(0.945^64)
    assert q.value == pytest.approx(multiplied(-0.945, 64), rel=1e-12)


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"factor": 0.0}, "zero"),
        ({"factor": 0.1, "layers": 1000}, "underflow"),  # 1e-1000: no float is that small
        ({"factor": 0.1, "layers": 320}, "underflow"),  # 1e-320: below 2.2e-308, digits lost
        ({}, "vanishes"),  # 0.8^32 = 0.00079 < 0.01
        ({"factor": 0.99}, "shrinks"),  # 0.99^32 = 0.725
        ({"factor": -1.0}, "same"),  # (−1)^32 = 1
        ({"factor": 1.1}, "grows"),  # 1.1^32 = 21.1: the "0.047362 times smaller"
        ({"factor": 5.0}, "explodes"),  # 5^32 = 2.3e22
        ({"factor": 1e12, "layers": 1000}, "overflow"),  # 1e12000
    ],
)
def test_the_fate_of_the_product_is_a_fact(inputs, expected):
    assert compute(**inputs).facts["vanish_size"] == expected


def test_facts_of_the_sign_the_plain_chain_and_the_residual_band():
    assert compute().facts["factor_sign"] == "positive"
    assert compute(factor=-0.8).facts["factor_sign"] == "negative"
    assert compute(factor=0.0).facts["factor_sign"] == "zero"
    assert compute().facts["vanish_small_size"] == "vanishes"  # 0.1^32 = 1e-32
    assert compute(small_factor=0.9).facts["vanish_small_size"] == "shrinks"  # 0.034
    assert compute().facts["plain_chain_size"] == "vanishes"
    assert compute(f_prime=1.0).facts["plain_chain_size"] == "same"
    # 0.95^32 = 0.19 and 1.05^32 = 4.76 stay within 0.01..100; 0.8^32 = 0.0008 does not.
    assert compute().facts["residual_band"] == "usable"
    assert compute(wobble=0.0).facts["residual_band"] == "usable"
    assert compute(wobble=0.2).facts["residual_band"] == "unusable"
    assert compute(wobble=1.0).facts["residual_band"] == "unusable"  # 0^32


def test_a_ratio_past_the_largest_float_says_so():
    # 0.1^320 = 1e-320 is a float (with digits lost), but 1 ÷ 1e-320 = 1e320 is not.
    t = compute(factor=0.1, layers=320)
    assert t.value("vanish") == multiplied(0.1, 320) > 0
    assert t.value("vanish_ratio") == math.inf
    assert "overflowed" in t["vanish_ratio"].note
    assert "division by 0" not in t["vanish_ratio"].note
    # 0.1^1000 underflows to 0: then it is a division by 0, and the product's note says why.
    zero = compute(factor=0.1, layers=1000)
    assert zero.value("vanish") == 0.0
    assert "division by 0" in zero["vanish_ratio"].note
    assert zero["vanish"].note.startswith("underflows")
