"""Reveal patterns: `*` and number ranges such as `{5..}`, expanded against a trace's names,
and checked by `llmtutor check`. Expected lists are written out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmtutor.curriculum import LessonFileError, load_lesson
from llmtutor.curriculum.model import expand

# Names as an Adam run of 6 steps gives them, in trace order, with look-alikes.
NAMES = [
    *(f"{family}_{t}" for t in range(1, 7) for family in ("g", "m", "update", "w")),
    "update_1_raw",
    "bias1_10",
    "lowest_update",
]


def test_a_star_stands_for_letters_and_digits_without_underscores() -> None:
    assert expand(["update_*"], NAMES) == [f"update_{t}" for t in range(1, 7)]


def test_a_range_keeps_its_numbers() -> None:
    assert expand(["m_{5..}"], NAMES) == ["m_5", "m_6"]
    assert expand(["m_{2..3}"], NAMES) == ["m_2", "m_3"]
    assert expand(["m_{7..}"], NAMES) == []
    assert expand(["bias1_{1..9}"], NAMES) == []  # 10 is out of range


def test_ranges_of_one_list_go_step_by_step() -> None:
    patterns = ["lowest_update", "g_{5..}", "m_{5..}", "update_{4..}", "w_{5..}"]
    assert expand(patterns, NAMES) == [
        "lowest_update",
        "update_4",
        *("g_5", "m_5", "update_5", "w_5"),
        *("g_6", "m_6", "update_6", "w_6"),
    ]


def test_a_name_comes_once() -> None:
    assert expand(["update_{5..}", "update_*"], NAMES) == [
        "update_5",
        "update_6",
        *(f"update_{t}" for t in range(1, 5)),
    ]


ADAM = """\
id = "ranges"
title = "Ranges"
computation = "adam"

[inputs]
gradients = [1, 2]

[[steps]]
title = "Later steps"
text = "Later steps."
reveal = [{pattern}]
"""


def test_check_takes_a_range_that_these_inputs_leave_empty(tmp_path: Path) -> None:
    path = tmp_path / "ranges.toml"
    path.write_text(ADAM.format(pattern='"m_{5..}", "mhat_{5..}"'), encoding="utf-8")
    lesson = load_lesson(path)
    assert lesson.steps[0].reveal == ("m_{5..}", "mhat_{5..}")
    trace = lesson.compute({"gradients": (1.0,) * 6})
    assert lesson.reveals(0, trace) == ["m_5", "mhat_5", "m_6", "mhat_6"]


def test_check_refuses_a_range_over_names_that_do_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "ranges.toml"
    path.write_text(ADAM.format(pattern='"mhta_{5..}"'), encoding="utf-8")
    with pytest.raises(LessonFileError) as raised:
        load_lesson(path)
    [problem] = raised.value.problems
    assert "produces no value 'mhta_{5..}'" in problem.message
    assert (problem.line, problem.column) == (11, 11)  # at the name in `reveal`
