"""Equations: `symbol = formula = numbers = value`, one per revealed quantity."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from rich.cells import cell_len
from rich.console import Group
from rich.text import Text

from llmtutor.engine import Quantity, Trace, fmt
from llmtutor.render import styles
from llmtutor.render.values import differs

ONE_LINE = 52  # longer equations are written over several aligned lines


def equation_text(
    quantity: Quantity, new: bool = False, width: int = ONE_LINE, was: float | None = None
) -> Text:
    """One equation. `was`, when given, is the value with the lesson's default inputs: the
    learner changed an input, and the equation says what this value was before."""
    value_style = styles.CHANGED if was is not None else styles.NEW if new else styles.VALUE
    text = Text()
    text.append("● " if new else "  ", style=styles.NEW)
    text.append(quantity.symbol, style=styles.SYMBOL)
    parts: list[str] = []
    for part in (quantity.formula, quantity.substituted):
        if part and part != quantity.symbol and part not in parts:  # −ln(0.95) written once
            parts.append(part)
    value = fmt(quantity.value)
    if parts and parts[-1] == value:
        parts.pop()  # "dy/dw3 = a = -0.3": the formula is a single value already written out
    suffix = f"  (was {fmt(was)})" if was is not None else ""
    one_line = " = ".join([quantity.symbol, *parts, value]) + suffix
    if cell_len(one_line) + 2 <= width:  # 2 for the "● " marker
        for part in parts:
            text.append(" = ", style=styles.DIM)
            text.append(part)
        text.append(" = ", style=styles.DIM)
        text.append(value, style=value_style)
    else:
        indent = " " * (cell_len(quantity.symbol) + 2)  # m̂'s accent takes no cell
        for index, part in enumerate(parts):
            if index:
                text.append("\n" + indent)
            text.append(" = ", style=styles.DIM)
            # Wrap a long formula between its terms, continuing under its first term.
            room = max(12, width - len(indent) - 3)
            lines = textwrap.wrap(part, room, break_long_words=False) or [part]
            text.append(("\n" + indent + "   ").join(lines))
        text.append("\n" + indent)
        text.append(" = ", style=styles.DIM)
        text.append(value, style=value_style)
    text.append(suffix, style=styles.CHANGED)
    if quantity.note:
        last_line = text.plain.rsplit("\n", 1)[-1]
        fits = cell_len(last_line) + cell_len(quantity.note) + 2 <= width
        separator = "  " if fits else "\n    "
        text.append(separator + quantity.note, style=styles.NOTE)
    return text


def equations(
    trace: Trace,
    names: Iterable[str],
    new: Iterable[str] = (),
    width: int = ONE_LINE,
    baseline: Trace | None = None,
) -> Group:
    fresh = set(new)
    return Group(
        *(
            equation_text(
                trace[name],
                name in fresh,
                width,
                baseline[name].value if differs(trace, baseline, name) and baseline else None,
            )
            for name in names
        )
    )
