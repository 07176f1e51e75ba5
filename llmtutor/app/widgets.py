"""Widgets that lay the shared renderers out at the width they are given."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from textual.widget import Widget


class WidthAware(Widget):
    """Shows what a function draws for the widget's current width, redrawn on resize.

    The renderers decide how to use the room (one-line or wrapped equations, a diagram
    spread over a wide terminal); this widget only tells them how much room there is.
    """

    DEFAULT_CSS = "WidthAware { height: auto; }"

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._draw: Callable[[int], RenderableType] = lambda width: ""

    def show(self, draw: Callable[[int], RenderableType]) -> None:
        self._draw = draw
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        return self._draw(max(20, self.size.width))
