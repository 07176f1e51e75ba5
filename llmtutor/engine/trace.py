"""A trace: the named quantities a computation produced, each with how it was computed.

Every number the tutor shows is a `Quantity` in a trace. A quantity carries its formula in
symbols ("dL/dh × dh/dw1"), the same formula with the numbers put in ("0.9792 × 2"), and the
value, all three taken from one definition (an `Expr`), so a screen can show the whole
reasoning and never types a result itself. A trace also holds the computation's facts: the
computed statements lesson text chooses its words by.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace

from llmtutor.engine.expr import Expr, ref, why_not_finite
from llmtutor.engine.facts import Fact
from llmtutor.engine.numbers import fmt


@dataclass(frozen=True)
class Quantity:
    name: str  # identifier used by lesson files, e.g. "dL_dw1"
    symbol: str  # how it is written for the learner, e.g. "dL/dw1"
    formula: str  # in symbols; empty for a given input
    substituted: str  # the formula with numbers; empty for a given input
    value: float
    is_input: bool = False
    note: str = ""  # a computed remark, e.g. which way a gradient says to move
    # The part of the computation it belongs to ("minima map"), where several parts share
    # short symbols ("L end GD"): panels head each part's values with it.
    group: str = ""

    @property
    def equation(self) -> str:
        """`symbol = formula = substituted = value`, leaving out parts that add nothing."""
        parts = [self.symbol]
        for part in (self.formula, self.substituted):
            if part and part not in parts:
                parts.append(part)
        value = fmt(self.value)
        if parts[-1] != value:
            parts.append(value)
        return " = ".join(parts)


@dataclass(frozen=True)
class Series:
    """A curve a computation produced, for a chart: y against x, computed, never typed."""

    name: str
    title: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    x_label: str = "x"
    y_label: str = "y"
    # Points to mark on the chart, e.g. the current parameter value: (x, y, label).
    marks: tuple[tuple[float, float, str], ...] = ()


class Trace(Mapping[str, Quantity]):
    """An ordered mapping of quantity name to `Quantity`."""

    def __init__(self) -> None:
        self._items: dict[str, Quantity] = {}
        self.series: dict[str, Series] = {}  # curves for charts, by name
        self.facts: dict[str, str] = {}  # computed facts, by name
        self._group = ""

    # -- recording, from one definition -----------------------------------------------------

    def input(self, name: str, value: float, symbol: str | None = None, note: str = "") -> Expr:
        """Record an input of the computation; return it as an operand for formulas. `note`
        says what it is where its symbol alone would not (where a parameter starts)."""
        self._put(Quantity(name, symbol or name, "", "", float(value), is_input=True, note=note))
        return ref(symbol or name, float(value))

    def constant(self, name: str, symbol: str, value: float, note: str = "") -> Expr:
        """Record a fixed number of the computation (not an input), such as where a made-up
        curve is lowest; return it as an operand."""
        self._put(Quantity(name, symbol, "", "", float(value), note=note))
        return ref(symbol, float(value))

    def define(self, name: str, symbol: str, definition: Expr, note: str = "") -> Expr:
        """Record the quantity `definition` computes, its formula and numbers written from
        it; return it as a named operand, so code reads like the maths. A value that is not
        a finite number gets a note saying why, in place of `note`."""
        value = definition.value
        if not math.isfinite(value):
            note = why_not_finite(definition)
        formula, substituted = definition.formula(), definition.substituted()
        if definition.op == "ref":  # dy/dw3 = a: the formula names another quantity
            formula, substituted = definition.symbol, ""
        self._put(Quantity(name, symbol, formula, substituted, value, note=note))
        return ref(symbol, definition)

    def fact(self, fact: Fact, value: str) -> str:
        """Record a computed fact; `value` must be one the fact declares."""
        if value not in fact.values:
            raise ValueError(f"fact {fact.name!r} cannot be {value!r}: {fact.values}")
        if fact.name in self.facts:
            raise ValueError(f"fact {fact.name!r} recorded twice")
        self.facts[fact.name] = value
        return value

    def add_series(self, series: Series) -> Series:
        if series.name in self.series:
            raise ValueError(f"series {series.name!r} recorded twice")
        if len(series.x) != len(series.y):
            raise ValueError(f"series {series.name!r}: x and y differ in length")
        self.series[series.name] = series
        return series

    @contextmanager
    def grouped(self, group: str) -> Iterator[None]:
        """Quantities recorded inside belong to `group` (see Quantity.group)."""
        before, self._group = self._group, group
        try:
            yield
        finally:
            self._group = before

    def _put(self, quantity: Quantity) -> None:
        if quantity.name in self._items:
            raise ValueError(f"quantity {quantity.name!r} recorded twice")
        if self._group and not quantity.group:
            quantity = replace(quantity, group=self._group)
        self._items[quantity.name] = quantity

    def __getitem__(self, name: str) -> Quantity:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def value(self, name: str) -> float:
        return self._items[name].value
