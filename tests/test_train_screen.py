"""The training screen: a snapshot fed a fixed sequence of events (no real training in a
snapshot), and pilot runs of short real trainings driven by the keys."""

from __future__ import annotations

import asyncio
import math
import os
import signal

from textual.pilot import Pilot
from textual.screen import Screen

from llmtutor.app import RunSettings, create_app
from llmtutor.app.train import TrainingEvent, TrainScreen
from llmtutor.curriculum import load_catalog
from llmtutor.training import (
    Diverged,
    Finished,
    Progress,
    Sample,
    Started,
    TrainConfig,
    WatchedParameter,
)

CATALOG = load_catalog()
TEXT = "the quick brown fox jumps over the lazy dog. the dog sleeps. the fox runs. the qu"


def fixed_events(steps: int = 500, until: int = 300) -> list[object]:
    """A made-up but plausible run: the loss decays from ln 28 towards 0.1."""
    events: list[object] = [Started("CPU (1 thread)", 78_748, TrainConfig(steps=steps))]
    for step in range(0, until + 1, 10):
        loss = 0.1 + (math.log(28) - 0.1) * math.exp(-step / 110)
        watch = WatchedParameter("head.weight", 0, 0.05 - step * 1e-4, -0.01, -0.004, 2e-5, 1e-3)
        events.append(
            Progress(step, steps, loss, math.exp(loss), 1e-3, 40_000.0, step / 100, watch)
        )
        if step and step % 100 == 0:
            events.append(Sample(step, TEXT[: 20 + step // 10] + "xq zzk", loss))
    return events


def feed(events: list[object]):
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, TrainScreen)
        screen.query_one("#intro").display = False
        screen.query_one("#loss-chart").display = True
        for event in events:
            screen.on_training_event(TrainingEvent(screen.run_number, event))
        await pilot.pause()

    return run_before


def training_app(settings: RunSettings | None = None):
    app = create_app(CATALOG, train=settings or RunSettings(), start_training=False)
    app.animation_level = "none"
    return app


def test_training_screen_mid_run(snap_compare) -> None:
    assert snap_compare(training_app(), terminal_size=(80, 24), run_before=feed(fixed_events()))


def test_training_screen_finished(snap_compare) -> None:
    events = [*fixed_events(500, 490), Finished(500, 0.12, TEXT, 4.2, False)]
    assert snap_compare(training_app(), terminal_size=(100, 30), run_before=feed(events))


def test_training_screen_diverged(snap_compare) -> None:
    events = [*fixed_events(500, 20)[:2], Diverged(20, math.nan)]
    events.append(Finished(21, math.nan, "", 0.3, True))
    assert snap_compare(training_app(), terminal_size=(80, 24), run_before=feed(events))


def healthy_events(layers: int, residual: bool) -> list[object]:
    """Reports whose gradient norms fall toward the input without skip connections and stay
    level with them: made up, as a seeded run measures them (tests/training)."""
    config = TrainConfig(steps=200, n_layers=layers, residual=residual)
    events: list[object] = [Started("CPU (1 thread)", 212_636, config)]
    for step in range(0, 101, 10):
        loss = 3.3 - step / 200
        parts = ["embeddings", *(f"block {i}" for i in range(1, layers + 1)), "head"]
        norms = tuple(
            (name, 0.3 * (1.0 if residual else 10.0 ** (-(len(parts) - 1 - i) * 0.8)))
            for i, name in enumerate(parts)
        )
        events.append(
            Progress(step, 200, loss, math.exp(loss), 1e-3, 40_000.0, step / 100, None, norms, 1e-4)
        )
    return events


def test_the_gradient_health_panel_without_residuals(snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        await feed(healthy_events(8, residual=False))(pilot)
        await pilot.press("g")
        await pilot.pause()

    settings = RunSettings(steps=200, layers=8, residual=False)  # as the events were made
    assert snap_compare(training_app(settings), terminal_size=(100, 30), run_before=run_before)


def test_the_restart_dialog_holds_the_experiments(snap_compare) -> None:
    settings = RunSettings(layers=8, residual=False, schedule="cosine", warmup=50, lr_min=1e-4)
    assert snap_compare(training_app(settings), terminal_size=(80, 24), press=["r"])


def test_the_dialog_runs_an_experiment_and_keeps_the_last_run_to_compare() -> None:
    async def scenario() -> None:
        app = training_app(RunSettings(steps=12, device="cpu"))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            await pilot.press("enter")
            await _wait_for(screen, pilot, {"finished"}, 60)
            screen, dialog = await open_restart_dialog(pilot)
            for name, text in (("layers", "3"), ("residual", "no"), ("schedule", "cosine")):
                dialog.query_one(f"#setting-{name}").value = text
            dialog.query_one("#setting-warmup").value = "12"
            await pilot.press("enter")
            assert app.screen is dialog  # a warmup as long as the run is refused
            assert "warmup must be" in str(dialog.query_one("#settings-error").render())
            dialog.query_one("#setting-warmup").value = "4"
            dialog.query_one("#setting-bias_correction").value = "maybe"
            await pilot.press("enter")
            assert "bias correction must be yes or no" in str(
                dialog.query_one("#settings-error").render()
            )
            dialog.query_one("#setting-bias_correction").value = "no"
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen
            s = screen.settings
            assert (s.layers, s.residual, s.schedule, s.warmup, s.bias_correction) == (
                3, False, "cosine", 4, False
            )  # fmt: skip
            await _wait_for(screen, pilot, {"finished"}, 60)
            # The article's run stays on the chart beside the experiment, named by what differs.
            assert screen.curve is not None
            labels = [curve.name for curve in screen.earlier] + [screen.curve.name]
            assert labels[-2] == "12 steps"
            assert labels[-1].endswith("3 layers, no residual, cosine (warmup 4, lr-min 0), "
                                       "no bias correction")  # fmt: skip

    asyncio.run(scenario())


def test_the_lesson_entry_waits_for_enter(snap_compare) -> None:
    assert snap_compare(training_app(), terminal_size=(80, 24))


async def _wait_for(screen: TrainScreen, pilot: Pilot, statuses: set[str], seconds: float) -> None:
    for _ in range(int(seconds / 0.05)):
        if screen.status in statuses:
            return
        await pilot.pause(0.05)
    raise AssertionError(f"status stayed {screen.status!r}, wanted one of {statuses}")


def test_a_real_short_run_fills_the_chart_and_text() -> None:
    async def scenario() -> None:
        app = training_app(RunSettings(steps=40, device="cpu"))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            await pilot.press("enter")
            await _wait_for(screen, pilot, {"finished"}, 60)
            assert screen.curve is not None and len(screen.curve) >= 4
            assert screen.curve.y[-1] < screen.curve.y[0]  # it learned something
            timeline = str(screen.query_one("#sample").render()).splitlines()
            assert timeline[0].startswith("after step 0 · loss ")
            assert timeline[-2].startswith("final, 40 steps · loss ")
            assert timeline[-1].startswith("t")  # the final text, from the prompt "t"

    asyncio.run(scenario())


def test_pause_stop_and_compare_keys() -> None:
    async def scenario() -> None:
        app = training_app(RunSettings(steps=3000, device="cpu"))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            await pilot.press("enter")
            await _wait_for(screen, pilot, {"running"}, 60)
            await pilot.press("space")
            assert screen.status == "paused"
            await pilot.pause(0.3)
            seen = len(screen.curve or [])
            await pilot.pause(0.5)
            assert len(screen.curve or []) <= seen + 1  # paused: (almost) no progress
            await pilot.press("space", "s")
            await _wait_for(screen, pilot, {"stopped"}, 30)
            await pilot.press("c")  # compare: the same run with plain SGD beside it
            await _wait_for(screen, pilot, {"running"}, 60)
            assert screen.settings.optimizer == "sgd" and len(screen.earlier) == 1
            trainer = screen.trainer
            assert trainer is not None and trainer.alive
            await pilot.press("q")  # quitting mid-run stops the run and leaves
            for _ in range(200):  # the training process ends with its screen
                if not trainer.alive:
                    break
                await asyncio.sleep(0.05)
            assert not trainer.alive

    asyncio.run(scenario())


async def open_restart_dialog(pilot: Pilot) -> tuple[TrainScreen, Screen[object]]:
    """The training screen of a short run, and its restart dialog (r) open over it."""
    screen = pilot.app.screen
    assert isinstance(screen, TrainScreen)
    await pilot.press("r")
    await pilot.pause()
    return screen, pilot.app.screen


def test_restart_dialog_checks_its_fields() -> None:
    async def scenario() -> None:
        app = training_app(RunSettings(steps=20, device="cpu"))
        async with app.run_test(size=(80, 24)) as pilot:
            screen, dialog = await open_restart_dialog(pilot)
            dialog.query_one("#setting-lr").value = "-1"
            await pilot.press("enter")
            assert app.screen is dialog  # refused, with the reason shown
            assert "lr must be" in str(dialog.query_one("#settings-error").render())
            dialog.query_one("#setting-lr").value = "0.01"
            dialog.query_one("#setting-optimizer").value = "sgd"
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen
            assert screen.settings.lr == 0.01 and screen.settings.optimizer == "sgd"
            await _wait_for(screen, pilot, {"finished"}, 60)

    asyncio.run(scenario())


def test_a_value_typed_then_enter_at_once_restarts_with_the_whole_value() -> None:
    from textual import events

    async def scenario() -> None:
        app = training_app(RunSettings(steps=20, device="cpu"))
        async with app.run_test(size=(80, 24)) as pilot:
            screen, dialog = await open_restart_dialog(pilot)
            field = dialog.query_one("#setting-lr")
            field.value = ""
            field.focus()
            await pilot.pause()
            driver = app._driver
            assert driver is not None
            for key, character in [*((c, c) for c in "0.05"), ("enter", None)]:
                event = events.Key("full_stop" if key == "." else key, character)
                event.set_sender(app)
                driver.send_message(event)
            await pilot.pause()
            await pilot.pause()
            assert app.screen is screen
            assert screen.settings.lr == 0.05
            await _wait_for(screen, pilot, {"finished"}, 60)

    asyncio.run(scenario())


def test_a_training_process_that_dies_is_reported_and_enter_trains_again() -> None:
    """The run's process is killed (out of memory, say): the screen says so, the tutor goes
    on, and Enter starts a new process."""

    async def scenario() -> None:
        app = training_app(RunSettings(steps=100_000, device="cpu"))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            await pilot.press("enter")
            await _wait_for(screen, pilot, {"running"}, 60)
            assert screen.trainer is not None and screen.trainer.pid is not None
            os.kill(screen.trainer.pid, signal.SIGKILL)
            await _wait_for(screen, pilot, {"failed"}, 60)
            figures = str(screen.query_one("#figures").render())
            assert "The run could not go on: the training process was stopped by SIGKILL" in (
                figures
            )
            await pilot.press("enter")
            await _wait_for(screen, pilot, {"running"}, 60)
            await pilot.press("s")
            await _wait_for(screen, pilot, {"stopped"}, 60)

    asyncio.run(scenario())
