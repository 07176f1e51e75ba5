"""The training process the app trains in (llmtutor.training_process): its events are the
loop's own, it reads the model only while the loop waits, a stop is never lost, and its end,
asked for or not, is reported and survived."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch

from llmtutor.run_settings import RunSettings
from llmtutor.training import Finished, Paused, Progress, Started, TrainConfig, train
from llmtutor.training_process import TrainingProcess

WAIT_S = 120.0  # generous: a busy machine starts torch slowly


class Inbox:
    """What the process delivers, in order, with a wait for the next of a kind."""

    def __init__(self) -> None:
        self.items: queue.Queue[tuple[int, object]] = queue.Queue()

    def __call__(self, run: int, event: object) -> None:
        self.items.put((run, event))

    def until(self, kind: type | tuple[type, ...], run: int | None = None) -> list[object]:
        """Everything delivered up to and including the first `kind` (of `run`, if given)."""
        seen: list[object] = []
        deadline = time.monotonic() + WAIT_S
        while True:
            got_run, event = self.items.get(timeout=max(0.1, deadline - time.monotonic()))
            seen.append(event)
            if isinstance(event, kind) and (run is None or got_run == run):
                return seen


@pytest.fixture
def process() -> Iterator[tuple[TrainingProcess, Inbox]]:
    inbox = Inbox()
    trainer = TrainingProcess(inbox)
    yield trainer, inbox
    trainer.close()


def test_a_run_in_the_process_yields_what_the_loop_yields_here(
    process: tuple[TrainingProcess, Inbox],
) -> None:
    trainer, inbox = process
    trainer.run(1, RunSettings(steps=30, device="cpu", seed=7))
    events = inbox.until(Finished)
    torch.set_num_threads(1)
    config = TrainConfig(steps=30, device="cpu", seed=7)
    here = [e for e in train(config) if isinstance(e, Progress | Finished)]
    there = [e for e in events if isinstance(e, Progress | Finished)]
    assert isinstance(events[0], Started)
    assert [e.step for e in there if isinstance(e, Progress)] == [
        e.step for e in here if isinstance(e, Progress)
    ]
    # The same seed gives the same run: the losses agree (threads may round differently).
    for a, b in zip(here, there, strict=True):
        if isinstance(a, Progress) and isinstance(b, Progress):
            assert b.loss == pytest.approx(a.loss, rel=1e-4)
    assert isinstance(there[-1], Finished) and isinstance(here[-1], Finished)
    assert there[-1].text == here[-1].text


def test_the_model_is_read_while_paused_and_not_one_step_moves_meanwhile(
    process: tuple[TrainingProcess, Inbox],
) -> None:
    trainer, inbox = process
    trainer.run(1, RunSettings(steps=100_000, device="cpu"))
    inbox.until(Progress)
    trainer.pause(1)
    paused = inbox.until(Paused)[-1]
    assert isinstance(paused, Paused)
    before = trainer.weights()
    reading = trainer.read("the quick brown fo", 1.0, 3, 12)
    assert reading.greedy.startswith("the quick brown fo") and len(reading.greedy) == 30
    assert sum(g.probability for g in reading.guesses) <= 1.0
    assert trainer.weights() == before  # no step between the two readings
    trainer.resume(1)
    inbox.until(Progress)  # it trains again
    trainer.stop(1)
    finished = inbox.until(Finished)[-1]
    assert isinstance(finished, Finished) and finished.stopped_early


def test_a_stop_sent_before_its_run_begins_still_stops_it(
    process: tuple[TrainingProcess, Inbox],
) -> None:
    """Run 2 is asked for and stopped at once, before the child has even begun it (it is
    still importing torch): the stop must not be lost, and run 3 must not inherit it."""
    trainer, inbox = process
    trainer.run(1, RunSettings(steps=100_000, device="cpu"))
    trainer.run(2, RunSettings(steps=100_000, device="cpu"))  # stops run 1
    trainer.stop(2)
    trainer.run(3, RunSettings(steps=20, device="cpu"))
    ends: dict[int, Finished] = {}
    deadline = time.monotonic() + WAIT_S
    while 3 not in ends:
        run, event = inbox.items.get(timeout=max(0.1, deadline - time.monotonic()))
        if isinstance(event, Finished):
            ends[run] = event
    assert ends[1].stopped_early and ends[2].stopped_early
    assert ends[3].steps_done == 20 and not ends[3].stopped_early


def test_reading_before_any_model_says_so(process: tuple[TrainingProcess, Inbox]) -> None:
    trainer, inbox = process
    with pytest.raises(RuntimeError, match="the training process has not started"):
        trainer.read("the", 1.0, 0, 5)
    trainer.run(1, RunSettings(steps=1, device="cpu", optimizer="rmsprop"))  # no such thing
    failure = inbox.until(Exception)[-1]
    assert "optimizer must be one of adam, sgd" in str(failure)
    with pytest.raises(RuntimeError, match="no model yet: train first"):
        trainer.read("the", 1.0, 0, 5)
    trainer.run(2, RunSettings(steps=1, device="cpu"))
    inbox.until(Finished)
    assert trainer.read("the", 1.0, 0, 5).greedy.startswith("the")


def test_a_killed_process_is_reported_and_the_next_run_starts_a_new_one(
    process: tuple[TrainingProcess, Inbox],
) -> None:
    trainer, inbox = process
    trainer.run(1, RunSettings(steps=100_000, device="cpu"))
    inbox.until(Progress)
    first = trainer.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    failure = inbox.until(Exception, run=1)[-1]
    assert "the training process was stopped by SIGKILL" in str(failure)
    with pytest.raises(RuntimeError):
        trainer.read("the", 1.0, 0, 5)
    trainer.run(2, RunSettings(steps=10, device="cpu"))
    finished = inbox.until(Finished, run=2)[-1]
    assert isinstance(finished, Finished) and finished.steps_done == 10
    assert trainer.pid != first


def test_closing_ends_the_child_mid_run(process: tuple[TrainingProcess, Inbox]) -> None:
    trainer, inbox = process
    trainer.run(1, RunSettings(steps=100_000, device="cpu"))
    inbox.until(Progress)
    closer = threading.Thread(target=trainer.close)
    closer.start()
    closer.join(WAIT_S)
    assert not trainer.alive


def test_the_child_ignores_the_working_folder_of_the_learner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A learner's own torch.py (or queue.py) in the folder they started the tutor from must
    not stand in for the real one in the training process."""
    for name in ("torch.py", "queue.py"):
        (tmp_path / name).write_text("raise SystemExit('the wrong module was imported')\n")
    monkeypatch.chdir(tmp_path)
    inbox = Inbox()
    trainer = TrainingProcess(inbox)
    try:
        trainer.run(1, RunSettings(steps=5, device="cpu"))
        finished = inbox.until((Finished, Exception))[-1]
        assert isinstance(finished, Finished), finished
        assert finished.steps_done == 5
    finally:
        trainer.close()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_an_idle_child_rests_and_its_model_reads_the_same_after() -> None:
    """Idle between runs, the child ends and leaves its model's weights with the parent; a
    reading then starts a child that takes them back, and reads what the first one read."""
    inbox = Inbox()
    trainer = TrainingProcess(inbox, rest_after_s=0.2)
    try:
        trainer.run(1, RunSettings(steps=40, device="cpu", seed=3))
        inbox.until(Finished)
        before = trainer.read("the quick brown fo", 0.8, 5, 20)
        weights = trainer.weights()
        first = trainer.pid
        assert first is not None
        wait_until(lambda: trainer.resting, "the child to rest")
        assert not trainer.alive and trainer.pid is None
        wait_until(lambda: gone(first), "the rested child to end")
        after = trainer.read("the quick brown fo", 0.8, 5, 20)
        assert trainer.alive and trainer.pid != first and not trainer.resting
        assert trainer.weights() == weights  # every weight, exactly
        assert after.greedy == before.greedy and after.sampled == before.sampled
        for a, b in zip(after.guesses, before.guesses, strict=True):
            assert a.char == b.char
            assert a.probability == pytest.approx(b.probability, rel=1e-6)
        # It rests again, and a new run after a rest trains a new model from scratch.
        wait_until(lambda: trainer.resting, "the child to rest again")
        trainer.run(2, RunSettings(steps=40, device="cpu", seed=3))
        assert not trainer.resting
        finished = inbox.until(Finished, run=2)[-1]
        assert isinstance(finished, Finished) and finished.steps_done == 40
        assert trainer.weights() == weights  # the same seed trains the same model
    finally:
        trainer.close()


def test_a_run_in_flight_never_rests(process: tuple[TrainingProcess, Inbox]) -> None:
    trainer, inbox = process
    trainer.run(1, RunSettings(steps=100_000, device="cpu"))
    inbox.until(Progress)
    assert not trainer.rest()  # training
    trainer.pause(1)
    inbox.until(Paused)
    assert not trainer.rest()  # paused: its optimizer and its place would be lost
    trainer.stop(1)
    inbox.until(Finished)
    assert trainer.rest(armed=-1) is False  # a timer set before something else was asked
    assert trainer.alive
    assert trainer.rest()  # idle between runs
    assert trainer.resting and not trainer.alive
    assert trainer.read("the", 1.0, 0, 5).greedy.startswith("the")


def test_a_child_whose_run_failed_rests_with_nothing_to_keep(
    process: tuple[TrainingProcess, Inbox],
) -> None:
    trainer, inbox = process
    trainer.run(1, RunSettings(steps=1, device="cpu", optimizer="rmsprop"))  # no such thing
    inbox.until(Exception)
    assert trainer.rest()
    assert not trainer.resting and not trainer.alive
    with pytest.raises(RuntimeError):
        trainer.read("the", 1.0, 0, 5)
