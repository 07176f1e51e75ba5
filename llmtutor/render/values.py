"""The table of every value known so far: the lesson's inputs, then each revealed value."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text

from llmtutor.engine import Trace, fmt
from llmtutor.render import styles


def differs(trace: Trace, baseline: Trace | None, name: str) -> bool:
    """Whether `name` has another value than in `baseline` (the lesson's default inputs)."""
    if baseline is None or name not in baseline:
        return False
    return fmt(trace[name].value) != fmt(baseline[name].value)


def values_table(
    trace: Trace,
    inputs: Iterable[str],
    revealed: Iterable[str],
    new: Iterable[str] = (),
    baseline: Trace | None = None,
) -> Table:
    """Inputs first (dim), then revealed values: ● marks the ones this step revealed, Δ the
    ones the learner's own inputs changed from the lesson's defaults."""
    fresh = set(new)
    inputs, revealed = list(inputs), list(revealed)
    widest = max((len(fmt(trace[name].value)) for name in inputs + revealed), default=1)
    table = Table(box=None, expand=True, pad_edge=False, show_header=False)
    table.add_column("value", overflow="fold")  # a long name may wrap; a number never does
    table.add_column("", justify="right", no_wrap=True, min_width=widest)
    shown = set(inputs)
    rows = [(name, True) for name in inputs]
    rows += [(name, False) for name in dict.fromkeys(revealed) if name not in shown]
    heads = headings([name for name, is_input in rows if not is_input], trace)
    for name, is_input in rows:
        quantity = trace[name]
        if name in heads:
            table.add_row(Text.assemble((heads[name], styles.HEADING)), Text(""))
        value = fmt(quantity.value)
        if differs(trace, baseline, name):
            marker, name_style, value_style = "Δ ", styles.CHANGED, styles.CHANGED
        elif name in fresh:
            marker, name_style, value_style = "● ", styles.NEW, styles.NEW
        elif is_input:
            marker, name_style, value_style = "  ", styles.DIM, ""
        else:
            marker, name_style, value_style = "  ", "", styles.VALUE
        table.add_row(
            Text(marker + quantity.symbol, style=name_style), Text(value, style=value_style)
        )
    return table


def headings(names: Iterable[str], trace: Trace) -> dict[str, str]:
    """Where a part's values begin in a list of them (see Quantity.group), the heading to put
    above: none when they are all of one part, as no symbol can then be read for another."""
    names = list(names)
    if len({trace[name].group for name in names}) < 2:
        return {}
    heads, last = {}, None
    for name in names:
        group = trace[name].group
        if group != last:
            heads[name] = group or "other values"
        last = group
    return heads
