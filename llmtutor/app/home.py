"""The home screen: every lesson, in teaching order."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from llmtutor.curriculum import Catalog, Lesson, TrainingLesson, describe_length

if TYPE_CHECKING:
    from llmtutor.app.tutor import TutorApp


def _lesson_label(number: int, lesson: Lesson | TrainingLesson, width: int) -> Text:
    """One line per lesson: number, title, and its length at the right."""
    steps = describe_length(lesson)
    label = Text.assemble((f"{number:>2}. ", "dim"), (lesson.title, "bold"))
    gap = max(2, width - label.cell_len - len(steps))
    label.append(" " * gap + steps, style="dim")
    label.no_wrap = True
    return label


LABEL_WIDTH = 60  # columns a lesson's line is laid out in


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", priority=True),
        Binding("q", "app.quit", "Quit"),
        Binding("escape", "app.quit", "Quit", show=False),
    ]

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog

    def compose(self) -> ComposeResult:
        yield Static(
            Text.assemble(("llmtutor", "bold"), "  ·  how language models learn"), id="home-title"
        )
        yield Static(
            "Each lesson computes every value from its inputs and reveals it step by step. "
            "Pick a lesson and press Enter.",
            id="home-intro",
        )
        options = [
            Option(_lesson_label(number, lesson, LABEL_WIDTH), id=lesson.id)
            for number, lesson in enumerate(self.catalog.entries, start=1)
        ]
        yield OptionList(*options, id="lesson-list")
        yield Static(id="lesson-summary")
        yield Footer()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        lesson = self.catalog.entry(event.option.id or "")
        if lesson is not None:
            self.query_one("#lesson-summary", Static).update(
                Text.assemble(
                    lesson.summary or lesson.title,
                    ("\nOpen it directly with ", "dim"),
                    (f"llmtutor lesson {lesson.id}", "bold"),
                    (" or print it with ", "dim"),
                    ("--plain", "bold"),
                )
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option.id)

    def action_open(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._open(options.get_option_at_index(options.highlighted).id)

    def _open(self, lesson_id: str | None) -> None:
        entry = self.catalog.entry(lesson_id or "")
        if entry is not None:
            app: TutorApp = self.app  # type: ignore[assignment]
            app.open_entry(entry)
