"""The smallest Textual app: one Static. benchmarks/startup.py times it beside the tutor, so
the tutor's start-up is judged against what Textual itself costs on the same machine."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

READY = "minimal textual app: ready"


class MinimalApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(READY)


if __name__ == "__main__":
    MinimalApp().run()
