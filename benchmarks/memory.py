"""Peak memory: the tutor browsing every lesson, and a training run inside the app.

    python benchmarks/memory.py
    python benchmarks/memory.py --steps 200      # a shorter training run

Each figure is the peak resident set size (`resource.getrusage(RUSAGE_SELF).ru_maxrss`) of
a fresh child process that does one thing and exits, so none inherits another's memory:

- "browse": the app under Textual's pilot at 80×24 opens every step-by-step lesson from the
  home screen (highlight it, Enter), presses → to its last step, and goes back (q); it must
  never import torch (checked in the child: `"torch" not in sys.modules`);
- "train": the app opened on the training screen with `RunSettings(steps=500, device="cpu")`
  and started at once (as `llmtutor train` does), until `screen.status == "finished"`; the
  run trains in a process of its own, whose peak (VmHWM, read from /proc: Linux only) is
  reported beside the app's;
- for reference: `import textual.app` alone, and `import torch` alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

CHILDREN = {
    "import textual.app": """
        import textual.app
    """,
    "import torch": """
        import torch
    """,
    "browse every lesson (no torch)": """
        import asyncio
        from textual.widgets import OptionList
        from llmtutor.app import create_app
        from llmtutor.app.lesson import LessonScreen
        from llmtutor.curriculum import Lesson, load_catalog

        async def browse():
            catalog = load_catalog()
            app = create_app(catalog)
            opened = 0
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                for index, entry in enumerate(catalog.entries):
                    if not isinstance(entry, Lesson):
                        continue  # the live training run: measured on its own
                    app.screen.query_one(OptionList).highlighted = index
                    await pilot.press("enter")
                    assert isinstance(app.screen, LessonScreen), type(app.screen).__name__
                    await pilot.press(*["right"] * (len(entry.steps) - 1))
                    assert app.screen.step == len(entry.steps) - 1
                    await pilot.press("q")
                    opened += 1
            assert opened == len(catalog.lessons)
            RESULT["lessons"] = opened

        asyncio.run(browse())
        assert "torch" not in sys.modules, "browsing the lessons imported torch"
        RESULT["torch imported"] = False
    """,
    "train STEPS steps in the app (cpu)": """
        import asyncio, time
        from llmtutor.app import RunSettings, create_app
        from llmtutor.app.train import TrainScreen
        from llmtutor.curriculum import load_catalog

        async def train():
            settings = RunSettings(steps=STEPS, device="cpu")
            app = create_app(load_catalog(), train=settings, start_training=True)
            async with app.run_test(size=(100, 30)) as pilot:
                screen = app.screen
                assert isinstance(screen, TrainScreen), type(screen).__name__
                deadline = time.monotonic() + 600
                while screen.status != "finished":
                    assert time.monotonic() < deadline, f"status stayed {screen.status!r}"
                    await asyncio.sleep(0.05)
                RESULT["seconds"] = round(screen.finished.elapsed_s, 1)
                # The run trains in a process of its own: its peak, before the screen ends it.
                assert screen.trainer is not None and screen.trainer.pid is not None
                with open(f"/proc/{screen.trainer.pid}/status") as status:
                    peak = next(line for line in status if line.startswith("VmHWM:"))
                RESULT["training process peak MiB"] = round(int(peak.split()[1]) / 1024, 1)

        asyncio.run(train())
    """,
}

PROLOGUE = "import json, resource, sys\nRESULT = {{}}\nSTEPS = {steps}\n"
EPILOGUE = """
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
RESULT["peak_mib"] = peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
print(json.dumps(RESULT))
"""


def measure(code: str, steps: int) -> dict[str, object]:
    script = PROLOGUE.format(steps=steps) + textwrap.dedent(code) + EPILOGUE
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        raise RuntimeError(f"the child failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=500, help="training steps (default 500)")
    args = parser.parse_args(argv)

    print("peak resident memory (ru_maxrss), one fresh process each\n")
    for label, code in CHILDREN.items():
        result = measure(code, args.steps)
        label = label.replace("STEPS", str(args.steps))
        peak = result.pop("peak_mib")
        extra = ", ".join(f"{key} {value}" for key, value in result.items())
        print(f"  {label:<36}{peak:>8.1f} MiB" + (f"   ({extra})" if extra else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
