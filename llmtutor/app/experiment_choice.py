"""Which experiment to run, for a lesson that offers several (l on a step without its own)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from llmtutor.run_settings import Experiment
from llmtutor.safe_text import visible


def describe_runs(experiment: Experiment) -> str:
    """ "2 runs" (or "1 run"), for lists of experiments."""
    count = len(experiment.runs)
    return f"{count} run" + ("s" if count != 1 else "")


class ExperimentChoice(ModalScreen[Experiment | None]):
    """The lesson's experiments, one per line: Enter runs the highlighted one."""

    # Here rather than in tutor.tcss: the dialog is all this module draws.
    DEFAULT_CSS = """
    ExperimentChoice {
        align: center middle;
        background: $background 60%;
    }
    #experiment-list {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $text;
        background: $surface;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back to the lesson"),
    ]

    def __init__(self, experiments: list[Experiment]) -> None:
        super().__init__()
        self.experiments = experiments

    def compose(self) -> ComposeResult:
        # A lesson file's titles are text: given as Text, never read as markup.
        options = [
            Option(
                Text.assemble(
                    visible(experiment.title, one_line=True),
                    (f"  {describe_runs(experiment)}", "dim"),
                )
            )
            for experiment in self.experiments
        ]
        choices = OptionList(*options, id="experiment-list")
        choices.border_title = "Run an experiment"
        choices.border_subtitle = "Enter runs it · Esc goes back"
        yield choices

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.experiments[event.option_index])

    def action_close(self) -> None:
        self.dismiss(None)
