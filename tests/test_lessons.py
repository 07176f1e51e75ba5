"""Every lesson of the course: its numbers against the source's worked examples, shown
by `--plain`, changed by `--set`, and bad inputs turned away with one line."""

from __future__ import annotations

import math
import re

import pytest
from click.testing import CliRunner

from llmtutor.cli import cli
from llmtutor.curriculum import load_catalog
from llmtutor.engine import fmt

CATALOG = load_catalog()

COURSE = [
    "loss",
    "gradients",
    "chain-rule",
    "backprop",
    "autograd",
    "gradient-descent",
    "sgd",
    "adam",
    "adamw",
    "landscape",
    "schedule",
]

# (lesson, value name, the number the source gives, tolerance): the source rounds.
SOURCE_NUMBERS = [
    ("loss", "loss", 1.457, 5e-4),
    ("loss", "table_p001", 4.605, 5e-4),
    ("loss", "table_p010", 2.303, 5e-4),
    ("loss", "table_p025", 1.386, 5e-4),
    ("loss", "table_p050", 0.693, 5e-4),
    ("loss", "table_p075", 0.288, 5e-4),
    ("loss", "table_p095", 0.051, 5e-4),
    ("loss", "table_p099", 0.010, 5e-4),
    ("loss", "perplexity", 12.18, 5e-3),
    ("gradients", "grad", 0.3, 1e-12),
    ("gradients", "predicted_change", 0.0003, 1e-12),
    ("gradients", "actual_change", 0.0003, 5e-6),
    ("chain-rule", "vanish", 0.0008, 1e-5),
    ("chain-rule", "vanish_small", 1e-32, 1e-40),
    ("chain-rule", "residual_out", 5.3, 1e-12),
    ("chain-rule", "residual_grad", 1.1, 1e-12),
    ("sgd", "tokens_per_batch", 1024 * 4096, 0),
    ("sgd", "steps_needed", 500_000, 30_000),
    ("adam", "m_1", 0.05, 1e-12),
    ("adam", "m_2", 0.075, 1e-12),
    ("adam", "m_3", 0.1075, 1e-12),
    ("adam", "m_4", 0.0768, 6e-5),
    ("adam", "mhat_1", 0.500, 5e-4),
    ("adam", "mhat_2", 0.395, 5e-4),
    ("adam", "mhat_3", 0.397, 5e-4),
    ("adam", "mhat_4", 0.223, 5e-4),
    ("adam", "vhat_1", 0.250, 5e-4),
    ("adam", "vhat_2", 0.170, 5e-4),
    ("adam", "vhat_3", 0.167, 5e-4),
    ("adam", "vhat_4", 0.135, 5e-4),
    ("adam", "update_1", 0.0100, 5e-5),
    ("adam", "update_2", 0.0096, 5e-5),
    ("adam", "update_3", 0.0097, 5e-5),
    ("adam", "update_4", 0.0061, 5e-5),
    ("adam", "correction_ratio", 10, 1e-9),
    ("adam", "alt_update", 0.0, 0.001),
    ("adam", "steady5_update", 0.01, 1e-6),
    ("adam", "steady001_update", 0.01, 1e-6),
    ("adam", "sgd_gb", 32, 1e-9),
    ("adam", "adam_gb", 96, 1e-9),
    ("schedule", "lr_at_warmup", 3e-4, 1e-15),
    ("schedule", "lr_at_end", 3e-5, 1e-15),
]


def plain(*args: str) -> str:
    result = CliRunner().invoke(cli, ["lesson", *args, "--plain"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_course_is_listed_in_teaching_order() -> None:
    output = CliRunner().invoke(cli, ["lessons"]).output
    assert [line.split()[0] for line in output.splitlines()][: len(COURSE)] == COURSE


@pytest.mark.parametrize(("lesson_id", "name", "expected", "tolerance"), SOURCE_NUMBERS)
def test_source_numbers_are_computed_and_shown(
    lesson_id: str, name: str, expected: float, tolerance: float
) -> None:
    lesson = CATALOG.get(lesson_id)
    assert lesson is not None
    value = lesson.compute().value(name)
    assert abs(value - expected) <= tolerance, (name, value)
    assert name in lesson.all_reveals(lesson.compute())  # the lesson really shows it
    assert fmt(value) in plain(lesson_id)


def test_perplexity_of_the_average_loss() -> None:
    out = plain("loss", "--set", "avg_loss=1")
    assert f"= {fmt(math.e)}" in out


def test_loss_follows_p() -> None:
    out = plain("loss", "--set", "p=0.5")
    assert f"−ln(0.5) = {fmt(math.log(2))}" in out


def test_adam_with_other_gradients_and_rate() -> None:
    out = plain("adam", "--set", "gradients=1,1,1,1,1,1", "--set", "lr=0.001")
    # Constant gradients: m̂ = v̂^½ = 1 at every step, so every update is lr/(1 + ε).
    updates = re.findall(r"^\s+u₆ = .* = ([0-9.e-]+)", out, flags=re.M)
    assert updates and float(updates[-1]) == pytest.approx(0.001, rel=1e-6)
    assert "g₆" in out


def test_adam_with_fewer_gradients_shows_what_exists() -> None:
    out = plain("adam", "--set", "gradients=0.5,0.3")
    assert "u₂" in out and "u₃ =" not in out


def test_schedule_follows_its_settings() -> None:
    out = plain(
        "schedule", "--set", "peak=0.001", "--set", "floor_fraction=0", "--set", "total=10000"
    )
    # The last step of a cosine decay to a floor of 0 is 0; the values table says so.
    assert re.search(r"^\s+lr\(10000\)\s+0$", out, flags=re.M)
    assert re.search(r"^\s+lr\(6000\)\s+0\.0005$", out, flags=re.M)  # mid-decay: half the peak


@pytest.mark.parametrize(
    ("lesson_id", "setting", "message"),
    [
        ("loss", "p=0", "greater than 0"),
        ("loss", "p=1.5", "at most 1"),
        ("adam", "lr=0", "greater than 0"),
        ("gradient-descent", "lr=-0.1", "greater than 0"),
        ("adam", "beta1=1", "less than 1"),
        ("adam", "beta2=-0.1", "at least 0"),
        ("adam", "gradients=", "at least 1"),
        ("adam", "gradients=1,x", "must be a number"),
        ("schedule", "warmup=600000", "warmup"),
        ("chain-rule", "layers=2.5", "whole number"),
    ],
)
def test_bad_inputs_get_one_clear_line(
    lesson_id: str, setting: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from llmtutor.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["lesson", lesson_id, "--plain", "--set", setting])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("llmtutor: error:") and message in line


@pytest.mark.parametrize("lesson_id", COURSE)
def test_every_lesson_prints_every_step(lesson_id: str) -> None:
    lesson = CATALOG.get(lesson_id)
    assert lesson is not None
    out = plain(lesson_id)
    assert f"Step {len(lesson.steps)} of {len(lesson.steps)}" in out
    assert "—" not in out.replace("───", "")  # no placeholder left without a value
