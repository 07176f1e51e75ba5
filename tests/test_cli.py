"""The command line: listing, --plain output, --set, and one-line usage errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from llmtutor.cli import cli
from llmtutor.engine import COMPUTATIONS, fmt


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "llmtutor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_lessons_lists_id_title_and_steps() -> None:
    lines = {line.split()[0]: line for line in run_cli("lessons").splitlines()}
    assert "Backpropagation" in lines["backprop"] and lines["backprop"].endswith("(9 steps)")
    assert "Gradient descent" in lines["gradient-descent"]


def test_backprop_plain_shows_every_value_of_the_worked_example() -> None:
    out = run_cli("lesson", "backprop", "--plain")
    for number in ("1.8496", "-2.72", "0.816", "-3.264", "0.9792", "1.9584"):
        assert number in out
    assert "Step 9 of 9" in out
    assert "dL/dw1 = dL/dh × dh/dw1 = 0.9792 × 2 = 1.9584" in out
    assert "\x1b[" not in out  # no colour codes when piped


def test_gradient_descent_plain_shows_new_weights_and_lower_loss() -> None:
    out = run_cli("lesson", "gradient-descent", "--plain")
    for number in ("0.30416", "0.0264", "1.1184", "0.9644"):
        assert number in out


def test_set_changes_every_downstream_value() -> None:
    out = run_cli("lesson", "backprop", "--plain", "--set", "w1=0.7", "--set", "target=2")
    # Independent arithmetic: h = 1.4, a = -0.42, y = -0.504, L = (y - 2)^2.
    y = 2.0 * 0.7 * -0.3 * 1.2
    assert f"L = (y − target)² = ({fmt(y)} − 2)² = {fmt((y - 2) ** 2)}" in out
    assert f"= {fmt(2 * (y - 2) * 1.2 * -0.3 * 2.0)}" in out  # dL/dw1 by the chain rule
    assert "w1 = 0.7 (set)" in out
    assert "1.8496" not in out


def test_set_lr_changes_the_update() -> None:
    out = run_cli("lesson", "gradient-descent", "--plain", "--set", "lr=0.01")
    grads = COMPUTATIONS["toy_network"].run({})
    assert fmt(0.5 - 0.01 * grads.value("dL_dw1")) in out
    assert "0.30416" not in out


def test_plain_respects_no_color_and_a_step_option() -> None:
    result = run_process("lesson", "backprop", "--plain", env={"NO_COLOR": "1"})
    assert result.returncode == 0 and "\x1b[" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lesson", "backprp", "--plain"), "did you mean 'backprop'"),
        (("lesson", "backprop", "--plain", "--set", "w9=1"), "has no input 'w9'"),
        (("lesson", "backprop", "--plain", "--set", "w1=abc"), "w1 must be a number"),
        (("lesson", "backprop", "--plain", "--set", "w1"), "KEY=VALUE"),
        (("lesson", "backprop", "--plain", "--set", "w1=inf"), "finite"),
        (("lesson", "gradient-descent", "--plain", "--set", "lr=0"), "greater than 0"),
        (("lesson", "backprop", "--step", "99"), "--step must be between 1 and 9"),
        (("lesson", "backprop", "--bogus"), "No such option"),
        (("nonsense",), "No such command"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    result = run_process(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("llmtutor: error:") and message in lines[0]


def test_broken_pipe_exits_quietly() -> None:
    # Close the reading end before the tutor writes: every write then fails with EPIPE,
    # as with `llmtutor lesson backprop --plain | head -1` when head has already exited.
    process = subprocess.Popen(
        [sys.executable, "-m", "llmtutor", "lesson", "backprop", "--plain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, errors = process.communicate(timeout=60)
    assert errors.decode() == ""
    assert process.returncode == 0


def test_the_app_refuses_without_a_terminal() -> None:
    result = run_process("lesson", "backprop")
    assert result.returncode == 2
    assert "--plain" in result.stderr
