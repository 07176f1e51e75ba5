"""The whole process: `llmtutor train --plain --steps 500` against the article's script, each
run as a command of its own, from start to exit.

    python benchmarks/process_speed.py                 # 5 timed runs of each, alternating
    python benchmarks/process_speed.py --runs 9 --one-thread

Each command is a fresh process: the article's script (`article_script.py` beside this file,
the article's code verbatim: 500 steps, a line every 100, 80 characters generated at the end)
with torch's default threads (every core), and `llmtutor train --plain --steps 500` (the
console script of this interpreter's environment) with its default threads (every core, or
LLMTUTOR_TORCH_THREADS). `python -c "import torch"` is timed beside them: the start-up both
pay before any training. With --one-thread, the tutor also runs with LLMTUTOR_TORCH_THREADS=1.

One untimed run of each warms the file cache; then the commands run in turn, the order
reversed every round so a slow spell on the machine hits each alike. Each round waits for
the machine to be quiet (other processes under 10% of it), and a run during which other
processes took more than --max-others of the machine is run again, up to --tries times
(benchmarks/load.py). Output goes to a pipe and is read (a failed run stops the benchmark).
Reported: median and p90 wall time of each, the article's median over each command's
(target for the tutor: at least 1.3), and how much of the machine other work took.

llmtutor's modules are compiled first: this machine sets PYTHONDONTWRITEBYTECODE, so a
source checkout would otherwise compile them at every start, which no installed copy does.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from load import OthersLoad, wait_for_quiet
from stats import percentile

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def tutor_command(steps: int) -> list[str]:
    script = Path(sys.executable).with_name("llmtutor")
    start = [str(script)] if script.exists() else [sys.executable, "-m", "llmtutor"]
    return [*start, "train", "--plain", "--steps", str(steps)]


def commands(steps: int, one_thread: bool) -> dict[str, tuple[list[str], dict[str, str]]]:
    """name → (command line, extra environment)."""
    runs = {
        "python -c 'import torch'": ([sys.executable, "-c", "import torch"], {}),
        "article's script": ([sys.executable, str(HERE / "article_script.py")], {}),
        f"llmtutor train --plain --steps {steps}": (tutor_command(steps), {}),
    }
    if one_thread:
        runs["  the same, LLMTUTOR_TORCH_THREADS=1"] = (
            tutor_command(steps),
            {"LLMTUTOR_TORCH_THREADS": "1"},
        )
    return runs


def timed(command: Sequence[str], extra_env: dict[str, str]) -> tuple[float, float]:
    """Seconds from starting `command` to its exit, and the share of the machine other
    processes used meanwhile; raises if the command fails."""
    env = {k: v for k, v in os.environ.items() if k != "LLMTUTOR_TORCH_THREADS"}  # defaults
    env.update(extra_env)
    with OthersLoad() as load:
        began = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}")
    return seconds, load.share


def quiet_run(
    command: Sequence[str], extra_env: dict[str, str], max_others: float, tries: int
) -> tuple[float, float]:
    """`timed`, run again (after waiting for quiet) while other processes took more than
    `max_others` of the machine, up to `tries` times; the last try is kept."""
    for attempt in range(tries):
        seconds, others = timed(command, extra_env)
        if not others > max_others or attempt == tries - 1:
            break
        wait_for_quiet(limit_s=300)
    return seconds, others


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    parser.add_argument("--steps", type=int, default=500, help="the tutor's --steps")
    parser.add_argument(
        "--one-thread", action="store_true", help="also the tutor with LLMTUTOR_TORCH_THREADS=1"
    )
    parser.add_argument(
        "--max-others",
        type=float,
        default=0.1,
        help="rerun a run while other processes used more than this share of the machine",
    )
    parser.add_argument("--tries", type=int, default=3, help="runs at most, per timed run")
    args = parser.parse_args(argv)
    if args.steps != 500:
        print("note: the article's script always trains 500 steps")

    compileall.compile_dir(ROOT / "llmtutor", quiet=1)
    runs = commands(args.steps, args.one_thread)
    for command, env in runs.values():  # warm the file cache
        timed(command, env)
    times: dict[str, list[float]] = {name: [] for name in runs}
    others: list[float] = []
    order = list(runs)
    for round_ in range(args.runs):
        wait_for_quiet(limit_s=300)
        for name in order if round_ % 2 == 0 else reversed(order):
            seconds, share = quiet_run(*runs[name], args.max_others, args.tries)
            times[name].append(seconds)
            others.append(share)

    print(
        f"{os.cpu_count()} cores; other processes used {percentile(others, 50):.0%} of the"
        f" machine in the median run, {max(others):.0%} at most"
        f" (load average {os.getloadavg()[0]:.2f} at the end)"
    )
    header = f"{'command':<42} {'median':>8} {'p90':>8} {'article ÷ this':>15}"
    print(header)
    print("-" * len(header))
    article = percentile(times["article's script"], 50)
    for name, seconds in times.items():
        median = percentile(seconds, 50)
        print(
            f"{name:<42} {median:>7.2f}s {percentile(seconds, 90):>7.2f}s"
            f" {article / median:>14.2f}×"
        )


if __name__ == "__main__":
    main()
