"""The prediction view: the learner types a prompt and sees the trained model's five likeliest
next characters, with p and −ln p, and what it writes from there, greedy and sampled.

Opened by the training screen only while the run's loop is not touching the model (it has
said Paused, or finished). The model is read by a `reader` (the training process's, which
answers between steps), called from a thread worker, so the screen never waits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from llmtutor.engine.live_run import PARAGRAPH
from llmtutor.render.predictions import guesses_table
from llmtutor.render.timeline import shown_text
from llmtutor.run_types import VOCAB, Reading, unknown_characters
from llmtutor.safe_text import excerpt, visible

# (prompt, temperature, seed, characters to write) → the model's reading: training.read's
Reader = Callable[[str, float, int, int], Reading]

DEFAULT_PROMPT = PARAGRAPH[:18]  # "the quick brown fo"
WRITE = 40  # characters written after the prompt, greedy and sampled
MAX_TEMPERATURE = 100.0
SHOWN = 24  # characters of the prompt shown before what the model writes


class Predicted(Message):
    """The worker's answer for one (prompt, temperature, seed)."""

    def __init__(self, asked: tuple[str, float, int], shown: Text) -> None:
        super().__init__()
        self.asked, self.shown = asked, shown


def read_temperature(text: str) -> float:
    """The typed temperature; ValueError says what is wrong."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"temperature must be a number, not {excerpt(text.strip())}") from None
    if not (math.isfinite(value) and 0 < value <= MAX_TEMPERATURE):
        raise ValueError(f"temperature must be above 0 and at most {MAX_TEMPERATURE:g}")
    return value


class PredictScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+n", "another", "Another sample"),
    ]

    def __init__(self, reader: Reader, when: str, seed: int) -> None:
        """`reader`: reads the trained model (left alone by its loop while this is open);
        `when`: which model it is ("after 230 steps"); `seed`: the first sample's seed."""
        super().__init__()
        self.reader, self.when, self.seed = reader, when, seed
        self.asked: tuple[str, float, int] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="predict-dialog"):
            yield Static(id="predict-title")
            with Grid(id="predict-grid"):
                yield Label("prompt")
                yield Input(DEFAULT_PROMPT, id="predict-prompt")
                yield Label("temperature")
                yield Input("1", id="predict-temperature")
            yield Static(id="predict-guesses")
            yield Static(id="predict-written")
            yield Static(
                "Type to change · Tab: next field · Ctrl+N: another sample · Escape: back",
                id="predict-help",
            )

    def on_mount(self) -> None:
        title = Text("What comes next? ", style="bold")
        title.append(f"The model {self.when}.", style="dim")
        self.query_one("#predict-title", Static).update(title)
        self.query_one("#predict-prompt", Input).focus()
        self._ask()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._ask()

    def action_another(self) -> None:
        self.seed += 1
        self._ask()

    def action_close(self) -> None:
        self.dismiss(None)

    def _ask(self) -> None:
        prompt = self.query_one("#predict-prompt", Input).value
        problem = ""
        try:
            temperature = read_temperature(self.query_one("#predict-temperature", Input).value)
        except ValueError as error:
            problem, temperature = str(error), 1.0
        missing = unknown_characters(prompt)
        if not prompt:
            problem = "Type a few characters of the sentence: the model continues them."
        elif missing:
            letters = "".join(c for c in VOCAB if c.isalpha())
            problem = (
                f"The model knows only its {len(VOCAB)} characters ({letters[0]}–{letters[-1]} "
                f"in lower case, space and full stop), not {excerpt(''.join(missing))}."
            )
        if problem:
            self.asked = None
            self.query_one("#predict-guesses", Static).update(Text(problem, style="bold red"))
            self.query_one("#predict-written", Static).update("")
            return
        self.asked = (prompt, temperature, self.seed)
        self._predict(self.asked)

    @work(thread=True, exclusive=True, group="predict", exit_on_error=False)
    def _predict(self, asked: tuple[str, float, int]) -> None:
        prompt, temperature, seed = asked
        try:
            reading = self.reader(prompt, temperature, seed, WRITE)
        except Exception as error:  # a device that went away, a run that ended: say so
            failed = Text(f"The model could not be read: {visible(str(error))}", style="bold red")
            self.post_message(Predicted(asked, failed))
            return
        guesses, greedy, drawn = reading.guesses, reading.greedy, reading.sampled
        shown = Text(f"Next character after the prompt (temperature {temperature:g}):\n")
        shown.append_text(guesses_table(guesses))
        # A long prompt is shown by its end, the part the model reads and continues.
        lead = shown_text(prompt if len(prompt) <= SHOWN else "…" + prompt[-SHOWN:])
        shown.append("\n\ngreedy   ", style="dim")
        shown.append(lead, style="dim")
        shown.append(shown_text(greedy[len(prompt) :]), style="bold")
        shown.append("\nsampled  ", style="dim")
        shown.append(lead, style="dim")
        shown.append(shown_text(drawn[len(prompt) :]), style="bold")
        shown.append(f"\n         (drawn at temperature {temperature:g}, seed {seed})", style="dim")
        self.post_message(Predicted(asked, shown))

    def on_predicted(self, message: Predicted) -> None:
        if message.asked != self.asked:
            return  # an answer to what was typed before
        self.query_one("#predict-guesses", Static).update(message.shown)
