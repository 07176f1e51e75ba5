"""The command palette (ctrl+p): jump to any lesson, any step of a lesson, a lesson's
experiments, or the live run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from llmtutor.app.experiment_choice import describe_runs
from llmtutor.curriculum import Lesson, LessonFileError, TrainingLesson, describe_length
from llmtutor.safe_text import visible

if TYPE_CHECKING:
    from llmtutor.app.tutor import TutorApp


@dataclass(frozen=True)
class LessonCommand:
    """A lesson's title is text, never markup: the palette is given `Content`, which Textual
    shows as it is (a title `[@click=app.screenshot(…)]T[/]` given as a string would run the
    action when clicked; `Draft [/WIP]` would end the app)."""

    text: str  # what the palette shows and matches against: one line, control characters visible
    help: str
    run: Callable[[], None]
    discoverable: bool  # listed before anything is typed (lessons, not their every step)


def lesson_commands(app: TutorApp) -> list[LessonCommand]:
    """One command per lesson (opens it where the learner left it), one per experiment a
    lesson offers (opens it on the training screen), one per step of each lesson, and one
    for the live training run, in teaching order."""
    commands: list[LessonCommand] = []
    for entry in app.catalog.entries:
        if isinstance(entry, TrainingLesson):
            commands.append(
                LessonCommand(
                    "Train the tiny transformer",
                    visible(entry.summary or entry.title, one_line=True),
                    partial(app.go_to_entry, entry),
                    True,
                )
            )
            continue
        commands.append(
            LessonCommand(
                f"Open lesson: {visible(entry.title, one_line=True)}",
                _where(app, entry),
                partial(app.go_to_entry, entry),
                True,
            )
        )
        for experiment in entry.all_experiments():  # checked as the catalog was loaded
            commands.append(
                LessonCommand(
                    visible(f"Run the experiment: {experiment.title}", one_line=True),
                    visible(f"{entry.title} · {describe_runs(experiment)} · l in the lesson"),
                    partial(app.open_experiment, experiment),
                    True,
                )
            )
        try:  # its steps, once the lesson passes every check (its computation runs here)
            lesson = app.catalog.checked(entry)
        except LessonFileError:
            continue  # opening it says what is wrong
        trace = lesson.compute()  # for any {value} in a step's title
        total = len(lesson.steps)
        for index, step in enumerate(lesson.steps):
            commands.append(
                LessonCommand(
                    visible(f"{lesson.title} › {step.heading(trace)}", one_line=True),
                    f"step {index + 1} of {total}",
                    partial(app.go_to_lesson, lesson, index),
                    False,
                )
            )
    return commands


def _where(app: TutorApp, lesson: Lesson) -> str:
    total = len(lesson.steps)
    step = app.progress.last_step(lesson.id)
    finished = "finished · " if app.progress.is_finished(lesson.id) else ""
    if step is None:
        return describe_length(lesson)
    return f"{finished}opens at step {min(step, total - 1) + 1} of {total}"


class LessonCommands(Provider):
    """Every lesson and every step, searched fuzzily."""

    async def startup(self) -> None:
        app: TutorApp = self.app  # type: ignore[assignment]
        self.commands = lesson_commands(app)

    async def discover(self) -> Hits:
        for command in self.commands:
            if command.discoverable:
                yield DiscoveryHit(
                    Content(command.text), command.run, text=command.text, help=_help(command)
                )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands:
            score, offsets = matcher.fuzzy_search.match(matcher.query, command.text)
            if score > 0:
                # Not `matcher.highlight`, which reads its candidate as markup.
                shown = Content(command.text)
                for offset in offsets:
                    if not command.text[offset].isspace():
                        shown = shown.stylize(matcher.match_style, offset, offset + 1)
                yield Hit(score, shown, command.run, text=command.text, help=_help(command))


def _help(command: LessonCommand) -> str:
    """The help line as `Content`: the palette reads a string as markup, and hands
    `Content` on as it is (its field is typed `str`, hence the cast)."""
    return cast(str, Content(command.help))
