"""The lesson screen: step through a lesson, revealing computed values as you go."""

from __future__ import annotations

from typing import ClassVar

from rich.markdown import Markdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from llmtutor.app.widgets import WidthAware
from llmtutor.curriculum import Lesson, fill
from llmtutor.render import draw_diagram, equations, values_table


class LessonScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the arrow keys step through the lesson even when a scrolling panel
        # has focus (the panels still scroll with ↑/↓, PgUp/PgDn and the mouse).
        Binding("right", "next", "Next", priority=True),
        Binding("space,n", "next", "Next", show=False),
        Binding("left", "previous", "Back", priority=True),
        Binding("p", "previous", "Back", show=False),
        Binding("home", "first", "First", priority=True),
        Binding("end", "last", "Last", priority=True),
        Binding("q", "close", "Lessons"),
        Binding("escape", "close", "Lessons", show=False),
    ]

    step: reactive[int] = reactive(0, init=False)

    def __init__(self, lesson: Lesson, step: int = 0, values: dict[str, float] | None = None):
        super().__init__()
        self.lesson = lesson
        self.values = values or {}
        self.trace = lesson.compute(self.values)
        # Every name the lesson ever reveals: the diagram reserves rows for them from the start.
        self.all_names = lesson.revealed_through(len(lesson.steps) - 1)
        self.set_reactive(LessonScreen.step, max(0, min(step, len(lesson.steps) - 1)))

    def compose(self) -> ComposeResult:
        with Horizontal(id="title-bar"):
            yield Static(id="lesson-title")
            yield Static(id="progress")
        if self.lesson.diagram:
            yield WidthAware(id="diagram")
        with Horizontal(id="body"):
            with Vertical(id="story"):
                yield Static(id="step-text")
                yield VerticalScroll(WidthAware(id="equations"), id="equations-scroll")
            yield VerticalScroll(Static(id="values"), id="values-scroll")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#equations-scroll").border_title = "Equations"
        self.query_one("#values-scroll").border_title = "Values"
        self.show_step()

    def watch_step(self) -> None:
        self.show_step()

    def show_step(self) -> None:
        lesson, trace, index = self.lesson, self.trace, self.step
        step = lesson.steps[index]
        revealed = lesson.revealed_through(index)
        self.query_one("#lesson-title", Static).update(
            Text.assemble((lesson.title, "bold"), ("  ·  ", "dim"), fill(step.title, trace))
        )
        self.query_one("#progress", Static).update(f"step {index + 1} of {len(lesson.steps)}")
        if lesson.diagram:
            diagram = lesson.diagram
            self.query_one("#diagram", WidthAware).show(
                lambda width: draw_diagram(
                    diagram, trace, revealed, step.reveal, self.all_names, width
                )
            )
        self.query_one("#step-text", Static).update(Markdown(fill(step.text, trace)))
        self.query_one("#equations", WidthAware).show(
            lambda width: (
                equations(trace, revealed, step.reveal, width)
                if revealed
                else Text("Nothing computed yet: press → to begin.", style="dim")
            )
        )
        self.query_one("#values", Static).update(
            values_table(trace, list(lesson.defaults), revealed, step.reveal)
        )
        # New values are at the end of both lists: keep them in view.
        for panel in self.query(VerticalScroll):
            panel.anchor()

    def action_next(self) -> None:
        if self.step < len(self.lesson.steps) - 1:
            self.step += 1
        else:
            self.notify("That was the last step. Press q to go back to the lessons.")

    def action_previous(self) -> None:
        if self.step > 0:
            self.step -= 1

    def action_first(self) -> None:
        self.step = 0

    def action_last(self) -> None:
        self.step = len(self.lesson.steps) - 1

    def action_close(self) -> None:
        self.dismiss()
