"""The training screen as a laboratory: the timeline of samples, the prediction view, the
advice when a run goes wrong, a lesson's experiment run after run, and curves told apart
without colour. Fixed events where the screen only shows them; short real runs where it
reads the model."""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace

import pytest
import torch
from textual.pilot import Pilot

from llmtutor.app import RunSettings
from llmtutor.app.chart_widget import Chart
from llmtutor.app.predict import PredictScreen
from llmtutor.app.train import TrainingEvent, TrainScreen
from llmtutor.engine import fmt
from llmtutor.run_settings import Experiment
from llmtutor.training import (
    Finished,
    Progress,
    Reading,
    Sample,
    Started,
    TinyTransformer,
    TrainConfig,
    config_for,
    read,
)
from tests.test_train_screen import _wait_for, feed, fixed_events, training_app

TEXT = "the quick brown fox jumps over the lazy dog. the dog sleeps. the fox runs. the qu"


def shown(screen: TrainScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def sampled_events(count: int) -> list[object]:
    """Reports every 10 steps and a sample every 100, each carrying its own step's loss."""
    events: list[object] = [Started("CPU (1 thread)", 78_748, TrainConfig(steps=1000))]
    for step in range(0, 100 * count, 10):
        loss = 0.1 + 3.2 * math.exp(-step / 200)
        events.append(Progress(step, 1000, loss, math.exp(loss), 1e-3, 4e4, step / 100, None))
        if step % 100 == 0:
            events.append(Sample(step, TEXT[: 5 + step // 20], loss))
    return events


def test_every_sample_is_kept_under_its_step_loss_and_perplexity() -> None:
    async def scenario() -> None:
        app = training_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await feed(sampled_events(6))(pilot)
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            text = shown(screen, "#sample")
            for step in range(0, 600, 100):
                loss = 0.1 + 3.2 * math.exp(-step / 200)
                assert f"after step {step} · loss {loss:.4f} · ppl " in text
                perplexity = text.split(f"after step {step} · loss {loss:.4f} · ppl ")[1]
                assert float(perplexity.split()[0]) == pytest.approx(math.exp(loss), rel=5e-3)
                assert TEXT[: 5 + step // 20] in text
            assert "6 samples" in str(screen.query_one("#samples").border_title)

    asyncio.run(scenario())


def test_the_timeline_follows_the_newest_sample_unless_the_learner_scrolled_up() -> None:
    async def scenario() -> None:
        app = training_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await feed(sampled_events(6))(pilot)
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            scroller = screen.query_one("#samples")
            await pilot.pause()
            assert scroller.max_scroll_y > 0 and scroller.scroll_y == scroller.max_scroll_y
            await pilot.press("tab")  # the timeline takes the keys
            assert screen.focused is scroller
            await pilot.press("home")
            await pilot.pause()
            assert scroller.scroll_y == 0  # the first sample: gibberish
            assert "after step 0 ·" in shown(screen, "#sample")
            more = Sample(600, TEXT, 0.2)
            screen.on_training_event(TrainingEvent(screen.run_number, more))
            await pilot.pause()
            assert scroller.scroll_y == 0  # reading an old one: not pulled away from it
            await pilot.press("end")
            screen.on_training_event(TrainingEvent(screen.run_number, Sample(700, TEXT, 0.1)))
            await pilot.pause()
            await pilot.pause()
            assert scroller.scroll_y == scroller.max_scroll_y

    asyncio.run(scenario())


# --- advice ----------------------------------------------------------------------------


def stalled_events(lr: float, optimizer: str, level: float, falling: float) -> list[object]:
    """A run of 500 steps whose loss sits at `level`, falling `falling` per 100 steps."""
    settings = TrainConfig(steps=500, lr=lr, optimizer=optimizer)
    events: list[object] = [Started("CPU (1 thread)", 78_748, settings)]
    for step in range(0, 500, 10):
        loss = level + falling * (500 - step) / 100 + (0.03 if step % 20 else -0.03)
        events.append(Progress(step, 500, loss, math.exp(loss), lr, 4e4, step / 100, None))
    events.append(Finished(500, level, "t" + " " * 80, 5.0, False))
    return events


@pytest.mark.parametrize(
    ("settings", "level", "falling", "says"),
    [
        # Adam at 0.1 sits at about the frequency guess (2.97): ten times smaller is offered
        (RunSettings(lr=0.1), 2.95, 0.0, "It had levelled off: steps this large"),
        # SGD at Adam's rate, still falling: the rate SGD trains this model at is offered
        (RunSettings(lr=1e-3, optimizer="sgd"), 2.9, 0.12, "SGD needs a far larger rate"),
        # Adam at a tiny rate, still falling: a larger rate or more steps
        (RunSettings(lr=1e-5), 2.9, 0.12, "It was still falling, slowly"),
    ],
)
def test_a_run_that_learned_little_says_what_happened_and_what_to_try(
    settings: RunSettings, level: float, falling: float, says: str
) -> None:
    frequency_guess = -sum(  # the entropy of the text's characters, written out here
        n / 75 * math.log(n / 75) for n in __import__("collections").Counter(TEXT[:75]).values()
    )
    tries = {0.1: "0.01", 1e-3: "0.5", 1e-5: "0.0001"}[settings.lr]

    async def scenario() -> None:
        app = training_app(settings)
        async with app.run_test(size=(100, 30)) as pilot:
            await feed(stalled_events(settings.lr, settings.optimizer, level, falling))(pilot)
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            figures = " ".join(shown(screen, "#figures").split())
            assert f"costs {frequency_guess:.3g}" in figures
            assert says in figures
            assert f"press r and try lr {tries}" in figures.lower()

    asyncio.run(scenario())


def test_advice_longer_than_its_room_at_80x24_scrolls_and_tab_reaches_it() -> None:
    async def scenario() -> None:
        # A deep run without residuals that levelled off at the frequency guess, its first
        # block's gradient a millionth of its last's: two pieces of advice.
        settings = RunSettings(lr=0.1, layers=8, residual=False)
        parts = ["embeddings", *(f"block {i}" for i in range(1, 9)), "head"]
        norms = tuple((name, 10.0 ** -(9 - i)) for i, name in enumerate(parts))
        events = [
            replace(event, grad_norms=norms) if isinstance(event, Progress) else event
            for event in stalled_events(0.1, "adam", 2.95, 0.0)
        ]
        app = training_app(settings)
        async with app.run_test(size=(80, 24)) as pilot:
            await feed(events)(pilot)
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            box = screen.query_one("#figures-box")
            await pilot.pause()
            assert box.max_scroll_y > 0  # the figures and the advice: more than 6 lines
            assert screen.focused is screen.query_one("#samples")
            await pilot.press("tab")
            assert screen.focused is box
            await pilot.press("end")
            await pilot.pause()
            assert box.scroll_y == box.max_scroll_y > 0
            assert "vanishing gradient" in shown(screen, "#figures")
            await pilot.press("tab")
            assert screen.focused is screen.query_one("#samples")
            await pilot.press("tab")
            assert screen.focused is box
            screen.action_start()  # a new run: its figures are short, the keys go back
            await pilot.pause()
            assert screen.focused is screen.query_one("#samples")
            await pilot.press("s")

    asyncio.run(scenario())


def test_a_run_that_learned_gets_no_advice() -> None:
    async def scenario() -> None:
        app = training_app()
        async with app.run_test(size=(80, 24)) as pilot:
            events = [*fixed_events(500, 490), Finished(500, 0.12, TEXT, 4.2, False)]
            await feed(events)(pilot)
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            figures = shown(screen, "#figures")
            assert "press r" not in figures and "perplexity" in figures

    asyncio.run(scenario())


# --- the chart explains itself ------------------------------------------------------------


def test_the_chart_offers_the_log_scale_once_the_curve_lies_flat() -> None:
    async def scenario() -> None:
        app = training_app()
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            chart = screen.query_one("#loss-chart", Chart)
            await feed(fixed_events(500, 100))(pilot)  # the loss is still above ln 28 ÷ 10
            assert chart.chart_title == "Loss at each step"
            await feed(fixed_events(500, 490)[-3:])(pilot)  # 0.1 + …: below ln 28 ÷ 10
            assert math.log(28) / 10 > 0.1 + (math.log(28) - 0.1) * math.exp(-490 / 110)
            assert chart.chart_title == "Loss at each step (l: log scale)"
            await pilot.press("l")
            assert chart.log_y and chart.chart_title == "Loss at each step, log scale (l: linear)"

    asyncio.run(scenario())


def test_without_colour_the_curves_keep_different_marks(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    async def scenario() -> None:
        app = training_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await feed(fixed_events(500, 300))(pilot)
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            chart = str(screen.query_one("#loss-chart").render())
            legend = chart.splitlines()[-1]
            assert "* uniform guess" in legend and "+ the article's run" in legend
            plot = "\n".join(chart.splitlines()[1:-3])
            assert "*" in plot and "+" in plot and not any("⠀" <= c <= "⣿" for c in plot)

    asyncio.run(scenario())


# --- an experiment, run after run ----------------------------------------------------------


def test_a_lessons_experiment_trains_each_run_and_keeps_them_all_on_the_chart() -> None:
    runs = (
        RunSettings(steps=15, layers=3, device="cpu"),
        RunSettings(steps=15, layers=3, residual=False, device="cpu"),
    )
    experiment = Experiment("Depth", "Two runs: watch the gradients.", runs, panel="health")

    async def scenario() -> None:
        app = training_app()
        async with app.run_test(size=(100, 30)) as pilot:
            screen = TrainScreen(experiment=experiment)
            await app.push_screen(screen)
            await pilot.pause()
            assert screen.query_one("#health-values").display  # the panel the runs are about
            assert screen.intro == "Two runs: watch the gradients."
            await pilot.press("enter")
            for _ in range(2400):
                if screen.run_number == 2 and screen.status == "finished":
                    break
                await pilot.pause(0.05)
            assert screen.run_number == 2 and screen.status == "finished"
            names = [series.name for series in screen.query_one("#loss-chart", Chart).series]
            assert names[1:] == ["3 layers", "3 layers, no residual"]  # one length: steps left out
            assert "run 2 of 2 · finished" in shown(screen, "#progress")
            assert shown(screen, "#lesson-title").startswith("Depth  ·  CPU")
            # The closing comparison stays under the figures: block 1's norm over block 3's
            # at each run's last report, as the screen received them.
            ratios = []
            for label, norms in screen.last_norms.items():
                norm = dict(norms)
                ratios.append(f"{fmt(norm['block 1'] / norm['block 3'], 2)} ({label})")
            figures = " ".join(shown(screen, "#figures").split())
            assert (
                "First block's gradient ÷ last block's, at each run's last report: "
                + "; ".join(ratios)
            ) in figures
            assert len(ratios) == 2

    asyncio.run(scenario())


def test_stopping_an_experiment_stops_its_later_runs_too() -> None:
    runs = (RunSettings(steps=5000, device="cpu"), RunSettings(steps=15, device="cpu"))

    async def scenario() -> None:
        app = training_app()
        async with app.run_test(size=(80, 24)) as pilot:
            screen = TrainScreen(experiment=Experiment("Two", "Two runs.", runs))
            await app.push_screen(screen)
            await pilot.press("enter")
            await _wait_for(screen, pilot, {"running"}, 60)
            await pilot.press("s")
            await _wait_for(screen, pilot, {"stopped"}, 60)
            await pilot.pause(0.3)
            assert screen.run_number == 1 and not screen.queue

    asyncio.run(scenario())


# --- the prediction view --------------------------------------------------------------------


def guesses_on(screen: PredictScreen) -> list[tuple[str, float, float]]:
    """The rows of the view's table: (character, p, −ln p)."""
    rows = []
    for line in str(screen.query_one("#predict-guesses").render()).splitlines()[2:7]:
        name, *rest = line.split()
        char = " " if name == "␣" else name
        numbers = [word for word in rest if word[0].isdigit()]
        rows.append((char, float(numbers[0]), float(numbers[1])))
    return rows


async def wait_for_guesses(pilot: Pilot, view: PredictScreen, temperature: str) -> None:
    for _ in range(400):
        if f"(temperature {temperature})" in str(view.query_one("#predict-guesses").render()):
            return
        await pilot.pause(0.05)
    raise AssertionError(str(view.query_one("#predict-guesses").render()))


def trained_model(screen: TrainScreen) -> TinyTransformer:
    """The model as the screen's training process holds it, rebuilt here from its weights."""
    assert screen.trainer is not None
    model = TinyTransformer(config_for(screen.settings))
    weights = {name: torch.tensor(value) for name, value in screen.trainer.weights().items()}
    model.load_state_dict(weights)
    return model.eval()


def test_after_a_run_the_prediction_view_shows_softmax_of_the_logits_over_t() -> None:
    from llmtutor.training import VOCAB

    async def scenario() -> None:
        app = training_app(RunSettings(steps=30, device="cpu"))
        async with app.run_test(size=(80, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            await pilot.press("enter")
            await _wait_for(screen, pilot, {"finished"}, 60)
            await pilot.press("p")
            view = app.screen
            assert isinstance(view, PredictScreen)
            prompt = "the quick brown fo"
            for temperature in ("1", "0.5"):
                view.query_one("#predict-temperature").value = temperature
                await wait_for_guesses(pilot, view, temperature)
                model = trained_model(screen)
                with torch.no_grad():
                    ids = torch.tensor([[VOCAB.index(c) for c in prompt]])
                    logits = model(ids)[0, -1].double()
                expected = torch.softmax(logits / float(temperature), dim=0)
                rows = guesses_on(view)
                top = expected.topk(5)
                assert [char for char, _, _ in rows] == [VOCAB[i] for i in top.indices]
                for (_, p, loss), q in zip(rows, top.values.tolist(), strict=True):
                    assert p == pytest.approx(q, abs=5e-5)
                    assert loss == pytest.approx(-math.log(q), rel=5e-3)
                assert sum(p for _, p, _ in rows) <= 1.0
            view.query_one("#predict-prompt").value = "The Fox"
            await pilot.pause(0.1)
            assert "not 'TF'" in str(view.query_one("#predict-guesses").render())
            await pilot.press("escape")
            assert app.screen is screen

    asyncio.run(scenario())


def test_a_rested_training_process_takes_its_model_back_to_be_read() -> None:
    """Idle after a run, the training process rests (its child ends, the weights kept in the
    app); p then reads the same model, in a new child."""

    async def scenario() -> None:
        app = training_app(RunSettings(steps=30, device="cpu"))
        async with app.run_test(size=(80, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            await pilot.press("enter")
            await _wait_for(screen, pilot, {"finished"}, 60)
            trainer = screen.trainer
            assert trainer is not None
            weights, first = trainer.weights(), trainer.pid
            assert trainer.rest()  # what its timer does after REST_AFTER_S idle
            assert trainer.resting and not trainer.alive
            await pilot.press("p")
            view = app.screen
            assert isinstance(view, PredictScreen)
            await wait_for_guesses(pilot, view, "1")
            assert trainer.alive and trainer.pid != first
            assert trainer.weights() == weights

    asyncio.run(scenario())


def test_p_during_a_run_pauses_it_and_opens_the_view_once_the_loop_waits() -> None:
    async def scenario() -> None:
        app = training_app(RunSettings(steps=5000, device="cpu"))
        async with app.run_test(size=(80, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            await pilot.press("enter")
            await _wait_for(screen, pilot, {"running"}, 60)
            await pilot.press("p")
            for _ in range(400):
                if isinstance(app.screen, PredictScreen):
                    break
                await pilot.pause(0.05)
            view = app.screen
            assert isinstance(view, PredictScreen) and screen.status == "paused"
            steps = screen.steps_done
            assert f"after {steps} step" in str(view.query_one("#predict-title").render())
            await wait_for_guesses(pilot, view, "1")
            await pilot.pause(0.3)
            assert screen.steps_done == steps  # the loop waits while the model is read
            await pilot.press("escape", "space")
            assert screen.status == "running"
            await pilot.press("s")
            await _wait_for(screen, pilot, {"stopped"}, 60)

    asyncio.run(scenario())


def test_the_prediction_view_snapshot(snap_compare) -> None:
    """A seeded untrained model, read on the CPU: its probabilities are fixed by the seed."""
    from llmtutor.training import build

    torch.set_num_threads(1)
    model = build(TrainConfig(steps=1, device="cpu", seed=42)).model

    async def run_before(pilot: Pilot) -> None:
        def reader(prompt: str, temperature: float, seed: int, write: int) -> Reading:
            return read(model, prompt, temperature, seed, write=write)

        await pilot.app.push_screen(PredictScreen(reader, "after 0 steps", 42))
        view = pilot.app.screen
        assert isinstance(view, PredictScreen)
        await wait_for_guesses(pilot, view, "1")

    assert snap_compare(training_app(), terminal_size=(80, 24), run_before=run_before)


def test_a_pause_the_learner_already_undid_does_not_open_the_model_to_reading() -> None:
    """The loop said Paused, but the learner resumed before the message arrived: the loop is
    training again, so p must pause first rather than read the model."""
    from llmtutor.training import Paused

    async def scenario() -> None:
        app = training_app()
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            await feed(fixed_events(500, 50))(pilot)
            screen.running, screen.paused, screen.model_ready = True, False, True
            screen.on_training_event(TrainingEvent(screen.run_number, Paused(51)))
            assert not screen.loop_waiting
            screen.paused = True
            screen.on_training_event(TrainingEvent(screen.run_number, Paused(51)))
            assert screen.loop_waiting and screen.steps_done == 51

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("settings", "legend"),
    [
        (RunSettings(), "the article's run"),
        (RunSettings(optimizer="sgd", lr=0.5), "sgd, lr 0.5"),
        (RunSettings(steps=300, layers=8, residual=False), "300 steps, 8 layers, no residual"),
        (RunSettings(bias_correction=False, seed=7), "seed 7, no bias correction"),
        (
            RunSettings(lr=0.03, schedule="cosine", warmup=100, lr_min=1e-3),
            "adam, lr 0.03, cosine (warmup 100, lr-min 0.001)",
        ),
        (RunSettings(device="cpu"), "the article's run"),  # speed, not the curve
    ],
)
def test_a_legend_names_only_what_differs_from_the_articles_run(
    settings: RunSettings, legend: str
) -> None:
    assert settings.legend() == legend
