"""Typing into the inputs editor: what is typed lands in the order it was typed."""

from __future__ import annotations

import asyncio

from textual import events
from textual.widgets import Input

from llmtutor.app import create_app
from llmtutor.curriculum import load_catalog

CATALOG = load_catalog()


def lesson_app(lesson_id: str, step: int):
    app = create_app(CATALOG, lesson=CATALOG.get(lesson_id), step=step)
    app.animation_level = "none"
    return app


def test_keys_typed_faster_than_the_tutor_reads_them_keep_their_order() -> None:
    """Backspace and the digits after it, all queued before the tutor handles any (a busy
    machine, a fast typist): the field ends with what was typed, in the order it was typed
    (Textual runs bound keys after the characters that follow them unless the field runs
    them itself)."""

    async def scenario() -> None:
        app = lesson_app("gradient-descent", step=4)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("e")
            field = app.screen.query_one("#input-lr", Input)
            field.focus()
            await pilot.pause()
            field.cursor_position = len(field.value)  # "0.1", the cursor at its end
            for key, char in [("backspace", None), ("backspace", None), ("9", "9")]:
                app.post_message(events.Key(key, char))
            for key, char in [("left", None), ("backspace", None), ("2", "2")]:
                app.post_message(events.Key(key, char))
            await pilot.pause()
            await pilot.pause()
            assert field.value == "29"
            assert app.screen.trace.value("lr") == 29.0

    asyncio.run(scenario())


def test_the_training_dialog_takes_keys_in_order_and_enter_after_them() -> None:
    """The restart dialog's fields run their editing keys, and Enter, in order with the
    characters typed: "500", then End, three backspaces, "100000" and Enter, all queued
    before the dialog handles any, restart the run with 100,000 steps (out of order, the
    backspaces could fall among the digits, and Enter read the field before its last)."""
    from llmtutor.app import RunSettings
    from llmtutor.app.train import TrainScreen

    async def scenario() -> None:
        app = create_app(CATALOG, train=RunSettings(device="cpu"), start_training=False)
        app.animation_level = "none"
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            await pilot.press("r")
            await pilot.pause()
            field = app.screen.query_one("#setting-steps", Input)
            field.focus()
            await pilot.pause()
            assert field.value == "500"
            keys = [("end", None), *[("backspace", None)] * 3]
            keys += [(digit, digit) for digit in "100000"] + [("enter", None)]
            for key, char in keys:
                app.post_message(events.Key(key, char))
            for _ in range(200):
                if app.screen is screen:
                    break
                await pilot.pause(0.02)
            assert app.screen is screen and screen.settings.steps == 100_000
            await pilot.press("s")  # the run it started

    asyncio.run(scenario())
