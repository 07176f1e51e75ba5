"""The line chart: exact size, orientation, scales, marks, degenerate data, speed, widget."""

from __future__ import annotations

import asyncio
import io
import itertools
import math
import re
import time

import pytest
from rich.cells import cell_len
from rich.console import Console
from textual.app import App, ComposeResult

from llmtutor.app.chart_widget import Chart
from llmtutor.engine.trace import Series
from llmtutor.render.chart import BRAILLE_BITS, LiveSeries, compact, render_chart, tick_labels

BRAILLE = range(0x2800, 0x2900)


def curve(xs, ys, *, marks=(), name="c", title="A curve", x_label="x", y_label="y") -> Series:
    return Series(name, title, tuple(xs), tuple(ys), x_label, y_label, tuple(marks))


def loss_curve(n: int = 200) -> Series:
    """−ln(p) for p in (0.005, 1], marked at p = 0.233, as the loss lesson computes it."""
    step = (1 - 0.005) / (n - 1)
    xs = [0.005 + i * step for i in range(n - 1)] + [1.0]
    ys = [-math.log(x) if x < 1 else 0.0 for x in xs]
    return curve(
        xs,
        ys,
        marks=((0.233, -math.log(0.233), "p = 0.233"),),
        title="Cross-entropy loss",
        x_label="p (correct token)",
        y_label="loss −ln(p)",
    )


def rising(n: int = 100) -> Series:
    return curve(range(n), [2.0 * i for i in range(n)])


def lines(text) -> list[str]:
    return text.plain.split("\n")


def cells_where(rows: list[str], test) -> list[tuple[int, int]]:
    """(row, column) of every character passing `test`, in reading order."""
    return [(r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if test(ch)]


def is_braille(ch: str) -> bool:
    return ord(ch) in BRAILLE and ch != "\u2800"


def plot_area(text) -> list[str]:
    """The cells inside the axes: below the header row, above the x axis, right of the y axis."""
    rows = lines(text)
    axis = next(r for r, row in enumerate(rows) if "└" in row or "+-" in row)
    corner = rows[axis].index("└" if "└" in rows[axis] else "+")
    return [row[corner + 1 :] for row in rows[1:axis]]


def y_labels(text) -> dict[str, int]:
    """Tick label -> row, read from the left of the y axis."""
    found = {}
    for r, row in enumerate(lines(text)):
        match = re.match(r"^ *([-0-9.ekMGT]+)[+┤]", row)
        if match:
            found[match.group(1)] = r
    return found


SUFFIXES = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def label_value(label: str) -> float:
    return float(label[:-1]) * SUFFIXES[label[-1]] if label[-1] in SUFFIXES else float(label)


def y_ticks(text) -> list[tuple[int, float]]:
    """(row, value) of each y tick label, top to bottom."""
    return sorted((row, label_value(label)) for label, row in y_labels(text).items())


def dot_row(text, value: float, *, log: bool = False, ascii: bool = False) -> float:
    """Where the y labels put `value`: in dot rows from the top of the chart (a cell row has 4
    dot rows in braille, 1 in ascii), a label on row r standing for the dot row r × 4 + 1
    (its cell's second, of 4) or r."""
    (r0, v0), (r1, v1) = y_ticks(text)[:2]  # two labels fix the scale
    per_row = 1 if ascii else 4
    line = 0 if ascii else 1
    u, u0, u1 = (math.log10(v) for v in (value, v0, v1)) if log else (value, v0, v1)
    return r0 * per_row + line - (u - u0) * (r1 - r0) * per_row / (u0 - u1)


def cell_of(text, value: float, **options) -> tuple[int, int]:
    """(chart row, dot row in the cell) where the y labels put `value`."""
    dot = math.floor(dot_row(text, value, **options) + 0.5)
    return divmod(dot, 1 if options.get("ascii") else 4)


def tick_row(text) -> list[str]:
    """The x tick labels, under the x axis."""
    rows = lines(text)
    axis = next(r for r, row in enumerate(rows) if "└" in row or "+-" in row)
    return rows[axis + 1].split()


def assert_size(text, width: int, height: int) -> None:
    rows = lines(text)
    assert len(rows) == height
    assert [cell_len(row) for row in rows] == [width] * height


def ansi(text, width: int) -> str:
    """The bytes a terminal would get: characters and colours."""
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=True, color_system="truecolor")
    console.print(text)
    return out.getvalue()


# --- Size and determinism -------------------------------------------------------------------


@pytest.mark.parametrize("ascii", [False, True])
@pytest.mark.parametrize("log_y", [False, True])
@pytest.mark.parametrize(
    "size", [(60, 12), (80, 24), (40, 8), (20, 5), (10, 3), (7, 12), (4, 4), (2, 2), (1, 1)]
)
def test_output_is_exactly_width_by_height(size, log_y, ascii) -> None:
    width, height = size
    text = render_chart([loss_curve(), rising()], width, height, log_y=log_y, ascii=ascii)
    assert_size(text, width, height)


def test_no_size_gives_empty_text() -> None:
    assert render_chart([rising()], 0, 10).plain == ""
    assert render_chart([rising()], 10, 0).plain == ""
    assert render_chart([rising()], -3, -3).plain == ""


@pytest.mark.parametrize("ascii", [False, True])
def test_identical_input_renders_identically_byte_for_byte(ascii) -> None:
    first = render_chart([loss_curve(), rising()], 70, 16, title="Two", ascii=ascii)
    again = render_chart([loss_curve(), rising()], 70, 16, title="Two", ascii=ascii)
    assert first.plain == again.plain
    assert first.spans == again.spans
    assert ansi(first, 70) == ansi(again, 70)
    assert "\x1b[" in ansi(first, 70)  # styled: the comparison covers colours too


def test_ascii_mode_uses_only_printable_ascii() -> None:
    unicode_labels = curve(
        [0, 1, 2], [3, 1, 2], marks=((1, 1, "θ → −1"),), title="Loss × 2 — “σ”", y_label="L(θ)²"
    )
    for chart in (
        render_chart([loss_curve(), unicode_labels, rising()], 60, 12, ascii=True),
        render_chart([loss_curve()], 60, 12, ascii=True, log_y=True),
        render_chart([unicode_labels], 30, 10, ascii=True, title="∂L/∂w · η"),
    ):
        for row in lines(chart):
            assert all(" " <= ch <= "~" for ch in row), row
    # and the default mode really draws with braille, so the check above means something
    assert cells_where(lines(render_chart([loss_curve()], 60, 12)), is_braille)


# --- Orientation and scales -----------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 100, 10_000])  # few points, and many (decimated per column)
def test_rising_series_runs_from_bottom_left_to_top_right_ascii(n) -> None:
    chart = render_chart([rising(n)], 40, 12, ascii=True)
    plot = plot_area(chart)
    height, width = len(plot), len(plot[0])
    dots = cells_where(plot, "*".__eq__)
    assert y_labels(chart)["0"] - 1 == height - 1  # 0, a tick, on the bottom row
    assert (height - 1, 0) in dots  # the first point: bottom left
    last, _ = cell_of(chart, 2.0 * (n - 1), ascii=True)  # the last: where the labels say
    assert (last - 1, width - 1) in dots and last - 1 <= 2  # top right
    assert not cells_where([row[: width // 3] for row in plot[: height // 3]], "*".__eq__)
    assert not cells_where([row[-width // 3 :] for row in plot[-height // 3 :]], "*".__eq__)


@pytest.mark.parametrize("n", [5, 10_000])
def test_rising_series_in_braille_crosses_label_rows_at_their_values(n) -> None:
    chart = render_chart([rising(n)], 40, 12)
    plot = plot_area(chart)
    height, width = len(plot), len(plot[0])

    def has_dot(row: int, col: int, dot: int, side: int) -> bool:
        char = plot[row - 1][col]  # (chart rows: the header row is above the plot)
        return is_braille(char) and bool((ord(char) - 0x2800) & BRAILLE_BITS[dot * 2 + side])

    # the first point, 0, is the left dot on the line its label's row stands for
    assert cell_of(chart, 0.0) == (y_labels(chart)["0"], 1) == (height, 1)
    assert has_dot(height, 0, 1, 0)
    row, dot = cell_of(chart, 2.0 * (n - 1))  # the last: a right dot, where the labels say
    assert has_dot(row, width - 1, dot, 1) and row - 1 <= 2
    assert not cells_where([row[: width // 3] for row in plot[: height // 3]], is_braille)


def test_falling_series_runs_from_top_left_to_bottom_right() -> None:
    falling = curve(range(51), [100 - 2 * i for i in range(51)])  # 100 .. 0: whole ticks
    chart = render_chart([falling], 40, 12, ascii=True)
    plot = plot_area(chart)
    dots = cells_where(plot, "*".__eq__)
    top, bottom = y_labels(chart)["100"] - 1, y_labels(chart)["0"] - 1
    assert top <= 1 and bottom == len(plot) - 1
    assert (top, 0) in dots and (bottom, len(plot[0]) - 1) in dots


def mark_rows(text) -> list[int]:
    """The rows of the marks ('o' in ascii mode), left to right."""
    marks = cells_where(plot_area(text), "o".__eq__)
    return [r for r, _ in sorted(marks, key=lambda rc: rc[1])]


def test_log_scale_puts_1_10_100_at_equal_spacing() -> None:
    powers = curve([0, 1, 2], [1, 10, 100], marks=((0, 1, ""), (1, 10, ""), (2, 100, "")))
    bottom, middle, top = mark_rows(render_chart([powers], 30, 17, ascii=True, log_y=True))
    assert bottom - middle >= 4
    assert abs((bottom - middle) - (middle - top)) <= 1
    # on a linear axis 10 is near 1, far from 100: the test above can fail
    bottom, middle, top = mark_rows(render_chart([powers], 30, 17, ascii=True))
    assert (middle - top) > 4 * (bottom - middle)


def test_log_scale_ticks_are_powers_of_ten_equally_spaced() -> None:
    ys = [10 ** (i / 10) for i in range(41)]  # 1 .. 10 000
    labels = y_labels(render_chart([curve(range(41), ys)], 40, 19, ascii=True, log_y=True))
    for label in ("1", "10", "100", "1000", "10k"):
        assert label in labels, labels
    gaps = [labels[a] - labels[b] for a, b in (("1", "10"), ("10", "100"), ("100", "1000"))]
    assert max(gaps) - min(gaps) <= 1


def test_log_scale_leaves_out_values_that_are_not_positive() -> None:
    with_zero = curve([0, 1, 2, 3], [0.0, -1.0, 10.0, 100.0])
    assert cells_where(
        plot_area(render_chart([with_zero], 30, 10, ascii=True, log_y=True)), "*".__eq__
    )
    labels = y_labels(render_chart([with_zero], 30, 10, ascii=True, log_y=True))
    assert all(not label.startswith("-") and label != "0" for label in labels)


# --- Evenly spaced y ticks ------------------------------------------------------------------

N = 200
EVEN_DATA = {  # name: (y values, log axis)
    "0 .. 3.5": ([3.5 * (1 - i / (N - 1)) ** 2 for i in range(N)], False),
    "0.0003 .. 0.00003": ([3e-4 - 2.7e-4 * i / (N - 1) for i in range(N)], False),
    "-1 .. 1": ([math.cos(4 * math.pi * i / (N - 1)) for i in range(N)], False),
    "log 1e-4 .. 10": ([10 ** (1 - 5 * i / (N - 1)) for i in range(N)], True),
}


def is_nice_step(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5, 10))


@pytest.mark.parametrize("ascii", [False, True])
@pytest.mark.parametrize("height", range(6, 31))
@pytest.mark.parametrize("name", list(EVEN_DATA))
def test_automatic_y_ticks_are_evenly_spaced_nice_and_hold_the_data(name, height, ascii) -> None:
    ys, log = EVEN_DATA[name]
    chart = render_chart([curve(range(N), ys)], 70, height, log_y=log, ascii=ascii)
    plot_h = len(plot_area(chart))
    ticks = y_ticks(chart)
    assert len(ticks) >= 3, chart.plain  # (plot_h >= 3 from a height of 6)
    rows = [r for r, _ in ticks]
    assert len({b - a for a, b in itertools.pairwise(rows)}) == 1, chart.plain  # evenly spaced
    values = [math.log10(v) for _, v in ticks] if log else [v for _, v in ticks]
    steps = [a - b for a, b in itertools.pairwise(values)]
    assert all(math.isclose(s, steps[0], rel_tol=1e-9) for s in steps)
    if log:  # powers of ten, a whole number of decades apart
        assert all(math.isclose(u, round(u), abs_tol=1e-9) for u in values + steps), ticks
    else:  # multiples of 1, 2 or 5 × 10^k
        assert is_nice_step(steps[0]), ticks
        assert all(math.isclose(v / steps[0], round(v / steps[0]), abs_tol=1e-6) for v in values)
    # the data between the plot's top and bottom edges, as the labels measure it
    per_row = 1 if ascii else 4
    top, bottom = (
        dot_row(chart, max(ys), log=log, ascii=ascii),
        dot_row(chart, min(ys), log=log, ascii=ascii),
    )
    assert 1 * per_row - 0.5 <= top < bottom <= (1 + plot_h) * per_row - 0.5
    used = (bottom - top) / (plot_h * per_row)  # and as tall as evenly spaced ticks allow
    assert used >= (0.6 if height >= 12 else 0.35), (used, chart.plain)


@pytest.mark.parametrize("ascii", [False, True])
@pytest.mark.parametrize("height", [6, 9, 12, 17, 24, 30])
@pytest.mark.parametrize("name", list(EVEN_DATA))
def test_rising_line_goes_bottom_left_to_top_right_where_labels_say(name, height, ascii) -> None:
    ys, log = EVEN_DATA[name]
    ys = sorted(ys)
    chart = render_chart([curve(range(N), ys)], 70, height, log_y=log, ascii=ascii)
    plot = plot_area(chart)
    drawn = cells_where(plot, (lambda ch: ch == "*") if ascii else is_braille)
    first, _ = cell_of(chart, ys[0], log=log, ascii=ascii)
    last, _ = cell_of(chart, ys[-1], log=log, ascii=ascii)
    assert (first - 1, 0) in drawn and (last - 1, len(plot[0]) - 1) in drawn
    assert last - 1 <= (len(plot) - 1) / 2 <= first - 1  # top half, bottom half
    assert min(r for r, c in drawn if c == 0) >= max(r for r, c in drawn if c == len(plot[0]) - 1)


@pytest.mark.parametrize("height", [8, 12, 16, 24])
@pytest.mark.parametrize("ends", [(2.5, 11.0), (2.0, 3.0)])
def test_log_axis_shorter_than_a_few_decades_gets_two_round_labels(ends, height) -> None:
    lo, hi = ends  # a late training loss on a log axis: powers of ten would squash it flat
    ys = [hi * (lo / hi) ** (i / (N - 1)) for i in range(N)]
    chart = render_chart([curve(range(N), ys)], 50, height, log_y=True)
    ticks = y_ticks(chart)
    assert len(ticks) == 2 and all(float(f"{v:.1e}") == v for _, v in ticks), ticks
    top, bottom = dot_row(chart, hi, log=True), dot_row(chart, lo, log=True)
    plot_h = len(plot_area(chart))
    assert 4 - 0.5 <= top < bottom <= (1 + plot_h) * 4 - 0.5
    assert (bottom - top) / (plot_h * 4) >= 0.6


def test_the_example_loss_curve_gets_a_label_every_other_row() -> None:
    ys = [0.1 + 3.2 * math.exp(-x / 110) for x in range(301)]
    chart = render_chart([curve(range(301), ys)], 70, 12)
    assert y_labels(chart) == {"3": 2, "2": 4, "1": 6, "0": 8}
    assert cells_where(plot_area(chart)[:1], is_braille)  # 3.3 reaches the top row


def test_explicit_y_range_keeps_its_ends_as_labels() -> None:
    ys = [0.1 + 3.2 * math.exp(-x / 110) for x in range(301)]
    chart = render_chart([curve(range(301), ys)], 70, 12, y_range=(0, 3.5))
    labels = y_labels(chart)
    assert labels["3.5"] == 1 and labels["0"] == len(plot_area(chart))  # the ends, top and bottom


# --- Labels and marks -----------------------------------------------------------------------


def test_axis_labels_show_the_range_ends() -> None:
    chart = render_chart([loss_curve()], 60, 12)
    ticks = tick_row(chart)
    assert ticks[0] == "0.005" and ticks[-1] == "1"  # x: exactly the data's ends
    labels = y_labels(chart)
    assert "0" in labels and "6" in labels  # y: the data (0 .. 5.3) rounded out to ticks
    assert labels["6"] < labels["0"]
    steps = render_chart([curve(range(10_000), [1.0 / (i + 1) for i in range(10_000)])], 60, 12)
    assert tick_row(steps)[-1] == "9999"
    fixed = render_chart([loss_curve()], 60, 12, y_range=(0.5, 7.25), x_range=(0, 2))
    assert {"0.5", "7.25"} <= set(y_labels(fixed))
    assert tick_row(fixed)[0] == "0" and tick_row(fixed)[-1] == "2"


def test_axis_names_title_and_legend_are_shown() -> None:
    two = [loss_curve(), curve([0, 1], [0, 1], name="t", title="tangent")]
    rows = lines(render_chart(two, 70, 14, title="Loss and slope"))
    assert "Loss and slope" in rows[0] and "loss −ln(p)" in rows[0]
    assert "p (correct token)" in rows[-1]
    assert "Cross-entropy loss" in rows[-1] and "tangent" in rows[-1]  # the legend
    alone = lines(render_chart([loss_curve()], 70, 14))
    assert "Cross-entropy loss" in alone[0]  # a lone series' title is the chart's


def test_marks_are_drawn_with_their_labels() -> None:
    braille = lines(render_chart([loss_curve()], 60, 12))
    glyphs = cells_where(braille, lambda ch: ch == "●")
    assert len(glyphs) == 1
    r, c = glyphs[0]
    assert any("p = 0.233" in braille[row] for row in (r - 1, r, r + 1))
    # p = 0.233 is 23% of the way along x, loss 1.46 of 0..6 up the plot
    assert abs(c - (2 + 0.228 * 57)) <= 2
    assert abs(r - (1 + (6 - 1.457) / 6 * 7)) <= 1
    plain = plot_area(render_chart([loss_curve()], 60, 12, ascii=True))
    assert len(cells_where(plain, "o".__eq__)) == 1
    assert any("p = 0.233" in row for row in plain)


def test_mark_at_the_last_point_of_a_training_curve_is_top_right() -> None:
    live = LiveSeries("loss", "training loss", "step", "loss")
    for step in range(500):
        live.append(step, 0.01 * step)
    chart = render_chart([live.series(marks=((499, 4.99, "last"),))], 50, 12, ascii=True)
    plot = plot_area(chart)
    top = min(r for r, _ in cells_where(plot, "*".__eq__))
    assert cells_where(plot, "o".__eq__) == [(top, len(plot[0]) - 1)]
    assert top <= 1  # 4.99 on an axis rounded out to 6 (the tick above): the top rows
    assert "last" in chart.plain


def test_marks_outside_the_range_are_left_out() -> None:
    outside = curve([0, 1], [0, 1], marks=((5, 5, "far"),))
    chart = render_chart([outside], 40, 10, x_range=(0, 1), y_range=(0, 1))
    assert "●" not in chart.plain and "far" not in chart.plain


def test_series_get_different_glyphs_and_colours() -> None:
    a, b = curve([0, 1], [0, 0], name="a"), curve([0, 1], [1, 1], name="b")
    plot = plot_area(render_chart([a, b], 40, 10, ascii=True))
    assert cells_where(plot, "*".__eq__) and cells_where(plot, "+".__eq__)
    styles = {span.style for span in render_chart([a, b], 40, 10).spans}
    assert {"cyan", "magenta"} <= styles


# --- Awkward data ---------------------------------------------------------------------------

AWKWARD = {
    "empty": [curve([], [])],
    "no series": [],
    "all nan": [curve([0, 1, 2], [math.nan, math.inf, -math.inf])],
    "some nan": [curve([0, 1, math.nan, 3, 4, math.inf], [1, 2, 3, math.nan, 5, 6])],
    "single point": [curve([5], [3], marks=((5, 3, "here"),))],
    "constant": [curve(range(10), [2.0] * 10)],
    "zeros": [curve(range(10), [0.0] * 10)],
    "one x": [curve([1, 1, 1], [1, 2, 3])],
    "huge values": [curve([0, 1], [1e308, -1e308])],
    "tiny span": [curve([0, 5e-324], [1, 1])],
    "unequal lengths": [curve([0, 1, 2, 3], [1, 2])],
    "unsorted": [curve([3, 1, 2, 0], [1, 4, 2, 3])],
    "nan marks": [curve([0, 1], [0, 1], marks=((math.nan, 1, "x"), (0, math.inf, "y")))],
}


@pytest.mark.parametrize("name", list(AWKWARD))
@pytest.mark.parametrize("options", [{}, {"log_y": True}, {"ascii": True}])
@pytest.mark.parametrize("size", [(60, 12), (10, 3), (3, 2), (1, 1)])
def test_awkward_data_renders_at_any_size(name, options, size) -> None:
    text = render_chart(AWKWARD[name], *size, **options)
    assert_size(text, *size)


def test_no_drawable_point_says_so() -> None:
    assert "no data" in render_chart(AWKWARD["empty"], 40, 10).plain
    assert "no data" in render_chart(AWKWARD["all nan"], 40, 10).plain
    assert "no data" in render_chart([curve([0, 1], [-1, 0])], 40, 10, log_y=True).plain
    assert "no data" not in render_chart(AWKWARD["single point"], 40, 10).plain


def test_single_point_and_flat_line_are_drawn() -> None:
    assert "●" in render_chart(AWKWARD["single point"], 40, 10).plain
    plot = plot_area(render_chart(AWKWARD["constant"], 40, 10, ascii=True))
    dots = cells_where(plot, "*".__eq__)
    assert len({r for r, _ in dots}) == 1 and len(dots) == len(plot[0])  # one row, all across
    assert "2" in y_labels(render_chart(AWKWARD["constant"], 40, 10, ascii=True))


def test_nan_breaks_the_line() -> None:
    gap = curve([0, 1, 2, 3, 4], [0, 0, math.nan, 10, 10])
    joined = curve([0, 1, 3, 4], [0, 0, 10, 10])

    def columns(series: Series) -> set[int]:
        plot = plot_area(render_chart([series], 41, 10, ascii=True))
        return {c for _, c in cells_where(plot, "*".__eq__)}

    middle = set(range(15, 23))  # around x = 2, in a plot 38 wide
    assert not columns(gap) & middle
    assert columns(joined) & middle  # without the NaN the two halves are joined


def test_ranges_clip_the_line_to_the_plot() -> None:
    steep = curve(range(100), [i * i for i in range(100)])
    chart = render_chart([steep], 50, 12, x_range=(20, 60), y_range=(500, 3000), ascii=True)
    assert_size(chart, 50, 12)
    rows = lines(chart)
    assert not any(ch == "*" for ch in rows[0] + rows[-1] + rows[-2] + rows[-3])
    assert cells_where(plot_area(chart), "*".__eq__)


# --- Numbers, live series, speed ------------------------------------------------------------


def test_compact_numbers() -> None:
    assert [compact(v) for v in (0, -0.0, 0.2, 0.0003, 1e-5, 1234, 500_000, 1.5e6, -2500)] == [
        "0",
        "0",
        "0.2",
        "0.0003",
        "1e-5",
        "1234",
        "500k",
        "1.5M",
        "-2500",
    ]
    assert tick_labels([100.0, 100.1, 100.2]) == ["100", "100.1", "100.2"]
    assert tick_labels([0.005, 1.0, 0.2]) == ["0.005", "1", "0.2"]
    # distinct is not enough: each tick is shown exactly (1.05M, not 1.1M)
    assert tick_labels([950_000.0, 1e6, 1_050_000.0]) == ["950k", "1M", "1.05M"]


def test_live_series_builds_and_caches_series() -> None:
    live = LiveSeries("loss", "Training loss", "step", "loss")
    assert len(live) == 0 and live.series().x == ()
    live.append(0, 2.5)
    live.append(1, 2.25)
    first = live.series()
    assert first.x == (0.0, 1.0) and first.y == (2.5, 2.25) and first.x_label == "step"
    assert live.series() is first  # unchanged: no new tuple
    live.append(2, 2.0)
    assert live.series().y == (2.5, 2.25, 2.0)
    assert live.series(marks=((2, 2.0, "now"),)).marks == ((2, 2.0, "now"),)
    live.clear()
    assert live.series().y == ()


def best_time(render, repeats: int = 7) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        render()
        best = min(best, time.perf_counter() - start)
    return best


def test_ten_thousand_points_render_in_well_under_10_ms() -> None:
    n = 10_000
    noisy = curve(range(n), [10 * math.exp(-i / 2000) + (i * 7919 % 100) / 100 for i in range(n)])
    assert best_time(lambda: render_chart([noisy], 100, 24)) < 0.010
    assert best_time(lambda: render_chart([noisy], 100, 24, log_y=True, ascii=True)) < 0.010


def test_points_in_random_order_cannot_take_long() -> None:
    n = 10_000
    xs = [(i * 7919) % n for i in range(n)]  # every x, scrambled
    scattered = curve(xs, [math.sin(x / 500) for x in xs])
    assert best_time(lambda: render_chart([scattered], 100, 24), repeats=2) < 0.5


# --- The Textual widget ---------------------------------------------------------------------


class ChartApp(App):
    CSS = "Chart { width: 60; height: 12; }"

    def compose(self) -> ComposeResult:
        yield Chart(title="Loss", id="chart")


def test_chart_widget_renders_at_its_size_and_redraws() -> None:
    async def run() -> None:
        app = ChartApp()
        async with app.run_test(size=(80, 24)) as pilot:
            chart = app.query_one(Chart)
            await pilot.pause()
            assert tuple(chart.size) == (60, 12)
            assert "no data" in "".join(chart.render_line(y).text for y in range(12))

            chart.set_series([loss_curve()])
            await pilot.pause()
            shown = [chart.render_line(y).text for y in range(12)]
            assert shown == lines(render_chart([loss_curve()], 60, 12, title="Loss"))
            assert "●" in "".join(shown)

            chart.toggle_log_y()
            await pilot.pause()
            assert chart.log_y
            logged = [chart.render_line(y).text for y in range(12)]
            assert logged == lines(render_chart([loss_curve()], 60, 12, title="Loss", log_y=True))
            assert logged != shown

    asyncio.run(run())
