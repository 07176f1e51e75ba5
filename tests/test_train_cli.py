"""`llmtutor train`: headless runs, divergence, devices and bad settings."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time

import pytest

from llmtutor.training import TEXT


def run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "llmtutor", "train", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_plain_run_prints_progress_chart_and_text() -> None:
    result = run("--plain", "--steps", "120", "--device", "cpu")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "step     0/120" in out and "step   100/120" in out and "step   119/120" in out
    assert "Finished 120 steps" in out
    # Every sample with its step and loss, from the first step's gibberish on.
    samples = [line for line in out.splitlines() if line.startswith("sample at step")]
    assert [line.split("(")[0].split()[-1] for line in samples] == ["0", "100"]
    assert all(" (loss " in line and ", ppl " in line for line in samples)
    # The end in the article's words: e^loss, read against the characters guessed between.
    final = float(out.split("final loss ")[1].split()[0])
    words = " ".join(out.split("Generated from")[1].splitlines()[1:4])
    assert f"perplexity e^{final:.3g} = {math.exp(final):.3g}" in words
    generated = out.split("Generated from 't': ")[1].splitlines()[0].strip("'")
    assert generated.startswith("t") and len(generated) == 81
    assert "Loss at each step" in out and "+---" in out  # the ASCII chart
    # The chart's reference line: a uniform guess over the text's distinct characters.
    vocab = len(set(TEXT))
    assert f"* uniform guess, ln {vocab} = {math.log(vocab):.3g}" in out
    assert all(ord(c) < 128 for c in out.split("Loss at each step")[1])


def test_compare_trains_both_optimizers() -> None:
    result = run("--plain", "--steps", "20", "--device", "cpu", "--compare")
    assert result.returncode == 0, result.stderr
    assert "adam, lr 0.001, seed 42" in result.stdout
    assert "sgd, lr 0.001, seed 42" in result.stdout
    assert result.stdout.count("Finished 20 steps") == 2


def test_a_diverging_run_is_stopped_with_a_message() -> None:
    result = run("--plain", "--steps", "200", "--lr", "1e6", "--device", "cpu")
    assert result.returncode == 1
    assert "the run diverged" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--device", "cuda"), "CUDA was asked for"),
        (("--device", "tpu"), "device must be one of"),
        (("--steps", "0"), "steps must be between"),
        (("--steps", "many"), "whole number"),
        (("--lr", "-1"), "greater than 0"),
        (("--lr", "nan"), "greater than 0"),
        (("--seed", "-3"), "seed must be"),
        (("--optimizer", "rmsprop"), "adam, sgd"),
        (("--layers", "0"), "layers must be between 1 and 16"),
        (("--layers", "deep"), "layers must be a whole number"),
        (("--schedule", "step"), "constant, cosine"),
        (("--warmup", "10"), "add --schedule cosine"),
        (("--schedule", "cosine", "--steps", "50", "--warmup", "50"), "less than the steps"),
        (("--schedule", "cosine", "--lr-min", "0.1"), "lr-min must be between 0 and"),
        (("--lr-min", "x"), "lr-min must be a number"),
        (("--optimizer", "sgd", "--no-bias-correction"), "experiment on Adam"),
        (("--predict", "Hello"), "the model never saw 'H'"),
        (("--predict", ""), "--predict needs at least one character"),
        (("--predict", "the", "--temperature", "0"), "temperature must be a finite number"),
        (("--temperature", "hot"), "temperature must be a number"),
    ],
)
def test_bad_settings_are_usage_errors(args: tuple[str, ...], message: str) -> None:
    result = run("--plain", *args)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("llmtutor: error:") and message in line


def test_ctrl_c_ends_a_plain_run_with_status_130() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "llmtutor", "train", "--plain", "--steps", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell starts a background job with SIGINT ignored, and Python then never
        # raises KeyboardInterrupt: the tutor must get Ctrl+C as a terminal would send it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    process.stdout.readline()  # training has started
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in errors


def test_the_training_text_is_the_sources() -> None:
    assert (
        TEXT == "the quick brown fox jumps over the lazy dog. the dog sleeps. the fox runs. " * 20
    )


def test_an_experiment_runs_and_prints_each_parts_gradient_norm() -> None:
    result = run(
        "--plain", "--steps", "101", "--device", "cpu", "--layers", "3", "--no-residual",
        "--schedule", "cosine", "--warmup", "10", "--lr-min", "1e-4", "--no-bias-correction",
        "--grad-norms",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    label = "adam, lr 0.001, seed 42, 3 layers, no residual, cosine (warmup 10, lr-min 0.0001)"
    assert f"{label}, no bias correction" in out
    health = [line for line in out.splitlines() if "‖grad‖" in line]
    assert len(health) == 2  # one under each progress line: steps 0 and 100
    for line in health:
        names = [part.split()[0] for part in line.split("‖grad‖")[1].split(" · ")]
        assert names == ["embeddings", "block", "block", "block", "head", "update/weights"]
    # The warmup's first rate is 0: the first step moves nothing.
    assert health[0].endswith("update/weights 0")


def test_grad_norms_are_printed_with_plain_only() -> None:
    result = run("--grad-norms", "--steps", "5")
    assert result.returncode == 2
    assert "--grad-norms prints with --plain" in result.stderr


def test_predict_prints_the_five_likeliest_next_characters() -> None:
    result = run("--plain", "--steps", "120", "--device", "cpu", "--predict", "the dog sl")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("Next character after 'the dog sl' (temperature 1):\n")[1]
    heading, *rows = lines.splitlines()[:6]
    assert heading.split() == ["next", "p", "−ln", "p"]
    numbers = [row.split()[-2:] for row in rows]  # each row: character, p, −ln p
    probabilities = [float(p) for p, _ in numbers]
    losses = [float(loss) for _, loss in numbers]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) <= 1.0 + 5e-4  # (each rounded to 4 decimals)
    for p, loss in zip(probabilities, losses, strict=True):
        assert loss == pytest.approx(-math.log(p), abs=2e-3 / p)
    rest = lines.splitlines()[6]
    assert rest.startswith("  all other characters together: p ")
    assert float(rest.split()[-1]) == pytest.approx(1 - sum(probabilities), abs=5e-4)
    greedy = lines.split("  greedy:   ")[1].split("\n")[0]
    assert greedy.startswith("the dog sl") and len(greedy) == len("the dog sl") + 40
    assert "(drawn at temperature 1, seed 42)" in lines
    assert all(len(line) <= 80 for line in lines.splitlines())  # the prediction, from here


def test_predict_is_for_plain_runs() -> None:
    result = run("--predict", "the", "--steps", "5")
    assert result.returncode == 2 and "--predict prints with --plain" in result.stderr


def test_a_plain_run_that_learned_little_says_what_to_try() -> None:
    """Adam at a hundred times the article's rate sits near the frequency guess (the entropy
    of the paragraph's characters, 2.97): the advice offers a rate ten times smaller."""
    result = run("--plain", "--steps", "200", "--lr", "0.1", "--device", "cpu")
    assert result.returncode == 0, result.stderr
    words = " ".join(result.stdout.split())
    assert "costs 2.97: the model has learned little more than which characters" in words
    assert "It had levelled off" in words and "Run again with --lr 0.01." in words
