"""Shown instead of a cramped, garbled screen when the terminal is too small."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import ModalScreen
from textual.widgets import Static


class TooSmallScreen(ModalScreen[None]):
    def __init__(self, minimum: tuple[int, int]) -> None:
        super().__init__()
        self.minimum = minimum

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(id="too-small-message")

    def on_mount(self) -> None:
        self.refresh_message()

    def refresh_message(self) -> None:
        messages = self.query("#too-small-message")
        if not messages:
            return  # not composed yet; on_mount will say it
        width, height = self.app.size
        need_width, need_height = self.minimum
        messages.first(Static).update(
            f"This terminal is {width}×{height}.\n"
            f"llmtutor needs at least {need_width}×{need_height}:\n"
            "please make the window larger.\n\n"
            "(ctrl+q quits)"
        )
