"""Words that stay true: each lesson's text follows the facts its numbers make.

For every lesson, inputs that flip each of its facts, with a phrase the text must then
show and one it must not (the phrase written for another case). Checked in `--plain` and
in the app, where the same choice names the app's keys instead of the command line's flags.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from click.testing import CliRunner
from textual.widgets import Static

from llmtutor.app import create_app
from llmtutor.app.widgets import Drawing
from llmtutor.cli import cli
from llmtutor.curriculum import load_catalog

CATALOG = load_catalog()


# (lesson, inputs, step (from 1), a phrase the step must show, one it must not)
WORDS: list[tuple[str, dict[str, str], int, str, str]] = [
    # gradients: the gradient's sign, and whether the step helped
    ("gradients", {}, 4, "The gradient is positive", "The gradient is negative"),
    ("gradients", {"w": "0.2"}, 4, "The gradient is negative", "The gradient is positive"),
    ("gradients", {"w": "0.35"}, 4, "The gradient is zero", "The gradient is positive"),
    ("gradients", {"w": "0.35"}, 4, "Nowhere to go", "So move the other way"),
    ("gradients", {}, 4, "is lower than 1.457", "higher"),
    # L(w') = (0.5 − 1.5 × 0.3 − 0.35)² + 1.4345 = 1.5245 > 1.457: the step overshoots
    ("gradients", {"lr": "1.5"}, 4, "1.5245, is higher than 1.457", "is lower than"),
    # lr = 1 lands at the mirror point, 0.2: the same loss
    ("gradients", {"lr": "1"}, 4, "the same as before", "is lower than"),
    # loss: how much of the probability "mat" got, and whether the perplexity fits a float
    ("loss", {}, 1, "That is half or less", "more than half"),
    ("loss", {"p": "0.9"}, 1, "more than half, so mat was its top choice", "half or less"),
    ("loss", {"p": "1"}, 1, "That is certainty", "half or less"),
    ("loss", {}, 5, "perplexity of 12.182: it is as unsure", "too large for a float"),
    (
        "loss",
        {"avg_loss": "0"},
        5,
        "perplexity of 1: like a pick among a single",
        "it is as unsure",
    ),
    # e^1e-5 = 1.00001 is written 1: the text says 1, not "as unsure as … that many"
    ("loss", {"avg_loss": "1e-5"}, 5, "like a pick among a single token", "it is as unsure"),
    # e^710 is past the largest float (e^709.78 ≈ 1.8e308)
    ("loss", {"avg_loss": "710"}, 5, "too large for a float to hold", "it is as unsure"),
]


def plain_step(lesson: str, inputs: dict[str, str], step: int) -> str:
    """Step `step` of the printed lesson, its lines joined into one paragraph."""
    args = ["lesson", lesson, "--plain", "--step", str(step)]
    for name, value in inputs.items():
        args += ["--set", f"{name}={value}"]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def app_step(lesson: str, inputs: dict[str, str], step: int) -> str:
    """The title and text of step `step` as the app shows them, in one paragraph."""
    entry = CATALOG.get(lesson)
    assert entry is not None
    values = entry.parse_overrides(inputs)
    app = create_app(CATALOG, lesson=entry, step=step - 1, values=values)
    app.animation_level = "none"

    async def scenario() -> str:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            title = str(app.screen.query_one("#lesson-title", Static).render())
            text = app.screen.query_one("#step-text", Drawing).lines.text
        return f"{title}\n{text}"

    return " ".join(asyncio.run(scenario()).split())


@pytest.mark.parametrize(("lesson", "inputs", "step", "shown", "not_shown"), WORDS)
def test_plain_text_follows_the_facts(
    lesson: str, inputs: dict[str, str], step: int, shown: str, not_shown: str
) -> None:
    text = plain_step(lesson, inputs, step)
    assert shown in text
    assert not_shown not in text


@pytest.mark.parametrize(("lesson", "inputs", "step", "shown", "not_shown"), WORDS)
def test_app_text_follows_the_facts(
    lesson: str, inputs: dict[str, str], step: int, shown: str, not_shown: str
) -> None:
    text = app_step(lesson, inputs, step)
    assert shown in text
    assert not_shown not in text


# (lesson, step (from 1)): a step that tells the learner how to change an input
CHANGE_INPUTS = [("gradients", 5)]


@pytest.mark.parametrize(("lesson", "step"), CHANGE_INPUTS)
def test_words_name_the_keys_in_the_app_and_the_flags_in_plain(lesson: str, step: int) -> None:
    plain = plain_step(lesson, {}, step)
    app = app_step(lesson, {}, step)
    assert "--set" in plain and not re.search(r"\bpress e\b", plain, re.IGNORECASE)
    assert "--set" not in app and re.search(r"\bpress e\b", app, re.IGNORECASE)
