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
