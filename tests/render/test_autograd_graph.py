"""The autograd lesson's graph (autograd-graph) keeps every label whole at 80 columns, for
every input the lesson accepts: drawn by the renderer the app and --plain use, at the widths
they draw it at, and read back as text. What each line must hold is written out here: the
graph's nodes, their backward functions and the three leaves from its definition, and each
number as fmt writes the value worked out by hand below (not read from the drawing or the
engine's trace).

Before this test the leaves ran together ("w1.grad -8.9376e-5w2.grad -0.03678…") and the
node rows ran past 80 columns and were cut, with long numbers from any of the five inputs:
fmt writes up to 14 cells (-1,000,000,000 for -999,999,999.6, -1.2346e-100, -4.9407e-324).
"""

from __future__ import annotations

import asyncio
from io import StringIO

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from llmtutor.app import create_app
from llmtutor.app.lesson import LessonScreen
from llmtutor.app.widgets import Drawing
from llmtutor.curriculum import load_catalog
from llmtutor.engine import COMPUTATIONS, fmt
from llmtutor.render import draw_diagram

CATALOG = load_catalog()
LESSON = CATALOG.get("autograd")
SPECS = {spec.name: spec for spec in COMPUTATIONS["autograd"].inputs}
NAMES = ("x", "w1", "w2", "w3", "target")
DEFAULTS = {"x": 2.0, "w1": 0.5, "w2": -0.3, "w3": 1.2, "target": 1.0}

# The graph torch records for h = x·w1, a = h·w2, y = a·w3, d = y − target, L = d²: each
# node as written, its backward function; and the leaves, whose gradients AccumulateGrad
# stores in .grad.
NODES = (
    ("h = x·w1", "MulBackward0"),
    ("a = h·w2", "MulBackward0"),
    ("y = a·w3", "MulBackward0"),
    ("d = y−target", "SubBackward0"),
    ("L = d²", "PowBackward0"),
)
LEAVES = ("w1", "w2", "w3")

# The widths it is drawn at: --plain draws it at its default 77 in 80 columns; the app at 80
# columns gives the figure 78 (80 less its padding of one cell each side); 80 itself.
WIDTHS = (77, 78, 80)

# The drawing with the lesson's own inputs, as it was before long numbers were laid out.
DEFAULT_DRAWING = """\
          node          grad_fn       value      dL/dnode
forward ↓ h = x·w1      MulBackward0  1          0.9792      ↑ backward
          a = h·w2      MulBackward0  -0.3       -3.264
          y = a·w3      MulBackward0  -0.36      -2.72
          d = y−target  SubBackward0  -1.36      -2.72
          L = d²        PowBackward0  1.8496     1
leaves    w1.grad 1.9584   w2.grad -3.264   w3.grad 0.816    AccumulateGrad"""


def by_hand(x: float, w1: float, w2: float, w3: float, target: float) -> dict[str, float]:
    """Every value the graph shows, by the chain rule written out (in the order of the
    maths, so the floats are the same ones)."""
    h = x * w1
    a = h * w2
    y = a * w3
    d = y - target
    dl_dd = 1.0 * (2 * d)
    dl_dy = dl_dd * 1.0
    dl_da = dl_dy * w3
    dl_dh = dl_da * w2
    return {
        "h": h,
        "a": a,
        "y": y,
        "d": d,
        "L": d**2,
        "dL/dh": dl_dh,
        "dL/da": dl_da,
        "dL/dy": dl_dy,
        "dL/dd": dl_dd,
        "dL/dL": 1.0,
        "w1": dl_dh * x,
        "w2": dl_da * h,
        "w3": dl_dy * a,
    }


def drawn(values: dict[str, float], width: int) -> list[str]:
    """The graph with every value revealed, printed by a Rich console 80 columns wide as
    --plain prints it, line by line."""
    for name, value in values.items():
        assert SPECS[name].check(value) is None, f"{name} = {value!r} is not accepted"
    trace = COMPUTATIONS["autograd"].run(values)
    names = LESSON.all_reveals(trace)
    out = StringIO()
    console = Console(file=out, width=80, color_system=None, highlight=False, emoji=False)
    console.print(draw_diagram("autograd-graph", trace, names, (), names, width))
    return out.getvalue().rstrip("\n").split("\n")


def check_whole(values: dict[str, float], width: int) -> None:
    check_lines(values, drawn(values, width), width)


def check_lines(values: dict[str, float], lines: list[str], width: int) -> None:
    """Each line holds exactly its labels and numbers, each whole and apart from the next,
    no line is wider than `width`, and the columns line up."""
    lines = [line.rstrip() for line in lines]
    wide = [line for line in lines if cell_len(line) > width]
    assert not wide, f"wider than {width}: {wide}"
    shown = {name: fmt(value) for name, value in by_hand(**values).items()}
    grads = ("dL/dh", "dL/da", "dL/dy", "dL/dd", "dL/dL")
    values_at = ("h", "a", "y", "d", "L")

    assert lines[0].split() == ["node", "grad_fn", "value", "dL/dnode"]
    for i, ((written, backward), node, grad) in enumerate(
        zip(NODES, values_at, grads, strict=True)
    ):
        gutter = ["forward", "↓"] if i == 0 else []
        marker = ["↑", "backward"] if i == 0 else []
        expected = [*gutter, *written.split(), backward, shown[node], shown[grad], *marker]
        assert lines[1 + i].split() == expected, (values, lines)
    # Each column starts at the same place on every line.
    for column in (1, 2, 3):  # grad_fn, value, dL/dnode
        starts = set()
        for i, line in enumerate(lines[1:6]):
            pieces = line.split()
            at = (2 if i == 0 else 0) + len(NODES[i][0].split()) + column - 1
            starts.add(_start(line, pieces, at))
        assert starts == {lines[0].index(lines[0].split()[column])}, (values, lines)

    leaves = lines[6:]
    if len(leaves) == 1:  # all on one line, AccumulateGrad after them
        expected = ["leaves"]
        for weight in LEAVES:
            expected += [f"{weight}.grad", shown[weight]]
        assert leaves[0].split() == [*expected, "AccumulateGrad"], (values, lines)
    else:  # one a line, each with its AccumulateGrad
        assert len(leaves) == len(LEAVES), (values, lines)
        for i, (weight, line) in enumerate(zip(LEAVES, leaves, strict=True)):
            gutter = ["leaves"] if i == 0 else []
            expected = [*gutter, f"{weight}.grad", shown[weight], "AccumulateGrad"]
            assert line.split() == expected, (values, lines)
        assert len({line.index("AccumulateGrad") for line in leaves}) == 1, lines
    # Every leaf's line names AccumulateGrad, once a line: never cut.
    text = "\n".join(leaves)
    assert text.count("AccumulateGrad") == len(leaves)
    assert text.count(".grad") == len(LEAVES)


def _start(line: str, pieces: list[str], index: int) -> int:
    """Where the `index`th whitespace-separated piece of `line` starts."""
    at = 0
    for number, piece in enumerate(pieces):
        at = line.index(piece, at)
        if number == index:
            return at
        at += len(piece)
    raise AssertionError(f"no piece {index} in {line!r}")


def test_the_lesson_s_own_inputs_draw_as_before() -> None:
    assert "\n".join(line.rstrip() for line in drawn(DEFAULTS, 77)) == DEFAULT_DRAWING
    assert "\n".join(line.rstrip() for line in drawn(DEFAULTS, 78)) == DEFAULT_DRAWING
    check_whole(DEFAULTS, 77)


# Inputs that cut or ran labels together before, each found by trying it: the pair;
# each input alone at a long number; and every column at its widest at once.
EXTREMES = [
    {"w1": -123.456789, "x": -0.000123456},
    {"x": -0.000123456},
    {"w1": -0.000123456},
    {"w2": -0.000123456},
    {"w3": -0.000123456},
    {"x": -1.23456789e-100},
    {"w1": -1.23456789e-200},
    {"w2": -9.9999e-300},
    {"w3": -1.23456789e-100},
    {"target": -123456789.0},
    {"target": 1e12},
    {"x": -1e12, "w1": 1e12, "w2": -1e12, "w3": 1e12, "target": -1e12},
    {"x": 5e-324, "w1": -5e-324, "target": -5e-324},  # the smallest float: -4.9407e-324
    # -1,000,000,000 (14 cells) in the value column and the gradient column together.
    {"x": -999999999.6, "w1": 1.0, "w2": 1.0, "w3": 1.0, "target": -499999999.8},
    # -1.2346e-100 in both columns, 3.0483e-200 for every leaf.
    {"x": -1.23456e-100, "w1": 1.0, "w2": 1.0, "w3": 1.0, "target": 0.0},
    # -1,000,000,000 for each leaf's gradient (d = 0.5: each is x).
    {"x": -999999999.75, "w1": 1.0, "w2": 1.0, "w3": 1.0, "target": -1000000000.25},
    # -1.2346e-100 for w3's gradient.
    {"x": 1.0, "w1": 1.0, "w2": 1.0, "w3": -6.1728e-101, "target": 0.0},
]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("changed", EXTREMES, ids=lambda changed: str(changed))
def test_long_numbers_keep_every_label_whole(changed: dict[str, float], width: int) -> None:
    check_whole({**DEFAULTS, **changed}, width)


def test_the_extremes_reach_the_longest_numbers() -> None:
    """The cases above are not vacuous: together they put numbers of 14 cells in both
    columns of numbers and 12 or more under every leaf, the widest fmt writes."""
    longest: dict[str, int] = {}
    for changed in EXTREMES:
        for name, value in by_hand(**{**DEFAULTS, **changed}).items():
            longest[name] = max(longest.get(name, 0), len(fmt(value)))
    assert max(longest[name] for name in ("h", "a", "y", "d")) == 14
    assert max(longest[name] for name in ("dL/dh", "dL/da", "dL/dy", "dL/dd")) == 14
    assert all(longest[weight] >= 12 for weight in LEAVES), longest


def _accepted(spec_name: str) -> st.SearchStrategy[float]:
    """Any number the input accepts, weighted towards those fmt writes longest: negative,
    with many digits, in e-notation with a three-digit exponent, or near 10⁹."""
    limit = SPECS[spec_name].limit
    mantissa = st.floats(min_value=1.0, max_value=9.99999999)
    sized = st.builds(
        lambda sign, m, e: sign * m * 10.0**e,
        st.sampled_from((-1.0, 1.0)),
        mantissa,
        st.integers(min_value=-320, max_value=11),
    )
    near_billion = st.floats(min_value=999_999_000.0, max_value=1_000_000_000.0)
    return st.one_of(
        st.floats(min_value=-limit, max_value=limit, allow_nan=False, allow_subnormal=True),
        sized,
        near_billion,
        near_billion.map(lambda v: -v),
        st.sampled_from((0.0, -0.0, 5e-324, -5e-324, limit, -limit)),
    )


# hypothesis: the same examples every run (derandomize), nothing written to the checkout.
SWEEP = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)


@SWEEP
@given(values=st.fixed_dictionaries({name: _accepted(name) for name in NAMES}))
def test_any_accepted_inputs_keep_every_label_whole(values: dict[str, float]) -> None:
    for width in WIDTHS:
        check_whole(values, width)


@pytest.mark.parametrize("changed", [EXTREMES[0], EXTREMES[13], EXTREMES[15]], ids=str)
def test_the_app_at_80_by_24_shows_every_label_whole(changed: dict[str, float]) -> None:
    """In the app itself: the figure at 80×24, on the last step (every value revealed)."""
    values = {**DEFAULTS, **changed}

    async def scenario() -> None:
        lesson = CATALOG.get("autograd")
        app = create_app(CATALOG, lesson=lesson, step=len(lesson.steps) - 1, values=values)
        app.animation_level = "none"
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            figure = screen.query_one("#figure", Drawing)
            assert figure.content_size.width == 78  # 80 less the figure's padding
            check_lines(values, figure.lines.text.split("\n"), 78)

    asyncio.run(scenario())
