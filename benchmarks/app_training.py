"""Training inside the app: how fast the run goes there, and how responsive the screen stays.

    python benchmarks/app_training.py              # 500 steps; latency during a longer run

1. Speed: the same 500 steps three ways in one process, back to back — the source's loop
   (reference), llmtutor's loop headless, and llmtutor's loop inside the app (the training
   screen driven by Textual's pilot, headless; the screen trains in a process of its own,
   which LLMTUTOR_TORCH_THREADS gives its threads). Steps/s and ratios against the reference.
   The reference and headless loops run with the app's thread count and with all cores.
   Medians of --repeat interleaved rounds (3), each begun on a quiet machine; the share of
   the machine other processes took is reported (benchmarks/load.py).
2. Responsiveness while a run goes: the event loop's lateness on a repeating 20 ms timer, and
   the time from a key press (l, the log-scale toggle, which repaints the chart) to the screen
   having processed it and refreshed. p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from textual import events

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import OthersLoad, wait_for_quiet
from stats import percentile
from train_speed import reference_loop, tutor_loop

from llmtutor.app import RunSettings, create_app
from llmtutor.app.chart_widget import Chart
from llmtutor.app.train import TrainScreen
from llmtutor.curriculum import load_catalog
from llmtutor.training import default_threads


async def _wait_for_status(screen: TrainScreen, wanted: set[str], seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while screen.status not in wanted:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"status stayed {screen.status!r}")
        await asyncio.sleep(0.01)


async def app_run(steps: int) -> float:
    """Steps/s of a run inside the app (training time as the loop reports it)."""
    app = create_app(
        load_catalog(), train=RunSettings(steps=steps, device="cpu"), start_training=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, TrainScreen)
        await pilot.press("enter")
        await _wait_for_status(screen, {"finished"}, 600)
    return steps / screen.finished.elapsed_s  # the loop's own training time


async def responsiveness(seconds: float, presses: int) -> tuple[list[float], list[float]]:
    """Timer lateness (ms) and key-to-refresh time (ms) while a long run trains."""
    app = create_app(
        load_catalog(), train=RunSettings(steps=100_000, device="cpu"), start_training=False
    )
    lateness: list[float] = []
    key_times: list[float] = []
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, TrainScreen)
        await pilot.press("enter")
        await _wait_for_status(screen, {"running"}, 120)
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            lateness.append(max(0.0, (now - last[0] - 0.020) * 1000))
            last[0] = now

        # Note when the chart last drew, and on which scale: the key's effect is on screen
        # once the chart has drawn with the new scale.
        chart = screen.query_one(Chart)
        drawn: list[tuple[float, bool]] = [(0.0, chart.log_y)]
        draw = chart.render

        def timed_render():
            result = draw()
            drawn.append((time.perf_counter(), chart.log_y))
            return result

        chart.render = timed_render  # type: ignore[method-assign]
        timer = app.set_interval(0.020, tick)
        began = time.perf_counter()
        done = 0
        while time.perf_counter() - began < seconds or done < presses:
            if done < presses:
                wanted = not chart.log_y
                t0 = time.perf_counter()
                app.post_message(events.Key("l", "l"))  # as a keystroke arrives from the terminal
                while not (drawn[-1][0] > t0 and drawn[-1][1] == wanted):
                    await asyncio.sleep(0.0005)
                key_times.append((drawn[-1][0] - t0) * 1000)
                done += 1
            await asyncio.sleep(0.05)
        timer.stop()
        await pilot.press("q")
    return lateness[1:], key_times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--presses", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (medians)")
    args = parser.parse_args(argv)

    app_threads, all_threads = default_threads(), torch.get_num_threads()
    print(
        f"torch {torch.__version__}; app uses {app_threads} thread(s); cores' default {all_threads}"
    )
    runs: dict[str, list[float]] = {}
    others: list[float] = []

    def timed(name: str, run: Callable[[], float]) -> None:
        with OthersLoad() as load:
            rate = run()
        runs.setdefault(name, []).append(rate)
        others.append(load.share)

    counts = sorted({app_threads, all_threads})
    for _ in range(args.repeat):  # interleaved rounds, each after the machine is quiet
        wait_for_quiet(limit_s=300)
        for threads in counts:
            torch.set_num_threads(threads)
            timed(
                f"reference loop, {threads} thread(s)",
                lambda: reference_loop(args.steps).steps_per_s,
            )
            timed(
                f"llmtutor loop headless, {threads} thread(s)",
                lambda: tutor_loop(args.steps).steps_per_s,
            )
        for threads in counts:
            # the app's torch threads: its default (every core but one), and every core
            os.environ["LLMTUTOR_TORCH_THREADS"] = str(threads)
            timed(
                f"llmtutor in the app, {threads} thread(s)",
                lambda: asyncio.run(app_run(args.steps)),
            )
        os.environ.pop("LLMTUTOR_TORCH_THREADS")
        torch.set_num_threads(app_threads)
    rows = [(name, statistics.median(rates)) for name, rates in runs.items()]
    print(
        f"median of {args.repeat} runs each; other processes used"
        f" {statistics.median(others):.0%} of the machine in the median run,"
        f" {max(others):.0%} at most"
    )
    reference = {name.split(", ")[1]: rate for name, rate in rows if name.startswith("reference")}
    best = max(reference.values())
    header = f"{'run (' + str(args.steps) + ' steps)':<44}{'steps/s':>9}"
    print(f"\n{header}{'vs reference, same threads':>28}{'vs best reference':>19}")
    for name, rate in rows:
        same = reference[name.split(", ")[1]]
        print(f"{name:<44}{rate:>9.1f}{rate / same:>27.2f}×{rate / best:>18.2f}×")

    lateness, keys = asyncio.run(responsiveness(args.seconds, args.presses))
    print(f"\nwhile training ({args.seconds:g} s, {len(lateness)} ticks, {len(keys)} presses):")
    for label, values in (("20 ms timer lateness", lateness), ("key press → refreshed", keys)):
        p50, p99 = percentile(values, 50), percentile(values, 99)
        print(f"  {label:<22} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    print(f"  (mean lateness {statistics.fmean(lateness):.1f} ms)")


if __name__ == "__main__":
    main()
