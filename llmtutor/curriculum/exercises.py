"""Exercises as data: read `exercises/*.toml` and check them like lessons.

An exercise file names one of the engine's exercises by its id (the engine knows the
function the learner writes, the values it returns and the mistakes it can recognise) and
gives what a learner reads: a title, the lesson it follows, a short introduction, one hint
per topic (where to look; the formula and the formula with numbers come from the engine),
one message per known mistake, and two Python files beside it: the starter the learner
completes and a worked solution. Nothing in the file is run; the Python files are only
parsed (`ast.parse`), to check that they define the function, never imported here.

    id = "backprop"                 # an exercise the engine knows
    kind = "exercise"
    title = "Backpropagation by hand"
    lesson = "backprop"             # the lesson it follows
    starter = "backprop.py"         # beside this file
    solution = "backprop_solution.py"
    text = "What the learner reads first."

    [hints]
    h = "Where to look for h."

    [mistakes]
    sign = "What a flipped sign means here."
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmtutor.curriculum.loader import (
    LessonFileError,
    Problem,
    _Checker,
    _kind,
    _parse,
    _read,
    builtin_lessons_dir,
    suggest,
)
from llmtutor.curriculum.model import LESSON_ID
from llmtutor.engine.exercises import EXERCISES, ExerciseMath
from llmtutor.files import path_problem, read_regular

EXERCISE_KEYS = {"id", "kind", "title", "summary", "lesson", "starter", "solution", "text"}
EXERCISE_KIND = "exercise"
MAX_SOURCE_BYTES = 64_000  # a starter or a solution: a page of Python, not a library


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    summary: str
    lesson: str  # the id of the lesson it follows
    text: str
    hints: dict[str, str]  # topic → where to look
    mistakes: dict[str, str]  # mistake id → what it means
    starter: str  # the starter file's text
    solution: str  # the worked solution's text
    starter_name: str  # the starter's file name ("backprop.py")
    path: Path
    math: ExerciseMath

    @property
    def function(self) -> str:
        return self.math.function


def builtin_exercises_dir() -> Path:
    """Where the exercises that ship with llmtutor are: beside the built-in lessons."""
    lessons = builtin_lessons_dir()
    packaged = lessons.parent / "_exercises"
    return packaged if packaged.is_dir() else lessons.parent / "exercises"


def is_exercise_file(path: Path) -> bool:
    """Whether the TOML file at `path` says it is an exercise (`kind = "exercise"`). A file
    that cannot be read or parsed is not: the lesson checks report what is wrong with it."""
    try:
        data = _parse(path, _read(path))
    except LessonFileError:
        return False
    return data.get("kind") == EXERCISE_KIND


def load_exercise(path: Path) -> Exercise:
    """Read and check one exercise file and its two Python files. Raises LessonFileError
    listing every problem, each at its line and column."""
    text = _read(path)
    return check_exercise(path, text, _parse(path, text))


def check_exercise(path: Path, text: str, data: dict[str, Any]) -> Exercise:
    check = _Checker(path, text)
    for key in data:
        if key not in EXERCISE_KEYS | {"hints", "mistakes"}:
            allowed = sorted(EXERCISE_KEYS | {"hints", "mistakes"})
            check.error((key,), f"unknown key {key!r}{suggest(key, allowed)}")
    exercise_id = check.text(data, "id", ())
    math = EXERCISES.get(exercise_id)
    if exercise_id and math is None:
        known = ", ".join(EXERCISES)
        hint = suggest(exercise_id, list(EXERCISES))
        check.bad_value(("id",), f"no exercise {exercise_id!r} in the engine{hint}; known: {known}")
    if data.get("kind") != EXERCISE_KIND:
        check.bad_value(("kind",), f"an exercise file says kind = {EXERCISE_KIND!r}")
    title = check.text(data, "title", ())
    summary = check.text(data, "summary", (), required=False)
    intro = check.text(data, "text", ())
    lesson = check.text(data, "lesson", ())
    if lesson and not LESSON_ID.fullmatch(lesson):
        check.bad_value(("lesson",), f"{lesson!r} is not a lesson id")
    function = math.function if math else None
    starter_name = check.text(data, "starter", ())
    starter = _source(check, path, "starter", starter_name, function)
    solution = _source(check, path, "solution", check.text(data, "solution", ()), function)
    hints = _table(check, data, "hints", math.topics if math else None, "topic")
    mistakes = _table(check, data, "mistakes", math.mistakes if math else None, "mistake")
    check.raise_problems()
    assert math is not None
    return Exercise(
        exercise_id,
        title,
        summary,
        lesson,
        intro,
        hints,
        mistakes,
        starter,
        solution,
        starter_name,
        path,
        math,
    )


def _table(
    check: _Checker,
    data: dict[str, Any],
    key: str,
    known: tuple[str, ...] | None,
    what: str,
) -> dict[str, str]:
    """A table of texts, one for each of `known` (the engine's topics or mistakes)."""
    table = data.get(key)
    if table is None:
        check.missing((), key, f"missing [{key}]: one text for each {what}")
        return {}
    if not isinstance(table, dict):
        check.bad_value((key,), f"{key!r} must be a table, not {_kind(table)}")
        return {}
    texts = {name: check.text(table, name, (key,)) for name in table}
    if known is None:  # the exercise is unknown: nothing to compare the names with
        return texts
    for name in texts:
        if name not in known:
            message = f"no {what} {name!r} in this exercise{suggest(name, list(known))}"
            check.error((key, name), f"{message}; its {what}s: {', '.join(known)}")
    absent = [name for name in known if name not in texts]
    if absent:
        listed = ", ".join(absent)
        plural = "s" if len(absent) > 1 else ""
        check.missing((key,), absent[0], f"[{key}] has no text for the {what}{plural} {listed}")
    return texts


def _source(check: _Checker, path: Path, key: str, name: str, function: str | None) -> str:
    """The Python file `name` beside the exercise file, checked to define `function`."""
    if not name:
        return ""
    if Path(name).name != name or name.startswith("."):
        check.bad_value((key,), f"{key!r} must name a file beside the exercise file: {name!r}")
        return ""
    if not name.endswith(".py"):
        check.bad_value((key,), f"{key!r} must name a Python file (.py): {name!r}")
        return ""
    file = path.parent / name
    try:
        data = read_regular(file, MAX_SOURCE_BYTES)
    except OSError as error:
        check.bad_value((key,), f"{name} {path_problem(error)}")
        return ""
    if len(data) > MAX_SOURCE_BYTES:
        check.bad_value((key,), f"{name} is over {MAX_SOURCE_BYTES // 1000} kB")
        return ""
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError:
        check.bad_value((key,), f"{name} is not UTF-8 text")
        return ""
    try:
        with warnings.catch_warnings():  # a SyntaxWarning is the file's own business
            warnings.simplefilter("ignore")
            tree = ast.parse(source, filename=name)  # parsed, never run
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        where = f" (line {line})" if line else ""
        check.bad_value((key,), f"{name} is not valid Python{where}: {error}")
        return ""
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    if function and function not in defined:
        check.bad_value((key,), f"{name} defines no function {function!r}")
    return source


def exercise_files(path: Path) -> list[Path]:
    return sorted(path.glob("*.toml")) if path.is_dir() else [path]


@dataclass
class Exercises:
    """The exercises, in the order of the lessons they follow, and the problems found."""

    items: list[Exercise]
    problems: list[Problem]

    def get(self, exercise_id: str) -> Exercise | None:
        return next((item for item in self.items if item.id == exercise_id), None)

    @property
    def ids(self) -> list[str]:
        return [item.id for item in self.items]


def load_exercises(
    directory: Path | None = None, lesson_order: list[str] | None = None
) -> Exercises:
    """Every exercise in `directory` (default: the built-in ones); a bad file is a problem
    and is skipped. With `lesson_order` (lesson ids in teaching order), exercises follow
    their lessons' order, and one whose lesson is not among them is a problem."""
    items: list[Exercise] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for path in exercise_files(directory or builtin_exercises_dir()):
        try:
            item = load_exercise(path)
        except LessonFileError as error:
            problems.extend(error.problems)
            continue
        if item.id in seen:
            problems.append(Problem(path, f"id {item.id!r} is also used by {seen[item.id]}"))
            continue
        if lesson_order is not None and item.lesson not in lesson_order:
            check = _Checker(path, _read(path))
            hint = suggest(item.lesson, lesson_order)
            check.bad_value(("lesson",), f"there is no lesson {item.lesson!r}{hint}")
            problems.extend(check.problems)
            continue
        seen[item.id] = path
        items.append(item)
    if lesson_order is not None:
        items.sort(key=lambda item: lesson_order.index(item.lesson))
    return Exercises(items, problems)
