"""Widgets that lay the shared renderers out at the width they are given."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from llmtutor.engine import Trace
from llmtutor.render import equations


class Equations(Widget):
    """The equations revealed so far; each is written on one line when the width allows."""

    DEFAULT_CSS = "Equations { height: auto; }"

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._trace: Trace | None = None
        self._names: Sequence[str] = ()
        self._new: Sequence[str] = ()

    def show(self, trace: Trace, names: Sequence[str], new: Sequence[str]) -> None:
        self._trace, self._names, self._new = trace, names, new
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        if self._trace is None or not self._names:
            return Text("Nothing computed yet: press → to begin.", style="dim")
        return equations(self._trace, self._names, self._new, width=max(20, self.size.width))
