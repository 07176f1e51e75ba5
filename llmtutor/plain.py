"""`--plain`: the whole lesson as text on stdout, for pipes, scripts and screen readers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from rich.console import Console, RenderableType
from rich.constrain import Constrain
from rich.markdown import Markdown
from rich.rule import Rule
from rich.text import Text

from llmtutor.curriculum import PLAIN, Lesson
from llmtutor.engine import InputValue, Trace, fmt_input
from llmtutor.render import draw_diagram, equations, render_chart, values_table
from llmtutor.render.landscape import NAMES, path_table, race_map, trace_paths
from llmtutor.run_settings import Experiment, RunSettings
from llmtutor.safe_text import visible

PIPE_WIDTH = 80  # width used when stdout is not a terminal
PLAIN_CHART_HEIGHT = 14
PLAIN_MAP_HEIGHT = 21
VALUES_WIDTH = 40


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
    """Print every step of `lesson`: title, text, and the equations it reveals. Each part
    is written as soon as it is drawn, so a long lesson starts at once in a pipe too.

    Every string from the lesson file is handed to Rich as `Text` (never markup), and the
    loader has refused any holding a control character.
    """
    for part in _lesson_parts(lesson, trace, changed, console.width):
        if console.is_terminal:
            _print(console, part)
            continue
        # Rich pads wrapped text to the full width; in a pipe those trailing spaces are noise.
        with console.capture() as captured:
            _print(console, part)
        console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
        console.file.flush()


def _print(console: Console, part: list[RenderableType]) -> None:
    for renderable in part:  # each on lines of its own
        console.print(renderable)


def _lesson_parts(
    lesson: Lesson, trace: Trace, changed: dict[str, InputValue], width: int
) -> Iterator[list[RenderableType]]:
    """The lesson as it is printed, a few lines at a time: its heading, then each step."""
    heading: list[RenderableType] = [
        Text.assemble((lesson.title, "bold"), " ", (f"({lesson.id})", "dim"))
    ]
    if lesson.summary:
        heading.append(Text(lesson.summary))
    if lesson.defaults:
        values = {**lesson.defaults, **changed}
        inputs = "; ".join(
            f"{name} = {fmt_input(values[name])}" + (" (set)" if name in changed else "")
            for name in lesson.defaults
        )
        heading.append(Text("Inputs: ", style="bold") + Text(inputs))
    yield heading
    total = len(lesson.steps)
    for index, step in enumerate(lesson.steps):
        title = Text(f"Step {index + 1} of {total} · {step.heading(trace, PLAIN)}")
        part: list[RenderableType] = [Text(), Rule(title, align="left")]
        part.append(Markdown(step.body(trace, PLAIN)))
        names = lesson.reveals(index, trace)
        if names:
            part += [Text(), equations(trace, names, width=width - 4)]
        series = [trace.series[name] for name in step.chart if name in trace.series]
        if series:
            chart = render_chart(
                series, width - 2, PLAIN_CHART_HEIGHT, log_y=step.chart_log, ascii=True
            )
            part += [Text(), chart]
        if step.map is not None:
            part += [Text(), race_map(trace, step.map, width - 2, PLAIN_MAP_HEIGHT)]
            for optimizer, path in trace_paths(trace, step.map).items():
                part += [Text(), path_table(path, f"{NAMES[optimizer]}'s path")]
        for experiment in lesson.experiments_at(index):
            part += experiment_part(lesson, experiment)
        yield part
    revealed = lesson.all_reveals(trace)
    closing: list[RenderableType] = [Text(), Rule(Text("All values"), align="left")]
    if lesson.diagram:
        closing += [draw_diagram(lesson.diagram, trace, revealed, (), revealed), Text()]
    closing.append(Constrain(values_table(trace, list(lesson.defaults), revealed), VALUES_WIDTH))
    yield closing


def experiment_part(lesson: Lesson, experiment: Experiment) -> list[RenderableType]:
    """An experiment as printed: its title, its text, and the commands that run it (each
    run alone, then all of them one after another)."""
    grad_norms = experiment.panel == "health"
    each = "\n".join(f"  {train_command(run, grad_norms)}" for run in experiment.runs)
    name = experiment_name(lesson, experiment)
    return [
        Text(),
        Text.assemble(("Experiment: ", "bold"), visible(experiment.title, one_line=True)),
        Markdown(visible(experiment.text)),
        Text(),
        Text("Each run alone:" if len(experiment.runs) > 1 else "Run it:"),
        Text(each),
        Text("All of them one after another, on one chart (leave out --plain for the app):"),
        Text(f"  llmtutor train --plain --experiment {name}"),
    ]


def experiment_name(lesson: Lesson, experiment: Experiment) -> str:
    """How `train --experiment` names it: the lesson's id, and `:N` when the lesson offers
    more than one (N counts them in the order they come)."""
    offered = lesson.all_experiments()
    return lesson.id if len(offered) == 1 else f"{lesson.id}:{offered.index(experiment) + 1}"


def train_command(settings: RunSettings, grad_norms: bool = False) -> str:
    """`llmtutor train --plain` with the flags that make `settings` (those that differ
    from the article's run), and --grad-norms for a run watched by its gradients."""
    article = RunSettings()
    words = ["llmtutor", "train", "--plain"]
    if settings.optimizer != article.optimizer:
        words += ["--optimizer", settings.optimizer]
    if settings.lr != article.lr:
        words += ["--lr", f"{settings.lr:.12g}"]
    if settings.steps != article.steps:
        words += ["--steps", str(settings.steps)]
    if settings.seed != article.seed:
        words += ["--seed", str(settings.seed)]
    if settings.layers != article.layers:
        words += ["--layers", str(settings.layers)]
    if not settings.residual:
        words.append("--no-residual")
    if settings.schedule != article.schedule:
        words += ["--schedule", settings.schedule]
    if settings.warmup != article.warmup:
        words += ["--warmup", str(settings.warmup)]
    if settings.lr_min != article.lr_min:
        words += ["--lr-min", f"{settings.lr_min:.12g}"]
    if not settings.bias_correction:
        words.append("--no-bias-correction")
    if grad_norms:
        words.append("--grad-norms")
    return " ".join(words)
