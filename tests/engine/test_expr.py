"""Expressions: one definition gives the formula, the numbers and the value.

Expected strings and values are written out by hand here."""

from __future__ import annotations

import math

import pytest

from llmtutor.engine.expr import call, ln, mean, num, precise, ref, sqrt, why_not_finite
from llmtutor.engine.trace import Trace

x, w, g = ref("x", 2.0), ref("w", -0.3), ref("g", 0.5)


@pytest.mark.parametrize(
    ("expr", "formula", "numbers", "value"),
    [
        (x * w, "x × w", "2 × (-0.3)", -0.6),
        (w * x, "w × x", "-0.3 × 2", -0.6),
        ((w - x) ** 2, "(w − x)²", "(-0.3 − 2)²", 5.29),
        (2 * (w - x), "2 × (w − x)", "2 × (-0.3 − 2)", -4.6),
        (x - (w - g), "x − (w − g)", "2 − (-0.3 − 0.5)", 2.8),
        (x - w + g, "x − w + g", "2 − (-0.3) + 0.5", 2.8),
        (x / (w * g), "x ÷ (w × g)", "2 ÷ (-0.3 × 0.5)", 2 / -0.15),
        (x * w / g, "x × w ÷ g", "2 × (-0.3) ÷ 0.5", -1.2),
        (w**64, "w⁶⁴", "(-0.3)⁶⁴", 0.3**64),
        (g ** ref("t", 3.0), "g^t", "0.5^3", 0.125),
        (-w * x, "−w × x", "−(-0.3) × 2", 0.6),
        (x * -w, "x × (−w)", "2 × (−(-0.3))", 0.6),
        (sqrt(x + g), "√(x + g)", "√(2 + 0.5)", math.sqrt(2.5)),
        (sqrt(g) + num(1e-8), "√g + 1e-8", "√0.5 + 1e-8", math.sqrt(0.5) + 1e-8),
        (ln(g), "ln(g)", "ln(0.5)", math.log(0.5)),
        (mean([x, w, g]), "mean(x, w, g)", "mean(2, -0.3, 0.5)", 2.2 / 3),
        (call("round", w, 3), "round(w, 3)", "round(-0.3, 3)", -0.3),
        (precise(ref("a", 1.457301)) - ref("b", 1.457), "a − b", "1.457301 − 1.457", 0.000301),
    ],
)
def test_one_definition_gives_formula_numbers_and_value(
    expr, formula: str, numbers: str, value: float
) -> None:
    assert expr.formula() == formula
    assert expr.substituted() == numbers
    assert expr.value == pytest.approx(value, rel=1e-12)


def test_a_trace_records_each_quantity_from_its_definition() -> None:
    t = Trace()
    x = t.input("x", 2.0)
    w1 = t.input("w1", 0.5)
    h = t.define("h", "h", x * w1)
    t.define("dh_dw1", "dh/dw1", x)
    loss = t.define("L", "L", (h - 3) ** 2)
    assert t["h"].equation == "h = x × w1 = 2 × 0.5 = 1"
    assert t["dh_dw1"].equation == "dh/dw1 = x = 2"
    assert t["L"].equation == "L = (h − 3)² = (1 − 3)² = 4"
    assert loss.value == 4.0 and loss.formula() == "(h − 3)²"
    assert t["x"].is_input and not t["h"].is_input


@pytest.mark.parametrize(
    ("expr", "value", "why"),
    [
        (num(1e200) * num(1e200), math.inf, "1e200 × 1e200 overflowed"),
        (num(1e200) * num(1e200) - num(1e200) * num(1e200), math.nan, "1e200 × 1e200 overflowed"),
        (num(0) / num(0), math.nan, "0 ÷ 0 has no value"),
        (num(1) / num(0), math.inf, "1 ÷ 0 is infinite: a division by 0"),
        (num(1) / num(1e-320), math.inf, "1 ÷ 9.9999e-321 overflowed"),  # not by 0
        (sqrt(num(-4)), math.nan, "√(-4) has no real value"),
        (ln(num(0)), -math.inf, "ln(0) is −∞"),
        (num(-8) ** num(0.5), math.nan, "no real value"),
        (num(10) ** num(400), math.inf, "overflowed"),
        (call("exp", num(1000)), math.inf, "exp(1000) overflowed"),
    ],
)
def test_values_never_raise_and_say_why_they_are_not_finite(expr, value: float, why: str) -> None:
    if math.isnan(value):
        assert math.isnan(expr.value)
    else:
        assert expr.value == value
    assert why in why_not_finite(expr)


def test_a_quantity_that_is_not_finite_is_noted_with_the_reason() -> None:
    t = Trace()
    big = t.input("big", 1e300)
    t.define("sq", "s", big * big, note="a note written for finite values")
    assert t["sq"].note == "1e300 × 1e300 overflowed: floats stop near 1.8e308"
