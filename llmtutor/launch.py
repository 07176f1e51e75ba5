"""The `llmtutor` command's entry point: no garbage collection until the tutor is up.

Starting builds tens of thousands of objects (Textual's widgets and styles, the lessons),
none of them garbage, and Python's collector would keep scanning them as they are made.
It is switched back on once the first screen is drawn (the app also freezes what was
built out of later collections) or when the command ends; a plain training run switches
it on before training.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    try:
        from llmtutor.cli import main as cli_main

        cli_main()
    finally:
        gc.enable()
