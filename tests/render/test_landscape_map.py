"""The landscape map: bands follow the loss, the paths are where the engine put them, and the
map reads without colour."""

from __future__ import annotations

import io
import itertools

import pytest
from rich.console import Console

from llmtutor.engine.landscape import SURFACES, Settings, race
from llmtutor.render.landscape import (
    BAND_CHARACTERS,
    GUTTER,
    band,
    band_edges,
    draw_map,
    grid,
)


@pytest.mark.parametrize("name", list(SURFACES))
def test_a_lower_band_never_holds_a_higher_loss(name: str) -> None:
    cells = grid(SURFACES[name], 60, 20)
    losses = [value for row in cells.loss for value in row]
    edges = band_edges(losses)
    assert len(set(band(value, edges) for value in losses)) >= 5  # the map has bands at all
    for a, b in itertools.combinations(losses[::7], 2):
        if band(a, edges) < band(b, edges):
            assert a <= b
        elif band(a, edges) > band(b, edges):
            assert a >= b


def plain(text) -> list[str]:  # type: ignore[no-untyped-def]
    console = Console(width=100, file=io.StringIO(), no_color=True, color_system=None)
    console.print(text)
    return console.file.getvalue().splitlines()  # type: ignore[attr-defined]


def test_without_colour_the_bands_and_the_paths_still_read() -> None:
    surface = SURFACES["ravine"]
    paths = race(surface, surface.start, Settings(steps=50))
    lines = plain(draw_map(surface, paths, 80, 20))
    rows = len(lines) - 2  # under the cells: the w1 axis and the legend
    assert rows == 17  # 18 lines' room, and an odd count: a row sits on w2 = 0
    body = "".join(line[GUTTER:] for line in lines[:rows])
    assert set(BAND_CHARACTERS) - {" "} <= set(body)  # every band's character is used
    for letter in "GSMA":  # each optimizer's position now, and its trail
        assert letter in body or letter.lower() in body
    assert lines[rows].strip().startswith("-4") and lines[rows].strip().endswith("4")
    assert "w1 →" in lines[rows]
    assert lines[rows + 1].startswith("w2 ↑  ○ start  g GD  s SGD  m momentum  a Adam")


def test_a_path_ends_in_the_cell_of_its_last_position() -> None:
    surface = SURFACES["toy"]
    paths = race(surface, surface.start, Settings(steps=30))
    adam = {"adam": paths["adam"]}
    cells = grid(surface, 80 - GUTTER, 22)
    where = cells.cell(adam["adam"].w1[-1], adam["adam"].w2[-1])
    assert where is not None
    row, column = where
    lines = plain(draw_map(surface, adam, 80, 24))
    assert lines[row][GUTTER + column] == "A"
    assert sum(line.count("A") for line in lines[:22]) == 1
