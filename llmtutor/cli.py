"""The `llmtutor` command. The Textual app is imported only by the commands that open it."""

from __future__ import annotations

import functools
import gc
import math
import os
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec

import click

from llmtutor.curriculum import (
    Catalog,
    InputError,
    Lesson,
    LessonFileError,
    Problem,
    TrainingLesson,
    check_files,
    describe_length,
    lesson_files,
    load_catalog,
    render_problems,
    suggest,
)
from llmtutor.engine import InputValue
from llmtutor.files import file_kind, path_problem, write_problem
from llmtutor.run_settings import (
    LAYERS,
    MAX_LAYERS,
    MAX_SEED,
    MAX_STEPS,
    Experiment,
    RunSettings,
)
from llmtutor.safe_text import excerpt, path_excerpt, visible
from llmtutor.serve import serve_command
from llmtutor.signals import ending_quietly_on_signals

if TYPE_CHECKING:
    from llmtutor.curriculum.exercises import Exercise, Exercises
    from llmtutor.progress import ExerciseProgress

P = ParamSpec("P")
EXIT_PROBLEMS = 1  # `llmtutor check` found a problem
EXIT_USAGE = 2
LESSONS_DIR_VARIABLE = "LLMTUTOR_LESSONS_DIR"
_LESSONS_DIRS = "llmtutor.lessons_dirs"  # the group's extra lesson folders, in context.meta
EXIT_INTERRUPTED = 130
MAX_ERROR_LINE = 300  # characters of an error message


def _stdout_to_devnull() -> None:
    """After the reader of our stdout went away (`llmtutor ... | head -1`), send what is
    left to /dev/null so the final flush at exit cannot fail noisily."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def pipe_safe(command: Callable[P, None]) -> Callable[P, None]:
    """Let a printing command end quietly, with status 0, when its output pipe closes."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
            sys.stdout.flush()
        except BrokenPipeError:
            _stdout_to_devnull()

    return wrapper


class UsageProblem(click.UsageError):
    """A usage error reported as one line, like every other usage error of the tool."""


def _catalog(run: bool = True) -> Catalog:
    """The lessons; `run=False` leaves running each computation for when it is opened."""
    catalog = load_catalog(extra_dirs=_lessons_dirs(), run=run)
    for problem in catalog.problems:  # a broken lesson file is skipped, never fatal
        click.echo(f"llmtutor: warning: {problem}", err=True)
    return catalog


def _lessons_dirs() -> list[Path]:
    """The extra lesson folders the `cli` group was given, checked."""
    context = click.get_current_context(silent=True)
    return context.meta.get(_LESSONS_DIRS, []) if context else []


def _extra_lesson_dirs(given: Sequence[str]) -> list[Path]:
    """--lessons-dir, else $LLMTUTOR_LESSONS_DIR (folders separated by os.pathsep); each
    one must be a folder, so that a typo is not silently a course without its lessons."""
    source, folders = "--lessons-dir", list(given)
    if not folders:
        source = LESSONS_DIR_VARIABLE
        value = os.environ.get(LESSONS_DIR_VARIABLE, "")
        folders = [part for part in value.split(os.pathsep) if part]
    for folder in folders:
        problem = _path_problem(folder, folder=True)
        if problem:
            raise UsageProblem(f"{source}: {problem}")
    return [Path(folder) for folder in folders]


def _path_problem(path: str, folder: bool = False) -> str | None:
    """Why `path` (a folder, with `folder`) cannot be used, quoted short; None if it can."""
    if not path:
        return "an empty path names no file or folder"
    try:
        is_folder = stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        reason = path_problem(error) if isinstance(error, OSError) else "holds a NUL character"
        return f"{path_excerpt(path)} {reason}"
    if folder and not is_folder:
        return f"{path_excerpt(path)} is not a folder"
    return None


def _find_lesson(catalog: Catalog, name: str) -> Lesson | TrainingLesson:
    lesson = catalog.entry(name)
    if lesson is None:
        known = ", ".join(catalog.ids)
        raise UsageProblem(
            f"no lesson named {excerpt(name)}{suggest(name, catalog.ids)}; lessons: {known}"
        )
    return lesson


def _checked(catalog: Catalog, lesson: Lesson) -> Lesson:
    """The lesson fully checked; its problems, compiler-style, and exit 1 if it has any."""
    try:
        return catalog.checked(lesson)
    except LessonFileError as error:
        for text in render_problems(error.problems):
            click.echo(f"llmtutor: error: {text}", err=True)
        sys.exit(EXIT_PROBLEMS)


def _parse_sets(lesson: Lesson, sets: tuple[str, ...]) -> dict[str, InputValue]:
    texts: dict[str, str] = {}
    for item in sets:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise UsageProblem(f"--set takes KEY=VALUE, like --set w1=0.7, not {excerpt(item)}")
        texts[key.strip()] = value
    try:
        return lesson.parse_overrides(texts)
    except InputError as error:
        raise UsageProblem(str(error)) from None


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="llmtutor")
@click.option(
    "--lessons-dir",
    "lessons_dirs",
    multiple=True,
    metavar="DIR",
    type=click.Path(),  # a str: Path("") would be ".", and an empty path is refused
    help="Also load the lessons in DIR (repeatable); one with a built-in id replaces it. "
    f"Default: ${LESSONS_DIR_VARIABLE}.",
)
@click.pass_context
def cli(context: click.Context, lessons_dirs: tuple[str, ...]) -> None:
    """A terminal tutor for how language models learn.

    Run with no command to open the lessons.
    """
    context.meta[_LESSONS_DIRS] = _extra_lesson_dirs(lessons_dirs)
    if context.invoked_subcommand is None:
        _run_app(_catalog(run=False))


@cli.command("lessons")
@pipe_safe
def list_lessons() -> None:
    """List the lessons: id, title and number of steps."""
    catalog = _catalog()
    width = max((len(entry.id) for entry in catalog.entries), default=0)
    for entry in catalog.entries:
        title = visible(entry.title, one_line=True)
        click.echo(f"{entry.id:<{width}}  {title}  ({describe_length(entry)})")


@cli.command("lesson")
@click.argument("name")
@click.option(
    "--step", type=int, default=None, help="Open at this step (default: where you left it)."
)
@click.option("--plain", is_flag=True, help="Print the whole lesson as text and exit.")
@click.option("--quiz", is_flag=True, help="Start in quiz mode: predict values before they show.")
@click.option("--watch", is_flag=True, help="Reload the lesson whenever its file changes.")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change an input of the lesson (repeatable), e.g. --set w1=0.7.",
)
@pipe_safe
def open_lesson(
    name: str, step: int | None, plain: bool, quiz: bool, watch: bool, sets: tuple[str, ...]
) -> None:
    """Open lesson NAME (see `llmtutor lessons`)."""
    catalog = _catalog(run=False)
    lesson = _find_lesson(catalog, name)
    if isinstance(lesson, Lesson):
        lesson = _checked(catalog, lesson)
    if plain and watch:
        raise UsageProblem("--watch reloads the lesson in the app; it does nothing with --plain")
    if isinstance(lesson, TrainingLesson):
        given = {"--set": bool(sets), "--step": step is not None, "--quiz": quiz, "--watch": watch}
        unused = [flag for flag, is_given in given.items() if is_given]
        if unused:  # the live run has no steps to start at, quiz or reload
            raise UsageProblem(f"{name!r} takes no {unused[0]}; see 'llmtutor train --help'")
        if plain:
            sys.exit(_train_plain([RunSettings()]))
        _run_app(catalog, training=RunSettings(), start_training=False)
        return
    values = _parse_sets(lesson, sets)
    if step is not None and not 1 <= step <= len(lesson.steps):
        raise UsageProblem(f"--step must be between 1 and {len(lesson.steps)} for {name!r}")
    if plain:
        from llmtutor.plain import make_console, print_lesson

        print_lesson(lesson, lesson.compute(values), values, make_console())
        return
    start = None if step is None else step - 1  # None: resume where the learner left it
    _run_app(catalog, lesson, start, values, quiz=quiz, watch=watch)


@cli.command("check")
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path())
def check_command(paths: tuple[str, ...]) -> None:
    """Check lesson files and report every problem, compiler-style.

    PATH is a lesson file or a folder of them; with none, the built-in lessons and those of
    --lessons-dir are checked. Problems and a summary go to stdout. Exit status: 0 when every
    file is fine, 1 when any has a problem, 2 for a PATH that does not exist.
    """
    files, problems = _files_to_check(paths)
    try:
        for text in render_problems(problems):
            click.echo(text)
        click.echo(_check_summary(files, problems))
        sys.stdout.flush()
    except BrokenPipeError:  # `llmtutor check | head -3`: quiet, and the status still says
        _stdout_to_devnull()
    if problems:
        sys.exit(EXIT_PROBLEMS)


def _files_to_check(paths: Sequence[str]) -> tuple[_Checked, list[Problem]]:
    """The files checked (lessons, exercises) and their problems."""
    from llmtutor.curriculum.exercises import (
        builtin_exercises_dir,
        exercise_files,
        is_exercise_file,
        load_exercise,
        load_exercises,
    )

    if not paths:
        catalog = load_catalog(extra_dirs=_lessons_dirs())
        loaded = load_exercises(lesson_order=catalog.ids)
        checked = _Checked(catalog.files, exercise_files(builtin_exercises_dir()))
        return checked, catalog.problems + loaded.problems
    for path in paths:
        problem = _path_problem(path)
        if problem:
            raise UsageProblem(f"check: {problem}")
    files = _unique_files([Path(path) for path in paths])
    exercises = [file for file in files if is_exercise_file(file)]
    lessons = [file for file in files if file not in exercises]
    problems = check_files(lessons)
    for file in exercises:
        try:
            load_exercise(file)
        except LessonFileError as error:
            problems += error.problems
    return _Checked(lessons, exercises), problems


@dataclass(frozen=True)
class _Checked:
    lessons: list[Path]
    exercises: list[Path]


def _unique_files(paths: Sequence[Path]) -> list[Path]:
    """The lesson files at `paths`; one named twice (or also inside a folder named) is
    checked once, not reported as using its own id twice."""
    files: dict[str, Path] = {}
    for path in paths:
        for file in lesson_files(path):
            # realpath, unlike Path.resolve, leaves a loop of links as it is, unraised:
            # reading the file reports it.
            files.setdefault(os.path.realpath(file), file)
    return list(files.values())


def _check_summary(files: _Checked, problems: list[Problem]) -> str:
    if not problems:
        checked = _count(len(files.lessons), "lesson")
        if files.exercises:
            checked += f" and {_count(len(files.exercises), 'exercise')}"
        return f"{checked} checked, no problems"
    bad_files = len({problem.path for problem in problems})
    return f"{_count(len(problems), 'problem')} in {_count(bad_files, 'file')}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


EXERCISES_DIR = "llmtutor-exercises"  # where `llmtutor exercise NAME` writes the learner's file


def _exercises(catalog: Catalog) -> Exercises:
    from llmtutor.curriculum.exercises import load_exercises

    exercises = load_exercises(lesson_order=catalog.ids)
    for problem in exercises.problems:  # a broken exercise file is skipped, never fatal
        click.echo(f"llmtutor: warning: {problem}", err=True)
    return exercises


@cli.command("exercise")
@click.argument("name", required=False)
@click.option(
    "--check",
    "check_path",
    metavar="FILE",
    type=click.Path(),
    help="Check FILE once and print the result: exit 0 when every value is right, 1 when "
    "any is wrong or the code fails.",
)
@click.option(
    "--dir",
    "folder",
    metavar="DIR",
    type=click.Path(),
    default=EXERCISES_DIR,
    show_default=True,
    help="The folder your exercise files are written to.",
)
@pipe_safe
def exercise_command(name: str | None, check_path: str | None, folder: str) -> None:
    """Write the maths yourself: list the exercises, or open exercise NAME.

    NAME writes the starter file into DIR (never over a file that is there) and opens a
    screen that checks it each time you save it, value by value.
    """
    catalog = _catalog(run=False)
    exercises = _exercises(catalog)
    if name is None:
        if check_path is not None:
            raise UsageProblem(
                "--check needs the exercise's NAME: llmtutor exercise NAME --check FILE"
            )
        _list_exercises(exercises)
        return
    exercise = exercises.get(name)
    if exercise is None:
        known = ", ".join(exercises.ids)
        raise UsageProblem(
            f"no exercise named {excerpt(name)}{suggest(name, exercises.ids)}; exercises: {known}"
        )
    if check_path is not None:
        problem = _path_problem(check_path)
        if problem is None and not os.path.isfile(check_path):
            kind = file_kind(os.stat(check_path).st_mode)
            problem = f"{path_excerpt(check_path)} is {kind}, not a Python file"
        if problem:
            raise UsageProblem(f"--check: {problem}")
        sys.exit(_check_once(exercise, Path(check_path)))
    if not folder:
        raise UsageProblem("--dir: an empty path names no folder")
    if not _in_a_terminal():
        raise UsageProblem(
            "the exercise screen needs a terminal; use --check FILE to check a file once"
        )
    from llmtutor.exercise_session import write_starter

    try:
        path, _ = write_starter(exercise, Path(folder))
    except OSError as error:
        shown = path_excerpt(folder)
        reason = write_problem(error)
        raise UsageProblem(f"cannot write {exercise.id}.py into {shown}: it {reason}") from None
    except ValueError:  # a NUL in the folder's name
        raise UsageProblem(f"--dir: {path_excerpt(folder)} holds a NUL character") from None
    _run_app(catalog, exercise=(exercise, path), exercises_dir=Path(folder))


def _list_exercises(exercises: Exercises) -> None:
    from llmtutor.progress import load_progress

    progress, notice = load_progress("auto")
    if notice:
        click.echo(f"llmtutor: warning: {visible(notice, one_line=True)}", err=True)
    width = max((len(item.id) for item in exercises.items), default=0)
    for item in exercises.items:
        title = visible(item.title, one_line=True)
        click.echo(f"{item.id:<{width}}  {title}  ({_exercise_status(progress.exercise(item.id))})")


def _exercise_status(entry: ExerciseProgress | None) -> str:
    if entry is None or not entry.attempts:
        return "not started"
    parts = ["passed" if entry.passed else "solution seen" if entry.gave_up else "not passed yet"]
    parts.append(_count(entry.attempts, "check"))
    if entry.hints:
        parts.append(_count(entry.hints, "hint"))
    return ", ".join(parts)


def _check_once(exercise: Exercise, path: Path) -> int:
    """`--check`: the verdict as text; recorded with the learner's progress."""
    from llmtutor.checker import check_file
    from llmtutor.plain import make_console
    from llmtutor.progress import load_progress
    from llmtutor.render.verdict import render_verdict

    verdict = check_file(exercise, path)
    console = make_console()
    if console.is_terminal:
        console.print(render_verdict(verdict))
    else:  # in a pipe, without the spaces Rich pads wrapped lines with
        with console.capture() as captured:
            console.print(render_verdict(verdict))
        sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    sys.stdout.flush()
    progress, notice = load_progress("auto")
    progress.record_exercise(exercise.id, attempt=True, passed=verdict.passed)
    notice = progress.save() or notice
    if notice:
        click.echo(f"llmtutor: warning: {visible(notice, one_line=True)}", err=True)
    return 0 if verdict.passed else EXIT_PROBLEMS


@cli.command("train")
@click.option("--plain", is_flag=True, help="Train without the app: progress lines and a chart.")
# Typed text is checked by RunSettings, as the training screen's dialog checks it.
@click.option(
    "--steps",
    default="500",
    show_default=True,
    metavar="INTEGER",
    help=f"Optimizer steps, 1 to {MAX_STEPS:,}.",
)
@click.option(
    "--lr", default="0.001", show_default=True, metavar="NUMBER", help="Learning rate, above 0."
)
@click.option(
    "--seed",
    default="42",
    show_default=True,
    metavar="INTEGER",
    help=f"Seed for weights and batches, 0 to {MAX_SEED} (torch's range).",
)
@click.option(
    "--optimizer", default="adam", show_default=True, metavar="adam|sgd", help="The optimizer."
)
@click.option(
    "--device",
    default="auto",
    show_default=True,
    metavar="auto|cpu|cuda|mps",
    help="Where to train; auto picks a GPU when there is one.",
)
@click.option("--compare", is_flag=True, help="With --plain: also train with the other optimizer.")
@click.option(
    "--layers",
    default=str(LAYERS),
    show_default=True,
    metavar="INTEGER",
    help=f"Transformer layers, 1 to {MAX_LAYERS}.",
)
@click.option(
    "--no-residual", is_flag=True, help="Each layer without its skip connections (an experiment)."
)
@click.option(
    "--schedule",
    default="constant",
    show_default=True,
    metavar="constant|cosine",
    help="A constant rate, or linear warmup then cosine decay (the schedule lesson's).",
)
@click.option(
    "--warmup",
    default="0",
    show_default=True,
    metavar="INTEGER",
    help="With --schedule cosine: steps of linear warmup, fewer than --steps.",
)
@click.option(
    "--lr-min",
    default="0",
    show_default=True,
    metavar="NUMBER",
    help="With --schedule cosine: where the decay ends, 0 to --lr.",
)
@click.option(
    "--no-bias-correction",
    is_flag=True,
    help="Adam with m and v used as they are, without m̂ and v̂ (an experiment).",
)
@click.option(
    "--grad-norms",
    is_flag=True,
    help="With --plain: each part's gradient norm, and the update's size, at each report.",
)
@click.option(
    "--predict",
    "predict_after",
    metavar="PROMPT",
    help="With --plain: after training, the five likeliest next characters after PROMPT.",
)
@click.option(
    "--temperature",
    default="1",
    show_default=True,
    metavar="NUMBER",
    help="With --predict: divides the logits before softmax; above 0.",
)
@click.option(
    "--experiment",
    metavar="LESSON[:N]",
    help="Train the runs of a lesson's experiment, one after another (N: which one, "
    "when the lesson offers several).",
)
@click.pass_context
@pipe_safe
def train_command(
    context: click.Context,
    plain: bool,
    steps: str,
    lr: str,
    seed: str,
    optimizer: str,
    device: str,
    compare: bool,
    layers: str,
    no_residual: bool,
    schedule: str,
    warmup: str,
    lr_min: str,
    no_bias_correction: bool,
    grad_norms: bool,
    predict_after: str | None,
    temperature: str,
    experiment: str | None,
) -> None:
    """Train the tiny transformer live (on the GPU when there is one)."""
    if experiment is not None:
        options = (plain, device, grad_norms, predict_after, temperature)
        _train_experiment(context, experiment, *options)
        return
    try:
        settings = RunSettings().with_text(
            steps=steps,
            lr=lr,
            seed=seed,
            optimizer=optimizer,
            device=device,
            layers=layers,
            schedule=schedule,
            warmup=warmup,
            lr_min=lr_min,
        )
        settings = replace(
            settings, residual=not no_residual, bias_correction=not no_bias_correction
        )
    except ValueError as error:
        raise UsageProblem(str(error)) from None
    if no_bias_correction and settings.optimizer != "adam":
        raise UsageProblem("--no-bias-correction is an experiment on Adam: use --optimizer adam")
    if grad_norms and not plain:
        raise UsageProblem("--grad-norms prints with --plain; the app shows them in a panel")
    heat = _temperature(temperature)
    if predict_after is not None:
        if not plain:
            raise UsageProblem("--predict prints with --plain")
        _check_prompt(predict_after)
    if settings.device != "auto":
        from llmtutor.training import DeviceError, choose_device

        try:
            choose_device(settings.device)
        except DeviceError as error:
            raise UsageProblem(str(error)) from None
    if plain:
        runs = [settings, settings.other_optimizer()] if compare else [settings]
        sys.exit(_train_plain(runs, grad_norms, predict_after, heat))
    _run_app(_catalog(run=False), training=settings, start_training=True)


# What --experiment leaves to the learner: the rest is the experiment's own.
WITH_EXPERIMENT = {"plain", "device", "grad_norms", "predict_after", "temperature", "experiment"}


def _train_experiment(
    context: click.Context,
    name: str,
    plain: bool,
    device: str,
    grad_norms: bool,
    predict_after: str | None,
    temperature: str,
) -> None:
    """`train --experiment LESSON[:N]`: the runs of a lesson's experiment, one after
    another, each kept on the chart (the app shows the experiment's text first)."""
    given = [
        parameter
        for parameter in context.command.params
        if parameter.name not in WITH_EXPERIMENT
        and context.get_parameter_source(parameter.name or "")
        is not click.core.ParameterSource.DEFAULT
    ]
    if given:
        flag = given[0].opts[0]
        raise UsageProblem(f"--experiment sets the runs itself: leave out {flag}")
    catalog = _catalog(run=False)
    lesson, chosen = _find_experiment(catalog, name)
    try:
        where = RunSettings().with_text(device=device).device
    except ValueError as error:
        raise UsageProblem(str(error)) from None
    if where != "auto":
        from llmtutor.training import DeviceError, choose_device

        try:
            choose_device(where)
        except DeviceError as error:
            raise UsageProblem(str(error)) from None
    runs = [replace(run, device=where) for run in chosen.runs]
    chosen = replace(chosen, runs=tuple(runs))
    heat = _temperature(temperature)
    if grad_norms and not plain:
        raise UsageProblem("--grad-norms prints with --plain; the app shows them in a panel")
    if predict_after is not None:
        if not plain:
            raise UsageProblem("--predict prints with --plain")
        _check_prompt(predict_after)
    if plain:
        click.echo(f"{visible(lesson.title, one_line=True)} · experiment: ", nl=False)
        click.echo(visible(chosen.title, one_line=True))
        click.echo(visible(chosen.text.strip()))
        click.echo()
        watch = grad_norms or chosen.panel == "health"
        sys.exit(_train_plain(runs, watch, predict_after, heat))
    _run_app(catalog, experiment=chosen)


def _find_experiment(catalog: Catalog, name: str) -> tuple[Lesson, Experiment]:
    """The experiment `LESSON` (a lesson that offers one) or `LESSON:N` names."""
    lesson_id, colon, number = name.partition(":")
    offering = [lesson.id for lesson in catalog.lessons if lesson.all_experiments()]
    entry = catalog.entry(lesson_id)
    if not isinstance(entry, Lesson) or not entry.all_experiments():
        what = "no lesson named" if entry is None else "no experiment in lesson"
        hint = suggest(lesson_id, offering) if entry is None else ""
        raise UsageProblem(
            f"--experiment: {what} {excerpt(lesson_id)}{hint}; lessons with experiments: "
            + (", ".join(offering) or "none")
        )
    offered = entry.all_experiments()
    if not colon and len(offered) == 1:
        return entry, offered[0]
    if not number.isdigit() or not 1 <= int(number) <= len(offered):
        which = (
            f"one experiment: {lesson_id} (or {lesson_id}:1)"
            if len(offered) == 1
            else f"{len(offered)} experiments: name one as {lesson_id}:1 to "
            f"{lesson_id}:{len(offered)}"
        )
        raise UsageProblem(f"--experiment: lesson {lesson_id!r} offers {which}")
    return entry, offered[int(number) - 1]


def _temperature(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageProblem(f"temperature must be a number, not {excerpt(text)}") from None
    if not (math.isfinite(value) and value > 0):
        raise UsageProblem("temperature must be a finite number greater than 0")
    return value


def _check_prompt(prompt: str) -> None:
    """A prompt for --predict: characters the model has seen (its vocabulary), at least one."""
    from llmtutor.engine.live_run import PARAGRAPH

    if not prompt:
        raise UsageProblem("--predict needs at least one character")
    unknown = sorted(set(prompt) - set(PARAGRAPH))
    if unknown:
        shown = visible("".join(unknown), one_line=True)
        raise UsageProblem(
            f"--predict: the model never saw {excerpt(shown)}; it knows lower-case letters, "
            "space and '.'"
        )


def _train_plain(
    runs: list[RunSettings],
    grad_norms: bool = False,
    predict_after: str | None = None,
    temperature: float = 1.0,
) -> int:
    from llmtutor.train_plain import run_plain

    gc.enable()  # off while starting (llmtutor.launch); a long run needs it

    return run_plain(runs, sys.stdout, grad_norms, predict_after, temperature)


def _run_app(
    catalog: Catalog,
    lesson: Lesson | None = None,
    step: int | None = 0,
    values: dict[str, InputValue] | None = None,
    training: RunSettings | None = None,
    start_training: bool = True,
    quiz: bool = False,
    watch: bool = False,
    exercise: tuple[Exercise, Path] | None = None,
    exercises_dir: Path | None = None,
    experiment: Experiment | None = None,
) -> None:
    if not _in_a_terminal():
        raise UsageProblem("the tutor needs a terminal; use --plain to print a lesson instead")
    from llmtutor.app import create_app

    app = create_app(
        catalog,
        lesson=lesson,
        step=step,
        values=values,
        train=training,
        start_training=start_training,
        quiz=quiz,
        watch=watch,
        exercise=exercise,
        exercises_dir=exercises_dir,
        experiment=experiment,
        state_dir="auto",  # progress in the user's state directory (see llmtutor.progress)
    )
    app.run()
    if app.return_code:  # 128 + n when signal n ended it (llmtutor.signals), 1 on an error
        sys.exit(app.return_code)


# What textual-serve (and `textual serve`) sets for each session it runs in a web page,
# whose standard input and output are pipes to the page rather than a terminal.
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"


def _in_a_terminal() -> bool:
    """Whether the app has a terminal to draw in: a real one, or a web page's."""
    if os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER:
        return True
    return sys.stdout.isatty() and sys.stdin.isatty()


# `llmtutor serve`: the tutor in web pages, a learner per tab (llmtutor.serve, which imports
# textual-serve only when it serves).
cli.add_command(serve_command)


def _error_line(message: str) -> None:
    """One line on stderr: visible characters only, and never pages of a long argument
    (each message quotes arguments with `excerpt`; click's own may quote them whole)."""
    line = visible(message, one_line=True)
    if len(line) > MAX_ERROR_LINE:
        line = f"{line[:MAX_ERROR_LINE]}… ({len(line):,} characters)"
    click.echo(f"llmtutor: error: {line}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: one-line errors, exit 2 for usage errors, quiet on broken pipes and Ctrl+C."""
    try:
        with ending_quietly_on_signals():  # SIGTERM, SIGHUP, SIGQUIT: no traceback
            cli.main(args=argv, prog_name="llmtutor", standalone_mode=False)
    except click.UsageError as error:
        hint = ""
        if not isinstance(error, UsageProblem):
            command = error.ctx.command_path if error.ctx else "llmtutor"
            hint = f" (see '{command} --help')"
        _error_line(f"{error.format_message()}{hint}")
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as error:
        _error_line(error.format_message())
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        _stdout_to_devnull()
        sys.exit(0)


if __name__ == "__main__":
    main()
