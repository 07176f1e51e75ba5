"""Checking a learner's exercise: run their function in a separate process on the article's
inputs and on random ones, compare every value with the engine's, in the order the maths
computes them, and say which value is wrong first, with its formula, and which known
mistake it matches.

`check_file` gives a `Verdict`: plain data that the command line prints and the exercise
screen shows (both through `llmtutor.render.verdict`). Knows no UI.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from llmtutor.curriculum.exercises import Exercise
from llmtutor.engine.exercises import Check, InputSet, table_size
from llmtutor.engine.expr import Expr, why_not_finite
from llmtutor.engine.numbers import fmt
from llmtutor.sandbox.outcomes import Array, Unsupported

RANDOM_SETS = 50  # random input sets after the article's, for every check
RELATIVE = 1e-6  # how close a value must be to the engine's: float64 arithmetic in any order
ABSOLUTE = 1e-12

Status = Literal["passed", "wrong", "failed"]


@dataclass(frozen=True)
class Row:
    """One checked value: the learner's against the engine's."""

    name: str  # as the learner's code names it: "dL_dy", "losses[0]", "lr_at(step=5)"
    symbol: str  # as the lesson writes it: "dL/dy"
    expected: float
    yours: float | None  # None when what came back is not a number
    shown: str  # the learner's value as shown: a number, "missing", "None", "a str"
    right: bool


@dataclass(frozen=True)
class Mistake:
    """A known mistake the learner's value matches."""

    id: str
    message: str  # what it means, from the exercise file
    equation: str  # the wrong formula with its numbers: "2 × (target − y) = … = 2.72"


@dataclass(frozen=True)
class Hint:
    """The three levels of help with one value: where to look, the formula, the numbers."""

    where: str
    formula: str  # "dL/dy = 2 × (y − target)"
    numbers: str  # "dL/dy = 2 × (y − target) = 2 × (-0.36 − 1) = -2.72"


@dataclass(frozen=True)
class Wrong:
    """The first wrong value, in the order the maths computes them."""

    row: Row
    equation: str  # the right formula, with the numbers: every earlier value was right
    mistakes: tuple[Mistake, ...]  # the known mistakes its value matches (usually one)
    hint: Hint


@dataclass(frozen=True)
class Verdict:
    status: Status
    summary: str  # one line: "dL_dy is wrong, on the article's inputs", …
    exercise: str = ""  # the exercise's id
    rows: tuple[Row, ...] = ()  # the values of the input set reported
    inputs: InputSet = field(default_factory=dict)  # that input set
    set_number: int = 0  # which input set (from 1), 0 when none was compared
    sets: int = 0  # how many input sets were checked
    article_sets: int = 0  # how many of them, first, are the article's (or the lesson's)
    wrong: Wrong | None = None
    details: str = ""  # for a failure: the learner's traceback, or the line with the error
    notes: tuple[str, ...] = ()  # remarks that do not fail the check (extra names returned)
    output: str = ""  # what the learner's code printed
    ran: bool = True  # false when the file could not be read: no check was run

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def from_article(self) -> bool:
        return 0 < self.set_number <= self.article_sets

    @property
    def where(self) -> str:
        """Which input set the rows are about, in words."""
        if self.from_article:
            if self.article_sets == 1:
                return "the article's inputs"
            return f"the article's inputs (set {self.set_number} of {self.article_sets})"
        randoms = self.sets - self.article_sets
        return f"random input set {self.set_number - self.article_sets} of {randoms}"


def close(yours: float, expected: float) -> bool:
    """Whether the learner's value is the engine's, up to float rounding."""
    if math.isnan(expected):
        return math.isnan(yours)
    if math.isinf(expected) or math.isinf(yours):
        return yours == expected
    return math.isclose(yours, expected, rel_tol=RELATIVE, abs_tol=ABSOLUTE)


class _Shape:
    """Where a list was expected and something else came back: said in words."""

    def __init__(self, text: str) -> None:
        self.text = text


def number(value: Any) -> tuple[float | None, str]:
    """A returned value as a number, and how it is shown; None when it is not one."""
    if isinstance(value, bool):
        return None, f"{value} (true/false)"
    if isinstance(value, int | float):
        return float(value), fmt(float(value))
    if value is None:
        return None, "None"
    if isinstance(value, Array):
        return None, value.describe()
    if isinstance(value, Unsupported):
        return None, value.kind
    if isinstance(value, _Shape):
        return None, value.text
    if isinstance(value, list):
        return None, "a list"
    if isinstance(value, dict):
        return None, "a dict"
    return None, type(value).__name__


def learner_values(
    check: Check, returns: str, results: Sequence[Any]
) -> tuple[dict[str, Any], list[str]]:
    """The learner's value for each checked name of one input set (missing ones left out),
    and notes on the shape of what came back."""
    notes: list[str] = []
    if any(isinstance(result, Array) for result in results):
        notes.append(
            "a tensor or array came back where a number was expected: return a plain float "
            "(a tensor's .item(), or float(...))"
        )
    if returns == "number":  # one call per checked name
        return dict(zip(check.checked, results, strict=False)), notes
    (result,) = results
    if not isinstance(result, dict):
        _, shown = number(result)
        return {}, [f"the function returned {shown}, not a dict of the values"]
    keys = list(dict.fromkeys(name.partition("[")[0] for name in check.checked))
    extra = [key for key in result if key not in keys]
    if extra:
        notes.append(f"names that are not checked: {', '.join(map(str, extra))}")
    values: dict[str, Any] = {}
    for name in check.checked:
        key, bracket, rest = name.partition("[")
        if key not in result:
            continue
        if not bracket:
            values[name] = result[key]
            continue
        items = result[key]
        index = int(rest.rstrip("]"))
        if isinstance(items, list) and index < len(items):
            values[name] = items[index]
        elif not isinstance(items, list):
            values[name] = _Shape(f"{key} is {number(items)[1]}, not a list")
    return values, notes


def compare(
    exercise: Exercise, inputs: InputSet, results: Sequence[Any]
) -> tuple[list[Row], Wrong | None, list[str], Check]:
    """The rows of one input set, the first wrong value (None when all are right), notes."""
    check = exercise.math.compute(inputs)
    values, notes = learner_values(check, exercise.math.returns, results)
    rows: list[Row] = []
    wrong: Wrong | None = None
    for name in check.checked:
        quantity = check[name]
        if name in values:
            yours, shown = number(values[name])
        else:
            yours, shown = None, "missing"
        right = yours is not None and close(yours, quantity.value)
        row = Row(name, quantity.symbol, quantity.value, yours, shown, right)
        rows.append(row)
        if not right and wrong is None:
            wrong = _wrong(exercise, check, row)
    return rows, wrong, notes, check


def _wrong(exercise: Exercise, check: Check, row: Row) -> Wrong:
    quantity = check[row.name]
    matched = []
    for mistake_id, definition in check.mistakes[row.name]:
        value = definition.value
        if row.yours is None or close(value, quantity.value) or not close(row.yours, value):
            continue
        if definition.op == "num":  # measured with the mistake (the training loop)
            equation = f"{quantity.symbol} with this mistake = {fmt(value)}"
        else:
            equation = _equation(*written(definition), value)
        message = exercise.mistakes.get(mistake_id, "")
        matched.append(Mistake(mistake_id, message, equation))
    formula = f"{quantity.symbol} = {quantity.formula}" if quantity.formula else quantity.symbol
    hint = Hint(exercise.hints.get(check.topics[row.name], ""), formula, quantity.equation)
    return Wrong(row, quantity.equation, tuple(matched), hint)


def written(definition: Expr) -> tuple[str, str]:
    """A mistake's formula and its numbers; one that is just another quantity (dL/dw3
    taken as `a`, the chain dropped) is written as that quantity's symbol."""
    if definition.op == "ref":
        return definition.symbol, ""
    return definition.formula(), definition.substituted()


def _equation(formula: str, substituted: str, value: float) -> str:
    parts = [formula]
    if substituted and substituted != formula:
        parts.append(substituted)
    shown = fmt(value)
    if parts[-1] != shown:
        parts.append(shown)
    return " = ".join(parts)


def verdict_from_results(
    exercise: Exercise, sets: Sequence[InputSet], results: Sequence[Any], output: str = ""
) -> Verdict:
    """Compare the learner's results (every call of every input set, in order) with the
    engine's; report the first input set with a wrong value, or the article's when all are
    right."""
    wrong = first_wrong(exercise, sets, results, output)
    if wrong is not None:
        return wrong
    rows, _, notes, _ = compare(exercise, sets[0], results[: _per_set(exercise, sets[0])])
    randoms = len(sets) - len(exercise.math.article)
    summary = f"all {len(rows)} values right, on the article's inputs and {randoms} random sets"
    return Verdict(
        "passed",
        summary,
        exercise.id,
        tuple(rows),
        sets[0],
        1,
        len(sets),
        len(exercise.math.article),
        notes=tuple(notes),
        output=output,
    )


def first_wrong(
    exercise: Exercise, sets: Sequence[InputSet], results: Sequence[Any], output: str = ""
) -> Verdict | None:
    """The verdict on the first input set, among those `results` cover whole, that has a
    wrong value; None when every one of them is right."""
    position = 0
    for number_, inputs in enumerate(sets, start=1):
        calls = _per_set(exercise, inputs)
        if position + calls > len(results):
            return None  # the calls stopped here (the learner's code raised)
        mine = results[position : position + calls]
        position += calls
        rows, wrong, notes, _ = compare(exercise, inputs, mine)
        if wrong is not None:
            verdict = Verdict(
                "wrong",
                "",
                exercise.id,
                tuple(rows),
                inputs,
                number_,
                len(sets),
                len(exercise.math.article),
                wrong,
                notes=tuple(notes),
                output=output,
            )
            summary = f"{wrong.row.name} is wrong, on {verdict.where}"
            return dataclasses.replace(verdict, summary=summary)
    return None


def _per_set(exercise: Exercise, inputs: InputSet) -> int:
    """How many of the learner's values belong to one input set: each call's return, and
    what the run leaves (train_step's table) where the exercise checks it."""
    return len(exercise.math.arguments(inputs)) + exercise.math.extra_values


def _with_tables(exercise: Exercise, sets: Sequence[InputSet], outcome: Any) -> list[Any]:
    """train_step's results with, after each run's losses, ‖W‖ of the table it left (None
    where the table did not come back as one)."""
    tables = outcome.extra.get("weights") if isinstance(outcome.extra, dict) else None
    results: list[Any] = []
    position = 0
    for index, inputs in enumerate(sets):
        calls = len(exercise.math.arguments(inputs))
        results += outcome.results[position : position + calls]
        position += calls
        table = tables[index] if isinstance(tables, list) and index < len(tables) else None
        results.append(_table_size(table))
    return results


def _table_size(table: Any) -> float | None:
    rows = table if isinstance(table, list) else []
    if not rows or not all(isinstance(row, list) and row for row in rows):
        return None
    if not all(isinstance(value, float) for row in rows for value in row):
        return None
    return table_size(rows)


def _failed_on(
    verdict: Verdict, exercise: Exercise, sets: Sequence[InputSet], call: int
) -> Verdict:
    """`verdict` with the input set of call number `call` (from 0), which raised, and the
    known mistakes that would give no number on it (a division by zero, say): likely
    causes."""
    start = 0
    for number_, inputs in enumerate(sets, start=1):
        start += len(exercise.math.arguments(inputs))
        if call < start:
            return dataclasses.replace(
                verdict,
                inputs=inputs,
                set_number=number_,
                sets=len(sets),
                article_sets=len(exercise.math.article),
                notes=tuple(_no_number_mistakes(exercise, inputs)),
            )
    return verdict


def _no_number_mistakes(exercise: Exercise, inputs: InputSet) -> list[str]:
    """A note for each known mistake whose value on `inputs` is not a number (±∞, nan)
    where the right one is: code with that mistake raises on these inputs."""
    check = exercise.math.compute(inputs)
    notes: list[str] = []
    seen: set[str] = set()
    for name in check.checked:
        if not math.isfinite(check[name].value):
            continue
        for mistake_id, definition in check.mistakes[name]:
            if mistake_id in seen or math.isfinite(definition.value):
                continue
            seen.add(mistake_id)
            formula, _ = written(definition)
            message = exercise.mistakes.get(mistake_id, "")
            notes.append(
                f"If your code computes {check[name].symbol} = {formula}, that is why: on these "
                f"inputs {why_not_finite(definition)}. {message}".strip()
            )
    return notes


def check_file(
    exercise: Exercise,
    path: Path,
    random_sets: int = RANDOM_SETS,
    cancel: threading.Event | None = None,
) -> Verdict:
    """Run the learner's file in a separate process and check every value it returns.
    `cancel`, set from another thread, stops the run (the verdict then says so)."""
    from llmtutor import sandbox

    sets = exercise.math.input_sets(random_sets)
    request = exercise.math.request(sets)
    driver = exercise.math.driver
    outcome = sandbox.run_exercise(path, exercise.function, driver, request, cancel=cancel)
    if not isinstance(outcome, sandbox.Returned):
        details = getattr(outcome, "traceback", "")
        verdict = Verdict("failed", outcome.summary(), exercise.id, details=details)
        output = getattr(outcome, "output", "")
        call = getattr(outcome, "call", None)
        if isinstance(outcome, sandbox.Raised) and not exercise.math.extra_values:
            # A value already wrong, before the code raised, is what to fix first.
            wrong = first_wrong(exercise, sets, outcome.results, output)
            if wrong is not None:
                later = f"after that your code raised {outcome.type_name} (line {outcome.line})"
                return dataclasses.replace(wrong, notes=(*wrong.notes, later))
        if isinstance(call, int):  # the inputs it failed on: for the learner to try
            verdict = _failed_on(verdict, exercise, sets, call)
        return dataclasses.replace(verdict, output=output)
    results = list(outcome.results)
    if exercise.math.extra_values:
        results = _with_tables(exercise, sets, outcome)
    try:
        return verdict_from_results(exercise, sets, results, outcome.output)
    except (ValueError, TypeError, IndexError, KeyError) as error:  # not what the child sends
        reason = f"{type(error).__name__}: {error}"
        summary = "the checker could not read what your code sent back"
        return Verdict("failed", summary, exercise.id, details=reason, output=outcome.output)
