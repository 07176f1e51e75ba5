"""Driving a loss-landscape map on the lesson screen, as a learner does: m hands it the keys,
the arrows or a click move the race's start (and everything is computed again from there),
space and [ step the race, p plays it, o picks whose step the equations open, and m or Esc
hands the keys back to the lesson.

Every expected number is worked out here, independently of the app: the start's cell from
the map's box and its cells, the toy loss and its gradient by hand, Adam's step by
torch.optim.Adam. Each wait is for a condition, never for a time.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from llmtutor.app import TutorApp, create_app
from llmtutor.app.landscape_map import LandscapeMap
from llmtutor.app.lesson import LessonScreen
from llmtutor.app.notice import ScreenNotice
from llmtutor.app.widgets import Drawing, ScrollingDrawing
from llmtutor.curriculum import load_catalog
from llmtutor.engine import InputValue, fmt
from llmtutor.render.landscape import GUTTER, map_cells

CATALOG = load_catalog()
SIZE = (80, 24)
BOX = (-2.0, 2.0, -2.0, 2.0)  # the toy map: w1 from −2 to 2 across, w2 from −2 to 2 up
START = (0.5, -0.3)  # the lesson's w1 and w2
LR, BETA1, BETA2 = 0.05, 0.9, 0.999  # the lesson's settings
PLAY_WAIT_S = 180.0  # a played race on a loaded machine: a redraw of the map every step
RACE_MARKS = set("gsmaGSMA○")  # a trail, an optimizer's position now, or the start


def synchronously(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """A test written as a coroutine, run to its end (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def lesson_app(
    lesson_id: str = "landscape", step: int = 0, values: dict[str, InputValue] | None = None
) -> TutorApp:
    app = create_app(CATALOG, lesson=CATALOG.get(lesson_id), step=step, values=values)
    app.animation_level = "none"
    return app


async def wait_for(pilot: Pilot, condition: Callable[[], bool], what: str, limit: float) -> None:
    """Pause until `condition` holds; fail, naming `what`, if it never does."""
    deadline = asyncio.get_running_loop().time() + limit
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"waited {limit:g} s for {what}")
        await pilot.pause(0.05)


def lesson(app: TutorApp) -> LessonScreen:
    assert isinstance(app.screen, LessonScreen)
    return app.screen


def figure(app: TutorApp) -> LandscapeMap:
    return app.screen.query_one("#figure", LandscapeMap)


def notice(app: TutorApp) -> str:
    return app.screen.query_one(ScreenNotice).text


def equations_text(app: TutorApp) -> str:
    return app.screen.query_one("#equations", ScrollingDrawing).lines.text


def opened(app: TutorApp, optimizer: str, step: int) -> bool:
    """Whether the equations panel says it shows `optimizer`'s step `step` opened up (in
    its border's title, or on its first line)."""
    panel = app.screen.query_one("#equations", ScrollingDrawing)
    said = f"{panel.border_title}\n{panel.lines.text.partition(chr(10))[0]}"
    return re.search(rf"\b{optimizer}(?:'s|,) step {step}, opened up", said) is not None


def cells(app: TutorApp) -> tuple[int, int]:
    """The map's columns and rows of cells, from the size it is drawn at on screen: its
    width inside the padding, and as many lines as the figure takes."""
    shown = figure(app)
    return map_cells(shown.content_region.width, shown.region.height)


def cell_size(app: TutorApp) -> tuple[float, float]:
    columns, rows = cells(app)
    low1, high1, low2, high2 = BOX
    return (high1 - low1) / columns, (high2 - low2) / rows


def toy_loss(w1: float, w2: float) -> float:
    """L = (x·w1·w2·w3 − target)² with x = 2, w3 = 1.2, target 1, by hand."""
    return (2 * w1 * w2 * 1.2 - 1) ** 2


def toy_g1(w1: float, w2: float) -> float:
    """∂L/∂w1, by hand."""
    return 2 * (2 * w1 * w2 * 1.2 - 1) * 2 * w2 * 1.2


def equation(text: str, symbol: str) -> str:
    """The equation of `symbol` in an equations panel's text, its wrapped lines joined."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.lstrip(" ●").startswith(f"{symbol} ="))
    indent = len(lines[first]) - len(lines[first].lstrip())
    block = [lines[first].strip()]
    for line in lines[first + 1 :]:
        if not line.strip() or len(line) - len(line.lstrip()) <= indent:
            break
        block.append(line.strip())
    return " ".join(block)


async def drive(pilot: Pilot) -> None:
    await pilot.press("m")
    assert pilot.app.screen.focused is figure(pilot.app)  # type: ignore[arg-type]


@synchronously
async def test_the_arrows_move_the_start_by_one_cell_and_everything_follows() -> None:
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = lesson(app)
        await drive(pilot)
        assert "Driving the map" in notice(app)
        across, up = cell_size(app)
        await pilot.press("left")
        await pilot.press("up")
        await pilot.pause()
        w1, w2 = round(START[0] - across, 4), round(START[1] + up, 4)
        assert screen.values == {"w1": w1, "w2": w2}
        assert screen.trace.value("toy_L_0") == pytest.approx(toy_loss(w1, w2))
        # The step's text and the inputs panel say where the race starts now.
        text = " ".join(screen.query_one("#step-text", Drawing).lines.text.split())
        assert f"({fmt(w1)}, {fmt(w2)})" in text
        assert f"L₀ = {fmt(toy_loss(w1, w2))}" in text
        fields = [screen.query_one(f"#input-{name}", Input).value for name in ("w1", "w2")]
        assert [float(value) for value in fields] == [w1, w2]
        # → moves the start back right: the lesson stays on its step while the map drives.
        await pilot.press("right")
        await pilot.pause()
        assert screen.step == 0
        assert screen.values == {"w2": w2}  # w1 is back at the lesson's own
        assert screen.trace.value("toy_L_0") == pytest.approx(toy_loss(START[0], w2))


@synchronously
async def test_stepping_opens_adams_step_and_o_switches_to_gd() -> None:
    torch = pytest.importorskip("torch")
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        await drive(pilot)
        await pilot.press("space")
        await pilot.pause()
        text = equations_text(app)
        assert opened(app, "Adam", 1), text
        w = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.Adam([w], lr=LR, betas=(BETA1, BETA2))
        optimizer.zero_grad()
        ((2 * w[0] * w[1] * 1.2 - 1) ** 2).backward()
        optimizer.step()
        adam_w1 = float(w[0].detach())
        assert equation(text, "w1₁").endswith(f"= {fmt(adam_w1)}"), text
        await pilot.press("o")
        await pilot.pause()
        assert "Opening GD's steps." in notice(app)
        text = equations_text(app)
        assert opened(app, "GD", 1), text
        gd_w1 = START[0] - LR * toy_g1(*START)
        assert equation(text, "w1₁").endswith(f"= {fmt(gd_w1)}"), text
        assert fmt(gd_w1) != fmt(adam_w1)  # the two steps differ: the panel did change
        assert not opened(app, "Adam", 1)


@synchronously
async def test_stepping_past_either_end_says_so_and_home_shows_the_whole_race() -> None:
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, shown = lesson(app), figure(app)
        whole = shown.lines.text
        await drive(pilot)
        await pilot.press("space", "left_square_bracket")
        await pilot.pause()
        assert screen.race is not None and screen.race.shown == 0
        assert shown.lines.text != whole  # only the start is on show
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert "start of the race" in notice(app)
        assert screen.race.shown == 0
        # From the whole race, [ steps back from its end; at the end, space says so.
        await pilot.press("home", "left_square_bracket", "space")
        await pilot.pause()
        end = screen.race.longest(screen.trace)
        assert screen.race.shown == end
        await pilot.press("space")
        await pilot.pause()
        assert "end of the race" in notice(app)
        assert screen.race.shown == end
        await pilot.press("home")
        await pilot.pause()
        assert screen.race.shown is None
        assert shown.lines.text == whole
        assert not any(opened(app, name, k) for name in ("Adam", "GD") for k in (0, 1, end))
        assert "opened up" not in equations_text(app)
        assert screen.step == 0  # Home showed the race, not the lesson's first step
        assert screen.focused is shown


@synchronously
async def test_p_plays_the_race_to_its_end_and_stops_there() -> None:
    # The learner's own number of steps (e changes it): the play takes seconds, not tens.
    app = lesson_app(values={"steps": 40})
    async with app.run_test(size=SIZE) as pilot:
        screen = lesson(app)
        await drive(pilot)
        race = screen.race
        assert race is not None and race.shown is None  # the whole race, before the play
        await pilot.press("p")
        # (Not asserted here that the timer is still running: on a quick machine a race of
        # 40 frames may be over by the time the key press is handled.)
        end = race.longest(screen.trace)
        assert end == 40
        await wait_for(pilot, lambda: race.shown == end, "the race's end", PLAY_WAIT_S)
        await wait_for(pilot, lambda: screen._playing is None, "the play to stop", PLAY_WAIT_S)
        await pilot.pause()
        assert race.shown == end  # it stopped at the end, and stays there
        assert opened(app, "Adam", end), equations_text(app)


@synchronously
async def test_a_click_puts_the_start_in_the_clicked_cell() -> None:
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, shown = lesson(app), figure(app)
        column, row = 10, 1  # a cell far from the lesson's start, with no trail in it
        x = shown.styles.padding.left + GUTTER + column  # from the figure's left edge
        assert shown.render_line(row).text[GUTTER + column] not in RACE_MARKS
        await pilot.click("#figure", offset=(x, row))
        await pilot.pause()
        assert screen.focused is shown  # a click drives the map too
        columns, rows = cells(app)
        low1, high1, low2, high2 = BOX
        w1 = round(low1 + (high1 - low1) * (column + 0.5) / columns, 4)
        w2 = round(high2 - (high2 - low2) * (row + 0.5) / rows, 4)
        assert screen.values == {"w1": w1, "w2": w2}
        assert screen.trace.value("toy_L_0") == pytest.approx(toy_loss(w1, w2))
        # What the learner sees: the race now starts in the very cell clicked.
        await pilot.press("space", "left_square_bracket")  # the race at step 0: its start
        await pilot.pause()
        assert screen.race is not None and screen.race.shown == 0
        drawn = [shown.render_line(y).text for y in range(rows)]
        marked = [
            (y, x - GUTTER)
            for y, line in enumerate(drawn)
            for x in range(GUTTER, len(line))
            if line[x] in RACE_MARKS
        ]
        assert marked == [(row, column)], drawn
        # A click off the cells (on the w2 labels) moves nothing.
        await pilot.click("#figure", offset=(2, row))
        await pilot.pause()
        assert screen.values == {"w1": w1, "w2": w2}


@pytest.mark.parametrize("key", ["m", "escape"])
@synchronously
async def test_m_or_escape_hands_the_keys_back_to_the_lesson(key: str) -> None:
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = lesson(app)
        await drive(pilot)
        await pilot.press(key)
        await pilot.pause()
        assert screen.focused is None
        assert "keys are the lesson's again" in notice(app)
        assert isinstance(app.screen, LessonScreen)  # Esc left the map, not the lesson
        await pilot.press("right")
        await pilot.pause()
        assert screen.step == 1
        assert screen.values == {}  # → went to the lesson: the start did not move


@synchronously
async def test_m_on_a_step_without_a_map_says_so() -> None:
    app = lesson_app("adam")
    async with app.run_test(size=SIZE) as pilot:
        screen = lesson(app)
        await pilot.press("m")
        await pilot.pause()
        assert notice(app) == "This step has no map to drive."
        assert screen.focused is None
        await pilot.press("right")
        await pilot.pause()
        assert screen.step == 1  # the lesson's keys still work


@synchronously
async def test_the_start_is_drawn_where_the_lesson_says_it_is() -> None:
    """The step's text says "The race starts at ○": the ○ is in the start's cell, over the
    trails that leave it, on the whole race; and where a click put the start."""
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, shown = lesson(app), figure(app)
        text = " ".join(screen.query_one("#step-text", Drawing).lines.text.split())
        assert "The race starts at ○" in text
        columns, rows = cells(app)
        low1, high1, low2, high2 = BOX
        column = int((START[0] - low1) / (high1 - low1) * columns)
        row = int((high2 - START[1]) / (high2 - low2) * rows)

        def starts() -> list[tuple[int, int]]:
            drawn = [shown.render_line(y).text for y in range(rows)]
            return [(y, line.index("○") - GUTTER) for y, line in enumerate(drawn) if "○" in line]

        assert starts() == [(row, column)]
        column, row = 10, 1  # no optimizer ends there: the ○ is not drawn over
        await pilot.click("#figure", offset=(shown.styles.padding.left + GUTTER + column, row))
        await pilot.pause()
        assert screen.values  # the start moved
        assert starts() == [(row, column)]


@synchronously
async def test_while_a_quiz_question_waits_the_map_gives_nothing_away() -> None:
    """Step 2 asks for GD's w1 after one step: driving the map would open that step, so a
    click, or keys given to the map by Tab, wait until the prediction is in."""
    app = lesson_app(step=1)
    async with app.run_test(size=SIZE) as pilot:
        screen = lesson(app)
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(screen.focused, Input)  # the quiz's answer field
        shown = figure(app)
        await pilot.click("#figure", offset=(shown.styles.padding.left + GUTTER + 3, 1))
        await pilot.pause()
        assert "Predict the asked value first" in notice(app)
        assert screen.values == {} and isinstance(screen.focused, Input)  # back to the answer
        screen.set_focus(shown)  # as Tab can give it the focus
        await pilot.press("space")
        await pilot.pause()
        assert screen.race is not None and screen.race.shown is None
        assert "Predict the asked value first" in notice(app)
        assert isinstance(screen.focused, Input)
        for name in ("toy_gd_1_w1", "toy_adam_1_w1"):
            await pilot.press(*fmt(screen.trace.value(name)), "enter")
            await pilot.pause()
        assert len(screen.answers) == 2  # both of this step's questions
        await pilot.press("m")  # every question answered: the map is the learner's again
        await pilot.pause()
        assert shown.has_focus
        await pilot.press("space")
        await pilot.pause()
        assert screen.race.shown == 1


@synchronously
async def test_a_lesson_file_without_the_maps_start_inputs_keeps_the_start_fixed(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from llmtutor.curriculum import load_lesson

    path = tmp_path / "mini.toml"
    path.write_text(
        'id = "mini-map"\ntitle = "Mini"\nsummary = "x"\ncomputation = "landscape"\n\n'
        '[inputs]\nlr = 0.05\n\n[[steps]]\ntitle = "Ravine"\nmap = "ravine"\ntext = "A ravine."\n',
        encoding="utf-8",
    )
    app = create_app(CATALOG, lesson=load_lesson(path), step=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m", "left")
        await pilot.pause()
        assert "keeps the start fixed" in notice(app) and "ravine_w1" in notice(app)
        assert lesson(app).values == {}
        await pilot.press("space")  # stepping the race still works
        await pilot.pause()
        assert lesson(app).race is not None and lesson(app).race.shown == 1


@synchronously
async def test_the_pytorch_panel_marks_a_chaotic_value_and_says_why() -> None:
    """GD on the minima map at lr 0.97 with these settings is chaotic: torch's L at the end
    and the engine's differ in the second digit, and so does torch's own once its inputs are
    nudged. The panel marks it ≈, not ✗, and says why."""
    from llmtutor.app.torch_panel import TorchPanel

    values: dict[str, InputValue] = {"lr": 0.97, "noise": 2.5, "momentum": 0.9}
    app = lesson_app(step=5, values=values)  # "A shallow minimum beside a deeper one"
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t")
        panel = app.screen.query_one(TorchPanel)
        await wait_for(pilot, lambda: panel.result is not None, "torch's run", 120.0)
        await pilot.pause()
        result, trace = panel.result, lesson(app).trace
        name = "minima_gd_L_end"
        assert abs(result.values[name] - trace.value(name)) > 1e-3  # they do differ
        rows = {
            line.split()[-1]: line
            for line in panel.lines.text.splitlines()
            if line.startswith(("L end", "L₀", "w1"))
        }
        text = " ".join(panel.lines.text.split())
        assert "≈" in rows and "✓" in rows and "✗" not in rows, panel.lines.text
        assert "L end GD" in rows["≈"]
        assert "≈ the two differ, and so does torch from itself" in text
        assert f"L end GD (minima map) becomes {fmt(result.nudged[name])}." in text
