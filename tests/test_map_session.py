"""Driving a map without a screen: how far the race is shown, and where the start goes."""

from __future__ import annotations

import pytest

from llmtutor.engine.landscape import compute
from llmtutor.map_session import MapSession
from llmtutor.render.landscape import map_cells


def test_stepping_runs_from_the_start_to_the_end_and_no_further() -> None:
    trace = compute(steps=30)
    race = MapSession("toy")
    assert race.at() is None  # the whole race
    assert race.forward(trace) and race.shown == 1  # replayed from its first step
    assert race.back(trace) and race.shown == 0
    assert not race.back(trace) and race.shown == 0
    race.shown = None
    assert race.back(trace) and race.shown == 29  # one back from the whole race
    assert race.forward(trace) and race.shown == 30
    assert not race.forward(trace) and race.shown == 30


def test_a_long_race_plays_in_about_two_hundred_frames() -> None:
    assert MapSession("toy").play_stride(compute(steps=150)) == 1
    long = compute(steps=1000)
    race = MapSession("toy")
    assert race.play_stride(long) == 5
    frames = 0
    race.shown = 0
    while race.forward(long, race.play_stride(long)):
        frames += 1
    assert frames == 200 and race.shown == 1000


def test_a_diverged_path_ends_the_race_where_the_longest_path_does() -> None:
    trace = compute(lr=5.0, steps=300)  # GD and momentum overflow on the toy map
    lengths = [len(trace.series[f"toy_{o}"].x) - 1 for o in ("gd", "sgd", "momentum", "adam")]
    assert min(lengths) < 300
    assert MapSession("toy").longest(trace) == max(lengths)


def test_the_start_moves_by_whole_cells_and_stays_on_the_map() -> None:
    race = MapSession("ravine")  # w1 from −4 to 4, w2 from −1 to 1
    columns, rows = map_cells(80, 20)
    values = {"ravine_w1": -3.5, "ravine_w2": 0.8}
    moved = race.moved(values, 1, -1, 80, 20)
    assert moved["ravine_w1"] == pytest.approx(round(-3.5 + 8 / columns, 4))
    assert moved["ravine_w2"] == pytest.approx(round(0.8 - 2 / rows, 4))
    far = race.moved(values, -1000, 1000, 80, 20)
    assert far == {"ravine_w1": -4.0, "ravine_w2": 1.0}
    # A click: the centre of the cell, and nothing off the cells.
    assert race.placed(0, 0, 80, 20) == {
        "ravine_w1": round(-4 + 8 * 0.5 / columns, 4),
        "ravine_w2": round(1 - 2 * 0.5 / rows, 4),
    }
    assert race.placed(columns, 0, 80, 20) is None and race.placed(0, -1, 80, 20) is None
