"""The exercise screen, driven as a learner drives it: the file is written, saved again,
checked each time (for real, in a separate process), with hints and the worked solution.

Each wait is for a condition (the check's verdict arriving), never for a time; the checks
run real processes, which on a busy machine take seconds.
"""

from __future__ import annotations

import asyncio
import functools
import io
import os
import shutil
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot

from llmtutor.app import TutorApp, create_app
from llmtutor.app.exercise import ExerciseScreen
from llmtutor.app.notice import ScreenNotice
from llmtutor.curriculum import load_catalog
from llmtutor.curriculum.exercises import builtin_exercises_dir, load_exercises
from llmtutor.progress import Progress

CATALOG = load_catalog()
EXERCISES = load_exercises(lesson_order=CATALOG.ids)
SOLUTION = builtin_exercises_dir() / "backprop_solution.py"
CHECK_WAIT_S = 120.0  # a check on a loaded machine: a process start and 51 input sets


def synchronously(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """A test written as a coroutine, run to its end (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def backprop_app(folder: Path, state_dir: Path | None = None) -> tuple[TutorApp, Path]:
    from llmtutor.exercise_session import write_starter

    exercise = EXERCISES.get("backprop")
    assert exercise is not None
    path, written = write_starter(exercise, folder)
    assert written
    app = create_app(CATALOG, exercise=(exercise, path), exercises_dir=folder, state_dir=state_dir)
    app.animation_level = "none"
    return app, path


async def wait_for(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    """Pause until `condition` holds; fail, naming `what`, if it never does."""
    deadline = asyncio.get_running_loop().time() + CHECK_WAIT_S
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"waited {CHECK_WAIT_S:g} s for {what}")
        await pilot.pause(0.05)


def screen(app: TutorApp) -> ExerciseScreen:
    assert isinstance(app.screen, ExerciseScreen)
    return app.screen


def checked(app: TutorApp, count: int) -> Callable[[], bool]:
    return lambda: isinstance(app.screen, ExerciseScreen) and screen(app).session.checks >= count


def save(path: Path, source: Path | str) -> None:
    """Save the learner's file as an editor would, so that its size or time changes."""
    text = source.read_text("utf-8") if isinstance(source, Path) else source
    before = path.stat()
    path.write_text(text, "utf-8")
    after = path.stat()
    if (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size):
        os.utime(path, ns=(after.st_atime_ns, after.st_mtime_ns + 1_000_000))


def text_of(widget: Any) -> str:
    """What a Static shows, as plain text (its renderable drawn 78 columns wide)."""
    console = Console(width=78, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def status(app: TutorApp) -> str:
    return str(app.screen.query_one("#exercise-status").render())


@synchronously
async def test_saving_a_right_solution_is_checked_and_passes(tmp_path: Path) -> None:
    state = tmp_path / "state"
    app, path = backprop_app(tmp_path / "exercises", state)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, checked(app, 1), "the starter's check")
        verdict = screen(app).session.verdict
        assert verdict is not None and verdict.status == "wrong"
        assert verdict.wrong is not None and verdict.wrong.row.name == "h"  # the first
        assert "✗ not yet" in status(app)
        save(path, SOLUTION)
        await wait_for(pilot, checked(app, 2), "the check after the save")
        assert screen(app).session.passed
        assert "✓ passed" in status(app)
        assert "s shows the worked solution" in app.screen.query_one(ScreenNotice).text
    saved = Progress.load(state / "progress.json")[0].exercise("backprop")
    assert saved is not None
    assert (saved.passed, saved.attempts, saved.gave_up) == (True, 2, False)


@synchronously
async def test_hints_come_one_level_at_a_time_for_the_first_wrong_value(tmp_path: Path) -> None:
    app, path = backprop_app(tmp_path)
    wrong = SOLUTION.read_text("utf-8").replace("2 * (y - target)", "2 * (target - y)")
    assert wrong != SOLUTION.read_text("utf-8")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, checked(app, 1), "the first check")
        save(path, wrong)
        await wait_for(pilot, checked(app, 2), "the check of the wrong sign")
        verdict = screen(app).session.verdict
        assert verdict is not None and verdict.wrong is not None
        assert verdict.wrong.row.name == "dL_dy"
        assert [m.id for m in verdict.wrong.mistakes] == ["sign"]
        shown = app.screen.query_one("#exercise-verdict")
        for level in (1, 2, 3):
            await pilot.press("h")
            hint = screen(app).session.hint
            assert hint is not None and (hint.name, hint.level) == ("dL_dy", level)
            text = text_of(shown)
            assert f"Hint {level}" in text and f"Hint {level + 1}" not in text
        assert "dL/dy = 2 × (y − target) = 2 × (-0.36 − 1) = -2.72" in text_of(shown)
        await pilot.press("h")
        assert "every hint for dL_dy" in app.screen.query_one(ScreenNotice).text
        assert app.progress.exercise("backprop").hints == 3  # type: ignore[union-attr]


@synchronously
async def test_the_solution_before_a_pass_asks_first_and_counts_as_giving_up(
    tmp_path: Path,
) -> None:
    app, _ = backprop_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, checked(app, 1), "the first check")
        panel = app.screen.query_one("#exercise-solution")
        await pilot.press("s")
        assert not panel.display
        assert "Press s again" in app.screen.query_one(ScreenNotice).text
        await pilot.press("s")
        assert panel.display
        worked = text_of(app.screen.query_one("#exercise-worked-code"))
        assert "def forward_backward" in worked
        entry = app.progress.exercise("backprop")
        assert entry is not None and entry.gave_up and not entry.passed
        await pilot.press("s")  # back to the check
        assert not panel.display


@synchronously
async def test_x_on_the_home_screen_opens_the_lesson_exercise(tmp_path: Path) -> None:
    app = create_app(CATALOG, exercises_dir=tmp_path / "mine")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "down")  # 4. Backpropagation
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExerciseScreen)
        assert app.screen.session.exercise.id == "backprop"
        assert (tmp_path / "mine" / "backprop.py").read_text("utf-8") == (
            EXERCISES.get("backprop").starter  # type: ignore[union-attr]
        )
        await wait_for(pilot, checked(app, 1), "the first check")
        await pilot.press("q")
        assert not isinstance(app.screen, ExerciseScreen)


@synchronously
async def test_a_file_that_disappears_is_reported_and_checked_again_when_back(
    tmp_path: Path,
) -> None:
    app, path = backprop_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, checked(app, 1), "the first check")
        moved = tmp_path / "away.py"
        shutil.move(path, moved)

        def missing() -> bool:
            verdict = screen(app).session.verdict
            return verdict is not None and "does not exist" in verdict.summary

        await wait_for(pilot, missing, "the notice of the missing file")
        assert screen(app).session.checks == 1  # a file that is not there is not a check
        assert app.progress.exercise("backprop").attempts == 1  # type: ignore[union-attr]
        shutil.move(moved, path)
        save(path, SOLUTION)
        await wait_for(pilot, checked(app, 2), "the check of the file back")
        assert screen(app).session.passed


# -- snapshots ----------------------------------------------------------------------------


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in tmp_path, so the screen shows the same relative path in every run."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _snapshot_app(source: str | None) -> TutorApp:
    app, path = backprop_app(Path("llmtutor-exercises"))
    if source is not None:
        path.write_text(source, "utf-8")
    return app


async def _checked_once(pilot: Pilot) -> None:
    await wait_for(pilot, checked(pilot.app, 1), "the check")  # type: ignore[arg-type]
    # The pass's notice goes after 5 s: put away now, so a slow run draws the same screen.
    pilot.app.screen.query_one(ScreenNotice).clear()
    await pilot.pause()


def test_snapshot_of_a_failing_check(snap_compare, in_tmp: Path) -> None:
    wrong = SOLUTION.read_text("utf-8").replace("dL_dy * a", "dL_dy * w3")
    app = _snapshot_app(wrong)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_checked_once)


def test_snapshot_of_a_passing_check(snap_compare, in_tmp: Path) -> None:
    app = _snapshot_app(SOLUTION.read_text("utf-8"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_checked_once)


def test_snapshot_of_the_keys_of_the_exercise_screen(snap_compare, in_tmp: Path) -> None:
    async def help_open(pilot: Pilot) -> None:
        await _checked_once(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    app = _snapshot_app(None)
    assert snap_compare(app, terminal_size=(80, 24), run_before=help_open)


@synchronously
async def test_exercise_texts_are_shown_as_written_never_as_markup(tmp_path: Path) -> None:
    import dataclasses

    from llmtutor.exercise_session import write_starter

    original = EXERCISES.get("backprop")
    assert original is not None
    hostile = "[@click=app.quit]Draft[/] [/WIP] [link=file:///etc/passwd]x[/link]"
    exercise = dataclasses.replace(
        original,
        title=hostile,
        text=hostile,
        hints={topic: hostile for topic in original.hints},
        mistakes={mistake: hostile for mistake in original.mistakes},
    )
    path, _ = write_starter(exercise, tmp_path)
    save(path, SOLUTION.read_text("utf-8").replace("2 * (y - target)", "2 * (target - y)"))
    app = create_app(CATALOG, exercise=(exercise, path))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, checked(app, 1), "the check")
        await pilot.press("h")

        def words(widget_id: str) -> str:  # wrapped at 78 columns: compared word by word
            return " ".join(text_of(app.screen.query_one(widget_id)).split())

        assert hostile in words("#exercise-title")
        assert hostile in words("#exercise-intro")
        shown = words("#exercise-verdict")
        assert f"Hint 1 · Where to look: {hostile}" in shown
        assert shown.count("[/WIP]") == 2  # the mistake's text and the hint, as written
        assert app.return_code is None  # the [@click=app.quit] did nothing


@synchronously
async def test_the_solution_stands_beside_yours_on_a_wide_terminal_and_below_on_a_narrow_one(
    tmp_path: Path,
) -> None:
    app, path = backprop_app(tmp_path)
    save(path, SOLUTION)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, checked(app, 1), "the check")
        await pilot.press("s")
        yours = app.screen.query_one("#exercise-yours")
        worked = app.screen.query_one("#exercise-worked")
        assert yours.region.y < worked.region.y and yours.region.x == worked.region.x
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert yours.region.y == worked.region.y and yours.region.x < worked.region.x
