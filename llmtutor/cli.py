"""The `llmtutor` command. The Textual app is imported only by the commands that open it."""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ParamSpec

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
from llmtutor.run_settings import RunSettings

P = ParamSpec("P")
EXIT_PROBLEMS = 1  # `llmtutor check` found a problem
EXIT_USAGE = 2
LESSONS_DIR_VARIABLE = "LLMTUTOR_LESSONS_DIR"
_LESSONS_DIRS = "llmtutor.lessons_dirs"  # the group's extra lesson folders, in context.meta
EXIT_INTERRUPTED = 130


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


def _extra_lesson_dirs(given: Sequence[Path]) -> list[Path]:
    """--lessons-dir, else $LLMTUTOR_LESSONS_DIR (folders separated by os.pathsep); each
    one must be a folder, so that a typo is not silently a course without its lessons."""
    source, folders = "--lessons-dir", list(given)
    if not folders:
        source = LESSONS_DIR_VARIABLE
        value = os.environ.get(LESSONS_DIR_VARIABLE, "")
        folders = [Path(part) for part in value.split(os.pathsep) if part]
    for folder in folders:
        if not folder.is_dir():
            reason = "is not a folder" if folder.exists() else "does not exist"
            raise UsageProblem(f"{source}: {str(folder)!r} {reason}")
    return folders


def _find_lesson(catalog: Catalog, name: str) -> Lesson | TrainingLesson:
    lesson = catalog.entry(name)
    if lesson is None:
        known = ", ".join(catalog.ids)
        raise UsageProblem(
            f"no lesson named {name!r}{suggest(name, catalog.ids)}; lessons: {known}"
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
            raise UsageProblem(f"--set takes KEY=VALUE, like --set w1=0.7, not {item!r}")
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
    type=click.Path(path_type=Path),
    help="Also load the lessons in DIR (repeatable); one with a built-in id replaces it. "
    f"Default: ${LESSONS_DIR_VARIABLE}.",
)
@click.pass_context
def cli(context: click.Context, lessons_dirs: tuple[Path, ...]) -> None:
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
        click.echo(f"{entry.id:<{width}}  {entry.title}  ({describe_length(entry)})")


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
    if isinstance(lesson, TrainingLesson):
        if sets:
            raise UsageProblem(f"{name!r} takes no --set; see 'llmtutor train --help'")
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
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path(path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """Check lesson files and report every problem, compiler-style.

    PATH is a lesson file or a folder of them; with none, the built-in lessons and those of
    --lessons-dir are checked. Problems and a summary go to stdout. Exit status: 0 when every
    file is fine, 1 when any has a problem, 2 for a PATH that does not exist.
    """
    files, problems = _files_to_check(paths)
    try:
        for text in render_problems(problems):
            click.echo(text)
        click.echo(_check_summary(len(files), problems))
        sys.stdout.flush()
    except BrokenPipeError:  # `llmtutor check | head -3`: quiet, and the status still says
        _stdout_to_devnull()
    if problems:
        sys.exit(EXIT_PROBLEMS)


def _files_to_check(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    if not paths:
        catalog = load_catalog(extra_dirs=_lessons_dirs())
        return catalog.files, catalog.problems
    for path in paths:
        if not path.exists():
            raise UsageProblem(f"check: no file or folder named {str(path)!r}")
    files = _unique_files(paths)
    return files, check_files(files)


def _unique_files(paths: Sequence[Path]) -> list[Path]:
    """The lesson files at `paths`; one named twice (or also inside a folder named) is
    checked once, not reported as using its own id twice."""
    files: dict[Path, Path] = {}
    for path in paths:
        for file in lesson_files(path):
            files.setdefault(file.resolve(), file)
    return list(files.values())


def _check_summary(files: int, problems: list[Problem]) -> str:
    if not problems:
        return f"{_count(files, 'lesson')} checked, no problems"
    bad_files = len({problem.path for problem in problems})
    return f"{_count(len(problems), 'problem')} in {_count(bad_files, 'file')}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


@cli.command("train")
@click.option("--plain", is_flag=True, help="Train without the app: progress lines and a chart.")
@click.option("--steps", default="500", show_default=True, help="Optimizer steps.")
@click.option("--lr", default="0.001", show_default=True, help="Learning rate.")
@click.option("--seed", default="42", show_default=True, help="Seed for weights and batches.")
@click.option("--optimizer", default="adam", show_default=True, help="adam or sgd.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or mps.")
@click.option("--compare", is_flag=True, help="With --plain: also train with the other optimizer.")
@pipe_safe
def train_command(
    plain: bool, steps: str, lr: str, seed: str, optimizer: str, device: str, compare: bool
) -> None:
    """Train the tiny transformer live (on the GPU when there is one)."""
    try:
        settings = RunSettings().with_text(
            steps=steps, lr=lr, seed=seed, optimizer=optimizer, device=device
        )
    except ValueError as error:
        raise UsageProblem(str(error)) from None
    if settings.device != "auto":
        from llmtutor.training import DeviceError, choose_device

        try:
            choose_device(settings.device)
        except DeviceError as error:
            raise UsageProblem(str(error)) from None
    if plain:
        runs = [settings, settings.other_optimizer()] if compare else [settings]
        sys.exit(_train_plain(runs))
    _run_app(_catalog(run=False), training=settings, start_training=True)


def _train_plain(runs: list[RunSettings]) -> int:
    from llmtutor.train_plain import run_plain

    gc.enable()  # off while starting (llmtutor.launch); a long run needs it

    return run_plain(runs, sys.stdout)


def _run_app(
    catalog: Catalog,
    lesson: Lesson | None = None,
    step: int | None = 0,
    values: dict[str, InputValue] | None = None,
    training: RunSettings | None = None,
    start_training: bool = True,
    quiz: bool = False,
    watch: bool = False,
) -> None:
    if not sys.stdout.isatty() or not sys.stdin.isatty():
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
        state_dir="auto",  # progress in the user's state directory (see llmtutor.progress)
    )
    app.run()


def main(argv: list[str] | None = None) -> None:
    """Entry point: one-line errors, exit 2 for usage errors, quiet on broken pipes and Ctrl+C."""
    try:
        cli.main(args=argv, prog_name="llmtutor", standalone_mode=False)
    except click.UsageError as error:
        hint = ""
        if not isinstance(error, UsageProblem):
            command = error.ctx.command_path if error.ctx else "llmtutor"
            hint = f" (see '{command} --help')"
        click.echo(f"llmtutor: error: {error.format_message()}{hint}", err=True)
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as error:
        click.echo(f"llmtutor: error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        _stdout_to_devnull()
        sys.exit(0)


if __name__ == "__main__":
    main()
