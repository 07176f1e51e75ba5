"""The application: a home screen of lessons, and a screen per open lesson."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType

from llmtutor.app.home import HomeScreen
from llmtutor.app.lesson import LessonScreen
from llmtutor.app.too_small import TooSmallScreen
from llmtutor.app.train import TrainScreen
from llmtutor.curriculum import Catalog, Lesson, TrainingLesson
from llmtutor.engine import InputValue
from llmtutor.run_settings import RunSettings


class TutorApp(App[None]):
    CSS_PATH = "tutor.tcss"
    TITLE = "llmtutor"
    SUB_TITLE = "how language models learn"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        # Terminal users expect Ctrl+C to end a program; Textual would only hint at ctrl+q.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]
    MIN_SIZE = (64, 20)  # below this the lesson screen cannot show a step legibly

    def __init__(
        self,
        catalog: Catalog,
        lesson: Lesson | None = None,
        step: int = 0,
        values: dict[str, InputValue] | None = None,
        train: RunSettings | None = None,
        start_training: bool = True,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self._start_lesson = lesson
        self._start_step = step
        self._start_values = values or {}
        self._start_training = train
        self._run_at_once = start_training

    def on_mount(self) -> None:
        self.push_screen(HomeScreen(self.catalog))
        if self._start_lesson is not None:
            self.open_lesson(self._start_lesson, self._start_step, self._start_values)
        elif self._start_training is not None:
            # `llmtutor train` starts the run at once and q leaves the tutor; `llmtutor lesson
            # train` shows the lesson's introduction first and q goes back to the lessons.
            entry = self.catalog.entry("train")
            intro = entry.text if isinstance(entry, TrainingLesson) else ""
            self.push_screen(
                TrainScreen(
                    self._start_training,
                    intro=intro,
                    start=self._run_at_once,
                    quit_on_close=self._run_at_once,
                )
            )
        self.call_after_refresh(self._check_size)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._check_size)

    def _check_size(self) -> None:
        width, height = self.size
        too_small = width < self.MIN_SIZE[0] or height < self.MIN_SIZE[1]
        screen = self.screen
        if not isinstance(screen, TooSmallScreen):
            if too_small:
                self.push_screen(TooSmallScreen(self.MIN_SIZE))
        elif too_small:
            screen.refresh_message()  # say the new size
        else:
            self.pop_screen()

    def open_entry(self, entry: Lesson | TrainingLesson) -> None:
        if isinstance(entry, TrainingLesson):
            self.push_screen(TrainScreen(intro=entry.text))
        else:
            self.open_lesson(entry)

    def open_lesson(
        self, lesson: Lesson, step: int = 0, values: dict[str, InputValue] | None = None
    ) -> None:
        self.push_screen(LessonScreen(lesson, step=step, values=values or {}))
