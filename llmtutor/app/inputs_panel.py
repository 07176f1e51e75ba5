"""The what-if panel: the lesson's inputs, editable; a value is applied as it is typed.

It only reads and checks what the learner types (with the engine's own input checks); the
lesson screen recomputes and redraws. A field's value is applied once it is a finished,
valid number: not "0." on the way to "0.7". A value that does not parse, or does not make
sense (p = 0, lr ≤ 0, β ≥ 1, warmup past the end), is shown under its field with the
reason. A field not applied is marked, and the panel says which value the lesson still
uses in its place: the numbers and the diagram never show what a field does not hold
without saying so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, Static

from llmtutor.app.widgets import OrderedInput
from llmtutor.curriculum import Lesson
from llmtutor.engine import InputSpec, InputValue, fmt_input
from llmtutor.safe_text import visible

UNFINISHED = "… not applied until the number is finished"
NAME_WIDTH = 8  # the longest input name the usual column holds (see .input-name)


def warning(problem: object) -> Content:
    """A problem with what the learner typed, which it may quote: text, not markup."""
    return Content(f"⚠ {visible(str(problem), one_line=True)}")


def unfinished(text: str) -> bool:
    """Whether a number in `text` stops where the learner is still typing it: "0." or
    "2_", which Python reads (as 0 and 2) but which are on their way to "0.7" or "2_000".
    A list's numbers are each looked at, wherever the learner is typing."""
    body = text.strip().strip("[]()")
    return any(item.endswith((".", "_")) for item in re.split(r"[,\s]+", body))


class ValueField(OrderedInput):
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
        self.applied = dict(self.initial)  # what the lesson is computed with

    def compose(self) -> ComposeResult:
        # Names longer than the usual column ("w1₀ ravine") get a wider one.
        long = any(len(spec.symbol or spec.name) > NAME_WIDTH for spec in self.lesson.input_specs)
        self.set_class(long, "long-names")
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
        yield Static(id="inputs-unapplied", classes="input-error")
        yield Static("Esc leaves the fields\nr resets · e hides", id="inputs-help")

    def on_mount(self) -> None:
        self.border_title = "Inputs (what if?)"

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.check_all()

    def check_all(self) -> None:
        """Read every field; apply (post Changed with) every finished, valid value, as long
        as they fit together; mark each field whose text is not what the lesson uses."""
        candidate = dict(self.applied)
        problems: dict[str, Content] = {}  # by input name: why its field is not applied
        for spec in self.lesson.input_specs:
            text = self.query_one(f"#input-{spec.name}", Input).value
            try:
                value = spec.parse(text)
            except ValueError as problem:
                problems[spec.name] = warning(problem)
                continue
            if unfinished(text):
                problems[spec.name] = Content(UNFINISHED)
            else:
                candidate[spec.name] = value
        mismatch = self.lesson.computation.validate(candidate)
        together = self.query_one("#inputs-error", Static)
        together.update(warning(mismatch) if mismatch else "")
        together.display = bool(mismatch)
        waiting = set(problems)
        if mismatch:  # nothing new is applied: each field that would change something waits
            waiting |= {name for name, value in candidate.items() if value != self.applied[name]}
        else:
            self.applied = candidate
            self.post_message(self.Changed(dict(candidate)))
        for spec in self.lesson.input_specs:
            error = self.query_one(f"#error-{spec.name}", Static)
            error.update(problems.get(spec.name, ""))
            error.display = spec.name in problems
            field = self.query_one(f"#input-{spec.name}", Input)
            field.set_class(spec.name in waiting, "unapplied")
        self._say_what_is_used([spec for spec in self.lesson.input_specs if spec.name in waiting])

    def _say_what_is_used(self, waiting: list[InputSpec]) -> None:
        """Under the fields: the value the lesson uses for each field not applied."""
        note = self.query_one("#inputs-unapplied", Static)
        note.display = bool(waiting)
        if not waiting:
            note.update("")
            return
        used = ", ".join(
            f"{spec.symbol or spec.name} = {fmt_input(self.applied[spec.name])}" for spec in waiting
        )
        note.update(Content(f"Not applied yet: the lesson still uses {visible(used)}."))

    def show_lesson(self, lesson: Lesson, values: Mapping[str, InputValue]) -> None:
        """Fields for another version of the lesson (its file changed), holding `values`
        over its defaults: the inputs the lesson is computed with."""
        self.lesson, self.initial = lesson, {**lesson.defaults, **values}
        self.applied = dict(self.initial)
        self.refresh(recompose=True)

    def show_values(self, values: Mapping[str, InputValue]) -> None:
        """Put `values` (valid inputs the lesson now computes with, set elsewhere: a map's
        start moved) in their fields, without applying them again."""
        for name, value in values.items():
            self.applied[name] = value
            field = self.query_one(f"#input-{name}", Input)
            with field.prevent(Input.Changed):
                field.value = fmt_input(value)
        self.check_all()

    def reset(self) -> None:
        """Put every field back to the lesson's default."""
        for spec in self.lesson.input_specs:
            field = self.query_one(f"#input-{spec.name}", Input)
            with field.prevent(Input.Changed):
                field.value = fmt_input(self.lesson.defaults[spec.name])
        self.check_all()
