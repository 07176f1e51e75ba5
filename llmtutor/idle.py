"""The idle timeout of a served tab (`llmtutor serve --idle-timeout MINUTES`).

A tab left open holds one of the server's places and its session's memory. The session
itself keeps the clock (`IdleClock`), since only it knows what the learner does (a key, a
click, scrolling, a paste; a resize of the page is not the learner), whether a training
run or an exercise check is going on (idle time counts from when it ends), and what its
exercise editor holds unsaved. It warns the learner ahead of the end, and then ends as
ctrl+q does, with `IDLE_STATUS`, from which the server tells the page why it ended.

Knows no Textual: imported by the server (the constants) and by the session.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Literal

IDLE_TIMEOUT_ENV = "LLMTUTOR_IDLE_TIMEOUT"  # minutes, for each session (0: never)
DEFAULT_IDLE_MINUTES = 30.0
IDLE_STATUS = 75  # a session that ended idle (EX_TEMPFAIL: come back and carry on)
WARN_AHEAD_S = 60.0  # the warning comes this long before the end...
WARN_HALF_BELOW_S = 120.0  # ...or at half the timeout when it is shorter than this
CLOSE_IDLE = 4000  # the web socket's close code for an idle end (4000-4999: an app's own)

State = Literal["active", "warn", "end"]


def timeout_from_environment() -> float:
    """The session's idle timeout in seconds, from the server; 0 (never) when unset or not a
    finite number ≥ 0."""
    try:
        minutes = float(os.environ.get(IDLE_TIMEOUT_ENV, "0"))
    except ValueError:
        return 0.0
    return minutes * 60 if math.isfinite(minutes) and minutes > 0 else 0.0


def warn_after(timeout_s: float) -> float:
    """Idle seconds after which the learner is warned."""
    if timeout_s < WARN_HALF_BELOW_S:
        return timeout_s / 2
    return timeout_s - WARN_AHEAD_S


def duration(seconds: float) -> str:
    """A length of time in words: "1 minute", "30 minutes", "1.5 minutes", "45 seconds"."""
    if seconds >= 60:
        minutes = round(seconds / 60, 1)
        shown = f"{minutes:,.0f}" if minutes.is_integer() and minutes < 1e6 else f"{minutes:g}"
        return f"{shown} minute" + ("" if shown == "1" else "s")
    whole = max(1, round(seconds))
    return f"{whole} second" + ("" if whole == 1 else "s")


def warning(timeout_s: float) -> str:
    """The notice shown ahead of the end."""
    left = duration(timeout_s - warn_after(timeout_s))
    return f"Still there? This tab ends in {left} unless you press a key. Your progress is saved."


def ended(timeout_s: float) -> str:
    """What the page says once an idle session has ended (at most 123 bytes: it travels as
    the web socket's close reason)."""
    said = (
        f"This tab ended after {duration(timeout_s)} without input. "
        "Press Restart or reload the page to carry on where you left off."
    )
    return said if len(said.encode("utf-8")) <= 123 else ENDED


ENDED = "This session has ended. Press Restart or reload the page to carry on where you left off."


class IdleClock:
    """How long the learner has left the session alone. `touch` at each input; `tick`,
    every `tick_s`, says whether to warn or to end."""

    def __init__(
        self, timeout_s: float, tick_s: float = 0.0, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.timeout_s = timeout_s
        self.tick_s = tick_s  # how often `tick` is meant to be called (0: not said)
        self._now = now
        self.since = now()  # the last input, or the end of the last busy spell
        self._busy = False
        self._ticked: float | None = None

    def touch(self) -> None:
        self.since = self._now()

    def tick(self, busy: bool) -> State:
        """The state now; `busy`: a training run or a check is going on (never idle, and
        idle time counts from the first tick that finds it over)."""
        now = self._now()
        if self._ticked is not None and self.tick_s > 0:
            # A tick this late means the session itself was held up (a heavy screen being
            # drawn on a loaded machine, with the learner's next key waiting): that time
            # is the session's, not the learner's, and is not counted.
            stalled = now - self._ticked - self.tick_s
            if stalled > self.tick_s:
                self.since = min(now, self.since + stalled)
        self._ticked = now
        if busy or self._busy:
            self._busy = busy
            self.since = now
            return "active"
        idle = now - self.since
        if idle >= self.timeout_s:
            return "end"
        if idle >= warn_after(self.timeout_s):
            return "warn"
        return "active"

    def left(self) -> float:
        """Seconds until the end, if nothing happens."""
        return max(0.0, self.timeout_s - (self._now() - self.since))
