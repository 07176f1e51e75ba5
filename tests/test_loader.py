"""Lesson files: the built-in ones load; broken ones give located errors, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmtutor.curriculum import (
    LessonFileError,
    builtin_lessons_dir,
    fill,
    load_catalog,
    load_lesson,
)
from llmtutor.curriculum.model import expand

GOOD = """\
id = "tiny"
title = "Tiny"
computation = "toy_network"

[inputs]
w1 = 0.7

[[steps]]
title = "Forward"
text = "The loss is {L}."
reveal = ["h", "L"]
"""


def write(tmp_path: Path, text: str, name: str = "lesson.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    return [str(problem) for problem in caught.value.problems]


def test_builtin_lessons_load_without_problems() -> None:
    catalog = load_catalog()
    assert catalog.problems == []
    backprop = catalog.ids.index("backprop")
    assert catalog.ids[backprop + 1 : backprop + 3] == ["autograd", "gradient-descent"]
    assert builtin_lessons_dir().is_dir()


def test_every_reveal_and_placeholder_exists_in_the_trace() -> None:
    for lesson in load_catalog().lessons:
        trace = lesson.compute()
        for step in lesson.steps:
            # A range such as "m_{5..}" may match nothing with the lesson's own inputs.
            fixed = [name for name in step.reveal if "{" not in name]
            assert len(expand(fixed, trace)) >= len(fixed), step.title
            assert "{" not in step.body(trace) + step.heading(trace), step.title


def test_a_good_file_loads_and_its_inputs_reach_the_engine(tmp_path: Path) -> None:
    lesson = load_lesson(write(tmp_path, GOOD))
    assert lesson.id == "tiny" and len(lesson.steps) == 1
    trace = lesson.compute()
    assert trace.value("h") == pytest.approx(2.0 * 0.7)  # x from the engine default, w1 from file
    assert fill(lesson.steps[0].text, trace) == f"The loss is {round(trace.value('L'), 4)}."


def test_placeholders_are_text_substitution_only() -> None:
    trace = load_catalog().get("backprop").compute()  # type: ignore[union-attr]
    # Only `{name}` of a computed value is replaced; anything else stays text or becomes "—".
    assert fill("{{L}} {L.__class__} {__import__}", trace) == "{L} {L.__class__} —"


def test_bad_toml_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('title = "Tiny"', "title = Tiny"))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2:")
    assert "not valid TOML" in problem


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            'computation = "toy_network"',
            'computation = "toy_netwrk"',
            3,
            "did you mean 'toy_network'",
        ),
        ("w1 = 0.7", "w9 = 0.7", 6, "has no input 'w9'"),
        ("w1 = 0.7", 'w1 = "big"', 6, "w1 must be a number"),
        ("w1 = 0.7", "w1 = nan", 6, "finite"),
        ("w1 = 0.7", "w1 = 1e300", 6, "too large"),
        ('reveal = ["h", "L"]', 'reveal = ["h", "Loss"]', 11, "produces no value 'Loss'"),
        ('text = "The loss is {L}."', 'text = "The loss is {loss}."', 10, "mentions {loss}"),
        ('title = "Forward"', 'titel = "Forward"', 9, "unknown step key 'titel'"),
        ('id = "tiny"', 'id = "Tiny Lesson"', 1, "lower-case"),
    ],
)
def test_each_problem_names_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    found = problems_of(path)
    assert any(p.startswith(f"{path}:{line}:") and message in p for p in found), found


def test_missing_keys_are_reported(tmp_path: Path) -> None:
    found = problems_of(write(tmp_path, 'id = "x"\n'))
    text = "\n".join(found)
    for key in ("title", "computation", "steps"):
        assert f"missing '{key}'" in text or f"missing {key!r}" in text


def test_empty_and_wrongly_typed_steps(tmp_path: Path) -> None:
    no_steps = "steps = []\n" + GOOD.split("[[steps]]")[0]
    assert any("at least one step" in p for p in problems_of(write(tmp_path, no_steps)))
    found = problems_of(write(tmp_path, GOOD.replace('reveal = ["h", "L"]', 'reveal = "h"')))
    assert any(":11:" in p and "list of value names" in p for p in found)


def test_unreadable_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    (problem,) = problems_of(path)
    assert str(path) in problem


def test_catalog_skips_bad_files_and_duplicate_ids(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    write(tmp_path, "this is not toml", "c.toml")
    catalog = load_catalog(tmp_path)
    assert catalog.ids == ["tiny"]
    messages = [str(p) for p in catalog.problems]
    assert any("b.toml:1:" in m and "also used by" in m for m in messages)
    assert any("c.toml:1" in m for m in messages)


# --- the app's catalog: computations run when a lesson is opened ---------------------------

BAD_NAME = GOOD.replace('reveal = ["h", "L"]', 'reveal = ["h", "Lx"]')


def test_a_catalog_without_runs_checks_the_names_when_the_lesson_is_opened(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, BAD_NAME)
    assert [str(p) for p in load_catalog(tmp_path).problems] == problems_of(path)

    catalog = load_catalog(tmp_path, run=False)
    assert catalog.problems == [] and catalog.ids == ["tiny"]  # listed, not yet run
    with pytest.raises(LessonFileError) as caught:
        catalog.checked(catalog.entries[0])
    (problem,) = caught.value.problems
    assert problem.line == 11 and "no value 'Lx'" in problem.message


def test_checking_an_opened_lesson_keeps_its_place_and_is_done_once(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    override = tmp_path / "override"
    override.mkdir()
    write(override, GOOD.replace('title = "Tiny"', 'title = "Tinier"'))
    catalog = load_catalog(tmp_path, extra_dirs=[override], run=False)
    listed = catalog.entries[0]
    opened = catalog.checked(listed)
    assert opened.title == "Tinier" and opened.order == listed.order
    assert catalog.entries == [opened]
    assert catalog.checked(opened) is opened  # not read again


def test_a_fully_loaded_catalog_gives_its_lessons_as_they_are() -> None:
    catalog = load_catalog()
    lesson = catalog.lessons[0]
    assert catalog.checked(lesson) is lesson


def test_a_training_lessons_text_may_only_name_the_runs_figures(tmp_path: Path) -> None:
    text = 'id = "run"\ntitle = "Run"\nkind = "training"\ntext = "V = {vocab}, d = {widht}"\n'
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith(f"{tmp_path / 'lesson.toml'}:4:")
    assert "mentions {widht}, which the live run does not produce (did you mean 'width'?)" in (
        problem
    )
    good = load_lesson(write(tmp_path, text.replace("widht", "width"), "good.toml"))
    assert good.intro == "V = 28, d = 64"  # type: ignore[union-attr]
