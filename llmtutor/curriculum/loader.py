"""Read lesson files from `lessons/` and check them, reporting each problem at its line.

A lesson file is TOML data. It names a computation from the engine, gives the inputs the
learner may change with their defaults, and lists steps; each step reveals values of the
computation's trace. Nothing in the file is executed: text is only ever displayed, with
`{name}` placeholders replaced by computed values.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmtutor.curriculum.locate import KeyPath, LineIndex, inline_item_position, source_lines
from llmtutor.curriculum.model import (
    LESSON_ID,
    MAX_ID_LENGTH,
    Choice,
    Lesson,
    Step,
    TrainingLesson,
    expand,
    placeholders,
    widened,
)
from llmtutor.engine import COMPUTATIONS, Computation, InputSpec, InputValue, Trace, live_run
from llmtutor.engine.facts import SHOWN_IN
from llmtutor.files import path_problem, read_regular
from llmtutor.run_settings import PANELS, Experiment, RunSettings
from llmtutor.safe_text import control_characters, describe, visible

LESSON_KEYS = {
    "id",
    "title",
    "summary",
    "order",
    "kind",
    "computation",
    "diagram",
    "inputs",
    "steps",
    "experiments",
}
TRAINING_KEYS = {"id", "title", "summary", "order", "kind", "text"}
KINDS = ("steps", "training")
STEP_KEYS = {
    "title",
    "text",
    "reveal",
    "chart",
    "chart_log",
    "map",
    "quiz",
    "choose",
    "experiment",
}
EXPERIMENT_KEYS = {"title", "text", "runs", "panel"}
# What a run of an experiment may set, and the kind of TOML value each takes. The device is
# not among them: where to train is the learner's machine's choice, not a lesson's.
RUN_KEYS: dict[str, str] = {
    "steps": "whole",
    "lr": "number",
    "seed": "whole",
    "optimizer": "text",
    "layers": "whole",
    "residual": "switch",
    "schedule": "text",
    "warmup": "whole",
    "lr_min": "number",
    "bias_correction": "switch",
}
KIND_WORDS = {
    "whole": "a whole number",
    "number": "a number",
    "text": "text",
    "switch": "true or false",
}
MAX_EXPERIMENTS = 10  # [[experiments]] tables in one lesson
MAX_RUNS = 4  # runs in one experiment: the training screen keeps the last four on its chart
CHOICE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_TEXT = 20_000  # characters in one text; a lesson step is a screenful, not a book
MAX_STEPS = 100  # steps in one lesson; the longest built-in lesson has a dozen
MAX_FILE_BYTES = 256_000  # a lesson file; the built-in ones are a few kilobytes
_ESCAPES = ("\\u{:04x}", "\\u{:04X}", "\\U{:08x}", "\\U{:08X}")  # how TOML writes one
SHOWN_WIDTH = 100  # characters of a source line shown under a problem; longer ones are cut


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    line: int | None = None
    column: int | None = None  # 1-based, in characters, as tomllib counts
    key: str | None = None

    def __str__(self) -> str:
        """`path:line:col: message`, on one line with nothing in it that acts on a terminal
        (a file's name may hold anything)."""
        where = visible(str(self.path), one_line=True)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        elif self.key:
            where += f": {visible(self.key, one_line=True)}"
        return f"{where}: {visible(self.message, one_line=True)}"

    def render(self, lines: Sequence[str] | None = None) -> str:
        """`str(self)` then, compiler-style, the line it is on and a caret under its column.

        `lines` are the file's lines (see `read_source_lines`); without them the file is read.
        """
        if self.line is None:
            return str(self)
        if lines is None:
            lines = read_source_lines(self.path)
        if not 1 <= self.line <= len(lines):
            return str(self)
        return "\n".join([str(self), *_excerpt(lines[self.line - 1], self.line, self.column)])


def read_source_lines(path: Path) -> list[str]:
    """A lesson file's lines for showing under a problem; undecodable bytes become �."""
    try:
        data = read_regular(path, MAX_FILE_BYTES)[:MAX_FILE_BYTES]
    except OSError:
        return []
    text = data.decode("utf-8", errors="replace")
    return source_lines(text.removeprefix("\ufeff"))  # a byte-order mark, as in _read


def render_problems(problems: Iterable[Problem]) -> list[str]:
    """Each problem rendered with its source line, reading each file once."""
    files: dict[Path, list[str]] = {}
    rendered = []
    for problem in problems:
        if problem.line is not None and problem.path not in files:
            files[problem.path] = read_source_lines(problem.path)
        rendered.append(problem.render(files.get(problem.path, [])))
    return rendered


def _excerpt(text: str, number: int, column: int | None) -> list[str]:
    """`   12 | the line` and, when the column is known, `      |     ^` under it."""
    start = 0
    if len(text) > SHOWN_WIDTH:  # show the part around the column, marking what is cut
        start = max(0, min((column or 1) - 1 - SHOWN_WIDTH // 2, len(text) - SHOWN_WIDTH))
    end = start + SHOWN_WIDTH
    before = "…" if start > 0 else ""
    shown = before + _printable(text[start:end]) + ("…" if end < len(text) else "")
    gutter = " " * len(str(number))
    lines = [f"   {number} | {shown}".rstrip()]
    if column is not None:
        offset = _cells(before + _printable(text[start : max(start, column - 1)]))
        lines.append(f"   {gutter} | {' ' * offset}^")
    return lines


def _printable(text: str) -> str:
    """Text safe to print: a tab becomes a space (so the caret lines up) and other control
    characters, which could move the cursor or recolour the terminal, become "?"."""
    hidden = ("Cc", "Cf", "Cs", "Zl", "Zp")
    return "".join(
        " " if char == "\t" else "?" if unicodedata.category(char) in hidden else char
        for char in text
    )


def _cells(text: str) -> int:
    """How many terminal cells `text` takes: wide (CJK) characters two, combining marks none."""
    return sum(_char_cells(char) for char in text)


def _char_cells(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


class LessonFileError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def builtin_lessons_dir() -> Path:
    """Where the lessons that ship with llmtutor are: inside an installed wheel, or the
    top-level `lessons/` of a source checkout (editable installs and tests)."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_lessons"
    return packaged if packaged.is_dir() else package.parent / "lessons"


def suggest(name: str, choices: list[str]) -> str:
    """`" (did you mean 'x'?)"` for the closest choice, or nothing."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _key_text(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _Checker:
    """Collects every problem of one file instead of stopping at the first, each at the
    line and column it is about."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.source = text
        self.problems: list[Problem] = []

    @functools.cached_property
    def index(self) -> LineIndex:
        """Where each key is written: worked out for the first problem, as a good file
        (every file, each time the tutor starts) never needs it."""
        return LineIndex(self.source)

    def error(self, path: KeyPath, message: str) -> None:
        """A problem with the key itself (unknown, or not allowed here): points at the key."""
        self._add(path, message, self.index.key_position(path))

    def bad_value(self, path: KeyPath, message: str, needles: Sequence[str] = ()) -> None:
        """A problem with the value of `path`: points at the first of `needles` found in it
        (one item of a list, one placeholder of a text), else at the value's start."""
        for needle in needles:
            found = self.index.find_after(path, needle)
            if found:
                self._add(path, message, found)
                return
        self._add(path, message, self.index.value_position(path))

    def in_item(
        self, array: KeyPath, item: int, key: str | None, message: str, value: bool = True
    ) -> None:
        """A problem with item `item` of the array of tables `array` (an experiment's runs),
        or with its `key`: points at the key (or with `value`, its value) when the item is a
        [[table]] or an inline table { … }, else at the array."""
        path: KeyPath = (*array, item) if key is None else (*array, item, key)
        if self.index.spot(path) is not None:  # written as [[…runs]] tables
            position = self.index.value_position(path) if value else self.index.key_position(path)
            self._add(path, message, position)
            return
        found = inline_item_position(self.index, array, item, key, value)
        self._add(path, message, found or self.index.value_position(array))

    def missing(self, table: KeyPath, key: str, message: str = "") -> None:
        """A required key that is not there: points at its table's header (the file's
        first line for the top level)."""
        self._add((*table, key), message or f"missing {key!r}", self.index.key_position(table))

    def _add(self, path: KeyPath, message: str, where: tuple[int, int]) -> None:
        line, column = where
        self.problems.append(Problem(self.path, message, line, column, _key_text(path)))

    def raise_problems(self) -> None:
        """Stop with every problem found, in the order they appear in the file."""
        if self.problems:
            ordered = sorted(self.problems, key=lambda p: (p.line or 0, p.column or 0))
            raise LessonFileError(ordered)

    def text(
        self,
        data: dict[str, Any],
        key: str,
        where: KeyPath,
        required: bool = True,
        may_be_empty: bool = False,
    ) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.missing(where, key)
            return ""
        if not isinstance(value, str):
            self.bad_value((*where, key), f"{key!r} must be text, not {_kind(value)}")
            return ""
        if required and not may_be_empty and not value.strip():
            self.bad_value((*where, key), f"{key!r} must not be empty")
        if len(value) > MAX_TEXT:
            self.bad_value((*where, key), f"{key!r} is {len(value)} characters; at most {MAX_TEXT}")
        for offset in control_characters(value)[:1]:  # the first is enough to find the rest
            char = value[offset]
            self.bad_value(
                (*where, key),
                f"{key!r} contains {describe(char)} at character {offset + 1}: lesson text "
                "may not hold control characters, which would act on the learner's terminal",
                (char, *(form.format(ord(char)) for form in _ESCAPES)),
            )
        return value


def _quoted(name: str) -> tuple[str, str]:
    """How a name can be written in a TOML list: "name" or 'name'."""
    return f'"{name}"', f"'{name}'"


def _kind(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)


def load_lesson(path: Path) -> Lesson | TrainingLesson:
    """Read and check one lesson file, fully. Raises LessonFileError listing every problem."""
    return _load(path).entry


@dataclass(frozen=True)
class _Loaded:
    """A lesson file that passed every check, with what a catalog needs to know about it."""

    entry: Lesson | TrainingLesson
    check: _Checker  # where its keys are written, to point at its id if another file has it
    sets_order: bool  # whether the file says where it goes (an override keeps the old place)


def _load(path: Path, run: bool = True) -> _Loaded:
    """Read and check a lesson file; with `run`, also run its computation on its inputs to
    check the names its steps use (the one check that needs the engine to compute)."""
    text = _read(path)
    data = _parse(path, text)
    check = _Checker(path, text)
    entry = _check_lesson(check, path, data, run)
    return _Loaded(entry, check, "order" in data)


def _read(path: Path) -> str:
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except OSError as error:
        raise LessonFileError([Problem(path, path_problem(error))]) from None
    if len(data) > MAX_FILE_BYTES:  # pointed at where it passes the limit
        line_start = data.rfind(b"\n", 0, MAX_FILE_BYTES) + 1
        line = data.count(b"\n", 0, MAX_FILE_BYTES) + 1
        column = len(data[line_start:MAX_FILE_BYTES].decode("utf-8", errors="ignore")) + 1
        message = f"the file is over {MAX_FILE_BYTES // 1000} kB, the most a lesson file may be"
        raise LessonFileError([Problem(path, message, line, column)]) from None
    # Some Windows editors start UTF-8 files with a byte-order mark; TOML has no use for it.
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        # Point at the first byte that is not UTF-8; everything before it decodes.
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8")) + 1
        message = f"not UTF-8 text: byte 0x{data[error.start]:02x} cannot start a character"
        raise LessonFileError([Problem(path, message, line, column)]) from None


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message, line, column = _toml_error_position(str(error), text)
        raise LessonFileError([Problem(path, f"not valid TOML: {message}", line, column)]) from None
    except RecursionError:  # tomllib recurses once per level of [ or {
        line, column = _deep_nesting_position(text)
        problem = Problem(path, "not valid TOML: nested too deeply", line, column)
        raise LessonFileError([problem]) from None
    except ValueError:  # Python turns no more than 4300 digits into an int
        line, column = _long_number_position(text)
        problem = Problem(path, "a number too long to read (over 4300 digits)", line, column)
        raise LessonFileError([problem]) from None


def _long_number_position(text: str) -> tuple[int | None, int | None]:
    """Where the first number of over 4300 digits starts, if one can be found."""
    found = re.search(r"[0-9][0-9_]{4300,}", text)
    if found is None:
        return None, None
    line = text.count("\n", 0, found.start()) + 1
    return line, found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1


def _deep_nesting_position(text: str, too_deep: int = 100) -> tuple[int, int]:
    """Where [ and { first nest `too_deep` levels deep. Brackets inside strings count too:
    this only has to point near the trouble after tomllib gave up on it."""
    depth, line, column = 0, 1, 0
    for char in text:
        column += 1
        if char == "\n":
            line, column = line + 1, 0
        elif char in "[{":
            depth += 1
            if depth >= too_deep:
                return line, column
        elif char in "]}":
            depth -= 1
    return 1, 1


def _toml_error_position(message: str, text: str) -> tuple[str, int | None, int | None]:
    """tomllib's message without its "(at line 3, column 7)", and that line and column.

    "(at end of document)" becomes the end of the last line with text on it."""
    if where := re.search(r"\s*\(at line (\d+), column (\d+)\)$", message):
        return message[: where.start()], int(where.group(1)), int(where.group(2))
    if where := re.search(r"\s*\(at end of document\)$", message):
        lines = source_lines(text.rstrip("\r\n"))
        return message[: where.start()], len(lines), len(lines[-1]) + 1
    return message, None, None


def _check_lesson(
    check: _Checker, path: Path, data: dict[str, Any], run: bool = True
) -> Lesson | TrainingLesson:
    kind = data.get("kind", "steps")
    if kind not in KINDS:
        check.bad_value(("kind",), f"'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
        kind = "steps"
    allowed = TRAINING_KEYS if kind == "training" else LESSON_KEYS
    for key in data:
        if key not in allowed:
            check.error((key,), f"unknown key {key!r}{suggest(key, sorted(allowed))}")
    lesson_id, title, summary, order = _check_listing(check, data)
    if kind == "training":
        intro = check.text(data, "text", ())
        _check_placeholders(check, ("text",), intro, list(live_run.facts()), None)
        check.raise_problems()
        return TrainingLesson(lesson_id, title, summary, intro, path, order)

    computation = _check_computation(check, data.get("computation"))
    problems_before = len(check.problems)
    defaults = _check_inputs(check, data.get("inputs", {}), computation)
    produced: _Produced | None = None
    # Names can depend on the inputs (one `update_N` per Adam gradient), so they are only
    # checked against a trace of the lesson's own inputs, all of them good.
    if computation is not None and len(check.problems) == problems_before:
        problem = computation.validate(defaults)
        if problem:
            check.error(("inputs",), problem)
        elif run:
            trace = _run_defaults(check, computation, defaults)
            if trace is not None:
                produced = _Produced(list(trace), list(trace.series))

    diagram = data.get("diagram")
    if diagram is not None and computation is not None and diagram not in computation.diagrams:
        known = ", ".join(computation.diagrams) or "none"
        message = f"unknown diagram {diagram!r} for {computation.name!r}; known: {known}"
        check.bad_value(("diagram",), message)

    steps = _check_steps(check, data.get("steps"), produced, computation)
    experiments = _check_experiments(check, data.get("experiments"))
    check.raise_problems()
    assert computation is not None
    return Lesson(
        id=lesson_id,
        title=title,
        summary=summary,
        computation=computation,
        defaults=defaults,
        steps=tuple(steps),
        path=path,
        diagram=diagram,
        order=order,
        experiments=tuple(experiments),
    )


@dataclass(frozen=True)
class _Produced:
    """The names the computation gives with the lesson's own inputs, for the steps to use."""

    values: list[str]
    series: list[str]


def _check_listing(check: _Checker, data: dict[str, Any]) -> tuple[str, str, str, int]:
    """What every kind of lesson has for the list of lessons: id, title, summary, order."""
    lesson_id = check.text(data, "id", ())
    if len(lesson_id) > MAX_ID_LENGTH:
        check.bad_value(("id",), f"id is {len(lesson_id)} characters long; at most {MAX_ID_LENGTH}")
    elif lesson_id and not LESSON_ID.fullmatch(lesson_id):
        check.bad_value(("id",), f"id {lesson_id!r} must be lower-case letters, digits and dashes")
    title = check.text(data, "title", ())
    summary = check.text(data, "summary", (), required=False)
    order = data.get("order", 1000)
    if isinstance(order, bool) or not isinstance(order, int):
        given = repr(order) if isinstance(order, float) else _kind(order)
        check.bad_value(("order",), f"'order' must be a whole number, not {given}")
        order = 1000
    return lesson_id, title, summary, order


def _check_computation(check: _Checker, name: object) -> Computation | None:
    if name is None:
        check.missing((), "computation")
        return None
    if not isinstance(name, str) or name not in COMPUTATIONS:
        known = sorted(COMPUTATIONS)
        hint = suggest(name, known) if isinstance(name, str) else ""
        message = f"unknown computation {name!r}{hint}; known: {', '.join(known)}"
        check.bad_value(("computation",), message)
        return None
    return COMPUTATIONS[name]


def _run_defaults(
    check: _Checker, computation: Computation, defaults: dict[str, InputValue]
) -> Trace | None:
    """The trace of the lesson's own (valid) inputs, whose names the steps may use; None
    (and a problem at [inputs]) when the engine cannot compute with them."""
    try:
        return computation.run(defaults)
    except (ArithmeticError, ValueError) as error:  # extreme values the engine cannot follow
        check.error(("inputs",), f"the computation fails with these inputs: {error}")
        return None


def _check_inputs(
    check: _Checker, inputs: object, computation: Computation | None
) -> dict[str, InputValue]:
    if not isinstance(inputs, dict):
        message = f"'inputs' must be a table of name = number, not {_kind(inputs)}"
        check.bad_value(("inputs",), message)
        return {}
    defaults: dict[str, InputValue] = {}
    for key, value in inputs.items():
        spec = computation.input(key) if computation else None
        if computation is not None and spec is None:
            known = [s.name for s in computation.inputs]
            check.error(
                ("inputs", key),
                f"{computation.name!r} has no input {key!r}{suggest(key, known)}; "
                f"its inputs: {', '.join(known)}",
            )
            continue
        if spec is None:
            continue
        problem = _input_problem(spec, key, value)
        if problem:
            check.bad_value(("inputs", key), problem)
        else:
            defaults[key] = spec.normalize(value)
    return defaults


def _input_problem(spec: InputSpec, key: str, value: object) -> str | None:
    try:
        return spec.check(value)
    except OverflowError:  # a whole number too long to become a float
        return f"{key} is too large to teach with (limit {spec.limit:g})"


def _check_steps(
    check: _Checker, steps: object, produced: _Produced | None, computation: Computation | None
) -> list[Step]:
    """Check each [[steps]] table, and the names it uses against `produced` unless an
    earlier problem left it unknown (None)."""
    if steps is None:
        check.missing((), "steps", "missing 'steps': a lesson needs at least one [[steps]] table")
        return []
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        check.bad_value(("steps",), "'steps' must be written as [[steps]] tables")
        return []
    if not steps:
        check.bad_value(("steps",), "a lesson needs at least one step")
    if len(steps) > MAX_STEPS:
        check.bad_value(
            ("steps", MAX_STEPS), f"{len(steps)} steps; a lesson has at most {MAX_STEPS}"
        )
        return []
    return [
        _check_step(check, step, index, produced, computation) for index, step in enumerate(steps)
    ]


def _check_step(
    check: _Checker,
    step: dict[str, Any],
    index: int,
    produced: _Produced | None,
    computation: Computation | None,
) -> Step:
    where: KeyPath = ("steps", index)
    for key in step:
        if key not in STEP_KEYS:
            check.error((*where, key), f"unknown step key {key!r}{suggest(key, sorted(STEP_KEYS))}")
    title = check.text(step, "title", where)
    text = check.text(step, "text", where)
    values = produced.values if produced else None
    reveal = _names(check, step, "reveal", where, values, "value", index)
    chart = _names(
        check, step, "chart", where, produced.series if produced else None, "series", index
    )
    quiz = _names(check, step, "quiz", where, values, "value", index)
    for name in quiz:
        if "*" in name or (values is not None and name not in expand(reveal, values)):
            check.bad_value(
                (*where, "quiz"),
                f"step {index + 1} asks for {name!r} but does not reveal it; a quiz asks "
                "for a value this step reveals (a plain name, no *)",
                _quoted(name),
            )
    chart_log = step.get("chart_log", False)
    if not isinstance(chart_log, bool):
        check.bad_value((*where, "chart_log"), "'chart_log' must be true or false")
        chart_log = False
    landscape = _check_map(check, step, where, produced, chart)
    choose = _check_choices(check, step.get("choose"), where, computation, values)
    experiment = None
    if "experiment" in step:
        experiment = _check_experiment(
            check, step["experiment"], (*where, "experiment"), f"step {index + 1}'s experiment"
        )
    if values is not None:
        given = step.get("choose")  # a broken choice is reported once, by its table
        names = values + (list(given) if isinstance(given, dict) else [])
        _check_placeholders(check, (*where, "title"), title, names, index)
        _check_placeholders(check, (*where, "text"), text, names, index)
    return Step(
        title,
        text,
        tuple(reveal),
        tuple(chart),
        chart_log,
        tuple(quiz),
        tuple(choose),
        landscape,
        experiment,
    )


def _check_map(
    check: _Checker,
    step: dict[str, Any],
    where: KeyPath,
    produced: _Produced | None,
    chart: list[str],
) -> str | None:
    """A step's `map`: the name of a loss landscape whose race the computation produces."""
    from llmtutor.engine.landscape import OPTIMIZERS, SURFACES

    name = step.get("map")
    if name is None:
        return None
    if not isinstance(name, str) or name not in SURFACES:
        known = sorted(SURFACES)
        check.bad_value(
            (*where, "map"),
            f"'map' must name a loss landscape, one of {', '.join(known)}"
            + (suggest(name, known) if isinstance(name, str) else ""),
        )
        return None
    if chart:
        check.bad_value((*where, "map"), "a step shows a map or a chart, not both")
        return None
    if produced is not None and any(f"{name}_{o}" not in produced.series for o in OPTIMIZERS):
        check.bad_value(
            (*where, "map"),
            f"the computation does not race optimizers on the {name!r} map; "
            "the 'landscape' computation does",
        )
        return None
    return name


def _check_experiments(check: _Checker, tables: object) -> list[Experiment]:
    """The lesson's `[[experiments]]`: runs of the live training that test a claim."""
    if tables is None:
        return []
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        check.bad_value(("experiments",), "'experiments' must be written as [[experiments]] tables")
        return []
    if len(tables) > MAX_EXPERIMENTS:
        check.bad_value(
            ("experiments", MAX_EXPERIMENTS),
            f"{len(tables)} experiments; a lesson has at most {MAX_EXPERIMENTS}",
        )
        return []
    found = (
        _check_experiment(check, table, ("experiments", number), f"experiment {number + 1}")
        for number, table in enumerate(tables)
    )
    return [experiment for experiment in found if experiment is not None]


def _check_experiment(
    check: _Checker, table: object, where: KeyPath, label: str
) -> Experiment | None:
    """One experiment: a title, Markdown text, the panel the training screen opens with,
    and its runs, each a table of settings that RunSettings accepts. None if it has a
    problem (reported)."""
    if not isinstance(table, dict):
        check.bad_value(
            where, f"{label} must be a table with title, text and runs, not {_kind(table)}"
        )
        return None
    before = len(check.problems)
    for key in table:
        if key not in EXPERIMENT_KEYS:
            check.error(
                (*where, key),
                f"{label}: unknown key {key!r}{suggest(key, sorted(EXPERIMENT_KEYS))}; "
                f"an experiment takes {', '.join(sorted(EXPERIMENT_KEYS))}",
            )
    title = check.text(table, "title", where)
    text = check.text(table, "text", where)
    panel = table.get("panel", PANELS[0])
    if not isinstance(panel, str) or panel not in PANELS:
        hint = suggest(panel, list(PANELS)) if isinstance(panel, str) else ""
        check.bad_value(
            (*where, "panel"),
            f"{label}: 'panel' must be one of {', '.join(map(repr, PANELS))}{hint}",
        )
    runs = _check_runs(check, table.get("runs"), where, label)
    if len(check.problems) > before or not runs:
        return None
    return Experiment(title, text, tuple(runs), panel)


def _check_runs(check: _Checker, runs: object, where: KeyPath, label: str) -> list[RunSettings]:
    if runs is None:
        check.missing(where, "runs", f"{label} needs runs = [{{ … }}, …]: the runs it trains")
        return []
    place = (*where, "runs")
    if not isinstance(runs, list) or not all(isinstance(run, dict) for run in runs):
        check.bad_value(
            place,
            f"{label}: 'runs' must be a list of tables, like [{{ layers = 8 }}, "
            "{ layers = 8, residual = false }]",
        )
        return []
    if not 1 <= len(runs) <= MAX_RUNS:
        check.bad_value(place, f"{label} has {len(runs)} runs; an experiment has 1 to {MAX_RUNS}")
        return []
    checked = [_check_run(check, run, place, number, label) for number, run in enumerate(runs)]
    result = [run for run in checked if run is not None]
    for number, run in enumerate(checked):
        if run is not None and run in checked[:number]:
            first = checked.index(run) + 1
            check.in_item(
                place,
                number,
                None,
                f"{label}, run {number + 1} is the same as run {first}: nothing to compare",
            )
    return result if len(result) == len(checked) else []


def _check_run(
    check: _Checker, run: dict[str, Any], runs: KeyPath, number: int, label: str
) -> RunSettings | None:
    """One run's settings, each checked as `llmtutor train` checks its flags (RunSettings
    reads them), every problem at its key or value. None if any is wrong."""
    which = f"{label}, run {number + 1}"
    texts: dict[str, str] = {}
    good = True
    for key, value in run.items():
        kind = RUN_KEYS.get(key)
        if kind is None:
            hint = (
                ": where to train is the learner's choice (train --device)"
                if key == "device"
                else suggest(key, list(RUN_KEYS))
            )
            check.in_item(
                runs,
                number,
                key,
                f"{which}: unknown setting {key!r}{hint}; a run takes {', '.join(RUN_KEYS)}",
                value=False,
            )
            good = False
        elif not _of_kind(value, kind):
            given = repr(value) if isinstance(value, float) else _kind(value)
            words = f"{key!r} must be {KIND_WORDS[kind]}, not {given}"
            check.in_item(runs, number, key, f"{which}: {words}")
            good = False
        else:
            texts[key] = str(value).lower() if isinstance(value, bool) else str(value)
    # Settings that do not go together, said in a lesson file's words (the flags' are
    # RunSettings' own).
    cosine = texts.get("schedule", "").strip().lower() == "cosine"
    for key in ("warmup", "lr_min"):
        if key in run and run[key] and not cosine:
            check.in_item(
                runs,
                number,
                key,
                f'{which}: {key} shapes the cosine schedule: add schedule = "cosine" to the run',
            )
            texts.pop(key, None)
            good = False
    if run.get("bias_correction") is False and texts.get("optimizer", "").lower() == "sgd":
        check.in_item(
            runs,
            number,
            "bias_correction",
            f'{which}: bias correction is part of Adam; optimizer = "sgd" has none to leave out',
        )
        texts.pop("bias_correction", None)
        good = False
    if not good:  # the settings are checked together once each is of its kind
        return None
    while True:  # each setting RunSettings refuses, then those left, until it takes them
        try:
            settings = RunSettings().with_text(**texts)
        except ValueError as error:
            message = str(error).replace("lr-min", "lr_min")
            named = _setting_named(message, texts)
            check.in_item(runs, number, named, f"{which}: {message}")
            good = False
            if named is None:
                return None
            del texts[named]
            continue
        return settings if good else None


def _of_kind(value: object, kind: str) -> bool:
    if kind == "switch":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "whole":
        return isinstance(value, int)
    if kind == "number":
        return isinstance(value, int | float)
    return isinstance(value, str)


def _setting_named(message: str, texts: dict[str, str]) -> str | None:
    """Which setting a message of RunSettings is about: it starts with the setting's name
    ("lr_min must be …", "bias correction must be …")."""
    for key in sorted(texts, key=len, reverse=True):
        if message.startswith((f"{key} ", f"{key.replace('_', ' ')} ")):
            return key
    return None


def _check_choices(
    check: _Checker,
    tables: object,
    where: KeyPath,
    computation: Computation | None,
    values: list[str] | None,
) -> list[Choice]:
    """A step's `[steps.choose.NAME]` tables: each names a fact of the computation and
    gives a text for every value the fact can take, and nothing else."""
    if tables is None:
        return []
    where = (*where, "choose")
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        check.bad_value(
            where, "'choose' must hold tables: [steps.choose.NAME] with fact = \"…\" and texts"
        )
        return []
    choices = []
    for name, table in tables.items():
        place = (*where, name)
        if not CHOICE_NAME.fullmatch(name):
            check.error(place, f"choice name {name!r} must be letters, digits and _")
            continue
        if values is not None and name in values:
            check.error(place, f"choice name {name!r} is also a value of the computation")
            continue
        fact_name = table.get("fact")
        if fact_name is None:
            check.missing(place, "fact", f'choice {name!r} needs fact = "…": what it depends on')
            continue
        if not isinstance(fact_name, str):
            check.bad_value((*place, "fact"), f"'fact' must be text, not {_kind(fact_name)}")
            continue
        fact = computation.fact(fact_name) if computation is not None else None
        if fact is None:
            if computation is not None:
                known = [f.name for f in (*computation.facts, SHOWN_IN)]
                check.bad_value(
                    (*place, "fact"),
                    f"{computation.name!r} states no fact {fact_name!r}"
                    f"{suggest(fact_name, known)}; its facts: {', '.join(known)}",
                )
            continue
        for key in table:
            if key != "fact" and key not in fact.values:
                check.error(
                    (*place, key),
                    f"fact {fact.name!r} is never {key!r}{suggest(key, list(fact.values))}; "
                    f"it is one of: {', '.join(fact.values)}",
                )
        missing = [value for value in fact.values if value not in table]
        if missing:
            check.missing(
                place,
                missing[0],
                f"choice {name!r} has no text for when {fact.name!r} is "
                + " or ".join(repr(value) for value in missing)
                + f" (it needs one for each of: {', '.join(fact.values)})",
            )
        texts = []
        for value in fact.values:
            if value in table:
                text = check.text(table, value, place, may_be_empty=True)
                if values is not None:
                    _check_placeholders(check, (*place, value), text, values, None, in_choice=True)
                texts.append((value, text))
        choices.append(Choice(name, fact.name, tuple(texts)))
    return choices


def _check_placeholders(
    check: _Checker,
    where: KeyPath,
    text: str,
    produced: list[str],
    index: int | None,
    in_choice: bool = False,
) -> None:
    """Each `{name}` of `text` must be one of `produced`: the computation's values (and the
    step's choices) for step `index`, the computation's values for a choice's text, or
    (index None) the live run's figures for a training lesson's text."""
    for name in placeholders(text):
        if name not in produced:
            what = (
                f"step {index + 1} mentions"
                if index is not None
                else f"choice {where[-2]!r} mentions"
                if in_choice
                else "the text mentions"
            )
            source = (
                "the computation does" if index is not None or in_choice else "the live run does"
            )
            check.bad_value(
                where,
                f"{what} {{{name}}}, which {source} not produce{suggest(name, produced)}",
                [f"{{{name}}}"],
            )


def _names(
    check: _Checker,
    step: dict[str, Any],
    key: str,
    where: KeyPath,
    known: list[str] | None,
    what: str,
    index: int,
) -> list[str]:
    """A step's list of names (`reveal`, `chart` or `quiz`), each checked against `known`
    (when known)."""
    names = step.get(key, [])
    if isinstance(names, str) and key == "chart":
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        check.bad_value((*where, key), f'{key!r} must be a list of {what} names, like ["a", "b"]')
        return []
    if known is not None:
        for name in names:
            # A number range may match nothing with these inputs (Adam's steps from 5 on, of
            # a run of 4), but the names it ranges over must exist.
            if not expand([widened(name)], known):
                check.bad_value(
                    (*where, key),
                    f"step {index + 1}: the computation produces no {what} {name!r}"
                    f"{suggest(name, known)}",
                    _quoted(name),
                )
    return names


@dataclass
class Catalog:
    entries: list[Lesson | TrainingLesson]  # everything, in teaching order
    problems: list[Problem]
    files: list[Path] = field(default_factory=list)  # every lesson file read, good or bad
    # Lessons loaded without running their computations (`load_catalog(run=False)`): their
    # steps' names are checked when they are opened, by `checked`.
    unchecked: set[str] = field(default_factory=set)

    @property
    def lessons(self) -> list[Lesson]:
        """The step-by-step lessons (everything but the live training run)."""
        return [entry for entry in self.entries if isinstance(entry, Lesson)]

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def entry(self, lesson_id: str) -> Lesson | TrainingLesson | None:
        return next((entry for entry in self.entries if entry.id == lesson_id), None)

    @property
    def ids(self) -> list[str]:
        return [entry.id for entry in self.entries]

    def checked(self, lesson: Lesson) -> Lesson:
        """`lesson` with every check done, its file read again if the catalog skipped the
        checks that run the computation. Raises LessonFileError with what is wrong."""
        if lesson.id not in self.unchecked:
            return lesson
        full = _load(lesson.path).entry
        if not isinstance(full, Lesson):
            message = "the file is no longer a step-by-step lesson"
            raise LessonFileError([Problem(lesson.path, message)])
        full = dataclasses.replace(full, order=lesson.order)
        self.entries = [full if entry is lesson else entry for entry in self.entries]
        self.unchecked.discard(lesson.id)
        return full


def lesson_files(path: Path) -> list[Path]:
    """The lesson files at `path`: a folder's `*.toml` files in name order, or the file."""
    return sorted(path.glob("*.toml")) if path.is_dir() else [path]


def load_catalog(
    directory: Path | None = None, extra_dirs: Iterable[Path] = (), run: bool = True
) -> Catalog:
    """Load every `*.toml` lesson in `directory` (default: the built-in lessons), then the
    lessons of each folder in `extra_dirs`, in turn.

    A lesson from an extra folder with an id already loaded replaces that lesson, keeping
    its place in the order unless the new file gives an `order`. A bad file, or a second
    file with the same id in one folder, is reported and skipped; the others still load.

    With `run=False` no computation is run: the names each step uses are checked when the
    lesson is opened (`Catalog.checked`). The app starts that way, since running them all
    (and importing numpy for some) would make the learner wait for lessons not yet chosen.
    """
    files = lesson_files(directory or builtin_lessons_dir())
    loaded, problems = _load_set(files, run)
    entries = {item.entry.id: item.entry for item in loaded}
    for folder in extra_dirs:
        folder_files = lesson_files(folder)
        extra, found = _load_set(folder_files, run)
        files += folder_files
        problems += found
        for item in extra:
            entries[item.entry.id] = _replacing(entries.get(item.entry.id), item)
    ordered = sorted(entries.values(), key=lambda entry: (entry.order, entry.id))
    unchecked = set() if run else {entry.id for entry in ordered if isinstance(entry, Lesson)}
    return Catalog(ordered, problems, files, unchecked)


def check_files(files: Sequence[Path]) -> list[Problem]:
    """Every problem of these lesson files, taken as one set: an id used twice is one."""
    return _load_set(files)[1]


def _load_set(files: Iterable[Path], run: bool = True) -> tuple[list[_Loaded], list[Problem]]:
    """Load files that must not share ids; a bad file or a repeated id is a problem."""
    loaded: list[_Loaded] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for path in files:
        try:
            item = _load(path, run)
        except LessonFileError as error:
            problems.extend(error.problems)
            continue
        lesson_id = item.entry.id
        if lesson_id in seen:
            line, column = item.check.index.value_position(("id",))
            message = f"id {lesson_id!r} is also used by {seen[lesson_id]}"
            problems.append(Problem(path, message, line, column, "id"))
            continue
        seen[lesson_id] = path
        loaded.append(item)
    return loaded, problems


def _replacing(old: Lesson | TrainingLesson | None, new: _Loaded) -> Lesson | TrainingLesson:
    """`new`, which replaces `old`: in `old`'s place in the order unless it sets its own."""
    if old is None or new.sets_order:
        return new.entry
    return dataclasses.replace(new.entry, order=old.order)
