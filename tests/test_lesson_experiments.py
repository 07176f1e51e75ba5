"""Experiments in lesson files: runs of the live training that test a lesson's claim.

The loader checks them (each problem at the key or value it is about, inside a run's
`{ … }`); the four lessons that make the article's claims offer theirs, set up; `l` on the
lesson screen opens one on the training screen (no run is started here); `--plain` prints
each with the commands that run it; `train --experiment` trains its runs (the training
itself is stood in for: its own tests train for real); help and the palette name them.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from llmtutor import cli as cli_module
from llmtutor.app import TutorApp, create_app
from llmtutor.app.commands import lesson_commands
from llmtutor.app.experiment_choice import ExperimentChoice
from llmtutor.app.help import key_groups
from llmtutor.app.lesson import LessonScreen, step_text
from llmtutor.app.notice import ScreenNotice
from llmtutor.app.train import TrainScreen
from llmtutor.cli import cli
from llmtutor.curriculum import Lesson, LessonFileError, load_catalog, load_lesson
from llmtutor.curriculum.loader import EXPERIMENT_KEYS, RUN_KEYS
from llmtutor.plain import train_command
from llmtutor.run_settings import Experiment, RunSettings

CATALOG = load_catalog()
DOC = Path(__file__).resolve().parent.parent / "docs" / "writing-lessons.md"


def synchronously(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """A test written as a coroutine, run to its end (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


# --- the lesson file ----------------------------------------------------------------------

HEAD = """\
id = "lab"
title = "Lab"
computation = "slope"

[[steps]]
title = "A claim"
text = "Something about training."
"""

STEP_EXPERIMENT = """
[steps.experiment]
title = "Deep"
panel = "health"
text = "Watch the first blocks."
runs = [{ layers = 8 }, { layers = 8, residual = false }]
"""

LESSON_EXPERIMENT = """
[[experiments]]
title = "Rates"
text = "Three optimizers."
runs = [
  {},
  { optimizer = "sgd", lr = 1 },
  { schedule = "cosine", warmup = 50, lr_min = 1e-4, steps = 400 },
]
"""


def write(tmp_path: Path, text: str, name: str = "lab.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    return [str(problem) for problem in caught.value.problems]


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """Line and column (1-based) of the `occurrence`th `needle` in `text`, found in the text
    written, not by the loader's own index."""
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start) + 1
    return line, start - (text.rfind("\n", 0, start) + 1) + 1


def test_an_experiment_of_a_step_and_one_of_the_lesson_load(tmp_path: Path) -> None:
    lesson = load_lesson(write(tmp_path, HEAD + STEP_EXPERIMENT + LESSON_EXPERIMENT))
    assert isinstance(lesson, Lesson)
    deep = Experiment(
        "Deep",
        "Watch the first blocks.",
        (RunSettings(layers=8), RunSettings(layers=8, residual=False)),
        "health",
    )
    rates = Experiment(
        "Rates",
        "Three optimizers.",
        (
            RunSettings(),
            RunSettings(optimizer="sgd", lr=1.0),
            RunSettings(schedule="cosine", warmup=50, lr_min=1e-4, steps=400),
        ),
    )
    assert lesson.steps[0].experiment == deep
    assert lesson.experiments == (rates,)
    assert rates.panel == "weight"  # the default
    assert lesson.all_experiments() == [deep, rates]
    assert lesson.experiments_at(0) == [deep, rates]  # the only step is the last


def test_runs_may_be_written_as_tables(tmp_path: Path) -> None:
    text = HEAD + (
        '\n[steps.experiment]\ntitle = "T"\ntext = "x"\n\n'
        "[[steps.experiment.runs]]\nlayers = 3\n\n"
        "[[steps.experiment.runs]]\nlayers = 3\nresidual = false\n"
    )
    lesson = load_lesson(write(tmp_path, text))
    assert isinstance(lesson, Lesson) and lesson.steps[0].experiment is not None
    assert lesson.steps[0].experiment.runs == (
        RunSettings(layers=3),
        RunSettings(layers=3, residual=False),
    )


def test_the_lesson_experiments_are_named_on_the_last_step_only(tmp_path: Path) -> None:
    text = HEAD + LESSON_EXPERIMENT.replace("[[experiments]]", "[[experiments]]", 1)
    text = text.replace("[[experiments]]", '[[steps]]\ntitle = "B"\ntext = "b"\n\n[[experiments]]')
    lesson = load_lesson(write(tmp_path, text))
    assert isinstance(lesson, Lesson) and len(lesson.steps) == 2
    assert lesson.experiments_at(0) == []
    assert [e.title for e in lesson.experiments_at(1)] == ["Rates"]


# Each broken run: what replaces `{ layers = 8, residual = false }` in STEP_EXPERIMENT, the
# text the problem points at (its first occurrence in that replacement), and the message.
BROKEN_RUNS = [
    (
        "{ layerz = 8 }",
        "layerz",
        "step 1's experiment, run 2: unknown setting 'layerz' (did you mean 'layers'?)",
    ),
    (
        '{ layers = 8, residual = "no" }',
        '"no"',
        "step 1's experiment, run 2: 'residual' must be true or false, not text",
    ),
    ("{ layers = 8.0 }", "8.0", "'layers' must be a whole number, not 8.0"),
    ("{ layers = 17 }", "17", "step 1's experiment, run 2: layers must be between 1 and 16"),
    ("{ lr = 0 }", "0", "run 2: lr must be a finite number greater than 0"),
    ("{ steps = 0 }", "0", "run 2: steps must be between 1 and 100,000"),
    ('{ optimizer = "adamw" }', '"adamw"', "run 2: optimizer must be one of adam, sgd"),
    ('{ schedule = "cosin" }', '"cosin"', "run 2: schedule must be one of constant, cosine"),
    (
        "{ warmup = 50 }",
        "50",
        'run 2: warmup shapes the cosine schedule: add schedule = "cosine" to the run',
    ),
    (
        '{ schedule = "cosine", warmup = 500 }',
        "500",
        "run 2: warmup must be 0 or more and less than the steps (500)",
    ),
    (
        '{ schedule = "cosine", lr_min = 0.01 }',
        "0.01",
        "run 2: lr_min must be between 0 and the learning rate (0.001)",
    ),
    (
        '{ optimizer = "sgd", bias_correction = false }',
        "false",
        'run 2: bias correction is part of Adam; optimizer = "sgd" has none to leave out',
    ),
    (
        '{ device = "cpu" }',
        "device",
        "run 2: unknown setting 'device': where to train is the learner's choice",
    ),
    ("{ layers = 8 }", "{ layers = 8 }", "step 1's experiment, run 2 is the same as run 1"),
]


@pytest.mark.parametrize(("run", "at", "message"), BROKEN_RUNS)
def test_a_broken_run_is_reported_at_its_setting(
    tmp_path: Path, run: str, at: str, message: str
) -> None:
    text = HEAD + STEP_EXPERIMENT.replace("{ layers = 8, residual = false }", run)
    path = write(tmp_path, text)
    (problem,) = problems_of(path)
    runs_line = next(line for line in text.splitlines() if line.startswith("runs"))
    line, column = position(text, runs_line)
    column += runs_line.rindex(run) + run.index(at)  # run 2, the last
    assert problem.startswith(f"{path}:{line}:{column}: "), problem
    assert message in problem, problem


def test_runs_over_several_lines_are_located_in_their_own_table(tmp_path: Path) -> None:
    text = HEAD + LESSON_EXPERIMENT.replace("lr = 1 }", "lr = -1 }").replace(
        "lr_min = 1e-4", "lr_min = 1e-4, layrs = 2"
    )
    path = write(tmp_path, text)
    found = problems_of(path)
    assert len(found) == 2, found
    line, column = position(text, "-1")
    assert found[0].startswith(f"{path}:{line}:{column}: experiment 1, run 2: lr must be ")
    line, column = position(text, "layrs")
    assert found[1].startswith(f"{path}:{line}:{column}: experiment 1, run 3: unknown setting")
    assert "(did you mean 'layers'?)" in found[1]


def test_a_run_written_as_a_table_is_located_at_its_key(tmp_path: Path) -> None:
    text = HEAD + '\n[[experiments]]\ntitle = "T"\ntext = "x"\n\n[[experiments.runs]]\nlayers = 0\n'
    path = write(tmp_path, text)
    (problem,) = problems_of(path)
    line, column = position(text, "0\n", 1)
    assert problem.startswith(f"{path}:{line}:{column}: experiment 1, run 1: layers must be ")


@pytest.mark.parametrize(
    ("old", "new", "at", "message"),
    [
        ('panel = "health"', 'panel = "helth"', '"helth"', "(did you mean 'health'?)"),
        ('panel = "health"', "panel = 3", "3", "'panel' must be one of 'weight', 'health'"),
        ('panel = "health"', 'panle = "health"', "panle", "unknown key 'panle'"),
        ('title = "Deep"', 'title = ""', '""', "'title' must not be empty"),
        (
            "runs = [{ layers = 8 }, { layers = 8, residual = false }]",
            "runs = []",
            "[]",
            "step 1's experiment has 0 runs; an experiment has 1 to 4",
        ),
        (
            "runs = [{ layers = 8 }, { layers = 8, residual = false }]",
            "runs = [{}, { seed = 1 }, { seed = 2 }, { seed = 3 }, { seed = 4 }]",
            "[{}",
            "has 5 runs; an experiment has 1 to 4",
        ),
        (
            "runs = [{ layers = 8 }, { layers = 8, residual = false }]",
            "runs = [8]",
            "[8]",
            "'runs' must be a list of tables",
        ),
        (
            "runs = [{ layers = 8 }, { layers = 8, residual = false }]",
            "",
            "[steps.experiment]",
            "step 1's experiment needs runs = [{ … }, …]",
        ),
    ],
)
def test_a_broken_experiment_is_reported_where_it_is_wrong(
    tmp_path: Path, old: str, new: str, at: str, message: str
) -> None:
    text = HEAD + STEP_EXPERIMENT.replace(old, new)
    path = write(tmp_path, text)
    (problem,) = problems_of(path)
    line, column = position(text, at)
    assert problem.startswith(f"{path}:{line}:{column}: "), problem
    assert message in problem, problem


def test_experiments_must_be_tables(tmp_path: Path) -> None:
    text = HEAD.replace('computation = "slope"', 'computation = "slope"\nexperiments = 3')
    path = write(tmp_path, text)
    (problem,) = problems_of(path)
    line, column = position(text, "3\n")
    assert problem == (
        f"{path}:{line}:{column}: 'experiments' must be written as [[experiments]] tables"
    )


def test_check_reports_an_experiment_with_its_line_and_caret(tmp_path: Path) -> None:
    text = HEAD + STEP_EXPERIMENT.replace("{ layers = 8 }", "{ layers = 0 }")
    path = write(tmp_path, text)
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    line, column = position(text, "0 }")
    source = text.splitlines()[line - 1]
    assert result.output.splitlines()[:3] == [
        f"{path}:{line}:{column}: step 1's experiment, run 1: layers must be between 1 and 16",
        f"   {line} | {source}",
        f"   {' ' * len(str(line))} | {' ' * (column - 1)}^",
    ]


def test_the_docs_describe_every_experiment_key_and_run_setting() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key in EXPERIMENT_KEYS:
        assert f"| `{key}` |" in text, key
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| `[^`]+` \| `--", text, re.MULTILINE)
    assert rows == list(RUN_KEYS)


# --- the four lessons that make the article's claims --------------------------------------


def test_the_chain_rule_lesson_offers_eight_layers_with_and_without_residuals() -> None:
    lesson = CATALOG.get("chain-rule")
    assert lesson is not None
    (experiment,) = lesson.all_experiments()
    assert lesson.steps[-1].experiment is experiment  # the step about the skip path
    assert experiment.panel == "health"
    assert experiment.runs == (
        RunSettings(layers=8, steps=300),
        RunSettings(layers=8, steps=300, residual=False),
    )


def test_the_adam_lesson_offers_bias_correction_on_and_off() -> None:
    lesson = CATALOG.get("adam")
    assert lesson is not None
    (experiment,) = lesson.all_experiments()
    (step,) = [step for step in lesson.steps if step.experiment is experiment]
    assert step.title == "Without bias correction"
    assert experiment.runs == (RunSettings(), RunSettings(bias_correction=False))
    # What the text explains: the two missing factors, 1 ÷ (1 − β1) and 1 ÷ √(1 − β2).
    m_factor, v_factor = 1 / (1 - 0.9), 1 / (1 - 0.999) ** 0.5
    assert f"{v_factor / m_factor:.2f}" == "3.16"
    assert "3.16" in experiment.text and "31.6" in experiment.text


def test_the_schedule_lesson_offers_a_constant_rate_against_warmup_and_cosine() -> None:
    lesson = CATALOG.get("schedule")
    assert lesson is not None
    (experiment,) = lesson.all_experiments()
    assert lesson.steps[0].experiment is experiment  # "One rate from start to finish fails"
    assert experiment.runs == (
        RunSettings(lr=0.03),
        RunSettings(lr=0.03, schedule="cosine", warmup=100, lr_min=0.001),
    )


def test_the_sgd_lesson_offers_sgd_at_adams_rate_and_at_a_large_one() -> None:
    lesson = CATALOG.get("sgd")
    assert lesson is not None
    (experiment,) = lesson.all_experiments()
    assert lesson.experiments == (experiment,)  # the lesson's own: named on its last step
    assert experiment.runs == (
        RunSettings(),
        RunSettings(optimizer="sgd"),
        RunSettings(optimizer="sgd", lr=0.5),
    )


# --- the lesson screen ----------------------------------------------------------------------


def lesson_app(lesson: Lesson, step: int) -> TutorApp:
    app = create_app(CATALOG, lesson=lesson, step=step)
    app.animation_level = "none"
    return app


@synchronously
async def test_l_opens_the_steps_experiment_on_the_training_screen() -> None:
    lesson = CATALOG.get("chain-rule")
    assert lesson is not None
    app = lesson_app(lesson, len(lesson.steps) - 1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        progress = str(app.screen.query_one("#progress").render())
        assert progress.startswith("l lab · step 4 of 4")
        await pilot.press("l")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TrainScreen)
        assert screen.experiment is lesson.steps[-1].experiment
        assert screen.showing_health  # the experiment's panel, from the start
        assert not screen.running  # Enter starts it: nothing trains here
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)


@synchronously
async def test_l_on_another_step_opens_the_lessons_only_experiment() -> None:
    lesson = CATALOG.get("chain-rule")
    assert lesson is not None
    app = lesson_app(lesson, 0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "l lab" not in str(app.screen.query_one("#progress").render())
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, TrainScreen)
        assert app.screen.experiment is lesson.steps[-1].experiment


@synchronously
async def test_l_offers_a_choice_of_several_experiments(tmp_path: Path) -> None:
    text = HEAD + '[[steps]]\ntitle = "B"\ntext = "b"\n' + STEP_EXPERIMENT + LESSON_EXPERIMENT
    text = text.replace('title = "Deep"', 'title = "[b]Deep[/b]"')  # text, never markup
    lesson = load_lesson(write(tmp_path, text))
    assert isinstance(lesson, Lesson)
    app = lesson_app(lesson, 0)  # the first step offers none of its own
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        choice = app.screen
        assert isinstance(choice, ExperimentChoice)
        shown = [str(option.prompt) for option in choice.query_one("#experiment-list").options]
        assert shown == ["[b]Deep[/b]  2 runs", "Rates  3 runs"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TrainScreen)
        assert app.screen.experiment is lesson.experiments[0]


@synchronously
async def test_l_in_a_lesson_without_experiments_says_so() -> None:
    lesson = CATALOG.get("backprop")
    assert lesson is not None and not lesson.all_experiments()
    app = lesson_app(lesson, 0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.query_one(ScreenNotice).text == "This lesson has no experiment."


def test_a_step_names_its_experiment_under_its_text_in_one_line_as_text() -> None:
    title = "[b]Deep[/b] [@click=app.quit]x[/]"
    experiment = Experiment(title, "t", (RunSettings(),))
    console = Console(width=80, record=True)
    console.print(step_text("The claim.", [experiment]))
    assert console.export_text().splitlines()[-1].rstrip() == f"▶ Lab (l): {title}"
    long = Experiment("A title that goes" + " on and" * 20, "t", (RunSettings(),))
    console = Console(width=40, record=True)
    console.print(step_text("The claim.", [long]))
    (offer,) = console.export_text().splitlines()[1:]
    assert offer.startswith("▶ Lab (l): A title that goes on") and offer.endswith("…")
    assert len(offer) == 40


@synchronously
async def test_help_and_the_palette_name_the_experiments() -> None:
    lesson = CATALOG.get("chain-rule")
    assert lesson is not None
    app = lesson_app(lesson, 0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        (group, *_) = key_groups(app, app.screen)
        rows = {row.first_key: row.description for row in group.rows}
        assert rows["l"] == "Lab: train the model to test the step's claim"
        commands = {command.text: command for command in lesson_commands(app)}
        for lesson_id in ("chain-rule", "adam", "schedule", "sgd"):
            entry = CATALOG.get(lesson_id)
            assert entry is not None
            for experiment in entry.all_experiments():
                command = commands[f"Run the experiment: {experiment.title}"]
                assert command.discoverable
        command = commands[f"Run the experiment: {lesson.steps[-1].experiment.title}"]  # type: ignore[union-attr]
        command.run()
        await pilot.pause()
        assert isinstance(app.screen, TrainScreen)
        assert app.screen.experiment is lesson.steps[-1].experiment


# --- --plain and train --experiment -----------------------------------------------------------


@pytest.mark.parametrize("lesson_id", ["chain-rule", "adam", "schedule", "sgd"])
def test_plain_prints_each_experiment_with_its_commands(lesson_id: str) -> None:
    result = CliRunner().invoke(cli, ["lesson", lesson_id, "--plain"])
    assert result.exit_code == 0, result.output
    lesson = CATALOG.get(lesson_id)
    assert lesson is not None
    for experiment in lesson.all_experiments():
        assert f"Experiment: {experiment.title}" in result.output
        health = experiment.panel == "health"
        for run in experiment.runs:
            assert f"  {train_command(run, health)}\n" in result.output
        assert f"  llmtutor train --plain --experiment {lesson_id}\n" in result.output


def test_the_commands_make_the_same_settings_again() -> None:
    """Each printed command, read back by train's own option parsing, gives the run."""
    for lesson in CATALOG.lessons:
        for experiment in lesson.all_experiments():
            for run in experiment.runs:
                words = train_command(run).split()[2:]
                assert words[0] == "--plain"
                assert _settings_of(words) == run


def _settings_of(words: list[str]) -> RunSettings:
    captured: list[list[RunSettings]] = []

    def stand_in(runs: list[RunSettings], *args: object) -> int:
        captured.append(runs)
        return 0

    original = cli_module._train_plain
    cli_module._train_plain = stand_in  # type: ignore[assignment]
    try:
        result = CliRunner().invoke(cli, ["train", *words])
    finally:
        cli_module._train_plain = original
    assert result.exit_code == 0, result.output
    ((settings,),) = captured
    return settings


def test_train_experiment_trains_the_runs_one_after_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[list[RunSettings], bool]] = []

    def stand_in(runs: list[RunSettings], grad_norms: bool = False, *rest: object) -> int:
        calls.append((runs, grad_norms))
        return 0

    monkeypatch.setattr(cli_module, "_train_plain", stand_in)
    result = CliRunner().invoke(cli, ["train", "--plain", "--experiment", "chain-rule"])
    assert result.exit_code == 0, result.output
    lesson = CATALOG.get("chain-rule")
    assert lesson is not None
    (experiment,) = lesson.all_experiments()
    assert calls == [(list(experiment.runs), True)]  # the health panel: --grad-norms
    assert result.output.startswith(
        f"{lesson.title} · experiment: {experiment.title}\n{experiment.text.strip()}\n"
    )
    calls.clear()
    result = CliRunner().invoke(
        cli, ["train", "--plain", "--experiment", "adam", "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    ((runs, grad_norms),) = calls
    assert [run.device for run in runs] == ["cpu", "cpu"] and not grad_norms


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--experiment", "chain-rul"], "no lesson named 'chain-rul' (did you mean 'chain-rule'?)"),
        (["--experiment", "backprop"], "no experiment in lesson 'backprop'; lessons with"),
        (["--experiment", "adam:2"], "lesson 'adam' offers one experiment: adam (or adam:1)"),
        (["--experiment", "adam", "--layers", "3"], "--experiment sets the runs itself"),
        (["--experiment", "adam", "--lr", "0.1"], "leave out --lr"),
        (["--experiment", "adam", "--compare"], "leave out --compare"),
        (["--experiment", "adam", "--grad-norms"], "--grad-norms prints with --plain"),
    ],
)
def test_train_experiment_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["train", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
