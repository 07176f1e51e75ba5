"""The command palette (ctrl+p): jump to any lesson, any step of a lesson, or the live run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from llmtutor.curriculum import Lesson, LessonFileError, TrainingLesson, fill

if TYPE_CHECKING:
    from llmtutor.app.tutor import TutorApp


@dataclass(frozen=True)
class LessonCommand:
    text: str  # what the palette shows and matches against
    help: str
    run: Callable[[], None]
    discoverable: bool  # listed before anything is typed (lessons, not their every step)


def lesson_commands(app: TutorApp) -> list[LessonCommand]:
    """One command per lesson (opens it where the learner left it), one per step of each
    lesson, and one for the live training run, in teaching order."""
    commands: list[LessonCommand] = []
    for entry in app.catalog.entries:
        if isinstance(entry, TrainingLesson):
            commands.append(
                LessonCommand(
                    "Train the tiny transformer",
                    entry.summary or entry.title,
                    partial(app.go_to_entry, entry),
                    True,
                )
            )
            continue
        commands.append(
            LessonCommand(
                f"Open lesson: {entry.title}",
                _where(app, entry),
                partial(app.go_to_entry, entry),
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
                    f"{lesson.title} › {fill(step.title, trace)}",
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
        return f"{total} steps"
    return f"{finished}opens at step {min(step, total - 1) + 1} of {total}"


class LessonCommands(Provider):
    """Every lesson and every step, searched fuzzily."""

    async def startup(self) -> None:
        app: TutorApp = self.app  # type: ignore[assignment]
        self.commands = lesson_commands(app)

    async def discover(self) -> Hits:
        for command in self.commands:
            if command.discoverable:
                yield DiscoveryHit(command.text, command.run, text=command.text, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands:
            score = matcher.match(command.text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.text),
                    command.run,
                    text=command.text,
                    help=command.help,
                )
