"""SIGTERM, SIGHUP and SIGQUIT without the app: a plain lesson or training run ends quietly
with the shell's status for the signal (128 + its number), and the handlers the app uses
while it runs are put back afterwards. (In a real terminal: tests/e2e/test_signals.py.)"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from llmtutor.signals import ENDING_SIGNALS, ending_in_loop, ending_quietly_on_signals

SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT]
DEADLINE = 120.0  # bounds only a run that has already failed: each ends long before


def python(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda sig: sig.name)
def test_a_plain_lesson_ends_quietly_on_a_signal(sig: signal.Signals) -> None:
    # The signal arrives while the lesson is being printed.
    process = python(
        f"""
        import os, time
        import llmtutor.plain
        from llmtutor.cli import main

        def printing(*args, **kwargs):
            os.kill(os.getpid(), {int(sig)})
            time.sleep(60)

        llmtutor.plain.print_lesson = printing
        main(["lesson", "adam", "--plain"])
        """
    )
    out, err = process.communicate(timeout=DEADLINE)
    assert process.returncode == 128 + sig
    assert err == ""  # no traceback
    assert out == ""


def test_a_plain_training_run_ends_quietly_on_a_signal() -> None:
    sig = signal.SIGTERM  # the others take the same path (see the plain lesson's test)
    command = [sys.executable, "-m", "llmtutor", "train", "--plain", "--steps", "100000"]
    env = {**os.environ, "LLMTUTOR_TORCH_THREADS": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    lines = []
    while not (lines and lines[-1].startswith("step")):  # training: step 0 is reported
        line = process.stdout.readline()
        assert line, f"the run ended before its first step: {lines}"
        lines.append(line)
    process.send_signal(sig)
    out, err = process.communicate(timeout=DEADLINE)
    assert process.returncode == 128 + sig
    assert err == ""  # no traceback
    assert "Finished" not in out  # stopped, not run to the end


def test_a_blocked_app_is_ended_by_the_watchdog() -> None:
    """The app never gets to end (Textual's output thread died on a closed terminal, say,
    and the loop blocks on its next write): the process ends anyway, with the status."""
    process = python(
        """
        import asyncio, threading
        from llmtutor.signals import ending_in_loop

        async def main():
            with ending_in_loop(lambda signum: None, grace_s=0.5):
                print("blocked", flush=True)
                threading.Event().wait()  # the loop never runs again

        asyncio.run(main())
        """
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "blocked\n"
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=DEADLINE)
    assert process.returncode == 128 + signal.SIGTERM


def test_the_handlers_from_before_are_back_after_each_block() -> None:
    before = {sig: signal.getsignal(sig) for sig in ENDING_SIGNALS}
    with ending_quietly_on_signals():
        quiet = {sig: signal.getsignal(sig) for sig in ENDING_SIGNALS}
        assert quiet != before

        async def run() -> None:
            with ending_in_loop(lambda signum: None):
                assert {sig: signal.getsignal(sig) for sig in ENDING_SIGNALS} != quiet
            assert {sig: signal.getsignal(sig) for sig in ENDING_SIGNALS} == quiet

        asyncio.run(run())
    assert {sig: signal.getsignal(sig) for sig in ENDING_SIGNALS} == before
