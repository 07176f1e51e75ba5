"""The values table: where a computation's parts share short symbols (the landscape lesson's
maps all have an "L end GD"), each part's values stand under its own heading."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

from rich.console import Console

from llmtutor.curriculum import load_catalog
from llmtutor.engine import COMPUTATIONS
from llmtutor.render import values_table

LESSON_FILE = Path(__file__).resolve().parents[2] / "lessons" / "landscape.toml"


def text_of(table: object, width: int = 60) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(table)
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_each_maps_values_stand_under_that_maps_heading() -> None:
    lesson = load_catalog().get("landscape")
    assert lesson is not None
    trace = COMPUTATIONS["landscape"].run({})
    steps = tomllib.loads(LESSON_FILE.read_text(encoding="utf-8"))["steps"]
    lines = text_of(values_table(trace, [], lesson.all_reveals(trace)))
    # Every step's values, read from the lesson file, lie between its map's heading and the
    # next heading: the map the step draws (the toy map is the article's network).
    heading = {"toy": "the article's network"}
    for step in steps:
        title = heading.get(step["map"], f"{step['map']} map")
        start = lines.index(title)
        end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), None)
        below = lines[start + 1 : end]
        for name in step["reveal"]:
            symbol = trace[name].symbol
            assert any(line[2:].startswith(symbol + " ") for line in below), (title, symbol)
    assert sum(1 for line in lines if not line.startswith(" ")) == 5  # a heading per map


def test_a_table_of_one_part_has_no_heading() -> None:
    trace = COMPUTATIONS["landscape"].run({})
    toy = [name for name in trace if name.startswith("toy_") and not trace[name].is_input]
    lines = text_of(values_table(trace, [], toy))
    assert all(line.startswith(" ") for line in lines)
    trace = COMPUTATIONS["toy_network"].run({})
    lines = text_of(values_table(trace, ["x", "w1"], ["h", "a", "L"]))
    assert all(line.startswith(" ") for line in lines)
