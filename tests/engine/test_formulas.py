"""Every substituted formula gives its quantity's value, for any input a lesson accepts.

A quantity shows three things: its formula in symbols, the same formula with the numbers put
in ("2 × (0.5 − 0.35)"), and its value. This test reads each substituted formula with its
own small evaluator (a tokenizer and a recursive-descent parser written here, sharing no
code with the engine) and checks that the value on screen is what the printed numbers give.

Numbers in a formula are rounded (5 significant digits, 9 for `precise`), so an exact
comparison would be wrong. Each literal stands for every number it could have been rounded
from, and the evaluator works with those intervals (`Box`): the value must lie in the
result. Rules for literals:

- "0", "∞", "-∞", "nan" and superscript exponents are exact;
- any other number written with at most 5 significant digits stands for ± half a unit in
  its 5th digit; one written with more digits (`precise`, or a grouped integer such as
  "500,000") for ± half a unit in its last digit. (This assumes nothing is written with fewer
  than 5 significant digits, which `fmt` never does.)

Numbers that are not finite follow IEEE floats, as the engine does: a result beyond the
largest float is ±∞, and 0 ÷ 0, ∞ − ∞, 0 × ∞, √ or ln of a negative give nan. A `Box` is the
set of results the rounded numbers allow: an interval of reals (whose ends may be ±∞,
meaning some allowed numbers overflow) and whether nan is among them. The rule for values
that are not finite is then the same membership test as for finite ones:

- a finite value must lie in the interval (with a relative slack of 1e-9 for float error);
- ±∞ must be an end of the interval: some allowed numbers overflow (or divide by 0);
- nan must be allowed: some allowed numbers give an undefined result.

So a quantity is ±∞ or nan only where its printed numbers can give that, and is finite
wherever they can only give a finite number.

Each computation is run at its defaults and with each input alone at its edges (zero, ±1,
tiny, huge, its bounds), then over inputs drawn by hypothesis from its `InputSpec`s (the
same examples every run). A second check finds formulas that read two ways ("-0.3²",
"2e-10²", "min(12,346, 5)"): the parser reads them as the engine means them, and says so.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from llmtutor.engine import COMPUTATIONS, Computation, InputSpec, Trace

INF = math.inf
MAX_FLOAT = sys.float_info.max
SLACK = 1e-9  # relative: float error in the engine's value, not a rounding of the formula
ULPS = 1e-15  # relative widening of each operation's result, for float error in the bounds

# --------------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """The results a formula's rounded numbers allow: reals in [lo, hi] (none when lo > hi)
    and, when `nan`, nan."""

    lo: float
    hi: float
    nan: bool = False

    @property
    def real(self) -> bool:
        return self.lo <= self.hi

    def admits(self, value: float) -> bool:
        if math.isnan(value):
            return self.nan
        if not self.real:
            return False
        if math.isinf(value):
            return value in (self.lo, self.hi)
        slack = SLACK * max([abs(value), *(abs(e) for e in (self.lo, self.hi) if math.isfinite(e))])
        return self.lo - slack <= value <= self.hi + slack

    def contains(self, x: float) -> bool:
        return self.real and self.lo <= x <= self.hi

    def __str__(self) -> str:
        reals = f"[{self.lo!r}, {self.hi!r}]" if self.real else "no real number"
        return reals + (" or nan" if self.nan else "")


def hull(values: Iterable[float], nan: bool = False) -> Box:
    """The smallest box holding `values` (nan among them sets `nan`)."""
    reals = []
    for v in values:
        if math.isnan(v):
            nan = True
        else:
            reals.append(v)
    if not reals:
        return Box(INF, -INF, nan)
    return Box(min(reals), max(reals), nan)


def widen(box: Box) -> Box:
    """`box` grown outwards by a few float ulps; exact zeros and infinities stay."""
    if not box.real:
        return box
    lo = box.lo - abs(box.lo) * ULPS if math.isfinite(box.lo) else box.lo
    hi = box.hi + abs(box.hi) * ULPS if math.isfinite(box.hi) else box.hi
    return Box(lo, hi, box.nan)


def point(x: float) -> Box:
    return Box(INF, -INF, True) if math.isnan(x) else Box(x, x)


# -- arithmetic ------------------------------------------------------------------------------


def _corners(a: Box, b: Box, f: Callable[[float, float], float]) -> list[float]:
    return [f(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]


def add(a: Box, b: Box) -> Box:
    nan = a.nan or b.nan
    if not (a.real and b.real):
        return Box(INF, -INF, nan)
    return widen(hull(_corners(a, b, lambda x, y: x + y), nan))  # ∞ + (−∞) is nan


def negate(a: Box) -> Box:
    return Box(-a.hi, -a.lo, a.nan) if a.real else a


def sub(a: Box, b: Box) -> Box:
    return add(a, negate(b))


def _has_infinity(a: Box) -> bool:
    return a.real and (math.isinf(a.lo) or math.isinf(a.hi))


def mul(a: Box, b: Box) -> Box:
    nan = a.nan or b.nan
    if not (a.real and b.real):
        return Box(INF, -INF, nan)
    # 0 × ∞ is nan, also where 0 lies inside an interval rather than at its end.
    if (a.contains(0) and _has_infinity(b)) or (b.contains(0) and _has_infinity(a)):
        nan = True
    return widen(hull(_corners(a, b, lambda x, y: x * y), nan))


def _quotient(x: float, y: float, side: float) -> float:
    """x ÷ y where y = 0 stands for numbers approaching 0 from `side` (±1)."""
    if y == 0:
        return 0.0 if x == 0 else math.copysign(INF, x * side)
    return x / y  # Python floats divide without raising for overflow; ∞ ÷ ∞ is nan


def div(a: Box, b: Box) -> Box:
    nan = a.nan or b.nan
    if not (a.real and b.real):
        return Box(INF, -INF, nan)
    values: list[float] = []
    if b.contains(0):  # the engine's x ÷ 0: ±∞ by the sign of x, nan for 0 ÷ 0
        if a.lo < 0:
            values.append(-INF)
        if a.hi > 0:
            values.append(INF)
        if a.contains(0):
            nan = True
    # On each side of 0 the quotient is monotone in each operand: its corners bound it.
    for side, lo, hi in ((1.0, max(b.lo, 0.0), b.hi), (-1.0, b.lo, min(b.hi, 0.0))):
        if lo <= hi and not (lo == hi == 0):
            values += [_quotient(x, y, side) for x in (a.lo, a.hi) for y in (lo, hi)]
    return widen(hull(values, nan))


def _float_power(x: float, y: float) -> float:
    """x ** y as IEEE pow gives it: ±∞ on overflow, nan where no real number results."""
    try:
        result = x**y
    except OverflowError:
        odd = y.is_integer() and int(y) % 2 == 1
        return -INF if x < 0 and odd else INF
    except ZeroDivisionError:  # 0 to a negative power
        return INF
    return result if isinstance(result, float) else math.nan  # complex: no real value


MAX_INTEGER_EXPONENTS = 16


def power(base: Box, exponent: Box, integer: int | None = None) -> Box:
    """base ** exponent; `integer` when the exponent is an exact whole number (written as a
    superscript)."""
    nan = base.nan or exponent.nan
    values: list[float] = []
    if base.nan and (integer == 0 or exponent.contains(0)):
        values.append(1.0)  # nan ** 0 is 1
    if exponent.nan and base.contains(1):
        values.append(1.0)  # 1 ** nan is 1
    if not (base.real and exponent.real):
        return widen(hull(values, nan))
    exponents = (exponent.lo, exponent.hi) if integer is None else (float(integer),)
    if base.hi >= 0:  # on x ≥ 0, x ** y is monotone in each operand
        values += [_float_power(x, y) for x in (max(base.lo, 0.0), base.hi) for y in exponents]
    if base.lo < 0:  # a negative base has a real power only for whole exponents
        lo, hi = base.lo, min(base.hi, -0.0)
        if integer is not None:
            whole = [integer]
        else:
            whole_point = exponent.lo == exponent.hi and exponent.lo.is_integer()
            nan = nan or (not whole_point and any(math.isfinite(e) for e in exponents))
            values += [_float_power(x, y) for x in (lo, hi) for y in exponents if math.isinf(y)]
            first = math.ceil(exponent.lo) if math.isfinite(exponent.lo) else None
            last = math.floor(exponent.hi) if math.isfinite(exponent.hi) else None
            if first is None or last is None or last - first >= MAX_INTEGER_EXPONENTS:
                whole = []
                values += [-INF, INF, 0.0]  # too many whole exponents to list: no bound
            else:
                whole = list(range(first, last + 1))
        for n in whole:  # x ** n is monotone on the negative numbers
            values += [_float_power(x, float(n)) for x in (lo, hi)]
            if n < 0 and hi == 0:
                values += [-INF, INF]
    return widen(hull(values, nan))


# -- functions -------------------------------------------------------------------------------


def _monotone(a: Box, f: Callable[[float], float], domain_lo: float = -INF) -> Box:
    """An increasing function defined from `domain_lo` up; below it, nan."""
    nan = a.nan or (a.real and a.lo < domain_lo)
    if not a.real or a.hi < domain_lo:
        return Box(INF, -INF, nan)
    return widen(hull([f(max(a.lo, domain_lo)), f(a.hi)], nan))


def _ln(x: float) -> float:
    return -INF if x == 0 else math.log(x)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def cos(a: Box) -> Box:
    nan = a.nan or _has_infinity(a)  # cos(±∞) has no value
    if not a.real or (math.isinf(a.lo) and a.lo == a.hi):
        return Box(INF, -INF, nan)
    lo, hi = max(a.lo, -MAX_FLOAT), min(a.hi, MAX_FLOAT)
    if hi - lo >= 2 * math.pi or max(abs(lo), abs(hi)) > 1e6:
        return Box(-1.0, 1.0, nan)
    values = [math.cos(lo), math.cos(hi)]
    values += [(-1.0) ** k for k in range(math.ceil(lo / math.pi), math.floor(hi / math.pi) + 1)]
    return widen(hull(values, nan))


def sign(a: Box) -> Box:
    if not a.real:
        return a
    values = [
        s for s, present in ((-1.0, a.lo < 0), (0.0, a.contains(0)), (1.0, a.hi > 0)) if present
    ]
    return hull(values, a.nan)


def absolute(a: Box) -> Box:
    if not a.real:
        return a
    if a.lo >= 0:
        return a
    if a.hi <= 0:
        return negate(a)
    return Box(0.0, max(-a.lo, a.hi), a.nan)


def round_(a: Box, digits: Box) -> Box:
    """round(x, d): the engine rounds to int(d) decimals; rounding is monotone in x."""
    if digits.nan or not digits.real or _has_infinity(digits):
        raise FormulaError("round() needs a finite number of decimals")
    if not a.real:
        return a
    places = set(range(math.ceil(digits.lo), math.floor(digits.hi) + 1))
    places |= {int(digits.lo), int(digits.hi)}  # int() truncates a non-whole d
    values = []
    for x in (a.lo, a.hi):
        values += [round(x, n) if math.isfinite(x) else x for n in places]
    return widen(hull(values, a.nan))


def total(args: Sequence[Box]) -> Box:
    result = Box(0.0, 0.0)
    for arg in args:
        result = add(result, arg)
    return result


def mean(args: Sequence[Box]) -> Box:
    return div(total(args), point(float(len(args))))


def extreme(args: Sequence[Box], pick: Callable[[Iterable[float]], float]) -> Box:
    """max or min: monotone in every argument; nan if any argument is nan."""
    nan = any(arg.nan for arg in args)
    if not all(arg.real for arg in args):
        return Box(INF, -INF, nan)
    return Box(pick(arg.lo for arg in args), pick(arg.hi for arg in args), nan)


FUNCTIONS: dict[str, tuple[int | None, Callable[[Sequence[Box]], Box]]] = {
    # name: (how many arguments, None for any number of at least one; the function)
    "ln": (1, lambda a: _monotone(a[0], _ln, domain_lo=0.0)),
    "exp": (1, lambda a: _monotone(a[0], _exp)),
    "cos": (1, lambda a: cos(a[0])),
    "sign": (1, lambda a: sign(a[0])),
    "abs": (1, lambda a: absolute(a[0])),
    "round": (2, lambda a: round_(a[0], a[1])),
    "mean": (None, mean),
    "sum": (None, total),
    "max": (None, lambda a: extreme(a, max)),
    "min": (None, lambda a: extreme(a, min)),
}


def sqrt(a: Box) -> Box:
    return _monotone(a, math.sqrt, domain_lo=0.0)


# --------------------------------------------------------------------------------------------
# Reading a formula
# --------------------------------------------------------------------------------------------


class FormulaError(ValueError):
    """The formula cannot be read, or can be read two ways."""


SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
GROUP = ",\u2009\u202f"  # a comma, or a thin space, between groups of three digits
_NUMBER = re.compile(
    r"-?(?:∞"
    rf"|\d{{1,3}}(?:[{GROUP}]\d{{3}})+(?![\d.e])(?![{GROUP}]\d)"  # 500,000: whole numbers
    r"|\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\d.]))",  # 0.30416, 1e-8, 3.2e10
    re.ASCII,  # \d: 0-9 only, never ² or other digits
)
_NAME = re.compile(r"[a-z]+")
_SUPERSCRIPT = re.compile(f"[{SUPERSCRIPTS}]+")
OPERATORS = "+−×÷^√()"


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "superscript", "separator", or the operator itself
    text: str
    at: int


def literal(text: str) -> Box:
    """The numbers a literal could have been rounded from (see the module's docstring)."""
    if text in ("∞", "-∞"):
        return point(INF if text == "∞" else -INF)
    if text == "nan":
        return point(math.nan)
    exact = Decimal(re.sub(f"[{GROUP}]", "", text))
    if exact == 0:
        return point(0.0)
    last_digit = exact.as_tuple().exponent
    assert isinstance(last_digit, int)
    shown = Decimal(1).scaleb(last_digit) / 2  # half a unit in the last digit written
    fifth = Decimal(1).scaleb(exact.adjusted() - 4) / 2  # half a unit in the 5th digit
    half = min(shown, fifth)
    lo, hi = float(exact - half), float(exact + half)
    lo, hi = math.nextafter(lo, -INF), math.nextafter(hi, INF)
    return Box(max(lo, -MAX_FLOAT), min(hi, MAX_FLOAT))


def tokenize(formula: str, doubts: list[str]) -> list[Token]:
    """The formula's tokens; what reads two ways is added to `doubts`."""
    tokens: list[Token] = []
    i = 0
    while i < len(formula):
        char = formula[i]
        if char == " ":
            i += 1
            continue
        previous = tokens[-1].kind if tokens else None
        if char in "-0123456789∞":
            match = _NUMBER.match(formula, i)
            if not match:
                raise FormulaError(f"not a number at {i}: {formula[i:]!r} in {formula!r}")
            # A number's own sign only where nothing stands before it in its bracket group:
            # "2 × -0.3" and "−-0.3" read two ways; the engine writes "2 × (-0.3)".
            if char == "-" and previous not in (None, "(", "separator"):
                doubts.append(f"a signed number after {tokens[-1].text!r} at {i}")
            tokens.append(Token("number", match.group(), i))
            i = match.end()
        elif char == ",":
            # Arguments are separated by ", "; digits grouped as 500,000 have no space. A
            # comma with no space after it that is not in a number reads two ways.
            if formula[i + 1 : i + 2] != " ":
                raise FormulaError(f"a comma without a space at {i} in {formula!r}")
            tokens.append(Token("separator", ",", i))
            i += 2
        elif char in SUPERSCRIPTS:
            match = _SUPERSCRIPT.match(formula, i)
            assert match
            tokens.append(Token("superscript", match.group(), i))
            i = match.end()
        elif char in OPERATORS:
            tokens.append(Token(char, char, i))
            i += 1
        elif char.isalpha():
            match = _NAME.match(formula, i)
            if not match:
                raise FormulaError(f"unexpected {char!r} at {i} in {formula!r}")
            word = match.group()
            if word == "nan":
                tokens.append(Token("number", word, i))
            elif word in FUNCTIONS and formula[match.end() : match.end() + 1] == "(":
                tokens.append(Token("name", word, i))
            else:
                raise FormulaError(f"unknown name {word!r} at {i} in {formula!r}")
            i = match.end()
        else:
            raise FormulaError(f"unexpected {char!r} at {i} in {formula!r}")
    return tokens


class Parser:
    """Recursive descent over the grammar the engine writes:

        sum     := product (("+" | "−") product)*
        product := unary (("×" | "÷") unary)*
        unary   := "−" unary | power
        power   := atom [superscript | "^" atom]
        atom    := number | "(" sum ")" | "√" atom | name "(" sum (", " sum)* ")"

    A signed number ("-0.3") may only begin a bracket group, and is never the base of a
    power ("-0.3²" reads as −(0.3²) or (−0.3)²: the engine writes "(-0.3)²"); nor is a number
    in e-notation ("2e-10²" reads as 2 × 10^(−10²) or (2e-10)²); and the arguments of a
    function of several (round, mean, sum, max, min) hold no number grouped with commas
    ("min(12,346, 5)" reads as two arguments or three: the parser tells them apart by the
    space after an argument's comma, a reader may not). Where a
    formula breaks
    these rules, it is read as the engine means it (a number is one operand) and the place is
    noted in `doubts`.
    """

    def __init__(self, formula: str) -> None:
        self.formula = formula
        self.doubts: list[str] = []  # where the formula reads two ways
        self.tokens = tokenize(formula, self.doubts)
        self.at = 0
        self.calls: list[str] = []  # the functions whose brackets the parser is inside

    def evaluate(self) -> Box:
        result = self.sum()
        if self.at != len(self.tokens):
            self.fail("unexpected")
        return result

    # -- helpers --

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, kind: str) -> Token:
        token = self.peek()
        if token is None or token.kind != kind:
            self.fail(f"expected {kind!r}, found")
        assert token is not None
        self.at += 1
        return token

    def fail(self, why: str) -> None:
        token = self.peek()
        where = f"{token.text!r} at {token.at}" if token else "the end"
        raise FormulaError(f"{why} {where} in {self.formula!r}")

    def doubt(self, why: str, token: Token) -> None:
        self.doubts.append(f"{why} at {token.at}")

    def signed_number(self) -> bool:
        token = self.peek()
        return token is not None and token.kind == "number" and token.text.startswith("-")

    # -- grammar --

    def sum(self) -> Box:
        result = self.product()
        while (token := self.peek()) is not None and token.kind in ("+", "−"):
            self.at += 1
            right = self.product()
            result = add(result, right) if token.kind == "+" else sub(result, right)
        return result

    def product(self) -> Box:
        result = self.unary()
        while (token := self.peek()) is not None and token.kind in ("×", "÷"):
            self.at += 1
            right = self.unary()
            result = mul(result, right) if token.kind == "×" else div(result, right)
        return result

    def unary(self) -> Box:
        token = self.peek()
        if token is not None and token.kind == "−":
            self.at += 1
            return negate(self.unary())
        return self.power()

    def power(self) -> Box:
        first = self.peek()
        base = self.atom()
        token = self.peek()
        if token is None or token.kind not in ("superscript", "^"):
            return base
        if first is not None and first.kind == "number" and first.text.startswith("-"):
            self.doubt("a signed number as the base of a power", first)
        if first is not None and first.kind == "number" and "e" in first.text:
            self.doubt("a number in e-notation as the base of a power", first)
        self.at += 1
        if token.kind == "superscript":
            n = int(token.text.translate(str.maketrans(SUPERSCRIPTS, "0123456789")))
            return power(base, point(float(n)), integer=n)
        if (exponent := self.peek()) is not None and self.signed_number():
            self.doubt("a signed exponent without brackets", exponent)
        return power(base, self.atom())

    def atom(self) -> Box:
        token = self.peek()
        if token is None:
            self.fail("expected a number or a bracket, found")
        assert token is not None
        self.at += 1
        if token.kind == "number":
            several = bool(self.calls) and FUNCTIONS[self.calls[-1]][0] != 1
            if several and "," in token.text:
                self.doubt("digits grouped with commas among arguments", token)
            return literal(token.text)
        if token.kind == "(":
            inner = self.sum()
            self.take(")")
            return inner
        if token.kind == "√":
            if (under := self.peek()) is not None and self.signed_number():
                self.doubt("a signed number under √ without brackets", under)
            return sqrt(self.atom())
        if token.kind == "name":
            count, function = FUNCTIONS[token.text]
            self.take("(")
            self.calls.append(token.text)
            args = [self.sum()]
            while (sep := self.peek()) is not None and sep.kind == "separator":
                self.at += 1
                args.append(self.sum())
            self.take(")")
            self.calls.pop()
            if count is not None and len(args) != count:
                raise FormulaError(f"{token.text} takes {count} argument(s) in {self.formula!r}")
            return function(args)
        self.at -= 1
        self.fail("expected a number or a bracket, found")
        raise AssertionError  # unreachable


def read(formula: str) -> tuple[Box, list[str]]:
    """What `formula` gives, as the engine means it, and where it reads two ways. Raises
    FormulaError where it cannot be read at all."""
    parser = Parser(formula)
    return parser.evaluate(), parser.doubts


def evaluate(formula: str) -> Box:
    """What `formula` gives; FormulaError where it cannot be read, or reads two ways."""
    box, doubts = read(formula)
    if doubts:
        raise FormulaError(f"{'; '.join(doubts)} in {formula!r}")
    return box


# --------------------------------------------------------------------------------------------
# The evaluator itself, on formulas written by hand
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "value"),
    [
        ("2 × (0.5 − 0.35)", 0.3),
        ("(-0.3 − 1)²", 1.69),
        ("-0.3 × 2", -0.6),
        ("2 ÷ (-0.3 × 0.5)", 2 / -0.15),
        ("(-0.3)⁶⁴", 0.3**64),
        ("(2.037e-10)²", 2.037e-10**2),
        ("(-0.3)³", -0.027),
        ("0.5^3", 0.125),
        ("−(-0.3) × 2", 0.6),
        ("2 × (−(-0.3))", 0.6),
        ("2 − (-0.3) + 0.5", 2.8),
        ("2 − (-0.3 − 0.5)", 2.8),
        ("2 × (-0.3) ÷ 0.5", -1.2),
        ("−0.5²", -0.25),
        ("√(2 + 0.5)", math.sqrt(2.5)),
        ("√0.5 + 1e-8", math.sqrt(0.5) + 1e-8),
        ("√0.5²", 0.5),
        ("ln(0.5)", math.log(0.5)),
        ("exp(-2)", math.exp(-2)),
        ("cos(3.1416 × 0.5)", math.cos(math.pi / 2)),
        ("sign(0.3)", 1.0),
        ("sign(0.35 − 0.35)", 0.0),
        ("abs(-0.3)", 0.3),
        ("round(-0.3, 3)", -0.3),
        ("round(0.12346, 3)", 0.123),
        ("mean(2, -0.3, 0.5)", 2.2 / 3),
        ("sum(0.5, 0.3, 0.4, -0.2)", 1.0),
        ("max(0.5, -0.2)", 0.5),
        ("min(0.5, -0.2)", -0.2),
        ("3.2e10 × 1e-8", 320.0),
        ("1.457301 − 1.457", 0.000301),
        ("500,000 − 2,000", 498_000.0),
        ("mean(12\u2009346, 3)", (12_346 + 3) / 2),  # grouped with a thin space
        ("max(-1\u202f000\u202f000, 3)", 3.0),  # grouped with a narrow no-break space
        ("exp(1,000) ÷ ln(22,026)", INF),  # one argument: its commas can only group digits
        ("-12,346 + 1", -12_345.0),
        ("1 − 0.9^10", 1 - 0.9**10),
        ("1e200 × 1e200", INF),
        ("-1e200 × 1e200", -INF),
        ("1 ÷ 0", INF),
        ("-1 ÷ 0", -INF),
        ("0 ÷ 0", math.nan),
        ("∞ − ∞", math.nan),
        ("0 × ∞", math.nan),
        ("√(-4)", math.nan),
        ("ln(0)", -INF),
        ("ln(-1)", math.nan),
        ("exp(1000)", INF),
        ("(-8)^0.5", math.nan),
        ("10^400", INF),
        ("nan + 1", math.nan),
        ("nan⁰", 1.0),
        ("cos(∞)", math.nan),
        ("max(nan, 1)", math.nan),
        ("-∞ + 1", -INF),
    ],
)
def test_the_evaluator_finds_the_value_of_a_written_formula(formula: str, value: float) -> None:
    box = evaluate(formula)
    assert box.admits(value), f"{formula} gives {box}"


@pytest.mark.parametrize(
    ("formula", "wrong"),
    [
        ("2 × (0.5 − 0.35)", 0.31),  # rounded numbers allow 0.3 ± 2e-5, not 0.31
        ("2 × (0.5 − 0.35)", -0.3),
        ("0.5^3", 0.126),
        ("−0.5²", 0.25),  # −(0.5²), not (−0.5)²
        ("2 − 0.3 − 0.5", 2.2),  # left to right: (2 − 0.3) − 0.5
        ("8 ÷ 2 ÷ 2", 8.0),
        ("2 × 3²", 36.0),  # 2 × (3²), not (2 × 3)²
        ("1e200 × 1e200", 1e300),  # overflows: only ∞
        ("1 ÷ 0", math.nan),
        ("0 ÷ 0", INF),
        ("ln(0.5)", math.nan),
        ("sign(0.3)", 0.0),
        ("round(0.12346, 3)", 0.12346),
        ("mean(2, -0.3, 0.5)", 2.2),
        ("max(0.5, -0.2)", -0.2),
        ("500,000 − 2,000", 498_001.0),
        ("mean(12\u2009346, 3)", (12 + 346 + 3) / 3),
        ("1.457301 − 1.457", 0.0004),  # ± 5e-7 and ± 5e-5: [0.00025, 0.00035]
        ("exp(1000)", MAX_FLOAT),
        ("cos(0)", 0.5),
    ],
)
def test_the_evaluator_refuses_a_value_the_formula_does_not_give(
    formula: str, wrong: float
) -> None:
    box = evaluate(formula)
    assert not box.admits(wrong), f"{formula} gives {box}, which should not hold {wrong}"


@pytest.mark.parametrize(
    "formula",
    [
        "-0.3²",  # −(0.3²) or (−0.3)²?
        "2.037e-10²",  # 2.037 × 10^(−10²) or (2.037e-10)²?
        "1e5^2",
        "2 × -0.3",
        "−-0.3",
        "√-4",
        "2^-1",
        "mean(1,2)",  # 1,2 is neither a grouped number nor two arguments written as ", "
        "mean(1,000,2)",
        "min(12,346, 5)",  # min(12, 346, 5) to a reader: the space is all that tells them apart
        "round(896,320, 3)",
        "2(0.5 − 0.35)",  # no operator between a number and a bracket
        "2 × w",  # a symbol, not a number
        "sqrt(2)",
        "ln 2",
        "(2 + 1",
        "2 +",
        "round(2)",
        "12,34",
    ],
)
def test_the_evaluator_refuses_a_formula_that_reads_two_ways_or_not_at_all(formula: str) -> None:
    with pytest.raises(FormulaError):
        evaluate(formula)


def test_a_literal_stands_for_what_it_was_rounded_from() -> None:
    assert literal("0.30416") == Box(math.nextafter(0.304155, -INF), math.nextafter(0.304165, INF))
    box = literal("0.3")  # written with 5 digits: 0.30000 ± 0.000005
    assert box.lo < 0.299995 < 0.300005 < box.hi and box.hi - box.lo < 1.1e-5
    box = literal("1.457301")  # more than 5 digits: ± half a unit in the last one
    assert box.lo < 1.4573005 < 1.4573015 < box.hi and box.hi - box.lo < 1.1e-6
    box = literal("500,000")  # grouped: a whole number, ± 0.5
    assert box.lo < 499_999.5 < 500_000.5 < box.hi and box.hi - box.lo < 1.1
    assert literal("0") == Box(0.0, 0.0)
    assert literal("-∞") == Box(-INF, -INF)
    assert literal("1.7977e308").hi == MAX_FLOAT  # a finite number stays finite


# --------------------------------------------------------------------------------------------
# Every computation, over inputs a lesson accepts
# --------------------------------------------------------------------------------------------


def _bounds(spec: InputSpec) -> tuple[float, float]:
    lo, hi = -spec.limit, spec.limit
    if spec.positive:
        lo = max(lo, 0.0)
    if spec.minimum is not None:
        lo = max(lo, spec.minimum)
    if spec.maximum is not None:
        hi = min(hi, spec.maximum)
    if spec.below is not None:
        hi = min(hi, spec.below)
    return lo, hi


def edges(spec: InputSpec) -> list[float]:
    """Values at and near the ends of what `spec` accepts, and the usual troublemakers."""
    lo, hi = _bounds(spec)
    values = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 10.0, -10.0, 1e-12, -1e-12, 1e-300]
    values += [1e6, -1e6, 1e12, -1e12, lo, hi, math.nextafter(hi, -INF), math.nextafter(lo, INF)]
    if spec.below is not None:
        values += [spec.below - 1e-6, spec.below - 1e-3]
    if spec.minimum is not None:
        values += [spec.minimum + 1e-6, spec.minimum + 1]
    if spec.kind == "int":
        values = [float(round(v)) for v in values if math.isfinite(v)] + [lo + 1, hi - 1]
    accepted = [v for v in values if spec.check(v) is None]
    return sorted(set(accepted), key=accepted.index)


def numbers(spec: InputSpec) -> st.SearchStrategy[float]:
    """Any number `spec` accepts: its default, its edges, any size from 1e-12 to its limit
    (negative where allowed), and plain values between -10 and 10."""
    lo, hi = _bounds(spec)
    top = max(abs(lo), abs(hi))
    signs = [1.0] if lo >= 0 else [-1.0] if hi <= 0 else [1.0, -1.0]
    magnitude = st.floats(min_value=-12, max_value=math.log10(top)).map(lambda e: 10.0**e)
    sized = st.tuples(st.sampled_from(signs), magnitude).map(lambda p: p[0] * p[1])
    default = spec.default[0] if isinstance(spec.default, tuple) else spec.default
    choices = [st.just(float(default)), st.sampled_from(edges(spec) or [float(default)]), sized]
    if max(lo, -10.0) < min(hi, 10.0):
        choices.append(st.floats(min_value=max(lo, -10.0), max_value=min(hi, 10.0)))
    drawn = st.one_of(choices)
    if spec.kind == "int":
        drawn = drawn.map(lambda v: float(round(v)))
    return drawn.filter(lambda v: spec.check(v) is None)


def inputs(spec: InputSpec) -> st.SearchStrategy[Any]:
    if spec.kind == "floats":
        return st.one_of(
            st.just(spec.default),
            st.lists(numbers(spec), min_size=spec.min_items, max_size=spec.max_items).map(tuple),
        )
    if spec.kind == "int":
        return numbers(spec).map(int)
    return numbers(spec)


def mismatches(trace: Trace) -> tuple[list[str], list[str]]:
    """Each quantity whose substituted formula does not give its value, and each whose
    formula reads two ways, in words."""
    wrong, doubtful = [], []
    for name, quantity in trace.items():
        if not quantity.substituted:
            continue
        try:
            box, doubts = read(quantity.substituted)
        except FormulaError as error:
            wrong.append(f"{name}: cannot read {quantity.substituted!r}: {error}")
            continue
        if not box.admits(quantity.value):
            wrong.append(
                f"{name}: {quantity.symbol} = {quantity.substituted} gives {box}, "
                f"but its value is {quantity.value!r}"
            )
        if doubts:
            doubtful.append(f"{name}: {quantity.substituted!r}: {'; '.join(doubts)}")
    return wrong, doubtful


NAMES = sorted(COMPUTATIONS)


def _computation(name: str) -> Computation:
    return COMPUTATIONS[name]


def edge_cases(computation: Computation) -> list[dict[str, Any]]:
    """The defaults, then each input alone at each of its edges (the others at defaults)."""
    cases: list[dict[str, Any]] = [{}]
    for spec in computation.inputs:
        if spec.kind == "floats":
            cases += [{spec.name: (v,)} for v in edges(spec)]
            cases += [{spec.name: tuple(edges(spec))[: spec.max_items]}]
            cases += [{spec.name: (v,) * spec.max_items} for v in (1e12, -1e-12, 0.0)]
        else:
            cases += [{spec.name: v} for v in edges(spec)]
    return [values for values in cases if computation.validate(values) is None]


@functools.cache
def edge_problems(name: str) -> tuple[list[str], list[str]]:
    """`mismatches` over every edge case, each problem led by its inputs."""
    computation = COMPUTATIONS[name]
    wrong, doubtful = [], []
    for values in edge_cases(computation):
        w, d = mismatches(computation.run(values))
        wrong += [f"{values}: {problem}" for problem in w]
        doubtful += [f"{values}: {problem}" for problem in d]
    return wrong, doubtful


@pytest.mark.parametrize("name", NAMES)
def test_each_formula_gives_its_value_at_the_defaults_and_every_edge(name: str) -> None:
    _computation(name)
    wrong, _ = edge_problems(name)
    assert not wrong, "\n".join(wrong[:20])


@pytest.mark.parametrize("name", NAMES)
def test_no_formula_reads_two_ways_at_the_defaults_and_every_edge(name: str) -> None:
    """ "(-0.3)²" not "-0.3²", "(2e-10)²" not "2e-10²", "2 × (-0.3)" not "2 × -0.3"."""
    _computation(name)
    _, doubtful = edge_problems(name)
    assert not doubtful, "\n".join(doubtful[:20])


# hypothesis: the same examples every run (derandomize), nothing written to the checkout, and
# no shrinking (slow here): a failure prints the inputs it was found with.
FORMULAS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize("name", NAMES)
@settings(FORMULAS)
@given(data=st.data())
def test_each_formula_gives_its_value_for_any_accepted_inputs(name: str, data: Any) -> None:
    computation = _computation(name)
    values = {spec.name: data.draw(inputs(spec), label=spec.name) for spec in computation.inputs}
    assume(computation.validate(values) is None)
    wrong, _ = mismatches(computation.run(values))
    assert not wrong, "\n".join(wrong)
