"""The table of every value known so far: the lesson's inputs, then each revealed value."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text

from llmtutor.engine import Trace, fmt
from llmtutor.render import styles


def values_table(
    trace: Trace, inputs: Iterable[str], revealed: Iterable[str], new: Iterable[str] = ()
) -> Table:
    fresh = set(new)
    inputs, revealed = list(inputs), list(revealed)
    widest = max((len(fmt(trace[name].value)) for name in inputs + revealed), default=1)
    table = Table(box=None, expand=True, pad_edge=False, show_header=False)
    table.add_column("value", overflow="fold")  # a long name may wrap; a number never does
    table.add_column("", justify="right", no_wrap=True, min_width=widest)
    for name in inputs:
        table.add_row(
            Text("  " + trace[name].symbol, style=styles.DIM), Text(fmt(trace[name].value))
        )
    shown = set(inputs)
    for name in revealed:
        if name in shown:
            continue
        shown.add(name)
        quantity = trace[name]
        if name in fresh:
            table.add_row(
                Text("● " + quantity.symbol, style=styles.NEW),
                Text(fmt(quantity.value), style=styles.NEW),
            )
        else:
            table.add_row(
                Text("  " + quantity.symbol), Text(fmt(quantity.value), style=styles.VALUE)
            )
    return table
