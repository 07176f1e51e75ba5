"""What a lesson is, once loaded and validated."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from llmtutor.engine import Computation, InputSpec, InputValue, Trace, fmt, live_run
from llmtutor.engine.facts import SHOWN_IN
from llmtutor.run_settings import Experiment
from llmtutor.safe_text import excerpt

# A lesson's id: its name on the command line and its key in the progress file, which
# accepts exactly what `llmtutor check` does.
MAX_ID_LENGTH = 64
LESSON_ID = re.compile(f"[a-z0-9][a-z0-9-]{{0,{MAX_ID_LENGTH - 1}}}")

# {name} in lesson text is replaced by that value, formatted; {{ and }} are literal braces.
# This is plain text substitution: nothing in a lesson is ever evaluated.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(text: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(1)]


MISSING = "—"  # a placeholder whose value these inputs do not produce (a 5th Adam step of 4)


# Where lesson text is read, for the built-in fact `shown_in`: the app names its keys, the
# printed lesson (--plain) names the command line's flags.
APP, PLAIN = "app", "plain"


@dataclass(frozen=True)
class Choice:
    """Text chosen by a computed fact: `{name}` in a step becomes the text given for the
    fact's value (a step's `[steps.choose.NAME]` table: `fact = "…"`, then one text for
    each value the fact can take)."""

    name: str
    fact: str
    texts: tuple[tuple[str, str], ...]  # (fact value, text), one for every value

    def text_for(self, value: str | None) -> str:
        return next((text for key, text in self.texts if key == value), MISSING)


def fill(text: str, trace: Trace, choices: Iterable[Choice] = (), shown_in: str = APP) -> str:
    """Put computed values into lesson text: `{name}` becomes the value, formatted, or the
    text a choice gives for its fact's value (in which values are put in turn)."""
    chosen = {choice.name: choice for choice in choices}
    facts = {**trace.facts, SHOWN_IN.name: shown_in}

    def replace(match: re.Match[str]) -> str:
        token, name = match.group(0), match.group(1)
        if name is None:
            return token[0]
        if name in chosen:
            choice = chosen[name]
            return fill(choice.text_for(facts.get(choice.fact)), trace, (), shown_in)
        return fmt(trace[name].value) if name in trace else MISSING

    return PLACEHOLDER.sub(replace, text)


# In a reveal pattern, `{5..}` stands for a whole number from 5 on, `{2..4}` for 2, 3 or 4.
NUMBER_RANGE = re.compile(r"\{(\d+)\.\.(\d*)\}")


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """`*` as a run of letters and digits, a number range as a whole number (kept as the
    regex's first group), everything else literally."""
    found = NUMBER_RANGE.search(pattern)
    parts = [pattern] if found is None else [pattern[: found.start()], pattern[found.end() :]]
    pieces = [re.escape(part).replace(r"\*", "[A-Za-z0-9]+") for part in parts]
    return re.compile("(0|[1-9][0-9]*)".join(pieces) + r"\Z")


def widened(pattern: str) -> str:
    """`pattern` with its number range, if any, standing for any number: what must match
    something for the pattern to make sense, even where these inputs give no number in range."""
    return NUMBER_RANGE.sub("*", pattern)


def expand(patterns: Iterable[str], names: Iterable[str]) -> list[str]:
    """The names a reveal list stands for, in trace order for patterns.

    A plain name stands for itself; in a pattern, `*` stands for a run of letters and digits
    (no `_`), so `"update_*"` means update_1, update_2, … but not update_1_raw: a lesson can
    show every step of an Adam run whatever its length.

    A number range, `{5..}` (from 5 on) or `{2..4}`, stands for a whole number in it. The
    ranged patterns of one list are expanded together, where the first of them stands, by
    number and then in the order they are listed: `["m_{5..}", "v_{5..}"]` is m_5, v_5, m_6,
    v_6, …, each step's values together however many steps there are.
    """
    available = list(names)
    patterns = list(patterns)
    ranged: list[tuple[int, int, str]] = []  # (number, which pattern, name)
    for index, pattern in enumerate(patterns):
        found = NUMBER_RANGE.search(pattern)
        if found is None:
            continue
        low, high = int(found.group(1)), int(found.group(2)) if found.group(2) else None
        regex = _pattern_regex(pattern)
        for name in available:
            match = regex.match(name)
            number = int(match.group(1)) if match else -1
            if low <= number and (high is None or number <= high):
                ranged.append((number, index, name))
    ranged.sort(key=lambda item: item[:2])  # stable: trace order within one pattern's number
    result: list[str] = []
    placed = False
    for pattern in patterns:
        if NUMBER_RANGE.search(pattern):
            if placed:
                continue
            placed, matches = True, [name for _, _, name in ranged]
        elif "*" in pattern:
            regex = _pattern_regex(pattern)
            matches = [n for n in available if regex.match(n)]
        else:
            matches = [pattern] if pattern in available else []
        result.extend(name for name in matches if name not in result)
    return result


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    reveal: tuple[str, ...] = ()  # names or patterns (`*`, `{5..}`) of trace quantities
    chart: tuple[str, ...] = ()  # names of trace series drawn together on one chart
    chart_log: bool = False  # draw the chart's y axis on a log scale
    quiz: tuple[str, ...] = ()  # values the learner predicts (in quiz mode) before the reveal
    choose: tuple[Choice, ...] = ()  # texts chosen by computed facts, for `{name}`
    map: str | None = None  # a loss landscape whose race the step draws (engine.landscape)
    # Training runs that test what this step claims ([steps.experiment]): `l` opens them.
    experiment: Experiment | None = None

    def heading(self, trace: Trace, shown_in: str = APP) -> str:
        """The title with its values and choices put in."""
        return fill(self.title, trace, self.choose, shown_in)

    def body(self, trace: Trace, shown_in: str = APP) -> str:
        """The text with its values and choices put in."""
        return fill(self.text, trace, self.choose, shown_in)


class InputError(ValueError):
    """A learner's override that the lesson cannot take; the message says why."""


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    computation: Computation
    defaults: dict[str, InputValue]  # the lesson's inputs and their defaults, in file order
    steps: tuple[Step, ...]
    path: Path
    diagram: str | None = None
    order: int = 1000
    # Experiments of the whole lesson ([[experiments]]), not made by one step: offered from
    # every step, and named on the last.
    experiments: tuple[Experiment, ...] = ()

    @property
    def input_specs(self) -> list[InputSpec]:
        specs = (self.computation.input(name) for name in self.defaults)
        return [spec for spec in specs if spec is not None]

    def parse_overrides(self, overrides: dict[str, str]) -> dict[str, InputValue]:
        """Turn `KEY=VALUE` texts into input values; raise InputError on the first bad one."""
        values: dict[str, InputValue] = {}
        for key, text in overrides.items():
            spec = self.computation.input(key)
            if key not in self.defaults or spec is None:
                known = ", ".join(self.defaults) or "none"
                raise InputError(
                    f"lesson {self.id!r} has no input {excerpt(key)} (its inputs: {known})"
                )
            try:
                values[key] = spec.parse(text)
            except ValueError as error:
                raise InputError(str(error)) from None
        problem = self.computation.validate({**self.defaults, **values})
        if problem:
            raise InputError(problem)
        return values

    def compute(self, values: Mapping[str, InputValue] | None = None) -> Trace:
        return self.computation.run({**self.defaults, **(values or {})})

    def reveals(self, index: int, trace: Trace) -> list[str]:
        """The names step `index` reveals that this trace has."""
        return expand(self.steps[index].reveal, trace)

    def revealed_through(self, index: int, trace: Trace) -> list[str]:
        """Names revealed by steps 0..index, in the order they were last revealed: a name a
        later step reveals again moves to the end, beside that step's other values, where
        the screen keeps the newest values in view."""
        names: list[str] = []
        for step in range(index + 1):
            again = self.reveals(step, trace)
            names = [name for name in names if name not in again] + again
        return names

    def all_reveals(self, trace: Trace) -> list[str]:
        return self.revealed_through(len(self.steps) - 1, trace)

    def all_experiments(self) -> list[Experiment]:
        """Every experiment the lesson offers: each step's, in step order, then the
        lesson's own."""
        made = [step.experiment for step in self.steps if step.experiment is not None]
        return [*made, *self.experiments]

    def experiments_at(self, index: int) -> list[Experiment]:
        """The experiments step `index` names: its own; on the last step, also the
        lesson's own (offered from every step, but said once, at the end)."""
        step = self.steps[index]
        own = [step.experiment] if step.experiment is not None else []
        return own + (list(self.experiments) if index == len(self.steps) - 1 else [])


@dataclass(frozen=True)
class TrainingLesson:
    """The live training run, listed with the lessons (`kind = "training"` in its file).

    It has no steps: its screen trains a real model and shows the loss as it falls.
    """

    id: str
    title: str
    summary: str
    text: str  # Markdown shown before the run starts, `{placeholders}` from live_run.facts
    path: Path
    order: int = 1000

    @property
    def intro(self) -> str:
        """The text with the run's figures put in."""
        return fill(self.text, live_run.facts())


def describe_length(entry: Lesson | TrainingLesson) -> str:
    """ "9 steps", or what the live run is, for lists of lessons."""
    if isinstance(entry, TrainingLesson):
        return "live training run"
    count = len(entry.steps)
    return f"{count} step" + ("s" if count != 1 else "")
