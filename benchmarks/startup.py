"""Start-up in a real terminal: from launching `llmtutor` to its home screen being drawn.

    python benchmarks/startup.py            # 10 runs of each, alternating
    python benchmarks/startup.py --runs 20

Each run starts a fresh tmux session, 80×24, on a tmux server of this script's own (so the
server's start-up is paid once, before timing), running either the tutor's home screen
(`llmtutor`, the console script of this interpreter's environment) or the minimal Textual app
beside this file (one Static; `python benchmarks/minimal_app.py`). The clock starts just
before `tmux new-session` is called and stops at the first `tmux capture-pane -p` (polled
every few milliseconds) that shows the finished screen: for the tutor, its title line and the
first lesson's summary and the footer's keys on the same screen; for the minimal app,
its one line. Both are
measured the same way, alternating tutor/minimal so drift in machine load hits both alike;
one untimed run of each first warms the file cache. Both run from compiled bytecode, as an
installed package does (pip compiles what it installs): llmtutor's modules are compiled first,
since a source checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile them on
every start, a cost no installed user pays. Reported: median and p90 of each, and
the tutor's ratio to the minimal app (target: below 1.3).

It also checks that starting the tutor never imports torch: one more (untimed) run of the
tutor's own entry point (`llmtutor.cli.main()` with no arguments) to the same home screen in
the same terminal, with a thread that keeps writing `sys.modules` to a file; once the home
screen is drawn, that list must not hold torch. (Textual draws on stderr, so the import log
of `-X importtime` cannot be taken from that run; it is taken from `import llmtutor.cli,
llmtutor.app` in a plain subprocess instead, to show where start-up time goes.)
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from stats import percentile

HERE = Path(__file__).resolve().parent
POLL_S = 0.003
TIMEOUT_S = 60.0


def tutor_command() -> list[str]:
    script = Path(sys.executable).with_name("llmtutor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "llmtutor"]


def home_screen_markers() -> list[str]:
    """Text that is on the home screen only once all of it is drawn: the title at the top,
    the list's border title, the first lesson's summary under the list (the list scrolls at
    80×24, so its last lesson may be out of view), and the footer's keys at the bottom
    (Textual's footer comes a frame or two after the rest)."""
    from llmtutor.curriculum import load_catalog

    first = load_catalog().entries[0]
    return ["llmtutor", "lessons finished", f"llmtutor lesson {first.id}", "Quit"]


class Tmux:
    """A tmux server of our own: sessions on it are the terminals we time."""

    def __init__(self) -> None:
        self.socket = f"llmtutor-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        # One idle session keeps the server up between timed runs.
        self.run("new-session", "-d", "-s", "anchor", "-x", "80", "-y", "24", "sleep 3600")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )

    def time_to_screen(self, command: str, markers: list[str], linger: float = 0.0) -> float:
        """Seconds from starting `command` in a new 80×24 session to all markers on screen.

        The session is ended then, or `linger` seconds later."""
        name = f"run-{uuid.uuid4().hex[:8]}"
        began = time.perf_counter()
        started = self.run("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command)
        if started.returncode != 0:
            raise RuntimeError(f"tmux new-session failed: {started.stderr.strip()}")
        try:
            while True:
                screen = self.run("capture-pane", "-p", "-t", name).stdout
                if all(marker in screen for marker in markers):
                    elapsed = time.perf_counter() - began
                    time.sleep(linger)
                    return elapsed
                if time.perf_counter() - began > TIMEOUT_S:
                    raise TimeoutError(f"{command!r} never drew its screen:\n{screen}")
                time.sleep(POLL_S)
        finally:
            self.run("kill-session", "-t", name)

    def close(self) -> None:
        self.run("kill-server")


# The tutor's entry point, with a thread that keeps the list of imported modules on disk.
MODULES_RUNNER = """
import os, sys, threading, time
log = sys.argv[1]
def keep_writing():
    while True:
        names = sorted(sys.modules.copy())
        with open(log + ".tmp", "w") as file:
            file.write("\\n".join(names))
        os.replace(log + ".tmp", log)
        time.sleep(0.02)
threading.Thread(target=keep_writing, daemon=True).start()
sys.argv = ["llmtutor"]
from llmtutor.cli import main
main()
"""


def modules_at_home_screen(tmux: Tmux, markers: list[str]) -> set[str]:
    """The modules imported by the time the tutor's home screen is drawn (and 0.3 s on)."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "modules.txt"
        argv = [sys.executable, "-c", MODULES_RUNNER, str(log)]
        tmux.time_to_screen(shlex.join(argv), markers, linger=0.3)
        return set(log.read_text(encoding="utf-8").split())


def import_times() -> list[tuple[float, str]]:
    """(ms, package) of `import llmtutor.cli, llmtutor.app` from `python -X importtime`:
    each module's own time, summed by top-level package, heaviest first."""
    code = "import llmtutor.cli, llmtutor.app"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    totals: dict[str, float] = {}
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            package = match.group(2).split(".")[0]
            totals[package] = totals.get(package, 0.0) + int(match.group(1)) / 1000
    return sorted(((ms, name) for name, ms in totals.items()), reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each (default 10)")
    args = parser.parse_args(argv)

    import llmtutor

    compileall.compile_dir(Path(llmtutor.__file__).parent, quiet=1)
    tutor = tutor_command()
    minimal = [sys.executable, str(HERE / "minimal_app.py")]
    sys.path.insert(0, str(HERE))
    from minimal_app import READY

    cases = {
        "llmtutor (home screen)": (shlex.join(tutor), home_screen_markers()),
        "minimal Textual app": (shlex.join(minimal), [READY]),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    tmux = Tmux()
    try:
        for command, markers in cases.values():  # warm the file cache; not timed
            tmux.time_to_screen(command, markers)
        for run in range(args.runs):
            order = list(cases) if run % 2 == 0 else list(reversed(cases))
            for name in order:
                command, markers = cases[name]
                times[name].append(tmux.time_to_screen(command, markers))
        loaded = modules_at_home_screen(tmux, cases["llmtutor (home screen)"][1])
    finally:
        tmux.close()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"start-up to first full screen, tmux 80×24, {args.runs} runs each, alternating")
    print(f"(load average {load:.2f} on {os.cpu_count()} cores when done)\n")
    print(f"{'':<26}{'median':>10}{'p90':>10}{'min':>10}{'max':>10}")
    for name, values in times.items():
        cells = [statistics.median(values), percentile(values, 90), min(values), max(values)]
        print(f"{name:<26}" + "".join(f"{1000 * v:>8.0f}ms" for v in cells))
    tutor_times, minimal_times = times.values()
    ratio = statistics.median(tutor_times) / statistics.median(minimal_times)
    ratio90 = percentile(tutor_times, 90) / percentile(minimal_times, 90)
    verdict = "meets" if ratio < 1.3 else "misses"
    print(f"\nratio tutor ÷ minimal: median {ratio:.2f}, p90 {ratio90:.2f} ({verdict} < 1.3)")

    print("\n`import llmtutor.cli, llmtutor.app` by package (-X importtime, own time):")
    packages = import_times()
    print(f"  {sum(ms for ms, _ in packages):>7.1f} ms  in all")
    for ms, package in packages[:8]:
        print(f"  {ms:>7.1f} ms  {package}")
    torch_loaded = sorted(m for m in loaded if m == "torch" or m.startswith("torch."))
    if "llmtutor.app.home" not in loaded:
        print("torch check: FAILED, the module list was not taken at the home screen")
        return 1
    if torch_loaded:
        print(f"torch check: FAILED, the home screen imported {len(torch_loaded)} torch modules")
        return 1
    print(f"torch check: passed, {len(loaded)} modules at the home screen, none of them torch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
