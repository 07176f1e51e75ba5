"""Snapshots of the important screens, at a fixed terminal size.

Update on purpose with `pytest tests/test_snapshots.py --snapshot-update`, then look at every
changed SVG under tests/__snapshots__/ before committing it.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from llmtutor.app import TutorApp, create_app
from llmtutor.curriculum import load_catalog

CATALOG = load_catalog()


def make_app(lesson_id: str | None = None, step: int = 0) -> TutorApp:
    lesson = CATALOG.get(lesson_id) if lesson_id else None
    app = create_app(CATALOG, lesson=lesson, step=step)
    app.animation_level = "none"
    return app


async def settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.pause()


def test_home_screen(snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=settle)


def _steps_to_pin() -> list[tuple[str, int]]:
    pins = []
    for lesson in CATALOG.lessons:
        last = len(lesson.steps) - 1
        for step in sorted({0, last // 2, last}):
            pins.append((lesson.id, step))
    return pins


@pytest.mark.parametrize(("lesson_id", "step"), _steps_to_pin())
def test_lesson_step(snap_compare, lesson_id: str, step: int) -> None:
    assert snap_compare(make_app(lesson_id, step), terminal_size=(80, 24), run_before=settle)


def test_lesson_uses_a_large_terminal(snap_compare) -> None:
    app = make_app("backprop", 7)
    assert snap_compare(app, terminal_size=(120, 40), run_before=settle)


def test_stepping_with_keys_matches_opening_at_a_step(snap_compare) -> None:
    """Enter from the home screen and step forward with the keyboard."""
    app = make_app()
    assert snap_compare(
        app,
        press=["enter", "right", "space", "n", "left"],
        terminal_size=(80, 24),
        run_before=settle,
    )


def test_a_too_small_terminal_asks_for_more_room(snap_compare) -> None:
    assert snap_compare(make_app("backprop", 4), terminal_size=(40, 10), run_before=settle)
