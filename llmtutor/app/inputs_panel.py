"""The what-if panel: the lesson's inputs, editable; every keystroke recomputes the lesson.

It only reads and checks what the learner types (with the engine's own input checks); the
lesson screen recomputes and redraws. A value that does not parse, or does not make sense
(p = 0, lr ≤ 0, β ≥ 1, warmup past the end), is shown under its field with the reason, and
the last valid inputs stay on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, Static

from llmtutor.curriculum import Lesson
from llmtutor.engine import InputValue, fmt_input
from llmtutor.safe_text import visible


def warning(problem: object) -> Content:
    """A problem with what the learner typed, which it may quote: text, not markup."""
    return Content(f"⚠ {visible(str(problem), one_line=True)}")


class ValueField(Input):
    """The field of one input. Its keys are listed in the footer: while a text field has
    focus, Textual hides the lesson's letter keys (they are typed), which would leave the
    footer empty. Every keystroke recomputes; there is nothing to submit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Next field"),
        Binding("escape", "screen.close", "Done"),
    ]


class InputsPanel(VerticalScroll):
    class Changed(Message):
        """Valid inputs, over the lesson's defaults, ready to recompute with."""

        def __init__(self, values: dict[str, InputValue]) -> None:
            super().__init__()
            self.values = values

    def __init__(self, lesson: Lesson, values: Mapping[str, InputValue], id: str) -> None:
        super().__init__(id=id)
        self.lesson = lesson
        self.initial = {**lesson.defaults, **values}

    def compose(self) -> ComposeResult:
        for spec in self.lesson.input_specs:
            with Horizontal(classes="input-row"):
                yield Label(Content(spec.symbol or spec.name), classes="input-name")
                yield ValueField(
                    fmt_input(self.initial[spec.name]),
                    id=f"input-{spec.name}",
                    classes="input-field",
                    tooltip=Content(spec.description),
                )
            yield Static(classes="input-error", id=f"error-{spec.name}")
        yield Static(id="inputs-error", classes="input-error")
        yield Static("Esc leaves the fields\nr resets · e hides", id="inputs-help")

    def on_mount(self) -> None:
        self.border_title = "Inputs (what if?)"

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.check_all()

    def check_all(self) -> None:
        """Read every field; post Changed when all are valid and fit together."""
        values: dict[str, InputValue] = {}
        all_valid = True
        for spec in self.lesson.input_specs:
            text = self.query_one(f"#input-{spec.name}", Input).value
            error = self.query_one(f"#error-{spec.name}", Static)
            try:
                values[spec.name] = spec.parse(text)
            except ValueError as problem:
                error.update(warning(problem))
                error.display = True
                all_valid = False
                continue
            error.update("")
            error.display = False
        together = self.query_one("#inputs-error", Static)
        if all_valid:
            mismatch = self.lesson.computation.validate(values)
            together.update(warning(mismatch) if mismatch else "")
            together.display = bool(mismatch)
            if not mismatch:
                self.post_message(self.Changed(values))
        else:
            together.update("")
            together.display = False

    def show_lesson(self, lesson: Lesson) -> None:
        """Fields for another version of the lesson (its file changed), at its defaults."""
        self.lesson, self.initial = lesson, dict(lesson.defaults)
        self.refresh(recompose=True)

    def reset(self) -> None:
        """Put every field back to the lesson's default."""
        for spec in self.lesson.input_specs:
            field = self.query_one(f"#input-{spec.name}", Input)
            with field.prevent(Input.Changed):
                field.value = fmt_input(self.lesson.defaults[spec.name])
        self.check_all()
