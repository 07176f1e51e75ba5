"""Driving the app with keys, as a learner would (Textual's pilot, no real terminal)."""

from __future__ import annotations

import asyncio

from llmtutor.app import create_app
from llmtutor.app.lesson import LessonScreen
from llmtutor.app.too_small import TooSmallScreen
from llmtutor.curriculum import load_catalog

CATALOG = load_catalog()


def run(coroutine_function) -> None:
    asyncio.run(coroutine_function())


def test_keys_move_through_the_lesson_and_back_home() -> None:
    async def scenario() -> None:
        app = create_app(CATALOG)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter")
            screen = app.screen
            assert isinstance(screen, LessonScreen) and screen.lesson.id == CATALOG.ids[0]
            await pilot.press("right", "space", "n")
            assert screen.step == 3
            await pilot.press("left", "p")
            assert screen.step == 1
            await pilot.press("end")
            assert screen.step == len(screen.lesson.steps) - 1
            await pilot.press("right")  # past the end: stays, with a notice
            assert screen.step == len(screen.lesson.steps) - 1
            await pilot.press("home", "left")  # before the start: stays
            assert screen.step == 0
            await pilot.press("q")
            assert type(app.screen).__name__ == "HomeScreen"
            await pilot.press("down", "enter")
            assert app.screen.lesson.id == CATALOG.ids[1]  # type: ignore[attr-defined]
            await pilot.press("escape", "escape")
        assert app.return_code == 0

    run(scenario)


def test_opening_at_a_step_with_changed_inputs_computes_from_them() -> None:
    async def scenario() -> None:
        lesson = CATALOG.get("backprop")
        app = create_app(CATALOG, lesson=lesson, step=8, values={"w1": 0.7})
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            # 2(y − target)·w3·w2·x with y = 2·0.7·(−0.3)·1.2, worked independently here.
            y = 2.0 * 0.7 * -0.3 * 1.2
            assert abs(screen.trace.value("dL_dw1") - 2 * (y - 1.0) * 1.2 * -0.3 * 2.0) < 1e-12

    run(scenario)


def test_too_small_terminal_shows_a_message_until_it_grows() -> None:
    async def scenario() -> None:
        app = create_app(CATALOG, lesson=CATALOG.get("backprop"))
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, TooSmallScreen)
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, LessonScreen)

    run(scenario)


def test_ctrl_c_quits() -> None:
    async def scenario() -> None:
        app = create_app(CATALOG, lesson=CATALOG.get("backprop"))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+c")
            await pilot.pause()
        assert app.return_code == 0

    run(scenario)
