"""A loss landscape as a map in the terminal: the surface in bands of loss, the optimizers'
paths over it, axes for w1 (across) and w2 (up), and a legend.

Each cell shows the band of the loss at its centre twice over: as its background colour
(deep blue for the lowest band, yellow for the highest) and as a character whose density
rises with the loss (blank, ·, :, -, =, +, *, #, %), so the map still reads where colour is
off (`NO_COLOR`, a pipe). The bands are cut at quantiles of the losses the map samples:
each band holds about as many cells as the next, and a lower band never holds a higher loss.

Each optimizer leaves its letter in the cells its path passes through (g, s, m, a), in capitals
where it is now; where two meet, the later one in the legend's order is drawn over. The start
is ○, under the capitals only.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from llmtutor.engine.landscape import OPTIMIZERS, SURFACES, Path, Surface
from llmtutor.engine.numbers import fmt
from llmtutor.engine.trace import Trace

BAND_CHARACTERS = " ·:-=+*#%"
BAND_COLOURS = (
    "#0b1d51",
    "#14306b",
    "#1f4e79",
    "#2a6f86",
    "#3f8f7f",
    "#6aa56b",
    "#a3b956",
    "#d3c84f",
    "#f4d35e",
)
MARKS = {"gd": "g", "sgd": "s", "momentum": "m", "adam": "a"}
# Bright letters on a black cell: they stand out on every band, and still do in shades of
# grey where colour is off (Textual's NO_COLOR turns colours into their brightness).
MARK_STYLES = {
    "gd": "bold #ffffff",
    "sgd": "bold #ff80ff",
    "momentum": "bold #66e0ff",
    "adam": "bold #ffa040",
}
MARK_BACKGROUND = "on #000000"
NAMES = {"gd": "GD", "sgd": "SGD", "momentum": "momentum", "adam": "Adam"}
GUTTER = 7  # columns of the w2 labels at the left
START = "○"  # where the race starts, drawn over the trails, under where each path is now


@dataclass(frozen=True)
class Grid:
    """The map's cells: the w1 and w2 at each column's and row's centre, and each cell's
    loss (rows from the top, so w2 falls as the row number rises)."""

    w1: tuple[float, ...]
    w2: tuple[float, ...]
    loss: tuple[tuple[float, ...], ...]

    def cell(self, w1: float, w2: float) -> tuple[int, int] | None:
        """The (row, column) holding the point, or None when it is off the map."""
        columns, rows = len(self.w1), len(self.w2)
        step1 = (self.w1[-1] - self.w1[0]) / max(columns - 1, 1)
        step2 = (self.w2[0] - self.w2[-1]) / max(rows - 1, 1)
        if not (math.isfinite(w1) and math.isfinite(w2)):
            return None
        column = round((w1 - self.w1[0]) / step1) if step1 else 0
        row = round((self.w2[0] - w2) / step2) if step2 else 0
        if 0 <= column < columns and 0 <= row < rows:
            return row, column
        return None


def map_cells(width: int, height: int) -> tuple[int, int]:
    """The columns and rows of loss cells in a map drawn `width` × `height` (the rest is
    axes and legend). Odd counts: the middle row and column sit on the middle of the box
    (w2 = 0 on the saddle's ridge, not half a cell off it)."""
    columns, rows = max(9, width - GUTTER), max(5, height - 2)
    return columns - (1 - columns % 2), rows - (1 - rows % 2)


def grid(surface: Surface, columns: int, rows: int) -> Grid:
    low1, high1, low2, high2 = surface.box
    w1 = tuple(low1 + (high1 - low1) * (i + 0.5) / columns for i in range(columns))
    w2 = tuple(high2 - (high2 - low2) * (j + 0.5) / rows for j in range(rows))
    return Grid(w1, w2, tuple(tuple(surface.value(a, b) for a in w1) for b in w2))


@functools.lru_cache(maxsize=16)
def _banded(surface: Surface, columns: int, rows: int) -> tuple[Grid, tuple[float, ...]]:
    """The map's cells and its bands' edges: the same for every frame of a race played on
    it, so worked out once per map and size."""
    cells = grid(surface, columns, rows)
    return cells, band_edges([value for row in cells.loss for value in row])


def band_edges(losses: Sequence[float], bands: int = len(BAND_CHARACTERS)) -> tuple[float, ...]:
    """The losses at which each band above the lowest begins: quantiles of `losses`."""
    ordered = sorted(value for value in losses if math.isfinite(value))
    if not ordered:
        return ()
    return tuple(ordered[min(len(ordered) - 1, len(ordered) * k // bands)] for k in range(1, bands))


def band(loss: float, edges: Sequence[float]) -> int:
    """The band of a loss: how many edges it has reached (0 is the lowest)."""
    if not math.isfinite(loss):
        return len(edges)
    return sum(loss >= edge for edge in edges)


def draw_map(
    surface: Surface,
    paths: Mapping[str, Path],
    width: int,
    height: int,
    at: Mapping[str, int] | None = None,
) -> Text:
    """The map in `width` × `height` cells (axes included). `at`: the step each path has
    reached (default: its end); the paths are drawn up to it."""
    columns, rows = map_cells(width, height)
    cells, edges = _banded(surface, columns, rows)
    marks: dict[tuple[int, int], tuple[str, str]] = {}
    ends: dict[tuple[int, int], tuple[str, str]] = {}  # drawn over every trail
    for optimizer, path in paths.items():
        last = path.steps if at is None else min(at.get(optimizer, path.steps), path.steps)
        letter, style = MARKS[optimizer], MARK_STYLES[optimizer]
        for step in range(last + 1):
            where = cells.cell(path.w1[step], path.w2[step])
            if where is not None:
                marks[where] = (letter, style)
        where = cells.cell(path.w1[last], path.w2[last])
        if where is not None:
            ends[where] = (letter.upper(), style)
    for path in paths.values():  # the start, over the trails that leave it
        where = cells.cell(path.w1[0], path.w2[0])
        if where is not None:
            marks[where] = (START, "bold #ffffff")
    marks.update(ends)  # where each path is now, over everything
    lines = []
    for row in range(rows):
        label = _label(cells.w2[row]) if row in (0, rows // 2, rows - 1) else ""
        line = Text(f"{label[: GUTTER - 1]:>{GUTTER - 1}} ", style="dim")
        for column in range(columns):
            level = band(cells.loss[row][column], edges)
            background = f"on {BAND_COLOURS[level]}"
            mark = marks.get((row, column))
            if mark is not None:
                line.append(mark[0], style=f"{mark[1]} {MARK_BACKGROUND}")
            else:
                line.append(BAND_CHARACTERS[level], style=f"dim {background}")
        lines.append(line)
    axis = Text(" " * GUTTER, style="dim")
    left, right = _label(surface.box[0]), _label(surface.box[1])
    middle = "w1 →"
    gap = max(1, columns - len(left) - len(right) - len(middle))
    axis.append(left + " " * (gap // 2) + middle + " " * (gap - gap // 2) + right)
    lines.append(axis)
    lines.append(legend(paths, edges))
    drawing = Text("\n").join(lines)
    drawing.no_wrap = True
    return drawing


def legend(paths: Mapping[str, Path], edges: Sequence[float]) -> Text:
    """Which letter is which optimizer (capital: where it is now), and the loss the bands
    span, lowest to highest."""
    text = Text("w2 ↑  ", style="dim")
    text.append(f"{START} start  ")
    for optimizer in paths:
        text.append(MARKS[optimizer], style=MARK_STYLES[optimizer])
        text.append(f" {NAMES[optimizer]}  ")
    if edges:
        low, high = _label(edges[0]), _label(edges[-1])
        text.append(f"L: '{BAND_CHARACTERS[0]}' < {low} … '{BAND_CHARACTERS[-1]}' ≥ {high}", "dim")
    return text


def _label(value: float) -> str:
    return fmt(value, 2)


def trace_paths(trace: Trace, surface: str) -> dict[str, Path]:
    """The paths a `landscape` trace holds for `surface`, by optimizer."""
    paths = {}
    for optimizer in OPTIMIZERS:
        where, loss = (
            trace.series[f"{surface}_{optimizer}"],
            trace.series[f"{surface}_{optimizer}_loss"],
        )
        paths[optimizer] = Path(optimizer, where.x, where.y, loss.y)
    return paths


def race_map(
    trace: Trace, surface: str, width: int, height: int, at: Mapping[str, int] | None = None
) -> Text:
    """The map of `surface` with the race a `landscape` trace holds on it."""
    return draw_map(SURFACES[surface], trace_paths(trace, surface), width, height, at)


TABLE_FIRST = 10  # a path's table lists its first steps one by one...
TABLE_EVERY = 10  # ...then every 10th, and its last


def table_steps(steps: int) -> list[int]:
    """The steps a path's table lists: 0 to 10, then every 10th, then the last."""
    shown = [k for k in range(steps + 1) if k <= TABLE_FIRST or k % TABLE_EVERY == 0]
    if shown[-1] != steps:
        shown.append(steps)
    return shown


def path_table(path: Path, title: str) -> Table:
    """One optimizer's path: step, w1, w2 and L (the first steps, every 10th, the last)."""
    table = Table(title=Text(title), title_justify="left", box=None, pad_edge=False)
    for heading in ("step", "w1", "w2", "L"):
        table.add_column(heading, justify="right", no_wrap=True)
    for k in table_steps(path.steps):
        table.add_row(str(k), fmt(path.w1[k]), fmt(path.w2[k]), fmt(path.loss[k]))
    return table
