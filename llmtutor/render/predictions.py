"""The model's next-character probabilities, drawn: its top guesses after a prompt, each with
its probability (a bar) and −ln p, the loss the model would pay if that character came next."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from rich.text import Text

from llmtutor.engine.numbers import fmt

BAR = "█"


class Guess(Protocol):
    @property
    def char(self) -> str: ...
    @property
    def probability(self) -> float: ...
    @property
    def loss(self) -> float: ...


def char_name(char: str) -> str:
    """A character as a learner can read it: a space is '␣' (space), others are themselves."""
    if char == " ":
        return "␣ space"
    if char == ".":
        return ". stop"
    return char if char.isprintable() else repr(char)[1:-1]


def guesses_table(guesses: Sequence[Guess], *, bar_width: int = 20, bars: bool = True) -> Text:
    """One line per guess, most likely first: the character, p, a bar of p, and −ln p; then
    what the rest of the vocabulary shares."""
    rows = [Text.assemble(("next     ", "dim"), ("p        ", "dim"), ("−ln p", "dim"))]
    for guess in guesses:
        row = Text(f"{char_name(guess.char):<8} ", style="bold")
        row.append(f"{guess.probability:.4f}   ")
        row.append(f"{fmt(guess.loss, 3) if math.isfinite(guess.loss) else '∞':<8}")
        if bars:
            filled = max(0, min(bar_width, round(guess.probability * bar_width)))
            row.append(" ")
            row.append(BAR * filled, style="cyan")
        rows.append(row)
    rest = max(0.0, 1.0 - sum(guess.probability for guess in guesses))
    rows.append(Text(f"all other characters together: p {rest:.4f}", style="dim"))
    return Text("\n").join(rows)
