"""Read lesson files from `lessons/` and check them, reporting each problem at its line.

A lesson file is TOML data. It names a computation from the engine, gives the inputs the
learner may change with their defaults, and lists steps; each step reveals values of the
computation's trace. Nothing in the file is executed: text is only ever displayed, with
`{name}` placeholders replaced by computed values.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmtutor.curriculum.locate import KeyPath, LineIndex
from llmtutor.curriculum.model import Lesson, Step, TrainingLesson, expand, placeholders
from llmtutor.engine import COMPUTATIONS, InputValue

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
}
TRAINING_KEYS = {"id", "title", "summary", "order", "kind", "text"}
KINDS = ("steps", "training")
STEP_KEYS = {"title", "text", "reveal", "chart", "chart_log", "quiz"}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_TEXT = 20_000  # characters in one text; a lesson step is a screenful, not a book


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    line: int | None = None
    column: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        if self.line is not None:
            where = f"{self.path}:{self.line}"
            if self.column is not None:
                where += f":{self.column}"
            return f"{where}: {self.message}"
        if self.key:
            return f"{self.path}: {self.key}: {self.message}"
        return f"{self.path}: {self.message}"


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
    """Collects every problem of one file instead of stopping at the first."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.index = LineIndex(text)
        self.problems: list[Problem] = []

    def error(self, path: KeyPath, message: str, needle: str | None = None) -> None:
        found = self.index.find_after(path, needle) if needle else None
        if found:
            line, column = found
            self.problems.append(Problem(self.path, message, line, column, _key_text(path)))
        else:
            line = self.index.line_of(path)
            self.problems.append(Problem(self.path, message, line, None, _key_text(path)))

    def text(self, data: dict[str, Any], key: str, where: KeyPath, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error(where, f"missing {key!r}")
            return ""
        if not isinstance(value, str):
            self.error((*where, key), f"{key!r} must be text, not {_kind(value)}")
            return ""
        if required and not value.strip():
            self.error((*where, key), f"{key!r} must not be empty")
        if len(value) > MAX_TEXT:
            self.error((*where, key), f"{key!r} is {len(value)} characters; at most {MAX_TEXT}")
        return value


def _kind(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)


def load_lesson(path: Path) -> Lesson | TrainingLesson:
    """Read and check one lesson file. Raises LessonFileError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LessonFileError([Problem(path, f"cannot read the file: {error}")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if where:
            message = message[: where.start()].strip()
            line, column = int(where.group(1)), int(where.group(2))
            problem = Problem(path, f"not valid TOML: {message}", line, column)
            raise LessonFileError([problem]) from None
        raise LessonFileError([Problem(path, f"not valid TOML: {message}")]) from None

    check = _Checker(path, text)
    kind = data.get("kind", "steps")
    if kind not in KINDS:
        check.error(("kind",), f"'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
        kind = "steps"
    allowed = TRAINING_KEYS if kind == "training" else LESSON_KEYS
    for key in data:
        if key not in allowed:
            check.error((key,), f"unknown key {key!r}{suggest(key, sorted(allowed))}")

    lesson_id = check.text(data, "id", ())
    if lesson_id and not ID_PATTERN.match(lesson_id):
        check.error(("id",), f"id {lesson_id!r} must be lower-case letters, digits and dashes")
    title = check.text(data, "title", ())
    summary = check.text(data, "summary", (), required=False)
    order = data.get("order", 1000)
    if isinstance(order, bool) or not isinstance(order, int):
        check.error(("order",), f"'order' must be a whole number, not {_kind(order)}")
        order = 1000
    if kind == "training":
        intro = check.text(data, "text", ())
        if check.problems:
            raise LessonFileError(check.problems)
        return TrainingLesson(lesson_id, title, summary, intro, path, order)

    computation = None
    name = data.get("computation")
    if name is None:
        check.error((), "missing 'computation'")
    elif not isinstance(name, str) or name not in COMPUTATIONS:
        known = sorted(COMPUTATIONS)
        hint = suggest(name, known) if isinstance(name, str) else ""
        check.error(
            ("computation",), f"unknown computation {name!r}{hint}; known: {', '.join(known)}"
        )
    else:
        computation = COMPUTATIONS[name]

    defaults = _check_inputs(check, data.get("inputs", {}), computation)
    produced: list[str] = []
    series: list[str] = []
    if computation is not None and not check.problems:
        problem = computation.validate(defaults)
        if problem:
            check.error(("inputs",), problem)
        else:
            trace = computation.run(defaults)
            produced, series = list(trace), list(trace.series)

    diagram = data.get("diagram")
    if diagram is not None and computation is not None and diagram not in computation.diagrams:
        known = ", ".join(computation.diagrams) or "none"
        check.error(("diagram",), f"unknown diagram {diagram!r} for {name!r}; known: {known}")

    steps = _check_steps(check, data.get("steps"), produced, series)
    if check.problems:
        raise LessonFileError(check.problems)
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
    )


def _check_inputs(check: _Checker, inputs: object, computation: Any) -> dict[str, InputValue]:
    if not isinstance(inputs, dict):
        check.error(("inputs",), f"'inputs' must be a table of name = number, not {_kind(inputs)}")
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
        problem = spec.check(value)
        if problem:
            check.error(("inputs", key), problem)
        else:
            defaults[key] = spec.normalize(value)
    return defaults


def _check_steps(
    check: _Checker, steps: object, produced: list[str], series: list[str]
) -> list[Step]:
    """Check each [[steps]] table. `produced` and `series` are the names the computation
    gives with the lesson's defaults; empty when an earlier problem stopped the check."""
    if steps is None:
        check.error((), "missing 'steps': a lesson needs at least one [[steps]] table")
        return []
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        check.error(("steps",), "'steps' must be written as [[steps]] tables")
        return []
    if not steps:
        check.error(("steps",), "a lesson needs at least one step")
    result = []
    for index, step in enumerate(steps):
        where: KeyPath = ("steps", index)
        for key in step:
            if key not in STEP_KEYS:
                hint = suggest(key, sorted(STEP_KEYS))
                check.error((*where, key), f"unknown step key {key!r}{hint}")
        title = check.text(step, "title", where)
        text = check.text(step, "text", where)
        reveal = _names(check, step, "reveal", where, produced, "value", index)
        chart = _names(check, step, "chart", where, series, "series", index)
        quiz = _names(check, step, "quiz", where, produced, "value", index)
        for name in quiz:
            if "*" in name or (produced and name not in expand(reveal, produced)):
                check.error(
                    (*where, "quiz"),
                    f"step {index + 1} asks for {name!r} but does not reveal it; a quiz asks "
                    "for a value this step reveals (a plain name, no *)",
                    needle=f'"{name}"',
                )
        chart_log = step.get("chart_log", False)
        if not isinstance(chart_log, bool):
            check.error((*where, "chart_log"), "'chart_log' must be true or false")
            chart_log = False
        if produced:
            for name in placeholders(title) + placeholders(text):
                if name not in produced:
                    check.error(
                        (*where, "text"),
                        f"step {index + 1} mentions {{{name}}}, which the computation does not "
                        f"produce{suggest(name, produced)}",
                        needle=f"{{{name}}}",
                    )
        result.append(Step(title, text, tuple(reveal), tuple(chart), chart_log, tuple(quiz)))
    return result


def _names(
    check: _Checker,
    step: dict[str, Any],
    key: str,
    where: KeyPath,
    known: list[str],
    what: str,
    index: int,
) -> list[str]:
    """A step's list of names (`reveal` or `chart`), each checked against `known`."""
    names = step.get(key, [])
    if isinstance(names, str) and key == "chart":
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        check.error((*where, key), f'{key!r} must be a list of {what} names, like ["a", "b"]')
        return []
    if known:
        for name in names:
            if not expand([name], known):
                check.error(
                    (*where, key),
                    f"step {index + 1}: the computation produces no {what} {name!r}"
                    f"{suggest(name, known)}",
                    needle=f'"{name}"',
                )
    return names


@dataclass
class Catalog:
    entries: list[Lesson | TrainingLesson]  # everything, in teaching order
    problems: list[Problem]

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


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load every `*.toml` lesson in `directory` (default: the built-in lessons).

    A bad file is reported and skipped; the others still load.
    """
    directory = directory or builtin_lessons_dir()
    lessons: list[Lesson | TrainingLesson] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            lesson = load_lesson(path)
        except LessonFileError as error:
            problems.extend(error.problems)
            continue
        if lesson.id in seen:
            line = LineIndex(path.read_text(encoding="utf-8")).line_of(("id",))
            problems.append(
                Problem(path, f"id {lesson.id!r} is also used by {seen[lesson.id]}", line)
            )
            continue
        seen[lesson.id] = path
        lessons.append(lesson)
    lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    return Catalog(lessons, problems)
