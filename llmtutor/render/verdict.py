"""A checked exercise as Rich renderables: the verdict line, the table of values (name,
yours, expected, ✓/✗), the first wrong value with its formula and the mistake it matches,
and the hints. Shared by `llmtutor exercise NAME --check` and the exercise screen.

Everything from outside (the learner's output and traceback, the exercise file's texts) is
handed to Rich as `Text`, never as markup, with control characters made visible.
"""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from llmtutor.checker import Hint, Row, Verdict
from llmtutor.engine import fmt_input
from llmtutor.engine.numbers import fmt
from llmtutor.render import styles
from llmtutor.safe_text import visible

RIGHT, WRONG = "✓", "✗"
HINT_LEVELS = ("Where to look", "The formula", "The formula with the numbers")
YOURS_WIDTH = 32  # columns of the learner's value in the table; a longer one wraps
PRECISE = 12  # significant digits of a wrong value that would otherwise look right
OUTPUT_LINES = 12  # lines of what the learner's code printed, shown under a verdict


def prose(text: str) -> str:
    """Text from an exercise file as paragraphs: a line break inside a paragraph (as TOML's
    multi-line strings have them) is a space; a blank line still parts paragraphs."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(part.split()) for part in paragraphs)


def verdict_line(verdict: Verdict) -> Text:
    mark, style = (RIGHT, styles.RIGHT) if verdict.passed else (WRONG, styles.WRONG)
    return Text.assemble((f"{mark} ", style), (verdict.summary, style))


def values_table(verdict: Verdict) -> Table:
    """Every checked value of the reported input set; rows after the first wrong one are
    still marked, since a later value can be right again."""
    table = Table(box=None, pad_edge=False, show_edge=False, expand=False)
    # The mark, the name and the expected value are never cut: a long "yours" (an array's
    # description) wraps instead.
    table.add_column("", no_wrap=True, min_width=1)
    table.add_column("name", no_wrap=True, style=styles.SYMBOL, min_width=len("name"))
    table.add_column("yours", justify="right", overflow="fold", max_width=YOURS_WIDTH)
    table.add_column("expected", justify="right", no_wrap=True, min_width=len("expected"))
    first = verdict.wrong.row.name if verdict.wrong else None
    for row in verdict.rows:
        mark = Text(RIGHT, styles.RIGHT) if row.right else Text(WRONG, styles.WRONG)
        shown, expected = pair(row)
        yours = Text(visible(shown, one_line=True), "" if row.right else styles.WRONG)
        name = Text(row.name, styles.NEW if row.name == first else "")
        table.add_row(mark, name, yours, Text(expected, styles.VALUE))
    return table


def pair(row: Row) -> tuple[str, str]:
    """The learner's value and the expected one as shown: with more digits where a wrong
    value would otherwise read the same as the right one (0.816 against 0.816)."""
    expected = fmt(row.expected)
    if row.right or row.yours is None or row.shown != expected:
        return row.shown, expected
    return fmt(row.yours, PRECISE), fmt(row.expected, PRECISE)


def inputs_line(verdict: Verdict) -> Text:
    """The input set the table is about, as the function received it."""
    parts = []
    for name, value in verdict.inputs.items():
        parts.append(f"{name} = {_shown(value)}")
    return Text(f"{verdict.where}: " + ", ".join(parts), styles.DIM)


def _shown(value: object) -> str:
    """An argument as written: numbers as every screen writes them, lists and dicts (the
    autograd exercise's graph) item by item."""
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_shown(item)}" for key, item in value.items()) + "}"
    return fmt_input(value) if isinstance(value, int | float) else str(value)


def wrong_detail(verdict: Verdict) -> RenderableType:
    """The first wrong value: the right formula with its numbers, the learner's value, and
    the known mistake it matches."""
    wrong = verdict.wrong
    assert wrong is not None
    parts: list[RenderableType] = [
        Text.assemble(("First wrong value: ", styles.WRONG), (wrong.row.name, styles.NEW)),
        Text.assemble("  right: ", (wrong.equation, styles.VALUE)),
        Text.assemble("  yours: ", (visible(pair(wrong.row)[0], one_line=True), styles.WRONG)),
    ]
    if verdict.exercise == "training-step" and wrong.row.name.startswith("weights"):
        parts.append(
            Text(
                "  Every loss was right: the table the last call left is not the one its "
                "update makes (a step skipped, or the weights changed after it).",
                styles.DIM,
            )
        )
    elif verdict.exercise == "training-step" and wrong.row.name != verdict.rows[0].name:
        # Each loss is measured before its call's update: an earlier update can be at fault.
        parts.append(
            Text(
                "  Each loss is measured with the weights the earlier calls' updates left: "
                "look at the update (zero_grad, backward, step) as well as the loss.",
                styles.DIM,
            )
        )
    elif verdict.rows and verdict.rows[0].name != wrong.row.name:
        parts.append(
            Text("  Every value before it was right: the slip is in this one.", styles.DIM)
        )
    for mistake in wrong.mistakes:
        parts.append(Text.assemble("  Yours is ", (mistake.equation, styles.WRONG)))
        if mistake.message:
            message = Text(visible(prose(mistake.message)), styles.NOTE)
            parts.append(Padding(message, (0, 0, 0, 2)))
    return Group(*parts)


def hint_lines(hint: Hint, level: int) -> RenderableType:
    """The first `level` levels of `hint` (1 to 3)."""
    texts = (visible(prose(hint.where)), hint.formula, hint.numbers)
    lines = [
        Text.assemble((f"Hint {n} · {HINT_LEVELS[n - 1]}: ", styles.SYMBOL), text)
        for n, text in enumerate(texts[:level], start=1)
    ]
    return Group(*lines)


def output_lines(verdict: Verdict) -> Text:
    lines = verdict.output.rstrip("\n").splitlines()
    shown = lines[-OUTPUT_LINES:]
    head = "What your code printed"
    if len(lines) > len(shown):
        head += f" (its last {len(shown)} of {len(lines)} lines)"
    return Text(f"{head}:\n" + visible("\n".join(shown)), styles.DIM)


def backprop_diagram(verdict: Verdict, width: int) -> Text | None:
    """The backprop lesson's diagram of the reported input set: the values the learner got
    right, and the first wrong one marked with theirs and ✗ (None for other exercises, or
    a check that compared nothing)."""
    if verdict.exercise != "backprop" or not verdict.rows:
        return None
    from llmtutor.engine import COMPUTATIONS
    from llmtutor.render.diagram import toy_network

    network = COMPUTATIONS["toy_network"]
    trace = network.run({name: verdict.inputs[name] for name in ("x", "w1", "w2", "w3", "target")})
    right: list[str] = []
    marked: dict[str, str] = {}
    for row in verdict.rows:
        if not row.right:
            marked[row.name] = f"{visible(row.shown, one_line=True)[:10]} ✗"
            break
        right.append(row.name)
    names = [row.name for row in verdict.rows]
    return toy_network(trace, right, (), names, width, marked)


def render_verdict(
    verdict: Verdict, hint: tuple[Hint, int] | None = None, width: int = 80
) -> RenderableType:
    """The whole check as one renderable, for `--check` and the screen alike: the verdict,
    the first wrong value and what it matches, the hint on show, the diagram (backprop),
    the table of values, notes and what the code printed."""
    parts: list[RenderableType] = [verdict_line(verdict)]
    if verdict.status == "failed":
        if verdict.details:
            parts.append(Text(visible(verdict.details.rstrip("\n"))))
        if verdict.set_number:
            parts.append(Text.assemble("It failed on ", inputs_line(verdict)))
    else:
        if verdict.wrong is not None:
            parts.append(wrong_detail(verdict))
        if hint is not None:
            parts.append(hint_lines(*hint))
        diagram = backprop_diagram(verdict, width)
        if diagram is not None:
            parts.append(diagram)
        parts += [inputs_line(verdict), values_table(verdict)]
    for note in verdict.notes:
        parts.append(Text("Note: " + visible(prose(note)), styles.NOTE))
    if verdict.output.strip():
        parts.append(output_lines(verdict))
    return Group(*parts)
