"""SIGTERM, SIGHUP and SIGQUIT end the tutor as Ctrl+C does, whatever it is doing.

Left to their default action they kill the process where it stands: in the app that leaves
the terminal in the alternate screen with mouse reporting on, the cursor hidden and echo
off, and a step just shown unsaved. So the command handles them twice over:

- `ending_quietly_on_signals`, around the whole command: the signal ends it with the
  shell's status for it (128 + its number) and no traceback — a plain lesson or training
  run, or the app while it is still loading, before the terminal is touched;
- `ending_in_loop`, around the app's run, from before the terminal is switched to
  application mode until after it is restored: the signal asks the app to exit, the same
  path as ctrl+q, so the terminal is restored, progress saved and a training run stopped.

A hang-up usually means the terminal is gone: every write to it fails (EIO), and a write
that fails must not keep the tutor from saving and exiting. `silence_lost_terminal` sends
what would go there to /dev/null. Should the app still not end (Textual's output thread can
die on such a write before the signal arrives, and then the app blocks on its next
writes), a watchdog ends the process after `GRACE_S`, restoring the terminal itself.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

ENDING_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name)
)
GRACE_S = 10.0  # how long the app has to end after a signal before the watchdog ends it

Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

# What Textual writes to leave application mode (textual.drivers.linux_driver), for the
# watchdog: keyboard protocol, mouse, bracketed paste, focus reports off; line wrap on;
# the main screen back; the cursor shown.
_LEAVE_APPLICATION_MODE = (
    "\x1b[<u\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l\x1b[?1004l"
    "\x1b[?7h\x1b[?1049l\x1b[?25h"
)


def exit_status(signum: int) -> int:
    """The status a shell reports for a program ended by signal `signum`."""
    return 128 + signum


@contextmanager
def ending_quietly_on_signals() -> Iterator[None]:
    """Inside the block an ending signal raises SystemExit(128 + its number) wherever the
    main thread is; the handlers from before are back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals
        return
    previous = {sig: signal.signal(sig, _exit_on_signal) for sig in ENDING_SIGNALS}
    try:
        yield
    finally:
        _restore(previous)


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    silence_lost_terminal()  # the exit's last flush of stdout must not fail either
    raise SystemExit(exit_status(signum))


@contextmanager
def ending_in_loop(on_signal: Callable[[int], None], grace_s: float = GRACE_S) -> Iterator[None]:
    """Inside the block, run in a running asyncio loop, an ending signal calls
    `on_signal(signum)` in that loop, where it may end the app; if the process has not
    ended `grace_s` seconds after the first signal, it is ended with the terminal as it was
    on entering the block. The handlers from before are back afterwards."""
    import asyncio

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    # Where Textual reads the keys and writes the screen (textual.drivers.linux_driver)
    keys = sys.__stdin__.fileno() if sys.__stdin__ is not None else 0
    screen = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
    terminal = _Terminal(keys, screen, _terminal_settings(keys))
    watchdogs: list[threading.Thread] = []

    # A handler of Python's, not the loop's (add_signal_handler): it runs even while the
    # loop is blocked, so the watchdog starts whatever the loop is doing. Handing the call
    # to the loop with call_soon_threadsafe is what asyncio's own Ctrl+C handler does.
    def handler(signum: int, frame: FrameType | None) -> None:
        silence_lost_terminal()
        if not watchdogs:
            watchdog = threading.Thread(
                target=_end_after,
                args=(grace_s, exit_status(signum), terminal),
                name="llmtutor-signal-watchdog",
                daemon=True,
            )
            watchdogs.append(watchdog)
            watchdog.start()
        loop.call_soon_threadsafe(on_signal, signum)

    previous = {sig: signal.signal(sig, handler) for sig in ENDING_SIGNALS}
    try:
        yield
    finally:
        terminal.restored.set()  # the app has left application mode
        _restore(previous)


@dataclass
class _Terminal:
    keys: int
    screen: int
    settings: list[Any] | None  # termios attributes before the app changed them
    restored: threading.Event = field(default_factory=threading.Event)


def _terminal_settings(fd: int) -> list[Any] | None:
    import termios

    try:
        return termios.tcgetattr(fd)
    except termios.error:
        return None


def _end_after(seconds: float, status: int, terminal: _Terminal) -> None:
    """The watchdog: unless the process ends first, restore the terminal and end it."""
    import termios

    deadline = time.monotonic() + seconds
    if terminal.restored.wait(seconds):  # the app is done: the process may still end
        time.sleep(max(0.0, deadline - time.monotonic()))
    elif terminal.settings is not None:  # the app never left application mode: leave it
        silence_lost_terminal()
        try:
            termios.tcsetattr(terminal.keys, termios.TCSANOW, terminal.settings)
            os.write(terminal.screen, _LEAVE_APPLICATION_MODE.encode())
        except (OSError, termios.error):  # the terminal went away meanwhile
            pass
    os._exit(status)


def _restore(handlers: dict[signal.Signals, Handler]) -> None:
    for sig, handler in handlers.items():
        # None: a handler not set from Python, which Python cannot set back
        signal.signal(sig, signal.SIG_DFL if handler is None else handler)


def silence_lost_terminal() -> None:
    """Point standard input, output and error at /dev/null where they are a terminal that
    hung up (it closed: a read or write would fail with EIO)."""
    devnull: int | None = None
    for fd in (0, 1, 2):
        if _hung_up(fd):
            if devnull is None:
                devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, fd)
    if devnull is not None:
        os.close(devnull)


def _hung_up(fd: int) -> bool:
    import termios

    try:
        termios.tcgetattr(fd)
    except termios.error as error:  # a pipe or file: ENOTTY; a closed descriptor: EBADF
        return bool(error.args) and error.args[0] == errno.EIO
    return False
