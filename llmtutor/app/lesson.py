"""The lesson screen: step through a lesson, revealing computed values as you go."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.markdown import Markdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from llmtutor.app.messages import StepShown
from llmtutor.app.widgets import WidthAware
from llmtutor.curriculum import Lesson, Step, fill
from llmtutor.engine import InputValue
from llmtutor.render import draw_diagram, equations, render_chart, values_table

CHART_MIN_HEIGHT = 9  # lines for a step's chart; more on taller terminals


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

    def __init__(
        self, lesson: Lesson, step: int = 0, values: Mapping[str, InputValue] | None = None
    ):
        super().__init__()
        self.lesson = lesson
        self.values = dict(values or {})
        self.trace = lesson.compute(self.values)
        # Every name the lesson ever reveals: the diagram reserves rows for them from the start.
        self.all_names = lesson.all_reveals(self.trace)
        self.set_reactive(LessonScreen.step, max(0, min(step, len(lesson.steps) - 1)))

    def compose(self) -> ComposeResult:
        with Horizontal(id="title-bar"):
            yield Static(id="lesson-title")
            yield Static(id="progress")
        if self.lesson.diagram or any(step.chart for step in self.lesson.steps):
            yield WidthAware(id="figure")
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
        revealed = lesson.revealed_through(index, trace)
        new = lesson.reveals(index, trace)
        self.query_one("#lesson-title", Static).update(
            Text.assemble((lesson.title, "bold"), ("  ·  ", "dim"), fill(step.title, trace))
        )
        self.query_one("#progress", Static).update(f"step {index + 1} of {len(lesson.steps)}")
        self.post_message(StepShown(lesson.id, index, len(lesson.steps)))
        self._show_figure(step, revealed, new)
        self.query_one("#step-text", Static).update(Markdown(fill(step.text, trace)))
        self.query_one("#equations", WidthAware).show(
            lambda width: (
                equations(trace, revealed, new, width)
                if revealed
                else Text("Nothing computed yet: press → to begin.", style="dim")
            )
        )
        self.query_one("#values", Static).update(
            values_table(trace, list(lesson.defaults), revealed, new)
        )
        # New values are at the end of both lists: bring them into view once laid out.
        self.call_after_refresh(self._scroll_to_newest)

    def _scroll_to_newest(self) -> None:
        for panel in self.query(VerticalScroll):
            panel.scroll_end(animate=False, immediate=True)

    def _show_figure(self, step: Step, revealed: list[str], new: list[str]) -> None:
        """The lesson's diagram, or else the step's chart, above the text."""
        figures = self.query("#figure")
        if not figures:
            return
        figure = figures.first(WidthAware)
        trace, diagram = self.trace, self.lesson.diagram
        figure.display = bool(diagram or step.chart)
        if diagram:
            figure.show(
                lambda width: draw_diagram(diagram, trace, revealed, new, self.all_names, width)
            )
        elif step.chart:
            series = [trace.series[name] for name in step.chart if name in trace.series]
            height = max(CHART_MIN_HEIGHT, self.app.size.height // 2 - 2)
            figure.show(lambda width: render_chart(series, width, height, log_y=step.chart_log))

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
