"""Stepping through lessons: the time from pressing → to the next step being on screen.

    python benchmarks/navigation.py              # every step of every lesson, 3 passes
    python benchmarks/navigation.py --passes 1

Each lesson of the catalog is opened at step 0 in the app, as `llmtutor lesson ID` opens it
(`create_app(load_catalog(), lesson=..., step=0)`), under Textual's pilot at 80×24, and →
is pressed until the last step; then Home (untimed) and the next pass. What is timed, per
press:

- the clock starts when the key event is handed to the app's driver, as a keystroke from
  the terminal is (`driver.send_message(events.Key("right", None))`, what `pilot.press`
  does, without the pilot's waiting);
- "handled": the lesson screen's `show_step` has returned for the new step (the key was
  routed to its binding, the step changed, every widget was given its new content);
- "on screen": the first frame after that in which the step counter was drawn with the new
  step: the screen's compositor rendered the changed widgets (wrapping `app._display`, which
  Textual calls with each frame), and, since a headless app does not turn frames into
  terminal output, the benchmark then does that too (`render_segments`, the escape codes a
  terminal would be sent) before stopping the clock. Textual paints at most 60 frames a
  second, so this includes the wait for its next frame, as a user's key does;
- "settled": the last frame before the app went idle, e.g. after the equations and values
  panels scrolled their newest lines into view (one more frame, a refresh later).

The first pass is a learner's first visit (nothing cached); later passes revisit. Reported:
p50, p99 and max of each, in ms, for the first pass and for all passes (target: p99 of "on
screen" under 16 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from stats import percentile
from textual import events
from textual.widgets import Static

from llmtutor.app import create_app
from llmtutor.app.lesson import LessonScreen
from llmtutor.curriculum import Lesson, load_catalog

SIZE = (80, 24)
QUIET_S = 0.05  # no frame for this long after the press: the step has settled


@dataclass
class Press:
    lesson: str
    step: int  # the step shown after the press (1-based)
    passed: int  # which pass
    began: float
    handled: float = 0.0
    progress_drawn: float = 0.0  # when the step counter rendered with the new step
    first_frame: float = 0.0
    last_frame: float = 0.0
    frames: list[float] = field(default_factory=list)
    first_text: str = ""  # with --check: the screen in the first frame, and in the last
    last_text: str = ""

    def ms(self, moment: float) -> float:
        return (moment - self.began) * 1000


def screen_text(app: Any, screen: Any) -> str:
    """The whole screen as text, as the compositor has it now (slow: for --check only)."""
    console = Console(width=app.size.width, file=io.StringIO(), record=True)
    console.print(screen._compositor.render_full_update(), end="")
    return console.export_text()


class Probe:
    """Hooks into one app: when the step is shown, when the counter draws, each frame."""

    def __init__(self, app: Any, screen: LessonScreen, check: bool = False) -> None:
        self.app, self.screen, self.check = app, screen, check
        self.press: Press | None = None
        self.frame_seen = asyncio.Event()
        self._hook_show_step()
        self._hook_progress()
        self._hook_display()

    def _hook_show_step(self) -> None:
        show_step = self.screen.show_step

        def timed() -> None:
            show_step()
            if self.press is not None and self.screen.step + 1 == self.press.step:
                self.press.handled = self.press.handled or time.perf_counter()

        self.screen.show_step = timed  # type: ignore[method-assign]

    def _hook_progress(self) -> None:
        progress = self.screen.query_one("#progress", Static)
        render = progress.render

        def timed() -> Any:
            result = render()
            press = self.press
            if press is not None and press.handled and not press.progress_drawn:
                press.progress_drawn = time.perf_counter()
            return result

        progress.render = timed  # type: ignore[method-assign]

    def _hook_display(self) -> None:
        display = self.app._display

        def timed(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None:
                return
            if self.app.is_headless and hasattr(renderable, "render_segments"):
                renderable.render_segments(self.app.console)  # what a terminal would be sent
            now = time.perf_counter()
            press = self.press
            if press is None or not press.progress_drawn:
                return
            press.frames.append(now)
            press.last_frame = now
            if self.check:
                press.last_text = screen_text(self.app, screen)
            if not press.first_frame:
                press.first_frame = now
                press.first_text = press.last_text
                self.frame_seen.set()

        self.app._display = timed


async def step_through(
    lesson: Lesson, catalog: Any, passes: int, reading: bool = True, check: bool = False
) -> list[Press]:
    """Press → through `lesson`, `passes` times. `reading`: after each press, wait for the
    step to settle and for the app to finish its work (drawing the next step ahead), as a
    learner reading the step does; else press again as soon as the step is on screen, as
    a held-down key does."""
    # Progress is saved, as for a learner (in a folder of its own); the collector is off
    # until the first screen, as the `llmtutor` command has it (see llmtutor.launch).
    state_dir = Path(tempfile.mkdtemp(prefix="llmtutor-bench-"))
    gc.disable()
    app = create_app(catalog, lesson=lesson, step=0, state_dir=state_dir)
    presses: list[Press] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen), f"{lesson.id}: opened {type(screen).__name__}"
        probe = Probe(app, screen, check)
        driver = app._driver
        assert driver is not None
        for passed in range(1, passes + 1):
            for step in range(2, len(lesson.steps) + 1):
                if reading:
                    await pilot.pause()
                    await app.workers.wait_for_complete()
                press = Press(lesson.id, step, passed, began=0.0)
                probe.press, probe.frame_seen = press, asyncio.Event()
                key = events.Key("right", None)
                key.set_sender(app)
                press.began = time.perf_counter()
                driver.send_message(key)
                await asyncio.wait_for(probe.frame_seen.wait(), timeout=10)
                while reading and time.perf_counter() - press.last_frame < QUIET_S:
                    await asyncio.sleep(0.005)
                probe.press = None
                assert screen.step + 1 == step, f"{lesson.id}: at step {screen.step + 1}"
                presses.append(press)
            await pilot.press("home")
            await pilot.pause()
    return presses


def report(label: str, presses: list[Press]) -> float:
    print(f"\n{label}: {len(presses)} presses")
    print(f"  {'':<12}{'p50':>9}{'p99':>9}{'max':>9}")
    on_screen: list[float] = []
    for name, values in (
        ("handled", [p.ms(p.handled) for p in presses]),
        ("on screen", on_screen := [p.ms(p.first_frame) for p in presses]),
        ("settled", [p.ms(p.last_frame) for p in presses]),
    ):
        cells = (percentile(values, 50), percentile(values, 99), max(values))
        print(f"  {name:<12}" + "".join(f"{v:>6.1f} ms" for v in cells))
    return percentile(on_screen, 99)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, default=3, help="times through each lesson")
    parser.add_argument(
        "--check",
        action="store_true",
        help="also check, in an untimed pass, that each first frame shows the whole step",
    )
    args = parser.parse_args(argv)

    catalog = load_catalog()
    presses: list[Press] = []
    held: list[Press] = []
    for lesson in catalog.lessons:
        presses += asyncio.run(step_through(lesson, catalog, args.passes))
        held += asyncio.run(step_through(lesson, catalog, 1, reading=False))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"→ to the next step, {len(catalog.lessons)} lessons at {SIZE[0]}×{SIZE[1]}, headless")
    print(f"(load average {load:.2f} on {os.cpu_count()} cores when done)")
    report("reading, first pass", [p for p in presses if p.passed == 1])
    p99 = report(f"reading, all {args.passes} passes", presses)
    slowest = sorted(presses, key=lambda p: p.first_frame - p.began, reverse=True)[:5]
    print(
        "\nslowest (on screen): "
        + ", ".join(f"{p.lesson} step {p.step} {p.ms(p.first_frame):.1f} ms" for p in slowest)
    )
    report("held key (no pause between presses), one pass", held)
    if args.check:
        checked = [
            p
            for lesson in catalog.lessons
            for p in asyncio.run(step_through(lesson, catalog, 1, check=True))
        ]
        torn = [p for p in checked if p.first_text != p.last_text]
        print(
            f"\nfirst frame = settled screen in {len(checked) - len(torn)} of {len(checked)} "
            "presses (untimed pass)"
            + "".join(f"\n  differs: {p.lesson} step {p.step}" for p in torn)
        )
    verdict = "meets" if p99 < 16 else "misses"
    print(f"\np99 on screen, reading: {p99:.1f} ms: {verdict} the 16 ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
