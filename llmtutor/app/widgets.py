"""Widgets that lay the shared renderers out at the width they are given."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from textual.geometry import Size
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
        self._layout_width = 0  # the width the layout is measuring us at, if it is

    def show(self, draw: Callable[[int], RenderableType]) -> None:
        self._draw = draw
        self.clear_cached_dimensions()  # the new drawing may be taller or shorter
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Measure the drawing at the width being laid out, not the width we had before.
        self._layout_width = width
        try:
            return super().get_content_height(container, viewport, width)
        finally:
            self._layout_width = 0

    def render(self) -> RenderableType:
        return self._draw(max(20, self._layout_width or self.size.width))
