"""How busy the machine was with other work while a benchmark timed something.

On a 2-core machine shared with test suites, one busy process on the other core moves every
figure (two torch threads beside it can fall to a few steps a second). The timing scripts
measure, for each timed run, the share of the machine's CPU time that went to processes
other than the benchmark and its children: (all CPUs' busy time − the benchmark's own CPU
time) ÷ (all CPUs' elapsed time), from /proc/stat and os.times(). 0.0 is a quiet machine;
0.5 on 2 cores is one other core's worth of work. Where /proc/stat is missing it is nan.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

_STAT = Path("/proc/stat")


def _cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) clock ticks over all CPUs since boot."""
    try:
        fields = [int(x) for x in _STAT.read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # user … steal; guest time is already counted in user
    return total - idle, total


def _own_seconds() -> float:
    """CPU seconds used by this process and its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class OthersLoad:
    """Context manager: `with OthersLoad() as load: ...`, then `load.share` is the share of
    the machine's CPU that other processes used during the block (nan if unknown)."""

    share: float = math.nan

    def __enter__(self) -> OthersLoad:
        self._jiffies = _cpu_jiffies()
        self._own = _own_seconds()
        self._began = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        after = _cpu_jiffies()
        if self._jiffies is None or after is None:
            return
        ticks = os.sysconf("SC_CLK_TCK")
        busy = after[0] - self._jiffies[0]
        total = after[1] - self._jiffies[1]
        own = (_own_seconds() - self._own) * ticks
        if total > 0:
            self.share = max(0.0, (busy - own) / total)


def wait_for_quiet(limit_s: float = 600.0, window_s: float = 2.0, below: float = 0.1) -> float:
    """Wait (at most `limit_s`) until other processes use less than `below` of the machine over
    two windows of `window_s` in a row; returns the seconds waited."""
    began = time.perf_counter()
    calm = 0
    while time.perf_counter() - began < limit_s and calm < 2:
        with OthersLoad() as load:
            time.sleep(window_s)
        calm = calm + 1 if not load.share >= below else 0  # nan (unknown) counts as calm
    return time.perf_counter() - began
