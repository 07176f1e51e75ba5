"""Text from outside is text: lesson files, paths and what the learner types are shown as
they are, never read as Rich or Textual markup.

A folder of lessons whose titles, summaries, step titles, step text and names are markup
(one would write a file when clicked, others are unbalanced tags or look like tags) is
opened in the app, and every place such a string is shown is visited: the lessons list,
each step, the command palette (typed into and clicked), help, a lesson that cannot open,
the inputs panel, the training screen and its settings dialog, and notices that name a
path. Each string must be on the screen as written, no file may be written, and the app
must still be running.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.widgets._toast import Toast

from llmtutor.app import create_app
from llmtutor.app.help import HelpScreen
from llmtutor.app.home import HomeScreen
from llmtutor.app.lesson import LessonScreen
from llmtutor.app.train import TrainScreen
from llmtutor.app.train_dialog import SettingsDialog
from llmtutor.curriculum import Catalog, load_catalog

# Each would act, break or lose text if it were read as markup. The folder the screenshot
# action names is relative: the tests run in their own temporary folder.
CLICK = "[@click=app.screenshot('pwn.svg','out')]T[/]"
CLICK_IN_TEXT = "[@click=app.screenshot('p2.svg','out')]C[/]"
CLICK_IN_SUMMARY = "[@click=app.screenshot('p3.svg','out')]S[/]"
DRAFT = "Draft [/WIP]"
LINK = "[link=file:///etc/passwd]x[/link]"
WIP = "[WIP] Adam"
NATS = "Loss [nats]"
BOLD = "[b]bold[/b]"

HOSTILE_LESSON = f'''
id = "hostile"
title = "{CLICK}"
summary = "{DRAFT} {LINK}"
order = 1
computation = "adam"

[inputs]
gradients = [0.5, 0.3]

[[steps]]
title = "{WIP}"
text = """
{BOLD}, {DRAFT}

{CLICK_IN_TEXT}

A link: [docs](https://example.com/a).
"""
reveal = ["g_*"]

[[steps]]
title = "{NATS}"
text = "{LINK}"
reveal = ["m_1"]
quiz = ["m_1"]

[[steps]]
title = "{BOLD}"
text = "The end: {DRAFT}"
reveal = ["w_1"]
'''

# Its reveal names a value no computation produces: it is listed, and refused when opened
# with a notice that quotes the name.
REVEALS_X = """
id = "reveals-x"
title = "Reveals [/x]"
order = 2
computation = "adam"

[[steps]]
title = "One"
text = "One."
reveal = ["[/x]"]
"""

TRAINING = f'''
id = "train"
kind = "training"
title = "{WIP} {NATS}"
summary = "{CLICK_IN_SUMMARY} {BOLD}"
order = 3
text = """
Intro {DRAFT} and {LINK}.
"""
'''


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Catalog:
    """The hostile lessons with the built-in ones, loaded as the app starts (`run=False`:
    computations run when a lesson is opened); the current folder is `tmp_path`."""
    folder = tmp_path / "lessons[/x]"  # a path is outside text too: notices name it
    folder.mkdir(parents=True)
    (folder / "hostile.toml").write_text(HOSTILE_LESSON, encoding="utf-8")
    (folder / "reveals-x.toml").write_text(REVEALS_X, encoding="utf-8")
    (folder / "train.toml").write_text(TRAINING, encoding="utf-8")
    (tmp_path / "out").mkdir()  # where the screenshot action in a title would write
    monkeypatch.chdir(tmp_path)
    catalog = load_catalog(extra_dirs=[folder], run=False)
    assert not catalog.problems
    return catalog


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def screen_text(app: App[Any]) -> str:
    """The screen as plain text, as the terminal would show it (what
    `App.export_screenshot` draws, with its text kept instead of an SVG)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


def notices(app: App[Any]) -> list[str]:
    """The text of every notice on show."""
    return [toast.render().plain for toast in app.screen.query(Toast)]


def assert_nothing_written(root: Path) -> None:
    assert not list(root.rglob("*.svg")), "a lesson's markup ran an action"


def assert_running(app: App[Any]) -> None:
    assert app.return_code is None and app._exception is None


def on_screen(app: App[Any], *texts: str) -> str:
    """The screen, which shows each of `texts` (else the failure shows the screen)."""
    shown = screen_text(app)
    missing = [text for text in texts if text not in shown]
    assert not missing, f"{missing} not on the screen:\n{shown}"
    return shown


async def wait_for(pilot: Pilot[Any], text: str, seconds: float = 10) -> str:
    """The screen once `text` is on it (the palette searches in a worker)."""
    for _ in range(int(seconds / 0.05)):
        shown = screen_text(pilot.app)
        if text in shown:
            return shown
        await pilot.pause(0.05)
    raise AssertionError(f"{text!r} is not on the screen:\n{shown}")


async def clear(pilot: Pilot[Any], typed: str) -> None:
    for _ in typed:
        await pilot.press("backspace")


async def click_every_cell(pilot: Pilot[Any], shown: str, target: str) -> None:
    """Click each cell of `target` where it is on the screen `shown`."""
    lines = shown.splitlines()
    row = next(i for i, line in enumerate(lines) if target in line)
    start = lines[row].index(target)
    for column in range(start, start + len(target)):
        await pilot.click(offset=(column, row))


async def open_hostile_lesson(pilot: Pilot[Any]) -> LessonScreen:
    await pilot.pause()
    assert isinstance(pilot.app.screen, HomeScreen)
    await pilot.press("enter")  # the first lesson of the list: order 1
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen) and screen.lesson.id == "hostile"
    return screen


def test_the_lessons_list_and_every_step_show_lesson_text_as_written(
    catalog: Catalog, tmp_path: Path
) -> None:
    async def scenario() -> None:
        app = create_app(catalog)
        async with app.run_test(size=(80, 24), notifications=True, tooltips=True) as pilot:
            await pilot.pause()
            # The titles, and the summary of the lesson highlighted.
            on_screen(app, CLICK, "Reveals [/x]", f"{WIP} {NATS}", f"{DRAFT} {LINK}")

            screen = await open_hostile_lesson(pilot)
            # A Markdown link shows where it goes, and is not a link to click.
            address = "docs (https://example.com/a)"
            shown = on_screen(app, f"{CLICK}  ·  {WIP}", f"{BOLD}, {DRAFT}", CLICK_IN_TEXT, address)
            for target in (address, CLICK_IN_TEXT):
                await click_every_cell(pilot, shown, target)  # does nothing
            await pilot.pause(0.5)
            assert app.screen is screen

            await pilot.press("right")
            on_screen(app, f"{CLICK}  ·  {NATS}", LINK)
            await pilot.press("right")
            on_screen(app, f"{CLICK}  ·  {BOLD}", f"The end: {DRAFT}")

            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            await pilot.press("q")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            # The lesson was finished: "continue" moves on to the next one.
            on_screen(app, "Continue with Reveals [/x] — step 1 of 1")
            assert_running(app)
        assert_nothing_written(tmp_path)

    run(scenario)


def test_the_palette_shows_titles_as_written_and_a_click_only_opens_the_lesson(
    catalog: Catalog, tmp_path: Path
) -> None:
    async def scenario() -> None:
        app = create_app(catalog)
        async with app.run_test(size=(80, 24), notifications=True, tooltips=True) as pilot:
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette)
            await wait_for(pilot, "Open lesson: Reveals [/x]")
            await pilot.press(*"tiny")  # the training lesson, with its summary as help
            await wait_for(pilot, f"{CLICK_IN_SUMMARY} {BOLD}")
            await clear(pilot, "tiny")
            await pilot.press(*"nats")  # a step
            await wait_for(pilot, f"{CLICK} › {NATS}")
            await clear(pilot, "nats")
            await pilot.press(*"screenshot")
            entry = f"Open lesson: {CLICK}"
            lines = (await wait_for(pilot, entry)).splitlines()
            row = next(i for i, line in enumerate(lines) if entry in line)
            # Click where the title starts: where the clickable part was when it was markup.
            column = lines[row].index(entry) + len("Open lesson: ")
            await pilot.click(offset=(column, row))
            await pilot.pause(0.5)  # a screenshot is written by a thread
            screen = app.screen
            assert isinstance(screen, LessonScreen) and screen.lesson.id == "hostile"
            assert_running(app)
        assert_nothing_written(tmp_path)

    run(scenario)


def test_a_lesson_that_cannot_open_is_named_as_written(catalog: Catalog) -> None:
    async def scenario() -> None:
        app = create_app(catalog)
        async with app.run_test(size=(80, 24), notifications=True, tooltips=True) as pilot:
            await pilot.pause()
            await pilot.press("down", "enter")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            (notice,) = notices(app)
            path = catalog.entries[1].path
            assert "[/x]" in str(path)
            assert f"Cannot open\n{path}:" in notice and "'[/x]'" in notice
            assert_running(app)

    run(scenario)


def test_what_the_learner_types_is_shown_as_typed(catalog: Catalog, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = create_app(catalog)
        async with app.run_test(size=(80, 24), notifications=True, tooltips=True) as pilot:
            await open_hostile_lesson(pilot)
            await pilot.press("e")
            field = app.screen.query_one("#input-gradients", Input)
            assert app.screen.focused is field
            field.value = ""
            await pilot.press(*"1,[/x]")
            await pilot.pause()
            assert field.value == "1,[/x]"
            problem = "⚠ gradients item 2 must be a number, not '[/x]'"
            on_screen(app, "number, not '[/x]'")  # wrapped in the panel
            assert str(app.screen.query_one("#error-gradients", Static).render()) == problem
            assert_running(app)

            await pilot.press("escape", "escape")  # out of the field, then the panel
            await pilot.press("k", "right")  # quiz mode: step 2 asks for a value
            await pilot.pause()
            answer = app.screen.query_one("#quiz-answer", Input)
            assert app.screen.focused is answer
            await pilot.press(*"[/x]")
            await pilot.pause()
            on_screen(app, "Predict m₁", "│ [/x] ")  # the field, as typed
            await pilot.press("enter")
            await pilot.pause()
            on_screen(app, "⚠ type a number")
            assert_running(app)

            await pilot.press("escape", "q")  # out of quiz mode, then the lesson
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            await pilot.press("down", "down", "enter")  # the training lesson: order 3
            await pilot.pause()
            assert isinstance(app.screen, TrainScreen)
            on_screen(app, f"Intro {DRAFT} and {LINK}.")
            await pilot.press("r")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, SettingsDialog)
            lr = dialog.query_one("#setting-lr", Input)
            lr.value = ""
            lr.focus()
            await pilot.press(*"[/x]", "enter")
            await pilot.pause()
            assert pilot.app.screen is dialog  # refused, saying why
            on_screen(app, "⚠ lr must be a number, not '[/x]'")
            await pilot.press("escape")
            assert_running(app)
        assert_nothing_written(tmp_path)

    run(scenario)


def test_a_state_dir_whose_path_is_markup_is_named_as_written(
    catalog: Catalog, tmp_path: Path
) -> None:
    blocker = tmp_path / "state["  # a file: nothing can be saved under it
    blocker.write_text("not a folder", encoding="utf-8")
    # Markup, and a terminal's "set the window title" sequence: a path may hold both.
    state_dir = tmp_path / "state[/x]\x1b]0;pwn\x07" / "progress"

    async def scenario() -> None:
        app = create_app(catalog, state_dir=state_dir)
        async with app.run_test(size=(80, 24), notifications=True, tooltips=True) as pilot:
            await open_hostile_lesson(pilot)
            await pilot.press("right")
            await pilot.pause(0.6)  # saved once the learner stays on a step
            (notice,) = notices(app)
            assert "save progress" in notice and "state[/x]␛]0;pwn␇" in notice
            assert "\x1b" not in screen_text(app)
            assert_running(app)

    run(scenario)
