"""The `map` step key in a lesson file: a good one loads, a broken one gives a problem at
the line and column of its `map` entry, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmtutor.curriculum import LessonFileError, load_lesson

GOOD = """\
id = "race"
title = "Race"
computation = "landscape"

[[steps]]
title = "A ravine"
map = "ravine"
text = "GD across the ravine."
"""

MAP_LINE = 'map = "ravine"'


def write(tmp_path: Path, text: str, name: str = "lesson.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    return [str(problem) for problem in caught.value.problems]


def map_position(text: str) -> tuple[int, int]:
    """The line of the `map = …` entry (1-based) and the column (1-based) of its value,
    found in the text written, not by the loader's own index."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("map"):
            return number, line.index("=") + 3  # `map = value`: the value after "= "
    raise AssertionError("no map line")


def test_a_map_step_loads_with_its_surface(tmp_path: Path) -> None:
    lesson = load_lesson(write(tmp_path, GOOD))
    (step,) = lesson.steps
    assert step.map == "ravine"
    assert step.chart == ()


def test_a_step_without_a_map_has_none(tmp_path: Path) -> None:
    lesson = load_lesson(write(tmp_path, GOOD.replace(MAP_LINE + "\n", "")))
    assert lesson.steps[0].map is None


@pytest.mark.parametrize(
    ("new", "messages"),
    [
        (
            'map = "sadle"',
            ("'map' must name a loss landscape", "(did you mean 'saddle'?)"),
        ),
        (
            'map = "Ravine"',
            ("'map' must name a loss landscape", "(did you mean 'ravine'?)"),
        ),
        (
            "map = 3",
            ("'map' must name a loss landscape, one of minima, ravine, saddle, sharp, toy",),
        ),
        (
            'map = ["ravine"]',
            ("'map' must name a loss landscape",),
        ),
    ],
)
def test_a_map_that_names_no_surface(tmp_path: Path, new: str, messages: tuple[str, ...]) -> None:
    text = GOOD.replace(MAP_LINE, new)
    path = write(tmp_path, text)
    (problem,) = problems_of(path)
    line, column = map_position(text)
    assert problem.startswith(f"{path}:{line}:{column}: "), problem
    for message in messages:
        assert message in problem, problem


def test_a_non_string_map_suggests_nothing(tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, GOOD.replace(MAP_LINE, "map = 3")))
    assert "did you mean" not in problem


def test_a_step_with_a_map_and_a_chart(tmp_path: Path) -> None:
    text = GOOD.replace(MAP_LINE, MAP_LINE + '\nchart = ["ravine_gd_loss"]')
    path = write(tmp_path, text)
    (problem,) = problems_of(path)
    line, column = map_position(text)
    assert problem.startswith(f"{path}:{line}:{column}: "), problem
    assert "a step shows a map or a chart, not both" in problem
    # The chart alone is a good step: the problem is the pair, not the chart's series.
    alone = load_lesson(write(tmp_path, text.replace(MAP_LINE + "\n", ""), "chart.toml"))
    assert alone.steps[0].chart == ("ravine_gd_loss",) and alone.steps[0].map is None


def test_a_map_on_a_computation_that_races_nothing(tmp_path: Path) -> None:
    text = GOOD.replace('computation = "landscape"', 'computation = "adam"')
    path = write(tmp_path, text)
    (problem,) = problems_of(path)
    line, column = map_position(text)
    assert problem.startswith(f"{path}:{line}:{column}: "), problem
    assert "the computation does not race optimizers on the 'ravine' map" in problem
    assert "the 'landscape' computation does" in problem


def test_every_surface_is_a_good_map(tmp_path: Path) -> None:
    for name in ("toy", "ravine", "saddle", "minima", "sharp"):
        text = GOOD.replace(MAP_LINE, f'map = "{name}"')
        assert load_lesson(write(tmp_path, text, f"{name}.toml")).steps[0].map == name


def test_each_broken_map_step_is_reported_at_its_own_line(tmp_path: Path) -> None:
    second = GOOD.split("[[steps]]")[1].replace(MAP_LINE, 'map = "sharpp"')
    text = GOOD.replace(MAP_LINE, 'map = "toyy"') + "\n[[steps]]" + second
    path = write(tmp_path, text)
    found = problems_of(path)
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if line.startswith("map")]
    assert len(found) == 2, found
    assert found[0].startswith(f"{path}:{lines[0]}:7: ") and "did you mean 'toy'" in found[0]
    assert found[1].startswith(f"{path}:{lines[1]}:7: ") and "did you mean 'sharp'" in found[1]
