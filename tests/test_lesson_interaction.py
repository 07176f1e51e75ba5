"""Acting on a lesson: what-if inputs, predict-then-reveal, and reloading an edited file."""

from __future__ import annotations

import asyncio
import io
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input

from llmtutor.app import create_app
from llmtutor.app.lesson import LessonScreen
from llmtutor.app.notice import ScreenNotice
from llmtutor.app.quiz import is_close, parse_guess
from llmtutor.app.widgets import Drawing, ScrollingDrawing
from llmtutor.curriculum import load_catalog, load_lesson

CATALOG = load_catalog()
LESSONS = Path(__file__).resolve().parent.parent / "lessons"


def lesson_app(lesson_id: str, step: int = 0):
    app = create_app(CATALOG, lesson=CATALOG.get(lesson_id), step=step)
    app.animation_level = "none"
    return app


def text_of(static) -> str:
    """What a Static or a drawing shows, as plain text (a Static's content drawn by a Rich
    console; a drawing's lines as drawn on screen)."""
    if isinstance(static, Drawing | ScrollingDrawing):
        return static.lines.text
    console = Console(width=120, file=io.StringIO(), record=True)
    console.print(static.content)
    return console.export_text()


async def type_into(pilot: Pilot, field_id: str, text: str) -> None:
    field = pilot.app.screen.query_one(f"#{field_id}")
    field.focus()
    field.value = ""
    await pilot.press(*text)
    await pilot.pause()


def shown_lines(panel: ScrollingDrawing) -> list[str]:
    """The lines a scrolling panel shows on screen, top to bottom."""
    height = panel.scrollable_content_region.height
    return [panel.render_line(y).text.rstrip() for y in range(height)]


def assert_opens_at_first_new(panel: ScrollingDrawing, symbol: str, where: str) -> None:
    """The equation of `symbol`, the first a step reveals (marked ●), is on screen: at the
    panel's top, or lower when the panel then shows every line from it to the end."""
    lines = panel.lines.text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"● {symbol} "))
    shown = shown_lines(panel)
    top = int(panel.scroll_y)
    assert top <= first < top + len(shown), f"{where}: no {symbol} in {shown}"
    assert shown[first - top].startswith(f"● {symbol} "), f"{where}: {shown}"
    # At the top, unless the lines from it to the end fit with earlier ones above them.
    assert top == max(0, min(first, len(lines) - len(shown))), f"{where}: {shown}"


def toy_gradient_w1(x: float, w1: float, w2: float, w3: float, target: float) -> float:
    """dL/dw1 for L = (x·w1·w2·w3 − target)², by hand: an independent check."""
    return 2 * (x * w1 * w2 * w3 - target) * x * w2 * w3


def test_changing_w1_recomputes_every_gradient() -> None:
    async def scenario() -> None:
        app = lesson_app("backprop", step=8)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            await pilot.press("e")
            assert screen.query_one("#inputs").display
            await type_into(pilot, "input-w1", "0.7")
            expected = toy_gradient_w1(2.0, 0.7, -0.3, 1.2, 1.0)
            assert screen.trace.value("dL_dw1") == pytest.approx(expected)
            assert screen.values == {"w1": 0.7}
            values = text_of(screen.query_one("#values"))
            assert "Δ" in values  # the changed values are marked
            # Invalid entries keep the last valid state, with the reason under the field.
            await type_into(pilot, "input-w1", "abc")
            assert screen.values == {"w1": 0.7}
            assert "must be a number" in text_of(screen.query_one("#error-w1"))
            await pilot.press("escape", "r")  # leave the field, then reset to the defaults
            await pilot.pause()
            assert screen.values == {}
            assert screen.trace.value("dL_dw1") == pytest.approx(1.9584)
            await pilot.press("escape")  # closes the panel
            assert not screen.query_one("#inputs").display
            assert isinstance(app.screen, LessonScreen)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("lesson_id", "field", "text", "reason"),
    [
        ("loss", "p", "0", "greater than 0"),
        ("adam", "beta1", "1", "less than 1"),
        ("adam", "lr", "-1", "greater than 0"),
        ("adam", "gradients", "", "at least 1"),
    ],
)
def test_invalid_inputs_are_explained_inline(
    lesson_id: str, field: str, text: str, reason: str
) -> None:
    async def scenario() -> None:
        app = lesson_app(lesson_id)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            before = screen.trace
            await pilot.press("e")
            await type_into(pilot, f"input-{field}", text)
            if text == "":
                await pilot.press("x", "backspace")
                await pilot.pause()
            assert reason in str(screen.query_one(f"#error-{field}").render())
            assert screen.trace is before  # the last valid state stays on screen

    asyncio.run(scenario())


def test_warmup_past_the_end_is_refused_with_the_reason() -> None:
    async def scenario() -> None:
        app = lesson_app("schedule")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("e")
            await type_into(pilot, "input-warmup", "600000")
            assert "warmup" in text_of(app.screen.query_one("#inputs-error"))
            # Typing 600000 passed through 60000, the last valid state, which stays.
            assert app.screen.values == {"warmup": 60000}
            # The field says it is not what the lesson uses, and what the lesson uses.
            assert app.screen.query_one("#input-warmup").has_class("unapplied")
            assert "W = 60000." in text_of(app.screen.query_one("#inputs-unapplied"))

    asyncio.run(scenario())


def test_a_quiz_through_a_whole_lesson_ends_with_a_score() -> None:
    async def scenario() -> None:
        app = lesson_app("gradient-descent")
        lesson = CATALOG.get("gradient-descent")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            await pilot.press("k")
            wrong_once = False
            for index in range(len(lesson.steps)):
                while (name := screen._pending_question()) is not None:
                    # The asked value is not on screen before the answer.
                    assert name not in screen.lesson.revealed_through(index, screen.trace)[:0]
                    value = screen.trace.value(name)
                    guess = value * 3 + 1 if not wrong_once else value
                    wrong_once = True
                    await type_into(pilot, "quiz-answer", repr(guess))
                    await pilot.press("enter")
                    await pilot.pause()
                await pilot.press("right")
                await pilot.pause()
            asked = sum(len(step.quiz) for step in lesson.steps)
            assert len(screen.answers) == asked
            assert sum(a.right for a in screen.answers.values()) == asked - 1
            assert screen.scored
            assert f"quiz {asked - 1}/{asked} right" in text_of(screen.query_one("#progress"))

    asyncio.run(scenario())


async def quiz_from_the_start(pilot: Pilot, wrong: int) -> None:
    """Answer every question of the lesson on screen (in quiz mode) from its first step to
    its last, the first `wrong` of them wrongly (three times the value, plus one)."""
    screen = pilot.app.screen
    await pilot.press("home")
    while True:
        while (name := screen._pending_question()) is not None:
            value = screen.trace.value(name)
            await type_into(pilot, "quiz-answer", repr(value * 3 + 1 if wrong > 0 else value))
            wrong -= 1
            await pilot.press("enter")
            await pilot.pause()
        if screen.step == len(screen.lesson.steps) - 1:
            return
        await pilot.press("right")
        await pilot.pause()


def quiz_score(screen: LessonScreen) -> str:
    """The score the quiz box shows ("" while it shows none)."""
    box, score = screen.query_one("#quiz"), screen.query_one("#quiz-score")
    return text_of(score).strip() if box.display and score.display else ""


def test_the_quiz_score_shows_in_the_lesson_when_the_quiz_ends() -> None:
    """The score of a quiz through a lesson is on the lesson screen from its last answer
    on, on every step, with the learner's best, without going back to the lessons."""
    lesson = CATALOG.get("gradients")
    assert lesson is not None and len(lesson.steps[-1].quiz) == 0  # the last step asks none
    asked = sum(len(step.quiz) for step in lesson.steps)
    assert asked == 3

    async def scenario() -> None:
        app = lesson_app("gradients")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            await pilot.press("k")
            await quiz_from_the_start(pilot, wrong=1)
            assert screen.step == len(lesson.steps) - 1  # a step with no question of its own
            assert quiz_score(screen) == "Quiz done: 2 of 3 predictions right."
            await pilot.press("left")  # the last question's step: its verdict, and the score
            assert quiz_score(screen) == "Quiz done: 2 of 3 predictions right."
            assert "✓" in text_of(screen.query_one("#quiz-question"))
            # Opened again from the lessons, the best so far is known.
            await pilot.press("q")
            app.open_lesson(lesson, 0)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            await pilot.press("k")
            await pilot.pause()
            assert quiz_score(screen) == ""  # a new quiz: no score until it ends
            await quiz_from_the_start(pilot, wrong=0)
            assert quiz_score(screen) == (
                "Quiz done: 3 of 3 predictions right, your best yet (before: 2 of 3)."
            )
            # k twice: a new quiz in the same lesson, compared with the one just done.
            await pilot.press("k", "k")
            await quiz_from_the_start(pilot, wrong=2)
            assert quiz_score(screen) == "Quiz done: 1 of 3 predictions right. Your best: 3 of 3."
            assert "quiz 1/3 right" in text_of(screen.query_one("#progress"))

    asyncio.run(scenario())


def test_the_asked_value_is_hidden_until_answered() -> None:
    async def scenario() -> None:
        app = lesson_app("backprop", step=2)  # reveals y and L; asks for L
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            await pilot.press("k")
            await pilot.pause()
            assert screen._pending_question() == "L"
            table = text_of(screen.query_one("#values"))
            assert "1.8496" not in table and "-0.36" in table  # y shown, L held back
            await pilot.press("right")  # blocked until answered
            assert screen.step == 2
            await type_into(pilot, "quiz-answer", "not a number")
            await pilot.press("enter")
            await pilot.pause()
            assert screen.answers == {}  # malformed: not counted
            assert "type a number" in text_of(screen.query_one("#quiz-feedback"))
            await type_into(pilot, "quiz-answer", "1.85")
            await pilot.press("enter")
            await pilot.pause()
            assert screen.answers[(2, "L")].right
            assert "1.8496" in text_of(screen.query_one("#values"))

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("text", "value", "right"),
    [
        ("1.96", 1.9584, True),
        ("2.5", 1.9584, False),
        ("0.0096", 0.0095749, True),
        ("-3e-2", -0.03, True),
        ("1,000", 1000.0, True),
        ("0", 1e-32, True),
    ],
)
def test_guesses_are_judged_with_a_sensible_tolerance(text: str, value: float, right: bool) -> None:
    assert is_close(parse_guess(text), value) is right


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "1..2"])
def test_malformed_guesses_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_guess(text)


def test_watch_reloads_the_file_and_keeps_the_last_good_version(tmp_path: Path) -> None:
    source = (LESSONS / "backprop.toml").read_text(encoding="utf-8")
    path = tmp_path / "backprop.toml"
    shutil.copy(LESSONS / "backprop.toml", path)

    async def scenario() -> None:
        app = create_app(CATALOG)
        async with app.run_test(size=(80, 24)) as pilot:
            app.push_screen(LessonScreen(load_lesson(path), step=3, watch=True))
            await pilot.pause()
            screen = app.screen
            path.write_text(source.replace('title = "Backpropagation"', 'title = "Edited"'))
            await pilot.pause(1.3)
            assert screen.lesson.title == "Edited" and screen.step == 3
            path.write_text(source.replace('reveal = ["h", "a"]', 'reveal = ["h", "zz"]'))
            await pilot.pause(1.3)
            assert screen.lesson.title == "Backpropagation" or screen.lesson.title == "Edited"
            assert screen.lesson.title == "Edited"  # the broken version did not replace it
            said = screen.query_one(ScreenNotice).text  # on this screen, not the app's
            assert "zz" in said and "last good version" in said
            assert screen.query_one(ScreenNotice).has_class("-error")

    asyncio.run(scenario())


# --- the panels after each step: drawn once, laid out and scrolled in the same frame --------


@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in CATALOG.lessons])
def test_every_step_shows_its_whole_text_and_the_newest_values(lesson_id: str) -> None:
    """At 80×24, after each →: the step's text is all there (a chart gives up lines for
    it), the equations start right under it and show the first the step reveals, and the
    values show their newest line."""
    lesson = CATALOG.get(lesson_id)
    assert lesson is not None

    async def scenario() -> None:
        app = create_app(CATALOG, lesson=lesson, step=0)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            text, story = screen.query_one("#step-text"), screen.query_one("#story-text")
            equations, values = screen.query_one("#equations"), screen.query_one("#values")
            for step in range(len(lesson.steps)):
                if step:
                    await pilot.press("right")
                await pilot.pause()
                where = f"step {step + 1}"
                lines = len(text.lines.at(text.drawing_width))
                assert story.size.height == text.size.height == lines, where
                assert equations.region.y == story.region.bottom, where
                assert values.scroll_y == values.max_scroll_y, f"values, {where}"
                new = lesson.reveals(step, screen.trace)
                if not new:
                    assert equations.scroll_y == equations.max_scroll_y, where
                else:
                    assert_opens_at_first_new(equations, screen.trace[new[0]].symbol, where)
                    top = int(values.scroll_y)
                    shown = values.lines.text.splitlines()[top:]
                    visible = shown[: values.scrollable_content_region.height]
                    newest = screen.trace[new[-1]].symbol
                    assert any(newest in line for line in visible), f"{where}: {newest}"

    asyncio.run(scenario())


def test_a_new_theme_redraws_the_panels_in_its_colours() -> None:
    async def scenario() -> None:
        app = lesson_app("backprop", step=4)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            values = app.screen.query_one("#values")
            before = values.render_line(0)
            app.theme = "textual-light"
            await pilot.pause()
            after = values.render_line(0)
            assert after.text == before.text
            assert [s.style for s in after] != [s.style for s in before]
            assert all(s.style and s.style.color == values.rich_style.color for s in after)

    asyncio.run(scenario())


# --- every step readable at 80×24 -----------------------------------------------------------

# The steps issue 11 found opening with their key equation out of view, numbered as the
# learner sees them (`llmtutor lesson adam --step 2`).
NAMED_STEPS = [("adam", 2), ("adam", 5), ("training-step", 5), ("schedule", 3), ("backprop", 9)]


@pytest.mark.parametrize("size", [(80, 24), (100, 32)])
@pytest.mark.parametrize(("lesson_id", "number"), NAMED_STEPS)
def test_a_step_opened_at_shows_its_first_new_equation(
    lesson_id: str, number: int, size: tuple[int, int]
) -> None:
    lesson = CATALOG.get(lesson_id)
    assert lesson is not None

    async def scenario() -> None:
        app = lesson_app(lesson_id, step=number - 1)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            new = lesson.reveals(number - 1, screen.trace)
            equations = screen.query_one("#equations", ScrollingDrawing)
            where = f"{lesson_id} step {number} at {size}"
            assert_opens_at_first_new(equations, screen.trace[new[0]].symbol, where)
            if (lesson_id, number) == ("adam", 2):  # the line the issue found hidden
                assert any(line.startswith("● m₁ = ") for line in shown_lines(equations))

    asyncio.run(scenario())


def test_arrow_keys_scroll_the_equations_without_tab() -> None:
    async def scenario() -> None:
        app = lesson_app("adam", step=4)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            equations = screen.query_one("#equations", ScrollingDrawing)
            lines = equations.lines.text.splitlines()
            height = equations.scrollable_content_region.height
            assert screen.focused is None  # nothing pressed: no panel has the focus
            top = int(equations.scroll_y)
            assert 0 < top < len(lines) - height  # room to scroll both ways
            await pilot.press("down")
            await pilot.pause()
            assert shown_lines(equations)[0] == lines[top + 1]
            await pilot.press("up", "up")
            await pilot.pause()
            assert shown_lines(equations)[0] == lines[top - 1]
            await pilot.press(*["pagedown"] * (len(lines) // height + 1))
            await pilot.pause()
            assert shown_lines(equations)[-1] == lines[-1]
            await pilot.press(*["pageup"] * (len(lines) // height + 1))
            await pilot.pause()
            assert shown_lines(equations)[0] == lines[0]
            assert screen.step == 4 and screen.focused is None

    asyncio.run(scenario())


def test_a_panel_tab_gives_the_focus_scrolls_itself() -> None:
    """Tab moves the focus to a panel; ↑ then scrolls that panel, not the equations."""

    async def scenario() -> None:
        app = lesson_app("adam", step=4)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            equations = screen.query_one("#equations", ScrollingDrawing)
            values = screen.query_one("#values", ScrollingDrawing)
            for _ in range(4):
                if screen.focused is values:
                    break
                await pilot.press("tab")
            assert screen.focused is values
            before, top = shown_lines(equations), int(values.scroll_y)
            assert top > 0
            await pilot.press("up")
            await pilot.pause()
            assert int(values.scroll_y) == top - 1
            assert shown_lines(equations) == before

    asyncio.run(scenario())


def value_labels(values: ScrollingDrawing) -> list[str]:
    """The names in the Values panel, without the ●/Δ marker and the value."""
    rows = [line for line in values.lines.text.splitlines() if line.strip()]
    return [line[2:].rsplit(None, 1)[0].strip() for line in rows]


@pytest.mark.parametrize("lesson_id", ["backprop", "adam"])
def test_the_values_leave_the_inputs_out_on_a_small_terminal(lesson_id: str) -> None:
    """At 80×24 the Values panel lists only computed values (the inputs are in the
    equations and the inputs panel); on a tall terminal it lists the inputs too."""
    lesson = CATALOG.get(lesson_id)
    assert lesson is not None

    async def scenario() -> None:
        last = len(lesson.steps) - 1
        app = lesson_app(lesson_id, step=last)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            values = screen.query_one("#values", ScrollingDrawing)
            inputs = [screen.trace[name].symbol for name in lesson.defaults]
            revealed = [screen.trace[name].symbol for name in lesson.all_reveals(screen.trace)]
            shown = value_labels(values)
            assert not set(inputs) & set(shown), shown
            assert shown == [s for s in dict.fromkeys(revealed) if s not in inputs], shown
            await pilot.resize_terminal(120, 48)
            await pilot.pause()
            assert value_labels(values)[: len(inputs)] == inputs

    asyncio.run(scenario())


# --- the inputs editor: a value is applied once it is a finished, valid number --------------


def test_retyping_a_value_never_applies_the_unfinished_number() -> None:
    """Retyping 0.7 as 0.8 passes through "0.": the lesson keeps 0.7 (not 0) until the 8
    is typed, and the field and the panel say so."""

    async def scenario() -> None:
        app = lesson_app("backprop", step=6)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            await pilot.press("e")
            await type_into(pilot, "input-w1", "0.7")
            field = screen.query_one("#input-w1")
            figure = screen.query_one("#figure", Drawing)
            assert screen.values == {"w1": 0.7}
            assert screen.trace.value("dL_dw1") == pytest.approx(
                toy_gradient_w1(2, 0.7, -0.3, 1.2, 1)
            )
            assert "×w1 0.7" in figure.lines.text
            assert not field.has_class("unapplied")
            drawn = figure.lines.text

            await pilot.press("backspace")  # the field holds "0."
            await pilot.pause()
            assert field.value == "0."
            assert screen.values == {"w1": 0.7}  # not 0
            assert screen.trace.value("dL_dw1") == pytest.approx(
                toy_gradient_w1(2, 0.7, -0.3, 1.2, 1)
            )
            assert figure.lines.text == drawn
            assert field.has_class("unapplied")
            assert "not applied" in text_of(screen.query_one("#error-w1"))
            assert "still uses w1 = 0.7" in text_of(screen.query_one("#inputs-unapplied"))

            await pilot.press("8")
            await pilot.pause()
            assert screen.values == {"w1": 0.8}
            assert screen.trace.value("dL_dw1") == pytest.approx(
                toy_gradient_w1(2, 0.8, -0.3, 1.2, 1)
            )
            assert "×w1 0.8" in figure.lines.text
            assert not field.has_class("unapplied")
            assert not screen.query_one("#inputs-unapplied").display
            assert not screen.query_one("#error-w1").display

    asyncio.run(scenario())


def test_a_field_not_applied_does_not_hold_back_the_others() -> None:
    async def scenario() -> None:
        app = lesson_app("backprop", step=6)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            await pilot.press("e")
            await type_into(pilot, "input-w2", "abc")
            await type_into(pilot, "input-w1", "0.7")
            assert screen.values == {"w1": 0.7}  # w2 keeps its default, -0.3
            assert screen.trace.value("dL_dw1") == pytest.approx(
                toy_gradient_w1(2, 0.7, -0.3, 1.2, 1)
            )
            assert screen.query_one("#input-w2").has_class("unapplied")
            assert not screen.query_one("#input-w1").has_class("unapplied")
            assert "still uses w2 = -0.3." in text_of(screen.query_one("#inputs-unapplied"))

    asyncio.run(scenario())


def test_a_reloaded_lesson_keeps_the_values_in_its_fields(tmp_path: Path) -> None:
    """The file changed (--watch): the lesson keeps the learner's w1, and so does its field."""
    path = tmp_path / "backprop.toml"
    shutil.copy(LESSONS / "backprop.toml", path)

    async def scenario() -> None:
        app = create_app(CATALOG)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = LessonScreen(load_lesson(path), step=6, values={"w1": 0.7})
            app.push_screen(screen)
            await pilot.pause()
            screen.replace_lesson(load_lesson(path))
            await pilot.pause()
            await pilot.press("e")
            assert screen.values == {"w1": 0.7}
            assert screen.trace.value("dL_dw1") == pytest.approx(
                toy_gradient_w1(2, 0.7, -0.3, 1.2, 1)
            )
            assert screen.query_one("#input-w1", Input).value == "0.7"
            assert not screen.query_one("#inputs-unapplied").display

    asyncio.run(scenario())
