"""The application: a home screen of lessons, and a screen per open lesson."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from llmtutor.app.home import HomeScreen
from llmtutor.app.lesson import LessonScreen
from llmtutor.curriculum import Catalog, Lesson


class TutorApp(App[None]):
    CSS_PATH = "tutor.tcss"
    TITLE = "llmtutor"
    SUB_TITLE = "how language models learn"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True)
    ]

    def __init__(
        self,
        catalog: Catalog,
        lesson: Lesson | None = None,
        step: int = 0,
        values: dict[str, float] | None = None,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self._start_lesson = lesson
        self._start_step = step
        self._start_values = values or {}

    def on_mount(self) -> None:
        self.push_screen(HomeScreen(self.catalog))
        if self._start_lesson is not None:
            self.open_lesson(self._start_lesson, self._start_step, self._start_values)

    def open_lesson(
        self, lesson: Lesson, step: int = 0, values: dict[str, float] | None = None
    ) -> None:
        self.push_screen(LessonScreen(lesson, step=step, values=values or {}))
