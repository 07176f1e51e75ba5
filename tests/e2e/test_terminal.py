"""Journeys in a real terminal: the tutor runs under tmux, keys are sent with send-keys and
the screen is read with capture-pane, as a learner would see it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from llmtutor.curriculum import load_catalog
from llmtutor.engine import fmt

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

TUTOR = f"{sys.executable} -m llmtutor"

# A deadline only bounds a wait that has already failed: each wait returns as soon as the
# screen shows what it waits for, so a long one costs nothing on a quiet machine and keeps a
# busy one (two cores, other jobs) from failing a journey that is merely slow.
DEADLINE = 60.0

# What the shell prints once the tutor has ended: its exit status, then on the next line
# `echo` or `-echo` from stty (whether the terminal was left with echo on).
EXIT_REPORT = re.compile(r"EXITED=(\d+)\n(-?echo)$", re.MULTILINE)


class Terminal:
    def __init__(self, command: str, width: int, height: int) -> None:
        self.name = f"llmtutor-{uuid.uuid4().hex[:8]}"
        # After the tutor exits, show whether the terminal was restored: echo on, no
        # alternate screen left behind.
        restored = "stty -a | tr ' ' '\\n' | grep -x -e echo -e -echo"
        shell = f"{command}; echo EXITED=$?; {restored}; sleep 60"
        new = ["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height)]
        for _ in range(20):  # a tmux server that is just exiting refuses new sessions: retry
            if subprocess.run([*new, shell], capture_output=True).returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("tmux would not start a session")

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        ).stdout

    def keys(self, *keys: str) -> None:
        """Type `keys` one after another, spaced a little as a person types. The spacing is
        no wait: after a key, read only what a `wait_for` has seen it bring. An Escape must
        not be followed by another key until the screen shows it was handled, or the two
        can reach the tutor in one read and be taken for Alt+key."""
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.15)

    def wait_for(self, condition: Callable[[str], bool], seconds: float = DEADLINE) -> str:
        """The screen, once `condition` holds for it; an AssertionError after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            text = self.screen()
            if condition(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed what was expected:\n{text}")
            time.sleep(0.1)

    def wait_for_exit(self, seconds: float = DEADLINE) -> tuple[int, bool, str]:
        """Once the tutor has ended and the shell has printed both lines after it: the exit
        status, whether echo is on, and the screen."""
        screen = self.wait_for(lambda s: EXIT_REPORT.search(s) is not None, seconds)
        report = EXIT_REPORT.search(screen)
        assert report is not None
        return int(report[1]), report[2] == "echo", screen

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminal() -> Iterator[Callable[..., Terminal]]:
    opened: list[Terminal] = []

    def open_terminal(command: str = TUTOR, width: int = 80, height: int = 24) -> Terminal:
        opened.append(Terminal(command, width, height))
        return opened[-1]

    yield open_terminal
    for term in opened:
        term.close()


@pytest.mark.parametrize(("width", "height"), [(80, 24), (120, 40)])
def test_home_to_backprop_gradient(terminal, width: int, height: int) -> None:
    term = terminal(TUTOR, width, height)
    term.wait_for(lambda s: "Backpropagation" in s and "Quit" in s)
    order = load_catalog().ids
    term.keys(*["Down"] * order.index("backprop"), "Enter")
    term.wait_for(lambda s: "step 1 of 9" in s)
    term.keys(*["Right"] * 6)  # step 7: back to the first weight
    # the step is shown; its panels then scroll their newest values into view
    term.wait_for(lambda s: "step 7 of 9" in s and "dL/dw1" in s and "1.9584" in s)
    term.keys("q")  # back to the lessons list
    term.wait_for(lambda s: "lessons finished" in s and "Quit" in s)
    term.keys("q")
    status, echo, _ = term.wait_for_exit()
    assert status == 0 and echo


def test_adam_step_four_update(terminal) -> None:
    term = terminal(f"{TUTOR} lesson adam --step 5")
    update = load_catalog().get("adam").compute().value("update_4")  # type: ignore[union-attr]
    assert abs(update - 0.0061) < 5e-5  # the source's number
    term.wait_for(lambda s: "step 5 of 9" in s and "u₄" in s and fmt(update) in s)
    term.keys("C-c")
    status, echo, _ = term.wait_for_exit()
    assert status == 0 and echo


def test_every_value_of_every_step_is_on_screen_at_80x24(terminal) -> None:
    catalog = load_catalog()
    for lesson in catalog.lessons:
        trace = lesson.compute()
        term = terminal(f"{TUTOR} lesson {lesson.id}")
        total = len(lesson.steps)
        for index in range(total):
            if index:
                term.keys("Right")
            progress = f"step {index + 1} of {total}"
            wanted = [
                (fmt(trace[name].value), trace[name].symbol)
                for name in lesson.reveals(index, trace)
            ]

            def settled(screen: str, progress: str = progress, wanted=wanted) -> bool:
                # the step is shown, and once its panels have scrolled, every value with it
                return progress in screen and all(v in screen and s in screen for v, s in wanted)

            term.wait_for(settled)
        term.close()


def step_of(screen: str) -> int:
    """The step the training screen's figures line shows (-1 if none)."""
    match = re.search(r"step (\d+)/\d+", screen)
    return int(match.group(1)) if match else -1


def test_training_live_then_quit_restores_the_terminal(terminal) -> None:
    term = terminal(f"{TUTOR} train --steps 20000 --device cpu")
    first = term.wait_for(lambda s: "loss" in s and "tok/s" in s and step_of(s) >= 0)
    # the figures move on, and the chart is drawn
    term.wait_for(lambda s: step_of(s) > step_of(first) and "┤" in s and "Loss at each step" in s)
    term.keys("q")
    status, echo, screen = term.wait_for_exit()
    assert status == 0 and echo
    assert "Loss at each step" not in screen  # the alternate screen is gone


def test_editing_an_input_changes_the_values(terminal) -> None:
    term = terminal(f"{TUTOR} lesson backprop --step 7")
    term.wait_for(lambda s: "step 7 of 9" in s and "1.9584" in s)
    term.keys("e")
    term.wait_for(lambda s: "Inputs (what if?)" in s)
    # w1: 0.5 → 0.7. Tab selects the field's text and Backspace clears it; no key here is
    # an escape sequence, which a starved tutor can read as Esc followed by characters.
    term.keys("Tab", "BSpace", "0", ".", "7")
    # dL/dw1 = 2(x·w1·w2·w3 − target)·x·w2·w3, worked out here for w1 = 0.7
    x, w1, w2, w3, target = 2.0, 0.7, -0.3, 1.2, 1.0
    expected = 2 * (x * w1 * w2 * w3 - target) * x * w2 * w3
    term.wait_for(lambda s: fmt(expected) in s and "was 1.9584" in s)
    # Esc leaves the fields: the footer shows the lesson's keys again (while a field has
    # focus it shows the field's), and only then may r reset the inputs
    term.keys("Escape")
    term.wait_for(lambda s: "q Lessons" in s and "Next field" not in s and "was 1.9584" in s)
    term.keys("r")
    term.wait_for(lambda s: "was 1.9584" not in s and "1.9584" in s)
    term.keys("C-c")
    status, echo, _ = term.wait_for_exit()
    assert status == 0 and echo


def test_an_exercise_written_in_another_editor_is_checked_on_save(terminal, tmp_path) -> None:
    from llmtutor.curriculum.exercises import builtin_exercises_dir

    folder = tmp_path / "work"
    term = terminal(f"cd {tmp_path} && {TUTOR} exercise backprop --dir work")
    term.wait_for(lambda s: "✗ h is wrong" in s and "1 check" in s)
    assert (folder / "backprop.py").exists()  # the starter, written for the learner
    # The learner saves a version with dL/dy's sign flipped, from another program.
    solution = (builtin_exercises_dir() / "backprop_solution.py").read_text("utf-8")
    (folder / "backprop.py").write_text(solution.replace("(y - target)", "(target - y)"))
    term.wait_for(lambda s: "✗ dL_dy is wrong" in s and "Yours is 2 × (target − y)" in s)
    term.keys("h")
    term.wait_for(lambda s: "Hint 1 · Where to look" in s)
    (folder / "backprop.py").write_text(solution)
    term.wait_for(lambda s: "✓ all 10 values right" in s and "✓ passed" in s)
    term.keys("q")
    exercises = Path(__file__).resolve().parents[2] / "exercises"
    total = len(list(exercises.glob("*.toml")))  # every exercise the tutor lists
    term.wait_for(lambda s: f"1 of {total} exercises passed" in s)
    term.keys("q")
    status, echo, _ = term.wait_for_exit()
    assert status == 0 and echo
