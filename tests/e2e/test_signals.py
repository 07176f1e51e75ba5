"""Journeys in a real terminal that end with a signal: SIGTERM, SIGHUP or SIGQUIT ends the
tutor as Ctrl+C does — the shell gets its terminal back as it was (main screen, no mouse
reporting, cursor shown, echo on), the step just shown is saved, a training run stops —
and the exit status says which signal (128 + its number)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_terminal import TUTOR, Terminal  # the tmux terminal of the other journeys

from llmtutor.progress import load_progress

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT]
# Each wait returns as soon as the screen shows what it waits for: a deadline only bounds
# one that has already failed, and a generous one keeps a busy machine from failing it.
DEADLINE = 60.0
# What the shell prints once the tutor has ended: its status, then `echo` or `-echo`.
EXIT_REPORT = re.compile(r"EXITED=(\d+)\n(-?echo)$", re.MULTILINE)
# The pane's modes, from tmux, as a terminal the tutor left behind would have them.
MODES = (
    "alternate_on",
    "mouse_standard_flag",
    "mouse_any_flag",
    "mouse_sgr_flag",
    "cursor_flag",
    "wrap_flag",
)
RESTORED = {
    "alternate_on": "0",  # the main screen, not the tutor's
    "mouse_standard_flag": "0",  # no mouse reporting
    "mouse_any_flag": "0",
    "mouse_sgr_flag": "0",
    "cursor_flag": "1",  # the cursor shown
    "wrap_flag": "1",  # long lines wrap again
}


class SignalledTerminal(Terminal):
    """A terminal running the tutor as its own process, whose id it can read: the shell
    after it prints how it ended."""

    def __init__(self, arguments: str, folder: Path) -> None:
        self.pid_file = folder / f"tutor-{time.monotonic_ns()}.pid"
        command = f"sh -c 'echo $$ > {self.pid_file}; exec {TUTOR} {arguments}'"
        super().__init__(command, 80, 24)

    def pid(self) -> int:
        """The tutor's process id (the shell writes it before it becomes the tutor)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            text = self.pid_file.read_text() if self.pid_file.exists() else ""
            if text.endswith("\n"):
                return int(text)
            assert time.monotonic() < deadline, "the tutor's process id was never written"
            time.sleep(0.05)

    def ended(self) -> tuple[int, bool]:
        """Once the tutor has ended and the shell has said how: its status, and whether
        echo is on."""
        screen = self.wait_for(lambda s: EXIT_REPORT.search(s) is not None, DEADLINE)
        report = EXIT_REPORT.search(screen)
        assert report is not None
        return int(report[1]), report[2] == "echo"

    def modes(self) -> dict[str, str]:
        formats = " ".join(f"#{{{mode}}}" for mode in MODES)
        shown = subprocess.run(
            ["tmux", "display", "-p", "-t", self.name, formats],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        return dict(zip(MODES, shown, strict=True))


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[[str], SignalledTerminal]]:
    opened: list[SignalledTerminal] = []

    def open_terminal(arguments: str) -> SignalledTerminal:
        opened.append(SignalledTerminal(arguments, tmp_path))
        return opened[-1]

    yield open_terminal
    for term in opened:
        term.close()


def gone(pid: int) -> bool:
    """Whether the process has ended (a zombie waiting for its parent has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"


def wait_until_gone(pid: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not gone(pid):
        assert time.monotonic() < deadline, f"the tutor (pid {pid}) is still running"
        time.sleep(0.05)


def training_processes(parent: int) -> list[int]:
    """The training processes the tutor `parent` started (llmtutor.training_process)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"llmtutor.training_process" in command:
            found.append(int(entry.name))
    return found


def step_of(screen: str) -> int:
    """The step the training screen's figures line shows (-1 if none)."""
    match = re.search(r"step (\d+)/\d+", screen)
    return int(match.group(1)) if match else -1


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda sig: sig.name)
def test_a_signal_in_a_lesson_restores_the_terminal_and_saves_the_step(
    terminal, state_dir: Path, sig: signal.Signals
) -> None:
    term = terminal("lesson adam")
    term.wait_for(lambda s: "step 1 of 9" in s, DEADLINE)
    term.keys("Right")
    term.wait_for(lambda s: "step 2 of 9" in s, DEADLINE)
    os.kill(term.pid(), sig)  # at once: the step may not have been saved yet
    status, echo = term.ended()
    assert status == 128 + sig
    assert echo
    assert term.modes() == RESTORED
    progress, notice = load_progress(state_dir)
    assert notice is None
    assert progress.last_step("adam") == 1  # step 2, counted from 0


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda sig: sig.name)
def test_a_signal_while_the_app_starts_leaves_a_working_terminal(
    terminal, sig: signal.Signals
) -> None:
    term = terminal("lesson adam")
    pid = term.pid()
    # The terminal has just been switched to the app, which is still building its screens
    # (or, on a fast machine, has just drawn them).
    deadline = time.monotonic() + DEADLINE
    while term.modes()["alternate_on"] != "1":
        assert time.monotonic() < deadline, "the tutor never switched to the alternate screen"
        time.sleep(0.01)
    os.kill(pid, sig)
    status, echo = term.ended()
    assert status == 128 + sig
    assert echo
    assert term.modes() == RESTORED


def test_a_signal_stops_a_training_run_and_restores_the_terminal(
    terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLMTUTOR_TORCH_THREADS", "1")  # the test's own tmux server has it
    term = terminal("train --steps 20000 --device cpu")  # minutes of training
    first = term.wait_for(lambda s: "tok/s" in s and step_of(s) >= 0, DEADLINE)
    term.wait_for(lambda s: step_of(s) > step_of(first), DEADLINE)  # the run is live
    pid = term.pid()
    trainers = training_processes(pid)
    assert len(trainers) == 1  # the run trains in a process of its own
    os.kill(pid, signal.SIGTERM)
    status, echo = term.ended()  # long before the run would have finished
    assert status == 128 + signal.SIGTERM
    assert echo
    assert term.modes() == RESTORED
    assert "EXITED" in term.screen() and "Loss at each step" not in term.screen()
    wait_until_gone(trainers[0], DEADLINE)  # and it ends with the tutor


@pytest.mark.parametrize("screen", ["lesson", "training"])
def test_a_closed_terminal_ends_the_tutor_and_keeps_the_step(
    terminal, state_dir: Path, monkeypatch: pytest.MonkeyPatch, screen: str
) -> None:
    """The window closes: the terminal is gone (every write to it fails) and a hang-up
    follows. The tutor must still save and end, not hang on its last writes."""
    monkeypatch.setenv("LLMTUTOR_TORCH_THREADS", "1")
    if screen == "lesson":
        term = terminal("lesson adam")
        term.wait_for(lambda s: "step 1 of 9" in s, DEADLINE)
        term.keys("Right")
        term.wait_for(lambda s: "step 2 of 9" in s, DEADLINE)
    else:
        term = terminal("train --steps 20000 --device cpu")
        first = term.wait_for(lambda s: "tok/s" in s and step_of(s) >= 0, DEADLINE)
        term.wait_for(lambda s: step_of(s) > step_of(first), DEADLINE)  # drawing as it runs
    pid = term.pid()
    trainers = training_processes(pid)
    assert len(trainers) == (screen == "training")
    term.close()  # tmux closes the pane's terminal and hangs it up
    wait_until_gone(pid, DEADLINE)
    for trainer in trainers:  # the training process, if any, ends with the tutor
        wait_until_gone(trainer, DEADLINE)
    if screen == "lesson":  # saved as it ended: its watchdog, had it hung, would not have
        progress, notice = load_progress(state_dir)
        assert notice is None
        assert progress.last_step("adam") == 1
