"""Snapshots of the important screens, at a fixed terminal size.

Update on purpose with `pytest tests/test_snapshots.py --snapshot-update`, then look at every
changed SVG under tests/__snapshots__/ before committing it.
"""

from __future__ import annotations

import json

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from llmtutor.app import TutorApp, create_app
from llmtutor.app.notice import ScreenNotice
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


# Steps whose key equation once opened scrolled out of view at 80×24 (issue 11): each must
# open with its first new equation on screen. Indexes count from 0.
OPENING_AT_THE_FIRST_NEW = {
    "adam": (1, 4),
    "training-step": (4,),
    "schedule": (2,),
    "backprop": (8,),
}


def _steps_to_pin() -> list[tuple[str, int]]:
    pins = []
    for lesson in CATALOG.lessons:
        last = len(lesson.steps) - 1
        chosen = {0, last // 2, last, *OPENING_AT_THE_FIRST_NEW.get(lesson.id, ())}
        for step in sorted(chosen):
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


# --- progress and help ----------------------------------------------------------------------

PROGRESS = {
    "version": 1,
    "last_opened": "backprop",
    "lessons": {
        "loss": {"step": 4, "steps": 5, "finished": True},
        "gradients": {"step": 1, "steps": 5, "finished": True},  # finished, then went back
        "chain-rule": {"step": 3, "steps": 4, "finished": True},
        "backprop": {
            "step": 3,
            "steps": 9,
            "finished": False,
            "quiz": {"best": {"right": 3, "asked": 4}, "last": {"right": 2, "asked": 4}},
        },
        "adam": {"step": 0, "steps": 9, "finished": False},
    },
}


def test_home_screen_with_progress(snap_compare, tmp_path) -> None:
    (tmp_path / "progress.json").write_text(json.dumps(PROGRESS), encoding="utf-8")
    app = create_app(CATALOG, state_dir=tmp_path)
    app.animation_level = "none"
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_help_screen(snap_compare) -> None:
    """The keys of the home screen, its list's and the app's, made from their BINDINGS."""
    assert snap_compare(
        make_app(), press=["question_mark"], terminal_size=(80, 24), run_before=settle
    )


# --- acting on a lesson ---------------------------------------------------------------------


def test_edit_panel_with_a_changed_input(snap_compare) -> None:
    async def edit(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("e")
        # No field blinks: the focused one's cursor would show or not with the clock.
        for each in pilot.app.screen.query(Input):
            each.cursor_blink = False
        pilot.app.screen.query_one("#input-w1", Input).value = "0.7"
        await settle(pilot)

    assert snap_compare(make_app("backprop", 6), terminal_size=(80, 24), run_before=edit)


def test_help_screen_from_a_lesson(snap_compare) -> None:
    assert snap_compare(
        make_app("backprop", 2), press=["question_mark"], terminal_size=(80, 24), run_before=settle
    )


def _quiz_until(answer: str | None):
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        field = pilot.app.screen.query_one("#quiz-answer")
        field.cursor_blink = False
        if answer is not None:
            field.value = answer
            await pilot.press("enter")
        # The notices come and go on timers: keep them out (the app's and the lesson's own).
        pilot.app.clear_notifications()
        pilot.app.screen.query_one(ScreenNotice).clear()
        await settle(pilot)

    return run


def test_quiz_prompt(snap_compare) -> None:
    run = _quiz_until(None)
    assert snap_compare(make_app("adam", 1), terminal_size=(80, 24), run_before=run)


def test_quiz_reveal_after_a_wrong_prediction(snap_compare) -> None:
    run = _quiz_until("0.5")  # dL/dw1 is 1.9584: a wrong guess, then the reveal
    assert snap_compare(make_app("backprop", 6), terminal_size=(80, 24), run_before=run)


def test_pytorch_panel(snap_compare) -> None:
    """The PyTorch view with its code and values; the run's duration is fixed for the SVG."""
    from dataclasses import replace

    from llmtutor.app.torch_panel import TorchPanel
    from llmtutor.pytorch import run_view

    async def show(pilot: Pilot) -> None:
        await settle(pilot)
        screen = pilot.app.screen
        panel = screen.query_one(TorchPanel)
        panel.display = True
        screen.query_one("#values").display = False
        result = run_view("toy_network", dict(screen.lesson.defaults), screen.trace)
        panel.set_result(replace(result, seconds=0.004))
        panel.show_step(screen.lesson.revealed_through(screen.step, screen.trace), screen.trace)
        await settle(pilot)

    assert snap_compare(make_app("backprop", 6), terminal_size=(100, 30), run_before=show)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("colour", [True, False])
def test_landscape_map(snap_compare, monkeypatch, size: tuple[int, int], colour: bool) -> None:
    """The article's network as a map, in colour and with NO_COLOR (its bands then read as
    characters), on a small and a large terminal."""
    if not colour:
        monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app("landscape", 0), terminal_size=size, run_before=settle)


def test_landscape_map_driven(snap_compare) -> None:
    """m hands the keys to the map; three steps of the race, Adam's third opened up."""
    app = make_app("landscape", 3)
    assert snap_compare(
        app, press=["m", "space", "space", "space"], terminal_size=(120, 40), run_before=settle
    )
