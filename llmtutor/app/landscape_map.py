"""The lesson's figure when it can hold a loss-landscape map the learner drives.

It draws what the lesson screen gives it, like any figure (a chart on other steps). On a
map step the learner hands it the keys (m, or a click): the arrows move the race's start,
space and [ step the race forward and back, p plays it, o picks whose step the equations
open, and m or Esc hands the keys back. It only says what was asked, as messages: the
lesson screen does it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message

from llmtutor.app.widgets import Drawing
from llmtutor.render.landscape import GUTTER


class LandscapeMap(Drawing, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1, 0)", "Move start", show=False),
        Binding("right", "move(1, 0)", "Move start", show=False),
        Binding("up", "move(0, 1)", "Move start", show=False),
        Binding("down", "move(0, -1)", "Move the start (←↑↓→)"),
        Binding("space,right_square_bracket", "race('forward')", "Step"),
        Binding("left_square_bracket", "race('back')", "Back"),
        Binding("p", "race('play')", "Play"),
        Binding("o", "race('optimizer')", "Optimizer"),
        Binding("home", "race('whole')", "Whole race", show=False),
        Binding("m,escape", "race('leave')", "Leave map"),
    ]

    class Moved(Message):
        """Move the start by `across` columns and `up` rows."""

        def __init__(self, across: int, up: int) -> None:
            super().__init__()
            self.across, self.up = across, up

    class Placed(Message):
        """Put the start at the map's cell (`column`, `row`), counted from its top left
        (a click: the screen gives the map the keys, unless a quiz question waits)."""

        def __init__(self, column: int, row: int) -> None:
            super().__init__()
            self.column, self.row = column, row

    class Asked(Message):
        """Step the race: "forward", "back", "play", "optimizer", "whole" or "leave"."""

        def __init__(self, what: str) -> None:
            super().__init__()
            self.what = what

    can_drive = False  # whether the figure on show is a map (set by the lesson screen)

    def action_move(self, across: int, up: int) -> None:
        self.post_message(self.Moved(across, up))

    def action_race(self, what: str) -> None:
        self.post_message(self.Asked(what))

    def on_click(self, event: events.Click) -> None:
        if not self.can_drive:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        self.post_message(self.Placed(offset.x - GUTTER, offset.y))

    @property
    def map_size(self) -> tuple[int, int]:
        """The width and height the map is drawn at (its cells are worked out from them)."""
        return self.drawing_width, max(0, len(self.lines.at(self.drawing_width)))
