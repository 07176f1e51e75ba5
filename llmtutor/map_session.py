"""Driving a loss-landscape map: what the learner has done to it, free of any screen.

The lesson's inputs hold where each map's race starts and the settings; this holds the rest:
how far the race is shown (all of it, or up to one step while the learner steps or plays
it), and which optimizer's step is opened up. Moving the start gives new input values, which
the lesson computes with like any other change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from llmtutor.engine import InputValue, Trace
from llmtutor.engine.landscape import (
    OPTIMIZERS,
    SURFACES,
    Path,
    Settings,
    race,
    settings,
    start,
    start_names,
    step_trace,
)
from llmtutor.render.landscape import map_cells

DECIMALS = 4  # a start moved by the keys or the mouse is rounded to this many decimals
PLAY_FRAMES = 200  # a played race takes about this many frames, however long it is


@dataclass
class MapSession:
    surface: str
    shown: int | None = None  # the race is drawn up to this step; None: the whole race
    optimizer: str = "adam"  # whose step is opened up
    # The race last opened, by its settings and start: stepping through it opens each step
    # without running the race again.
    _raced: tuple[tuple[Settings, tuple[float, float]], dict[str, Path]] | None = field(
        default=None, repr=False
    )

    def longest(self, trace: Trace) -> int:
        """The steps of the longest path (a diverged one stops early)."""
        return max(len(trace.series[f"{self.surface}_{o}"].x) - 1 for o in OPTIMIZERS)

    def at(self) -> dict[str, int] | None:
        """The step each path is drawn up to, for the map (None: the whole race)."""
        return None if self.shown is None else dict.fromkeys(OPTIMIZERS, self.shown)

    def forward(self, trace: Trace, by: int = 1) -> bool:
        """`by` steps on (to the end at most): from the start when the whole race was on
        show. False at the end."""
        end = self.longest(trace)
        if self.shown is None:
            self.shown = min(by, end)
            return True
        if self.shown >= end:
            return False
        self.shown = min(end, self.shown + by)
        return True

    def play_stride(self, trace: Trace) -> int:
        """Steps per frame of a played race: one, or more for a long race, so that any
        race plays in about PLAY_FRAMES frames."""
        return max(1, -(-self.longest(trace) // PLAY_FRAMES))

    def back(self, trace: Trace) -> bool:
        """One step back (from the end when the whole race was on show). False at step 0."""
        shown = self.longest(trace) if self.shown is None else self.shown
        if shown <= 0:
            return False
        self.shown = shown - 1
        return True

    def next_optimizer(self) -> str:
        self.optimizer = OPTIMIZERS[(OPTIMIZERS.index(self.optimizer) + 1) % len(OPTIMIZERS)]
        return self.optimizer

    def opened(self, values: Mapping[str, InputValue]) -> Trace | None:
        """The step on show of the chosen optimizer, opened up (its gradient, its update,
        for Adam m, v, m̂ and v̂), from the lesson's input `values`; None before step 1 or
        past the end of that optimizer's path."""
        if self.shown is None or self.shown < 1:
            return None
        surface = SURFACES[self.surface]
        numbers = {k: v for k, v in values.items() if isinstance(v, int | float)}
        given = settings(numbers)
        key = (given, start(numbers, surface))
        if self._raced is None or self._raced[0] != key:  # stepping reuses the race
            self._raced = (key, race(surface, key[1], given))
        path = self._raced[1][self.optimizer]
        if self.shown > path.steps:
            return None
        return step_trace(surface, path, self.shown, given)

    def moved(
        self, values: Mapping[str, InputValue], across: int, up: int, width: int, height: int
    ) -> dict[str, float]:
        """The start moved by `across` columns and `up` rows of a map drawn `width` ×
        `height`, kept on the map: the new values of its two inputs."""
        surface = SURFACES[self.surface]
        low1, high1, low2, high2 = surface.box
        columns, rows = map_cells(width, height)
        numbers = {k: v for k, v in values.items() if isinstance(v, int | float)}
        w1, w2 = start(numbers, surface)
        w1 += across * (high1 - low1) / columns
        w2 += up * (high2 - low2) / rows
        return self._start(w1, w2)

    def placed(self, column: int, row: int, width: int, height: int) -> dict[str, float] | None:
        """The start put at the centre of cell (`column`, `row`) of a map drawn `width` ×
        `height`: the new values of its two inputs, or None off the map."""
        columns, rows = map_cells(width, height)
        if not (0 <= column < columns and 0 <= row < rows):
            return None
        low1, high1, low2, high2 = SURFACES[self.surface].box
        w1 = low1 + (high1 - low1) * (column + 0.5) / columns
        w2 = high2 - (high2 - low2) * (row + 0.5) / rows
        return self._start(w1, w2)

    def _start(self, w1: float, w2: float) -> dict[str, float]:
        low1, high1, low2, high2 = SURFACES[self.surface].box
        first, second = start_names(self.surface)
        w1 = min(high1, max(low1, round(w1, DECIMALS)))
        w2 = min(high2, max(low2, round(w2, DECIMALS)))
        return {first: w1 + 0.0, second: w2 + 0.0}  # + 0.0: never −0
