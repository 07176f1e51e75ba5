"""What the model wrote while it trained, as a timeline: each sample under its step, loss and
perplexity, oldest first, so the learner can scroll from gibberish to the sentence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

from llmtutor.engine.numbers import fmt


@dataclass(frozen=True)
class Written:
    """One sample: the greedy text after `step` steps, and the loss of the step it came at."""

    step: int  # steps taken when it was written (a sample at step 100 comes after 101)
    loss: float
    text: str
    final: bool = False  # the text written when the run ended


def shown_text(text: str) -> str:
    """The model's text as printable characters: control characters (which the model's
    vocabulary does not have, but a text is a text) as escapes, and trailing spaces, which a
    terminal would hide, as '␣' (one or two) or counted: "t⟨80 spaces⟩"."""
    escaped = repr(text)[1:-1].replace("\\'", "'")
    stripped = escaped.rstrip(" ")
    spaces = len(escaped) - len(stripped)
    return stripped + ("␣" * spaces if spaces < 3 else f"⟨{spaces} spaces⟩")


def heading(written: Written) -> str:
    """ "after step 100 · loss 2.9745 · ppl 19.6", or "final, 500 steps · …"."""
    when = f"final, {written.step} steps" if written.final else f"after step {written.step}"
    if not math.isfinite(written.loss):
        return when
    perplexity = math.exp(written.loss) if written.loss < 700 else math.inf
    return f"{when} · loss {written.loss:.4f} · ppl {fmt(perplexity, 3)}"


def timeline(entries: Sequence[Written], note: str = "") -> Text:
    """Every sample in order, each a dim heading line and the text; `note` after the last."""
    if not entries:
        return Text("")
    rows = []
    for written in entries:
        row = Text(heading(written), style="bold" if written.final else "dim")
        row.append("\n")
        row.append(shown_text(written.text))
        rows.append(row)
    shown = Text("\n").join(rows)
    if note:
        shown.append(f"\n{note}", style="dim")
    return shown
