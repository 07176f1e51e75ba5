"""Equations as the screens write them: `symbol = formula = numbers = value`."""

from llmtutor.engine.trace import Quantity
from llmtutor.render.equations import equation_text


def test_a_formula_of_numbers_only_is_written_once():
    # −ln(0.95) has no named operand: its formula and its numbers are the same text.
    quantity = Quantity("table_p095", "L(0.95)", "−ln(0.95)", "−ln(0.95)", 0.05129329438755058)
    assert equation_text(quantity).plain == "  L(0.95) = −ln(0.95) = 0.051293"


def test_a_formula_and_its_numbers_are_both_written():
    quantity = Quantity("h", "h", "x × w1", "2 × 0.5", 1.0)
    assert equation_text(quantity).plain == "  h = x × w1 = 2 × 0.5 = 1"
