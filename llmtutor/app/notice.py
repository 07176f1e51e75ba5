"""A notice that belongs to one screen, and goes when the screen goes."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Container
from textual.timer import Timer
from textual.widgets import Static

NOTICE_TIMEOUT_S = 5.0  # as long as Textual's own notifications stay


class ScreenNotice(Container):
    """Says something for a few seconds over the screen's bottom right corner, as Textual's
    notifications do. Those belong to the app and follow the learner to the next screen;
    this one is part of the screen that said it: leaving the screen (q, another lesson)
    takes it along. A notice said again replaces the one on show (no pile of copies), and
    a click puts it away. Styled in tutor.tcss: hidden until it says something, on a
    layer of its own, over the panels."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(classes="notice-text")

    @property
    def text(self) -> str:
        """What the notice says, as plain text; empty while none is on show."""
        return str(self.query_one(Static).content) if self.display else ""

    def say(self, message: str, timeout: float = NOTICE_TIMEOUT_S, error: bool = False) -> None:
        """Show `message` (text, never markup) for `timeout` seconds; an `error` is marked
        red, as Textual marks an error's notification."""
        self.query_one(Static).update(Text(message))
        self.set_class(error, "-error")
        self.display = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(timeout, self.clear)

    def clear(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.display = False

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.clear()
