"""Predict, then reveal: the learner types a value before the step shows it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from llmtutor.engine import Quantity, fmt
from llmtutor.progress import Score


class AnswerField(Input):
    """The field a prediction is typed in. Its keys are listed in the footer: while a text
    field has focus, Textual hides the lesson's letter keys (they are typed), which would
    leave the footer empty."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Check"),
        Binding("escape", "screen.quiz", "Leave quiz"),
    ]


RELATIVE_TOLERANCE = 0.02  # within 2% counts: a prediction, not a tenth decimal place
ABSOLUTE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Answer:
    name: str
    guess: float
    value: float

    @property
    def right(self) -> bool:
        return is_close(self.guess, self.value)


def is_close(guess: float, value: float) -> bool:
    return math.isclose(guess, value, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def parse_guess(text: str) -> float:
    """A number as typed ("1.96", "-3e-2", "1,234"); ValueError with a hint otherwise."""
    try:
        guess = float(text.strip().replace(",", "").replace("_", "").replace("−", "-"))
    except ValueError:
        raise ValueError("type a number, like 0.5, -2 or 3e-4") from None
    if not math.isfinite(guess):
        raise ValueError("type a finite number")
    return guess


def verdict(answer: Answer, symbol: str) -> Text:
    if answer.right:
        return Text.assemble(
            ("✓ ", "bold green"),
            f"{symbol}: you said {fmt(answer.guess)}, ",
            ("right", "bold green"),
            f" ({fmt(answer.value)})",
        )
    return Text.assemble(
        ("✗ ", "bold red"),
        f"{symbol}: you said {fmt(answer.guess)}; it is ",
        (fmt(answer.value), "bold"),
    )


def score_line(score: Score, best_before: Score | None) -> Text:
    """What the lesson says when a quiz through it ends: `score`, and how it compares with
    the best of the learner's earlier quizzes through it (`best_before`, None: the first)."""

    def said(s: Score) -> str:
        return f"{s.right} of {s.asked}"

    line = Text.assemble(("Quiz done: ", "bold"), (said(score), "bold"), " predictions right")
    if best_before is None:
        line.append(".")
    elif score.beats(best_before):
        line.append(", your best yet", style="bold green")
        line.append(f" (before: {said(best_before)}).")
    else:
        line.append(f". Your best: {said(best_before)}.")
    return line


class QuizPrompt(Vertical):
    """Asks for one value; posts Guessed with what was typed when Enter is pressed."""

    class Guessed(Message):
        def __init__(self, name: str, text: str) -> None:
            super().__init__()
            self.name, self.text = name, text

    def __init__(self, id: str) -> None:
        super().__init__(id=id)
        self.asking: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="quiz-question")
        yield AnswerField(placeholder="your prediction, then Enter", id="quiz-answer")
        yield Static(id="quiz-feedback")
        yield Static(id="quiz-score")

    def ask(self, quantity: Quantity, known: str) -> None:
        """Ask for `quantity`; `known` says which values it can be worked out from."""
        self.asking = quantity.name
        question = Text.assemble(("Predict ", "bold"), (quantity.symbol, "bold cyan"))
        if quantity.formula:
            question.append(f" = {quantity.formula}")
        question.append(" = ?")
        if known:
            question.append(f"\n{known}", style="dim")
        self._show(self.query_one("#quiz-question", Static), question)
        self._show(self.query_one("#quiz-feedback", Static), None)  # a new question
        field = self.query_one("#quiz-answer", Input)
        field.value = ""
        field.display = True
        field.focus()

    def show_results(self, lines: list[Text]) -> None:
        self.asking = None
        self._show(self.query_one("#quiz-question", Static), Text("\n").join(lines) or None)
        self.query_one("#quiz-answer", Input).display = False
        self._show(self.query_one("#quiz-feedback", Static), None)

    def show_score(self, line: Text | None) -> None:
        """Under the rest, the quiz's score once it ended (`line`), or nothing (None)."""
        self._show(self.query_one("#quiz-score", Static), line)

    def complain(self, message: str) -> None:
        feedback = self.query_one("#quiz-feedback", Static)
        self._show(feedback, Text(f"⚠ {message}", style="yellow"))

    @staticmethod
    def _show(line: Static, text: Text | None) -> None:
        """`text` in `line`; None: nothing, and no empty line taking a row either."""
        line.display = text is not None
        line.update(text or "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.asking is not None:
            self.post_message(self.Guessed(self.asking, event.value))
