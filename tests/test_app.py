"""Driving the app with keys, as a learner would (Textual's pilot, no real terminal)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.binding import Binding
from textual.widgets import OptionList, Static

from llmtutor.app import create_app
from llmtutor.app.commands import LessonCommands
from llmtutor.app.help import HelpScreen
from llmtutor.app.home import HomeScreen
from llmtutor.app.lesson import LessonScreen
from llmtutor.app.messages import QuizScored
from llmtutor.app.notice import ScreenNotice
from llmtutor.app.too_small import TooSmallScreen
from llmtutor.curriculum import load_catalog
from llmtutor.progress import FILE_NAME, Progress

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


def toasts(app) -> list[str]:
    """The app's notifications on show on the current screen (Textual's Toast widgets)."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


def test_the_last_step_notice_stays_with_its_lesson() -> None:
    """→ on a lesson's last step says so on the lesson's screen; leaving it (q, then
    another lesson) leaves the notice behind instead of carrying it to the next screen."""
    lesson = CATALOG.get("gradients")
    assert lesson is not None
    last = "That was the last step. Press q to go back to the lessons."

    async def scenario() -> None:
        app = create_app(CATALOG, lesson=lesson, step=len(lesson.steps) - 1)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            await pilot.press("right", "right")
            await pilot.pause()
            (notice,) = screen.query(ScreenNotice)
            assert notice.display and notice.text == last  # said twice, shown once
            assert toasts(app) == []  # the lesson's own notice, not the app's
            await pilot.press("q")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            assert not app.screen.query(ScreenNotice) and toasts(app) == []
            await pilot.press("down", "enter")
            await pilot.pause()
            other = app.screen
            assert isinstance(other, LessonScreen) and other.lesson.id != lesson.id
            assert other.query_one(ScreenNotice).text == "" and toasts(app) == []

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


def test_a_lesson_whose_names_are_wrong_is_listed_but_refused_when_opened(
    tmp_path: Path,
) -> None:
    # As `llmtutor` starts: the lessons are listed without running their computations.
    source = (CATALOG.get("backprop") or CATALOG.lessons[0]).path.read_text(encoding="utf-8")
    (tmp_path / "broken.toml").write_text(
        source.replace('id = "backprop"', 'id = "broken"').replace('"dL_dw1"', '"dL_dw9"'),
        encoding="utf-8",
    )
    catalog = load_catalog(tmp_path, run=False)

    async def scenario() -> None:
        app = create_app(catalog)
        errors: list[str] = []
        app.notify = lambda message, **kwargs: errors.append(f"{kwargs.get('title')}: {message}")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
        (error,) = errors
        assert error.startswith(f"Cannot open: {tmp_path / 'broken.toml'}:")
        assert "no value 'dL_dw9'" in error

    run(scenario)


# --- progress, help and the command palette -----------------------------------------------


def collect_notices(app) -> list[str]:
    notices: list[str] = []
    app.notify = lambda message, **kwargs: notices.append(message)
    return notices


def test_a_lesson_reopens_where_it_was_left_after_a_restart(tmp_path: Path) -> None:
    first = CATALOG.lessons[0]

    async def leave_at_step_three() -> None:
        app = create_app(CATALOG, state_dir=tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter", "right", "right")
            assert app.screen.step == 2  # type: ignore[attr-defined]
            await pilot.press("q", "q")
        assert app.return_code == 0

    async def come_back() -> None:
        app = create_app(CATALOG, state_dir=tmp_path)
        notices = collect_notices(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            home = app.screen
            assert isinstance(home, HomeScreen)
            label = home.query_one(OptionList).get_option_at_index(0).prompt
            assert f"step 3/{len(first.steps)}" in str(label)
            intro = str(home.query_one("#home-intro", Static).render())
            assert first.title in intro and "press c" in intro
            await pilot.press("enter")
            screen = app.screen
            assert isinstance(screen, LessonScreen) and screen.lesson.id == first.id
            assert screen.step == 2
            await pilot.press("q", "down", "down", "c")  # c: continue, wherever the cursor is
            assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == first.id
            assert app.screen.step == 2
        assert notices == []

    run(leave_at_step_three)
    run(come_back)
    assert Progress.load(tmp_path / FILE_NAME)[0].last_step(first.id) == 2


def test_finishing_a_lesson_marks_it_and_continue_moves_on(tmp_path: Path) -> None:
    first, second = CATALOG.lessons[0], CATALOG.lessons[1]

    async def scenario() -> None:
        app = create_app(CATALOG, state_dir=tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter", "end", "q")
            home = app.screen
            assert isinstance(home, HomeScreen)
            options = home.query_one(OptionList)
            assert "✓" in str(options.get_option_at_index(0).prompt)
            assert "✓" not in str(options.get_option_at_index(1).prompt)
            assert options.border_title == f"1 of {len(CATALOG.lessons)} lessons finished"
            await pilot.press("c")
            screen = app.screen
            assert isinstance(screen, LessonScreen) and screen.lesson.id == second.id
            await pilot.press("q", "up", "enter")  # a finished lesson opens at its last step
            assert app.screen.lesson.id == first.id  # type: ignore[attr-defined]
            assert app.screen.step == len(first.steps) - 1  # type: ignore[attr-defined]

    run(scenario)


def test_quiz_scores_are_recorded(tmp_path: Path) -> None:
    async def scenario() -> None:
        app = create_app(CATALOG, state_dir=tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            app.post_message(QuizScored("adam", 3, 4))
            await pilot.pause()

    run(scenario)
    progress, _ = Progress.load(tmp_path / FILE_NAME)
    assert str(progress.best_score("adam")) == "3/4"


def test_a_corrupt_state_file_is_set_aside_and_the_tutor_runs(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text('{"version": 1, "lessons": {"loss": {"step": 1')  # cut off

    async def scenario() -> None:
        app = create_app(CATALOG, state_dir=tmp_path)
        notices = collect_notices(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter", "right")
            assert isinstance(app.screen, LessonScreen) and app.screen.step == 1
        assert len(notices) == 1 and "corrupt-" in notices[0]

    run(scenario)
    assert len(list(tmp_path.glob(f"{FILE_NAME}.corrupt-*"))) == 1
    assert Progress.load(tmp_path / FILE_NAME)[0].last_step(CATALOG.lessons[0].id) == 1


def test_an_unwritable_state_dir_gives_one_notice_and_the_tutor_runs(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    async def scenario() -> None:
        app = create_app(CATALOG, state_dir=blocker / "state")
        notices = collect_notices(app)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter", "right", "right", "right", "q", "enter")
            assert isinstance(app.screen, LessonScreen)
            assert app.screen.step == 3  # remembered for the session all the same
        assert len(notices) == 1 and "save progress" in notices[0]

    run(scenario)


def test_auto_keeps_progress_in_the_state_dir_from_the_environment(state_dir: Path) -> None:
    async def scenario() -> None:
        app = create_app(CATALOG, state_dir="auto")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter", "right")

    run(scenario)
    assert Progress.load(state_dir / FILE_NAME)[0].last_step(CATALOG.lessons[0].id) == 1


def test_tests_keep_progress_in_memory_by_default(state_dir: Path) -> None:
    async def scenario() -> None:
        app = create_app(CATALOG)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter", "right")

    run(scenario)
    assert not state_dir.exists()


def _descriptions(screen_class: type) -> set[str]:
    return {
        binding.tooltip or binding.description
        for binding in Binding.make_bindings(screen_class.BINDINGS)
        if binding.description
    }


def test_help_lists_every_key_of_the_lesson_screen_and_closes() -> None:
    async def scenario() -> None:
        app = create_app(CATALOG, lesson=CATALOG.get("backprop"))
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.press("question_mark")
            help_screen = app.screen
            assert isinstance(help_screen, HelpScreen)
            text = str(help_screen.query_one("#help-text", Static).render())
            for description in _descriptions(LessonScreen):  # made from BINDINGS: never stale
                assert description in text, description
            for key in ("→", "←", "space", "esc", "^q", "^p", "?", "↑ ↓ pgup pgdn", "tab"):
                assert key in text, key
            lesson_group = help_screen.groups[0]
            next_row = next(row for row in lesson_group.rows if row.description == "Next")
            assert next_row.keys[:3] == ["→", "space", "n"]
            for key in ("escape", "q", "question_mark"):
                await pilot.press(key)
                assert isinstance(app.screen, LessonScreen), key
                await pilot.press("question_mark")
                assert isinstance(app.screen, HelpScreen)

    run(scenario)


def test_help_on_the_home_screen_lists_its_keys_and_the_list_keys() -> None:
    async def scenario() -> None:
        app = create_app(CATALOG)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            text = str(app.screen.query_one("#help-text", Static).render())
            for description in _descriptions(HomeScreen):
                assert description in text, description
            assert "In the list" in text and "↓" in text

    run(scenario)


def _palette_hits(app, query: str) -> list:
    async def search() -> list:
        provider = LessonCommands(app.screen)
        await provider.startup()
        hits = provider.search(query) if query else provider.discover()
        return [hit async for hit in hits]

    return search()  # type: ignore[return-value]


def test_the_palette_lists_lessons_steps_and_the_training_run() -> None:
    async def scenario() -> None:
        app = create_app(CATALOG)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            discovered = [hit.text for hit in await _palette_hits(app, "")]
            for lesson in CATALOG.lessons:
                assert f"Open lesson: {lesson.title}" in discovered
            assert "Train the tiny transformer" in discovered
            adam = CATALOG.get("adam")
            assert adam is not None
            steps = [hit.text for hit in await _palette_hits(app, "adam")]
            trace = adam.compute()  # titles chosen by facts are listed as they read
            for step in adam.steps:
                assert f"{adam.title} › {step.heading(trace)}" in steps

            hits = sorted(await _palette_hits(app, "gradient flips"), reverse=True)
            assert hits[0].text == "Adam, step by step › Step 4: the gradient flips"
            hits[0].command()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LessonScreen) and screen.lesson.id == "adam"
            flips = next(i for i, s in enumerate(adam.steps) if "flips" in s.heading(trace))
            assert screen.step == flips

            # From inside a lesson: another step of it just moves there...
            hits = sorted(await _palette_hits(app, "adam memory"), reverse=True)
            hits[0].command()
            await pilot.pause()
            assert app.screen is screen and "memory" in adam.steps[screen.step].title
            # ...and another lesson opens from the lessons list (q goes back there).
            hits = sorted(await _palette_hits(app, "open lesson backprop"), reverse=True)
            hits[0].command()
            await pilot.pause()
            assert app.screen.lesson.id == "backprop"  # type: ignore[attr-defined]
            await pilot.press("q")
            assert isinstance(app.screen, HomeScreen)

    run(scenario)


def test_the_palette_opens_a_step_with_the_keyboard() -> None:
    async def scenario() -> None:
        app = create_app(CATALOG)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+p")
            await pilot.press(*"back to the first weight")
            await pilot.pause(0.5)
            await pilot.press("enter", "enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LessonScreen) and screen.lesson.id == "backprop"
            assert screen.lesson.steps[screen.step].title == "Back to the first weight"

    run(scenario)


def test_the_app_turns_the_collector_back_on_after_its_first_screen() -> None:
    import gc

    async def scenario() -> None:
        app = create_app(CATALOG)
        gc.disable()  # as llmtutor.launch starts the command
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                assert gc.isenabled() and gc.get_freeze_count() > 0
        finally:
            gc.enable()
            gc.unfreeze()

    run(scenario)


def test_keys_typed_ahead_on_the_home_screen_are_handled_in_order() -> None:
    # ↓ ↓ ↓ Enter arriving at once (typed ahead, or sent by a script) opens the fourth
    # lesson, not the one highlighted when Enter arrived.
    from textual import events

    async def scenario() -> None:
        app = create_app(CATALOG)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            driver = app._driver
            assert driver is not None
            for key in ("down", "down", "down", "enter"):
                event = events.Key(key, None)
                event.set_sender(app)
                driver.send_message(event)
            await pilot.pause()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            assert screen.lesson.id == CATALOG.entries[3].id

    run(scenario)


def test_the_palette_lists_a_broken_lesson_without_its_steps(tmp_path: Path) -> None:
    # Listed without running its computation, the lesson's names are only checked when
    # its steps are needed: the palette offers to open it (which says what is wrong).
    source = (CATALOG.get("backprop") or CATALOG.lessons[0]).path.read_text(encoding="utf-8")
    (tmp_path / "broken.toml").write_text(
        source.replace('id = "backprop"', 'id = "broken"')
        .replace('title = "Backpropagation"', 'title = "Broken"')
        .replace('"dL_dw1"', '"dL_dw9"'),
        encoding="utf-8",
    )
    catalog = load_catalog(tmp_path, run=False)

    async def scenario() -> None:
        app = create_app(catalog)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            texts = [hit.text for hit in await _palette_hits(app, "broken")]
            assert "Open lesson: Broken" in texts
            assert not any(text.startswith("Broken ›") for text in texts)

    run(scenario)
