"""Expressions: each quantity defined once, in the spirit of micrograd's `Value`.

A quantity is built from an operation and its operands, with ordinary Python arithmetic:

    h = t.define("h", "h", t.input("x", 2.0) * t.input("w1", 0.5))

From that one definition come its value, its formula in symbols ("x × w1") and the same
formula with the numbers put in ("2 × 0.5"), so the three can never disagree. A named
operand (an input, or a quantity recorded in a `Trace`) prints as its symbol in the formula
and as its value in the substituted formula; an unnamed one prints as its own formula.

Values follow IEEE floats and never raise: an overflow gives ±∞, and 0 ÷ 0, ∞ − ∞, the
square root or logarithm of a negative number give nan. `why_not_finite` then says in
words which operation produced it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

from llmtutor.engine.numbers import SIGNIFICANT_DIGITS, fmt, term

# How tightly each kind of node binds, for deciding where brackets go.
_SUM, _PRODUCT, _NEGATION, _POWER, _ATOM = 1, 2, 3, 4, 5

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_E_NOTATION = re.compile(r"[0-9.]+e-?[0-9]+")  # a number as fmt writes it in e-notation


class Expr:
    """A number together with how it was computed."""

    __slots__ = ("args", "digits", "op", "param", "symbol", "value")

    def __init__(
        self,
        op: str,
        args: tuple[Expr, ...],
        value: float,
        symbol: str = "",
        param: str = "",
        digits: int = SIGNIFICANT_DIGITS,
    ) -> None:
        self.op = op  # "num", "ref", "add", "sub", "mul", "div", "neg", "pow", "sqrt", "call"
        self.args = args
        self.value = float(value)
        self.symbol = symbol  # how a named quantity is written ("ref" only)
        self.param = param  # a function's name ("call" only)
        self.digits = digits  # significant digits it is written with among numbers

    # -- building ---------------------------------------------------------------------------

    def __add__(self, other: Expr | float) -> Expr:
        return _binary("add", self, other)

    def __radd__(self, other: float) -> Expr:
        return _binary("add", other, self)

    def __sub__(self, other: Expr | float) -> Expr:
        return _binary("sub", self, other)

    def __rsub__(self, other: float) -> Expr:
        return _binary("sub", other, self)

    def __mul__(self, other: Expr | float) -> Expr:
        return _binary("mul", self, other)

    def __rmul__(self, other: float) -> Expr:
        return _binary("mul", other, self)

    def __truediv__(self, other: Expr | float) -> Expr:
        return _binary("div", self, other)

    def __rtruediv__(self, other: float) -> Expr:
        return _binary("div", other, self)

    def __pow__(self, other: Expr | float) -> Expr:
        return _binary("pow", self, other)

    def __rpow__(self, other: float) -> Expr:
        return _binary("pow", other, self)

    def __neg__(self) -> Expr:
        return Expr("neg", (self,), -self.value)

    def __float__(self) -> float:
        return self.value

    def __repr__(self) -> str:
        return f"Expr({self.formula()!r} = {self.substituted()!r} = {fmt(self.value)})"

    # -- printing ---------------------------------------------------------------------------

    def formula(self) -> str:
        """The definition in symbols: named operands by their symbols."""
        return _write(self, numbers=False, top=True)

    def substituted(self) -> str:
        """The definition with every named operand replaced by its value."""
        return _write(self, numbers=True, top=True)


def num(value: float) -> Expr:
    """A constant of a formula, such as the 2 of 2(y − target)."""
    return Expr("num", (), value)


def ref(symbol: str, value: float | Expr) -> Expr:
    """A named quantity: `symbol` in formulas, its value in substituted formulas."""
    definition = value if isinstance(value, Expr) else num(value)
    args = () if definition.op == "num" else (definition,)
    return Expr("ref", args, definition.value, symbol=symbol)


def precise(quantity: Expr, digits: int = 9) -> Expr:
    """`quantity` written with more digits among numbers: for a difference of two values
    that agree in their first digits, where five would hide the difference."""
    return Expr(quantity.op, quantity.args, quantity.value, quantity.symbol, quantity.param, digits)


def lift(value: Expr | float) -> Expr:
    return value if isinstance(value, Expr) else num(value)


def sqrt(x: Expr | float) -> Expr:
    x = lift(x)
    value = math.sqrt(x.value) if x.value >= 0 or math.isnan(x.value) else math.nan
    return Expr("sqrt", (x,), value)


def call(name: str, *args: Expr | float) -> Expr:
    """A named function of its arguments: ln, log10, log2, exp, cos, sign, abs, round,
    mean, sum, max, min. `round(x, 3)` rounds to 3 decimals."""
    operands = tuple(lift(a) for a in args)
    return Expr("call", operands, FUNCTIONS[name](*(a.value for a in operands)), param=name)


def ln(x: Expr | float) -> Expr:
    return call("ln", x)


def exp(x: Expr | float) -> Expr:
    return call("exp", x)


def total(items: Iterable[Expr | float]) -> Expr:
    return call("sum", *items)


def mean(items: Iterable[Expr | float]) -> Expr:
    return call("mean", *items)


# -- values ---------------------------------------------------------------------------------


def divide(top: float, bottom: float) -> float:
    """top ÷ bottom, giving ±∞ or nan instead of raising when bottom is 0."""
    if bottom == 0:
        return math.nan if top == 0 or math.isnan(top) else math.copysign(math.inf, top)
    return top / bottom


def power(base: float, exponent: float) -> float:
    """base ** exponent as a float: ±∞ on overflow, nan where no real number results."""
    if base < 0 and not float(exponent).is_integer() and math.isfinite(exponent):
        return math.nan
    try:
        result = float(base) ** float(exponent)
    except OverflowError:
        odd = float(exponent).is_integer() and int(exponent) % 2 == 1
        return -math.inf if base < 0 and odd else math.inf
    except ZeroDivisionError:  # 0 to a negative power
        return math.inf
    return result if isinstance(result, float) else math.nan


def _ln(x: float) -> float:
    if math.isnan(x) or x < 0:
        return math.nan
    return -math.inf if x == 0 else math.log(x)


def _log(log: Callable[[float], float]) -> Callable[[float], float]:
    """`log` (math.log10, math.log2) with `_ln`'s values where there is no real result."""
    return lambda x: log(x) if x > 0 else _ln(x)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else math.nan


def _sign(x: float) -> float:
    return math.nan if math.isnan(x) else 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _round(x: float, digits: float) -> float:
    return round(x, int(digits)) if math.isfinite(x) else x


def _mean(*xs: float) -> float:
    return math.fsum(xs) / len(xs) if all(math.isfinite(x) for x in xs) else sum(xs) / len(xs)


def _sum(*xs: float) -> float:
    return math.fsum(xs) if all(math.isfinite(x) for x in xs) else sum(xs)


def _extreme(pick: Callable[..., float]) -> Callable[..., float]:
    return lambda *xs: math.nan if any(math.isnan(x) for x in xs) else pick(xs)


FUNCTIONS: dict[str, Callable[..., float]] = {
    "ln": _ln,
    "log10": _log(math.log10),  # the logarithms of a common slip: the loss is the natural one
    "log2": _log(math.log2),
    "exp": _exp,
    "cos": _cos,
    "sign": _sign,
    "abs": abs,
    "round": _round,
    "mean": _mean,
    "sum": _sum,
    "max": _extreme(max),
    "min": _extreme(min),
}

_VALUES: dict[str, Callable[[float, float], float]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,  # floats overflow to ±∞ without raising
    "div": divide,
    "pow": power,
}


def _binary(op: str, left: Expr | float, right: Expr | float) -> Expr:
    a, b = lift(left), lift(right)
    return Expr(op, (a, b), _VALUES[op](a.value, b.value))


# -- writing --------------------------------------------------------------------------------

_SIGNS = {"add": " + ", "sub": " − ", "mul": " × ", "div": " ÷ "}
_BINDING = {"add": _SUM, "sub": _SUM, "mul": _PRODUCT, "div": _PRODUCT, "neg": _NEGATION}


def _binding(node: Expr) -> int:
    if node.op == "ref" or node.op == "num":
        return _ATOM  # a negative number is written in brackets by `term`
    if node.op == "pow":
        return _POWER
    if node.op in ("sqrt", "call"):
        return _ATOM
    return _BINDING[node.op]


def _write(node: Expr, numbers: bool, top: bool = False, first: bool = True) -> str:
    """`node` written out; `first` when nothing stands before it in its bracket group, where
    a negative number needs no brackets (-0.3 − 1, but 2 × (-0.3))."""
    if node.op == "num" or (node.op == "ref" and numbers and not top):
        if first:
            return fmt(node.value, node.digits, group=False)
        return term(node.value, node.digits, group=False)
    if node.op == "ref":
        if top:
            return _write(node.args[0], numbers, top=True) if node.args else fmt(node.value)
        return node.symbol
    if node.op == "neg":
        return "−" + _operand(node.args[0], _NEGATION + 1, numbers, first=False)
    if node.op in _SIGNS:
        left, right = node.args
        binding = _BINDING[node.op]
        # a − (b − c) and a ÷ (b × c) need their brackets; a + (b + c) does not.
        right_binding = binding + 1 if node.op in ("sub", "div") else binding
        if right.op == "neg":
            right_binding = _ATOM
        return (
            _operand(left, binding, numbers, first)
            + _SIGNS[node.op]
            + _operand(right, right_binding, numbers, first=False)
        )
    if node.op == "pow":
        base, exponent = node.args
        shown = _operand(base, _POWER + 1, numbers, first=False)
        if _E_NOTATION.fullmatch(shown):  # (1e12)², not 1e12²: that reads as 1 × 10^(12²)
            shown = f"({shown})"
        if exponent.op == "num" and exponent.value.is_integer() and 0 <= exponent.value < 100:
            return shown + str(int(exponent.value)).translate(_SUPERSCRIPTS)
        return shown + "^" + _operand(exponent, _POWER + 1, numbers, first=False)
    if node.op == "sqrt":
        return "√" + _operand(node.args[0], _ATOM, numbers, first=False)
    if node.op == "call":
        inner = ", ".join(_write(arg, numbers) for arg in node.args)
        return f"{node.param}({inner})"
    raise ValueError(f"unknown operation {node.op!r}")


def _operand(node: Expr, needed: int, numbers: bool, first: bool) -> str:
    """`node` as an operand that must bind at least as tightly as `needed`."""
    if _binding(node) >= needed:
        return _write(node, numbers, first=first)
    return f"({_write(node, numbers)})"


# -- explaining -----------------------------------------------------------------------------


def why_not_finite(node: Expr) -> str:
    """Why `node`'s value is ±∞ or nan, in words: the first operation, reading from the
    inputs, whose operands were all finite numbers but whose result was not. "" when the
    value is finite."""
    if math.isfinite(node.value):
        return ""
    origin = _origin(node)
    if origin is None:
        leaf = _leaf(node)
        if leaf.op == "ref" and leaf.symbol:  # a recorded number, such as a simulation's
            return f"{leaf.symbol} = {fmt(leaf.value)} is not a finite number"
        return "an input is not a finite number"
    return _describe(origin)


def _leaf(node: Expr) -> Expr:
    """The operand, reading down from `node`, that is not finite and has no operands."""
    for arg in node.args:
        if not math.isfinite(arg.value):
            return _leaf(arg)
    return node


def _origin(node: Expr) -> Expr | None:
    """The deepest operation with finite operands and a value that is not finite."""
    for arg in node.args:
        if not math.isfinite(arg.value):
            return _origin(arg)
    return node if node.op not in ("num", "ref") else None


def _describe(node: Expr) -> str:
    shown = node.substituted() if node.op != "ref" else fmt(node.value)
    if math.isnan(node.value):
        if node.op == "div":
            return "0 ÷ 0 has no value"
        if node.op in ("sqrt", "call"):
            return f"{shown} has no real value: its argument is negative"
        return f"{shown} has no real value"
    if node.op == "div" and node.args[1].value == 0:  # 1 ÷ 1e-320 overflows instead
        return f"{shown} is infinite: a division by 0"
    if node.op == "call" and node.param == "ln":
        return "ln(0) is −∞"
    return f"{shown} overflowed: floats stop near 1.8e308"
