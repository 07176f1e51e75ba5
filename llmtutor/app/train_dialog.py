"""A small dialog to change the training run's settings before restarting it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from llmtutor.app.inputs_panel import warning
from llmtutor.app.widgets import OrderedInput
from llmtutor.run_settings import RunSettings

FIELDS = (
    ("steps", "steps", "how many"),
    ("lr", "learning rate", "e.g. 0.001"),
    ("seed", "seed", "same seed, same run"),
    ("optimizer", "optimizer", "adam or sgd"),
    ("layers", "layers", "1 to 16"),
    ("residual", "residual", "yes or no"),
    ("schedule", "schedule", "constant or cosine"),
    ("warmup", "warmup", "cosine's ramp, steps"),
    ("lr_min", "lr min", "cosine's floor"),
    ("bias_correction", "bias correct.", "Adam: yes or no"),
)


def shown(value: object) -> str:
    """A setting as its field shows it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


class SettingField(OrderedInput):
    """A setting's field. Enter restarts the run from the field itself, in order after the
    keys typed before it: as a priority key of the dialog it ran first, and a value typed
    quickly (`0.01` then Enter) could be read without its last characters."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "screen.apply", "Restart")]
    IN_ORDER: ClassVar[dict[str, str]] = {"enter": "screen.apply"}


class SettingsDialog(ModalScreen[RunSettings | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "apply", "Restart"),
    ]

    def __init__(self, settings: RunSettings) -> None:
        super().__init__()
        self.settings = settings

    def compose(self) -> ComposeResult:
        with Vertical(id="settings-dialog"):
            yield Static("Restart the run with these settings", id="settings-title")
            with Grid(id="settings-grid"):
                for name, label, hint in FIELDS:
                    yield Label(label)
                    text = shown(getattr(self.settings, name))
                    yield SettingField(text, placeholder=hint, id=f"setting-{name}")
            yield Static(id="settings-error")
            yield Static("Enter restarts · Escape cancels", id="settings-help")

    def action_apply(self) -> None:
        texts = {name: self.query_one(f"#setting-{name}", Input).value for name, _, _ in FIELDS}
        try:
            settings = self.settings.with_text(**texts)
        except ValueError as error:
            self.query_one("#settings-error", Static).update(warning(error))  # quotes the typing
            return
        self.dismiss(settings)

    def action_cancel(self) -> None:
        self.dismiss(None)
