"""`--plain`: the whole lesson as text on stdout, for pipes, scripts and screen readers."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.markdown import Markdown
from rich.rule import Rule
from rich.text import Text

from llmtutor.curriculum import Lesson, fill
from llmtutor.engine import InputValue, Trace, fmt_input
from llmtutor.render import draw_diagram, equations, render_chart, values_table

PIPE_WIDTH = 80  # width used when stdout is not a terminal
PLAIN_CHART_HEIGHT = 14


class PlainConsole(Console):
    def on_broken_pipe(self) -> None:
        # Rich exits with status 1 here; let the CLI treat it like any closed pipe instead.
        raise BrokenPipeError


def make_console(file: TextIO | None = None) -> Console:
    console = PlainConsole(file=file, highlight=False, emoji=False)
    if not console.is_terminal:
        console = PlainConsole(file=file, highlight=False, emoji=False, width=PIPE_WIDTH)
    return console


def print_lesson(
    lesson: Lesson, trace: Trace, changed: dict[str, InputValue], console: Console
) -> None:
    """Print every step of `lesson`: title, text, and the equations it reveals."""
    if console.is_terminal:
        _print_lesson(lesson, trace, changed, console)
        return
    # Rich pads wrapped text to the full width; in a pipe those trailing spaces are noise.
    with console.capture() as captured:
        _print_lesson(lesson, trace, changed, console)
    text = "\n".join(line.rstrip() for line in captured.get().splitlines())
    console.file.write(text + "\n")
    console.file.flush()


def _print_lesson(
    lesson: Lesson, trace: Trace, changed: dict[str, InputValue], console: Console
) -> None:
    console.print(Text(lesson.title, style="bold"), Text(f"({lesson.id})", style="dim"))
    if lesson.summary:
        console.print(lesson.summary)
    if lesson.defaults:
        values = {**lesson.defaults, **changed}
        inputs = "; ".join(
            f"{name} = {fmt_input(values[name])}" + (" (set)" if name in changed else "")
            for name in lesson.defaults
        )
        console.print(Text("Inputs: ", style="bold") + Text(inputs))
    total = len(lesson.steps)
    for index, step in enumerate(lesson.steps):
        console.print()
        console.print(
            Rule(f"Step {index + 1} of {total} · {fill(step.title, trace)}", align="left")
        )
        console.print(Markdown(fill(step.text, trace)))
        names = lesson.reveals(index, trace)
        if names:
            console.print()
            console.print(equations(trace, names, width=console.width - 4))
        series = [trace.series[name] for name in step.chart if name in trace.series]
        if series:
            console.print()
            chart = render_chart(
                series, console.width - 2, PLAIN_CHART_HEIGHT, log_y=step.chart_log, ascii=True
            )
            console.print(chart)
    revealed = lesson.all_reveals(trace)
    console.print()
    console.print(Rule("All values", align="left"))
    if lesson.diagram:
        console.print(draw_diagram(lesson.diagram, trace, revealed, (), revealed))
        console.print()
    console.print(values_table(trace, list(lesson.defaults), revealed), width=40)
