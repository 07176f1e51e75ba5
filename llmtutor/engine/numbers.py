"""How numbers are written, everywhere: in substituted formulas, tables and plain output.

One function so that the same value never appears in two spellings on one screen.
"""

from __future__ import annotations

import math

SIGNIFICANT_DIGITS = 5


def fmt(value: float, digits: int = SIGNIFICANT_DIGITS, group: bool = True) -> str:
    """Write `value` with at most `digits` significant digits and no trailing zeros.

    5 digits shows every worked number of the source exactly (1.8496, 0.30416, 1.9584)
    while hiding float noise such as 0.30416000000000004.
    """
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"  # also turns -0.0 into 0
    if 1e4 <= abs(value) < 1e9 and digits == SIGNIFICANT_DIGITS:
        # Counts of steps and tokens read best as grouped digits: 500,000 not 5e5.
        # Inside a formula digits are not grouped: in mean(12,346, 5) the commas would
        # read two ways.
        return f"{value:,.0f}" if group else f"{value:.0f}"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"  # 3.2e+10 -> 3.2e10, 1e-05 -> 1e-5
    return text


def term(value: float, digits: int = SIGNIFICANT_DIGITS, group: bool = True) -> str:
    """A number as it appears inside a formula: negative numbers get parentheses."""
    text = fmt(value, digits, group)
    return f"({text})" if text.startswith("-") else text


def fmt_input(value: float | tuple[float, ...]) -> str:
    """An input as a learner would type it back: 500000, 0.0003, 1e-08, or a list as
    `0.5, 0.3, -0.2` (no digit grouping: what is shown must parse again)."""
    if isinstance(value, tuple):
        return ", ".join(fmt_input(item) for item in value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.12g}"
