"""Start-up stays light: torch is never imported on the way to the home screen, and the
layers below the interface never import Textual. Each check runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def modules_after(code: str) -> set[str]:
    script = textwrap.dedent(code) + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    return set(result.stdout.split())


def test_showing_the_home_screen_imports_neither_torch_nor_numpy() -> None:
    loaded = modules_after(
        """
        import asyncio, sys
        from llmtutor.app import create_app
        from llmtutor.curriculum import load_catalog

        async def main():
            app = create_app(load_catalog(run=False))  # as `llmtutor` starts
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                assert type(app.screen).__name__ == "HomeScreen"
                assert "numpy" not in sys.modules  # the lessons are listed, not yet run
                await pilot.press("enter", "right", "right")
                await pilot.pause()
                assert type(app.screen).__name__ == "LessonScreen"

        asyncio.run(main())
        """
    )
    assert "textual" in loaded  # the check is meaningful: the app really ran
    assert "torch" not in loaded


def test_cli_plain_path_does_not_import_torch_or_textual_app() -> None:
    loaded = modules_after(
        """
        from llmtutor.cli import main
        try:
            main(["lesson", "backprop", "--plain"])
        except SystemExit:
            pass
        """
    )
    assert "llmtutor.plain" in loaded
    assert "torch" not in loaded
    assert "textual.app" not in loaded


def test_engine_and_lessons_know_no_ui() -> None:
    loaded = modules_after(
        """
        import llmtutor.engine, llmtutor.curriculum
        llmtutor.curriculum.load_catalog()
        """
    )
    assert not {"textual", "rich", "torch"} & {name.split(".")[0] for name in loaded}


def test_the_command_collects_no_garbage_while_starting_and_does_after() -> None:
    # llmtutor.launch (the console script) turns the collector off before anything is
    # imported; the command's end, or the app's first screen, turns it back on.
    loaded = modules_after(
        """
        import gc, sys
        import llmtutor.cli
        states = []
        llmtutor.cli.main = lambda: states.append(gc.isenabled())
        from llmtutor.launch import main
        main()
        assert states == [False] and gc.isenabled(), states
        """
    )
    assert "llmtutor.launch" in loaded


def test_training_in_the_app_and_reading_the_model_never_import_torch_in_the_app() -> None:
    # The run trains in a process of its own, which alone imports torch: the app unpickles
    # its events (plain data, llmtutor.run_types) and the prediction view's readings.
    loaded = modules_after(
        """
        import asyncio, sys, time
        from llmtutor.app import RunSettings, create_app
        from llmtutor.app.predict import PredictScreen
        from llmtutor.curriculum import load_catalog

        async def main():
            settings = RunSettings(steps=30, device="cpu")
            app = create_app(load_catalog(run=False), train=settings, start_training=True)
            async with app.run_test(size=(80, 24)) as pilot:
                screen = app.screen
                deadline = time.monotonic() + 90
                while screen.status != "finished":
                    assert time.monotonic() < deadline, screen.status
                    await pilot.pause(0.05)
                await pilot.press("p")
                view = app.screen
                assert isinstance(view, PredictScreen)
                while "(temperature 1)" not in str(view.query_one("#predict-guesses").render()):
                    assert time.monotonic() < deadline
                    await pilot.pause(0.05)

        asyncio.run(main())
        """
    )
    assert "llmtutor.training_process" in loaded and "llmtutor.run_types" in loaded
    assert "torch" not in loaded
