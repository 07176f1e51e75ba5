"""The PyTorch panel: the code that computes this lesson's values with torch, run live with
the lesson's current inputs, and its numbers beside the engine's."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from llmtutor.app.widgets import ScrollingDrawing
from llmtutor.engine import Trace, fmt
from llmtutor.render import styles
from llmtutor.render.values import headings
from llmtutor.safe_text import visible

# How each value compares (ViewResult.verdict): the mark and its style.
MARKS = {"same": ("✓", "green"), "sensitive": ("≈", "bold yellow"), "differs": ("✗", "bold red")}


class TorchPanel(ScrollingDrawing):
    def __init__(self, id: str) -> None:
        super().__init__(id=id)
        self.result: Any = None

    def on_mount(self) -> None:
        self.border_title = "Same numbers, in PyTorch"

    def _show(self, renderable: RenderableType) -> None:
        self.show(lambda width: renderable)

    def loading_state(self) -> None:
        self._show(
            Text(
                "Loading PyTorch and running the code… (the first time takes a few seconds)",
                style="italic yellow",
            )
        )

    def failed(self, reason: str) -> None:
        self._show(Text(f"PyTorch could not run this: {visible(reason)}", style="red"))

    def set_result(self, result: Any) -> None:
        self.result = result

    def show_step(self, revealed: list[str], trace: Trace) -> None:
        if self.result is None:
            return
        table = Table(box=None, pad_edge=False, show_header=True, header_style="dim")
        table.add_column("value")
        table.add_column("torch", justify="right")
        table.add_column("engine", justify="right")
        table.add_column("")
        names = [name for name in revealed if name in self.result.values and name in trace]
        heads = headings(names, trace)
        sensitive = []
        for name in names:
            if name in heads:
                table.add_row(Text.assemble((heads[name], styles.HEADING)))
            torch_value, engine_value = self.result.values[name], trace.value(name)
            verdict = self.result.verdict(name, engine_value)
            if verdict == "sensitive":
                sensitive.append(name)
            mark, style = MARKS[verdict]
            table.add_row(
                Text(trace[name].symbol),  # a string in a table would be read as markup
                fmt(torch_value),
                fmt(engine_value),
                Text(mark, style=style),
            )
        header = Text(
            f"ran in {self.result.seconds * 1000:.0f} ms with the lesson's inputs", style="dim"
        )
        if not names:
            header.append("\nIts values appear here as the steps reveal them.")
        parts: list[RenderableType] = [header, table]
        if sensitive:
            parts.append(self._sensitive_note(sensitive[0], trace))
        # Wrapped, not cut: the panel shares the screen with the lesson and is often narrow.
        code = Syntax(self.result.code, "python", theme="ansi_dark", word_wrap=True)
        self._show(Group(*parts, Text(""), code))

    def _sensitive_note(self, name: str, trace: Trace) -> Text:
        """Why ≈ and not ✗: torch disagrees with itself once its inputs are nudged."""
        note = Text.assemble(
            ("≈", "bold yellow"),
            " the two differ, and so does torch from itself: nudge every real-valued input by "
            "one part in 10¹² and its ",
            Text(trace[name].symbol + (f" ({trace[name].group})" if trace[name].group else "")),
            f" becomes {fmt(self.result.nudged[name])}. This path magnifies tiny differences, "
            "so the last-digit differences between torch's arithmetic and the engine's grow "
            "as large: these digits cannot be compared.",
        )
        note.stylize("italic", 1)
        return note
