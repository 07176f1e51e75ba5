"""The sample timeline and the prediction table, drawn: headings from the loss written out
here (e^loss), text that stays printable, and what the other characters share."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from llmtutor.render.predictions import char_name, guesses_table
from llmtutor.render.timeline import Written, heading, shown_text, timeline


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("the fox", "the fox"),
        ("t" + " " * 80, "t⟨80 spaces⟩"),  # a terminal would hide them
        ("ab ", "ab␣"),
        ("it's", "it's"),
        ("a\x1b[31mb\n", "a\\x1b[31mb\\n"),  # never a control character to the terminal
    ],
)
def test_the_models_text_is_shown_printable(text: str, shown: str) -> None:
    assert shown_text(text) == shown


def test_each_sample_is_headed_by_its_step_loss_and_perplexity() -> None:
    entries = [
        Written(0, 3.52, "trly"),
        Written(100, 0.4027, "the s"),
        Written(500, 0.05, "the", True),
    ]
    lines = timeline(entries, "memorised").plain.splitlines()
    assert lines[0] == f"after step 0 · loss 3.5200 · ppl {math.exp(3.52):.3g}"
    assert lines[2] == f"after step 100 · loss 0.4027 · ppl {math.exp(0.4027):.3g}"
    assert lines[4].startswith("final, 500 steps · loss 0.0500 · ppl 1.05")
    assert lines[1::2][:3] == ["trly", "the s", "the"] and lines[-1] == "memorised"
    assert heading(Written(7, math.nan, "x")) == "after step 7"


@dataclass(frozen=True)
class Guess:
    char: str
    probability: float
    loss: float


def test_the_prediction_table_rows_and_what_the_rest_share() -> None:
    guesses = [Guess(c, p, -math.log(p)) for c, p in ((" ", 0.5), ("x", 0.25), (".", 0.125))]
    lines = guesses_table(guesses, bar_width=8).plain.splitlines()
    assert lines[1].split()[:4] == ["␣", "space", "0.5000", f"{-math.log(0.5):.3g}"]
    assert lines[1].endswith("█" * 4) and lines[2].endswith("█" * 2)
    assert lines[3].split()[:3] == [".", "stop", "0.1250"]
    assert lines[-1] == "all other characters together: p 0.1250"
    assert "█" not in guesses_table(guesses, bars=False).plain
    assert char_name("\x07") == "\\x07"
