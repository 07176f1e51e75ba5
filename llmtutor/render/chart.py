"""Line charts drawn into a Rich `Text`: one renderer for every lesson and the training screen.

`render_chart` draws engine `Series` into exactly `width` × `height` terminal cells. The loss
curve of the loss lesson at 60 × 12:

    loss −ln(p)  Cross-entropy loss against the probability of…     y label, title
     │
    6┤                                                              y ticks, evenly spaced; plot
     │⢳                                                             in braille: 2 × 4 dots a cell
    4┤⠘⣆
     │ ⠈⠙⠦⣄⡀         p = 0.233                                      a mark and its label
    2┤     ⠉⠙⠒⠲⠤⠤⣄⣀●⣀
     │              ⠈⠉⠉⠉⠙⠒⠒⠒⠒⠲⠤⠤⠤⠤⠤⠤⢤⣀⣀⣀⣀⣀⣀⣀⣀⣀
    0┤                                       ⠈⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠓⠒⠒⠒⠒⠒⠒
     └┬──────────┬───────────┬──────────┬───────────┬──────────┬
    0.005       0.2         0.4        0.6         0.8         1    x ticks: the data's ends
                                               p (correct token)    legend (2+ series), x label

The y axis holds the data as tall as it can with its ticks a whole number of rows apart, each
on the dot row its label's row stands for (1-2-5 steps; whole decades on a log axis, or two
round values on one too short for them); the x axis is exactly the data. `x_range` / `y_range`
fix an axis instead (a fixed y axis labels its ends). Rows and margins are given up, least
useful first, as the size shrinks; any size, even 1 × 1, renders without raising.
`ascii=True` uses only printable ASCII (for `--plain` and dumb terminals): a cell per point and
a glyph per series ('*', '+', ...), marks as 'o'. Identical input gives identical output, byte
for byte. NaN and ±inf (and values ≤ 0 on a log axis) are gaps in a line. Long series are
decimated per pixel column, so 10,000 points draw in a few milliseconds; `LiveSeries` collects
a training run's points cheaply between redraws.
"""

from __future__ import annotations

import bisect
import math
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, groupby

from rich.cells import get_character_cell_size
from rich.text import Span, Text

from llmtutor.engine.numbers import fmt
from llmtutor.engine.trace import Series
from llmtutor.render.styles import DIM

PALETTE = ("cyan", "magenta", "yellow", "green", "blue", "red")  # one colour per series
ASCII_GLYPHS = ("*", "+", "x", "#", "%", "@")  # one glyph per series in ascii mode
TITLE_STYLE = "bold"
AXIS_STYLE = DIM
LABEL_STYLE = "italic"

# Braille: a cell holds 2 × 4 dots; BRAILLE_BITS[row * 2 + column] is the dot's bit.
BRAILLE_BITS = (0x01, 0x08, 0x02, 0x10, 0x04, 0x20, 0x40, 0x80)
BRAILLE_BASE = 0x2800

# Below this many rows (of the whole chart) a part is left out.
MIN_HEIGHT_AXIS = 3
MIN_HEIGHT_TICKS = 4
MIN_HEIGHT_HEADER = 5
MIN_HEIGHT_FOOTER = 10
MIN_PLOT_WIDTH = 4  # the y tick labels are left out rather than squeeze the plot below this
# Pixel columns a series' joining segments may cross, per column of the plot. A curve needs
# about 1; only points in random x order (a scatter drawn as a line) reach it, and past it
# their points are drawn without the segments, so they cannot take seconds to draw.
SEGMENT_BUDGET = 16
FAR = 1e9  # pixels: x coordinates further off the plot than this are drawn as if this far
END_DIGITS = 3  # significant digits, at least, of a range end's label
LIMIT = 1e300  # axis ranges stay within ±LIMIT (log axes 10^±300): tick maths cannot overflow

Range = tuple[float, float]


class LiveSeries:
    """Points that arrive one at a time (a training run), kept as lists, cheap to append.

    `series()` builds the `Series` the renderer takes, and caches it until the next append.
    """

    def __init__(self, name: str, title: str = "", x_label: str = "x", y_label: str = "y"):
        self.name, self.title = name, title or name
        self.x_label, self.y_label = x_label, y_label
        self.x: list[float] = []
        self.y: list[float] = []
        self._cached: Series | None = None

    def append(self, x: float, y: float) -> None:
        self.x.append(float(x))
        self.y.append(float(y))
        self._cached = None

    def clear(self) -> None:
        self.x.clear()
        self.y.clear()
        self._cached = None

    def __len__(self) -> int:
        return len(self.x)

    def series(self, marks: Sequence[tuple[float, float, str]] = ()) -> Series:
        """The points so far; `marks` defaults to none (pass e.g. the latest point)."""
        if self._cached is None or self._cached.marks != tuple(marks):
            self._cached = Series(
                self.name,
                self.title,
                tuple(self.x),
                tuple(self.y),
                self.x_label,
                self.y_label,
                tuple(marks),
            )
        return self._cached


def render_chart(
    series: Sequence[Series],
    width: int,
    height: int,
    *,
    title: str = "",
    log_y: bool = False,
    ascii: bool = False,
    x_range: Range | None = None,
    y_range: Range | None = None,
) -> Text:
    """Draw `series` as lines into exactly `height` lines of exactly `width` cells.

    `title` defaults to the title of a lone series. `x_range` / `y_range` fix an axis (e.g. a
    training chart's x axis from 0 to the last step); otherwise the x axis spans the data and
    the y axis holds it with evenly spaced ticks. With `log_y` the y axis is logarithmic and
    values ≤ 0 are left out.
    """
    if width <= 0 or height <= 0:
        return Text("", no_wrap=True, end="")
    return _Chart(tuple(series), width, height, title, log_y, ascii, x_range, y_range).text()


def compact(value: float, digits: int = 3) -> str:
    """A short label for an axis tick: 0.2, 1500, 25k, 3.5M, 1e-5 (ASCII only).

    `digits` significant digits, but never fewer than the integer part needs (1234, not 1.23e3).
    """
    if value == 0 or not math.isfinite(value):
        return fmt(value)
    for power, suffix in ((0, ""), (3, "k"), (6, "M"), (9, "G"), (12, "T")):
        scaled = value / 10**power
        if abs(scaled) >= (1e4 if power == 0 else 1e3):
            continue
        integer_digits = len(str(round(abs(scaled)))) if abs(scaled) >= 1 else 0
        text = fmt(scaled, max(digits, integer_digits))
        if "e" not in text or power == 0:  # small numbers stay in fmt's own e-notation
            return text + suffix
    return fmt(value, digits)


def tick_labels(values: Sequence[float], ends: int = 0) -> list[str]:
    """`compact` labels for tick values, with as few digits as keep distinct values distinct
    and show each tick exactly (1.05M, not 1.1M).

    The first `ends` values are range ends rather than round ticks: they get at least
    `END_DIGITS` significant digits (7.25, not 7.2).
    """
    distinct = len(set(values))
    exact = [compact(v, 10) for v in values[ends:]]
    for digits in range(2, 11):
        labels = [compact(v, digits) for v in values]
        if (len(set(labels)) == distinct and labels[ends:] == exact) or digits == 10:
            break
    end_digits = max(digits, END_DIGITS)
    return [compact(values[i], end_digits) if i < ends else label for i, label in enumerate(labels)]


# --- Ticks ---------------------------------------------------------------------------------


def _clean(value: float) -> float:
    """k × step without float noise (0.30000000000000004 -> 0.3)."""
    return float(f"{value:.12g}")


def _nice_steps(raw: float) -> Iterator[float]:
    """Steps 1, 2, 5 × 10^k, from the first one at least `raw`, increasing."""
    exponent = math.floor(math.log10(raw))
    while True:
        for mantissa in (1, 2, 5):
            step = mantissa * 10.0**exponent
            if step >= raw * (1 - 1e-9):
                yield step
        exponent += 1


def _linear_ticks(lo: float, hi: float, target: int, loose: bool) -> tuple[float, float, list]:
    """Nice tick values for [lo, hi], at most `target` of them; with `loose` the range is
    widened to the outer ticks. Returns (lo, hi, ticks)."""
    raw = (hi - lo) / max(1, target - 1)
    if not (math.isfinite(raw) and raw > 0):
        return lo, hi, []
    for step in _nice_steps(raw):
        if loose:
            first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
        else:
            first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        if last - first + 1 <= max(target, 3 if loose else 2):  # (-s, 0, s) can cover 0
            break
    ticks = [_clean(k * step) for k in range(first, last + 1)]
    if loose and len(ticks) >= 2 and math.isfinite(ticks[-1] - ticks[0]):
        lo, hi = ticks[0], ticks[-1]
    return lo, hi, ticks


def _round_log(value: float, mantissas: tuple[int, ...], up: bool) -> float:
    """log10 of the nearest m × 10^k (m in `mantissas`) at or below (with `up`: above)
    10^value."""
    exponent = math.floor(value)
    candidates = [
        math.log10(m) + e for e in (exponent - 1, exponent, exponent + 1) for m in mantissas
    ]
    if up:
        return min(c for c in candidates if c >= value - 1e-9)
    return max(c for c in candidates if c <= value + 1e-9)


def _log_ticks(lo: float, hi: float, target: int, loose: bool) -> tuple[float, float, list]:
    """Like `_linear_ticks` for a log axis; lo and hi are log10 of the range, ticks are values:
    1-2-5 per decade, else powers of ten (every k-th one), else linear ticks for a short range.
    With `loose` the range is widened to the kind of tick chosen."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return lo, hi, []
    decades = range(math.floor(lo) - 1, math.ceil(hi) + 2)
    for mantissas in ((1, 2, 5), (1,)):
        a, b = lo, hi
        if loose:
            a, b = _round_log(lo, mantissas, up=False), _round_log(hi, mantissas, up=True)
        ticks = [
            _clean(m * 10.0**d)
            for d in decades
            for m in mantissas
            if a - 1e-9 <= math.log10(m) + d <= b + 1e-9
        ]
        if 2 <= len(ticks) <= target:
            return a, b, ticks
    a, b = (math.floor(lo + 1e-9), math.ceil(hi - 1e-9)) if loose else (lo, hi)
    powers = [d for d in range(math.ceil(a - 1e-9), math.floor(b + 1e-9) + 1)]
    if len(powers) >= 2:
        every = math.ceil((len(powers) - 1) / max(1, target - 1))
        if loose:  # widen to whole steps of `every` decades, so both ends are ticks
            a, b = math.floor(a / every) * every, math.ceil(b / every) * every
            a, b = max(a, -300), min(b, 300)  # (10^±300 is as far as a float is safe)
            powers = list(range(a, b + 1))
        return a, b, [_clean(10.0**d) for d in powers if d % every == 0]
    _, _, ticks = _linear_ticks(10**lo, 10**hi, target, loose=False)
    return lo, hi, [t for t in ticks if t > 0]


# --- Evenly spaced y ticks -----------------------------------------------------------------
# An automatic y axis puts its ticks a whole number of rows apart, each on the pixel line its
# label's row stands for, and fits the data between the plot's edges as tall as that allows.

PAIR_WEIGHT = 0.5  # a log axis takes two labels over three if they let the data fill 2× more
DENSER_FILL = 0.85  # more labels are worth this much of the height the best scale fills
EDGE = 1e-6  # pixels: the data keeps this far inside the plot's edges, clear of float noise


def _decade_steps():
    """Steps of a log axis, in decades: 1, 2, 3, 5, 10, 20, 50, 100, ..."""
    yield from (1, 2, 3, 5)
    exponent = 1
    while True:
        for mantissa in (1, 2, 5):
            yield mantissa * 10**exponent
        exponent += 1


def _log_pairs(lo: float, hi: float, plot_h: int) -> list[tuple[float, float]]:
    """Pairs of round values (a, b) for a log axis too short for ten-fold steps: the outermost
    ticks of a 1-2-5 step inside the data, and those just outside it, where both have at most
    two significant digits (3 and 10, 10 and 12, not 12.5)."""
    vlo, vhi = 10.0**lo, 10.0**hi
    pairs = []
    for step in _nice_steps((vhi - vlo) / max(1, plot_h)):
        if step > vhi:
            break
        inner = (math.ceil(vlo / step - 1e-9), math.floor(vhi / step + 1e-9))
        outer = (math.floor(vlo / step + 1e-9), math.ceil(vhi / step - 1e-9))
        for first, last in (inner, outer):
            pair = (_clean(first * step), _clean(last * step))
            round_ = all(float(f"{v:.1e}") == v for v in pair)
            if 0 < pair[0] < pair[1] and round_ and pair not in pairs:
                pairs.append(pair)
    return pairs


def _even_scale(
    lo: float, hi: float, plot_h: int, sub_y: int, log: bool
) -> tuple[float, float, list[float]] | None:
    """An automatic y scale with evenly spaced ticks for data from lo to hi (log10 of the
    values on a log axis): (the value at pixel 0, pixels per unit, the tick values), or
    nothing when no such scale fits.

    Pixels count from the bottom; row r from the bottom stands for the pixel line
    `base + r × sub_y` (in braille the second dot row from the top of its cell). A tick step
    (1-2-5 × 10^k; whole decades on a log axis) and a number of rows per step fix the scale;
    the ticks then sit on those lines, and the data is moved by whole rows to fit, best with
    its low end, then its high end, within the outer ticks. A scale scores the share of the
    height the data fills (fewer than three labels, where three fit: none, on a log axis
    `PAIR_WEIGHT` of it); of the scales scoring `DENSER_FILL` of the best or more, the one with
    the most labels wins, then the best scoring.
    """
    hp = plot_h * sub_y
    span = hi - lo
    if plot_h < 2 or not (math.isfinite(span) and span > 0):
        return None
    base = sub_y - 1 - (sub_y - 1) // 2
    goal = min(3, plot_h)
    most_labels = plot_h if plot_h <= 4 else plot_h // 2 + 1
    weight = PAIR_WEIGHT if log else 0.0
    limit = math.log10(LIMIT) if log else LIMIT

    # (first tick, step, the only two ticks or nothing), in axis units
    progressions: list[tuple[float, float, tuple[float, float] | None]] = []
    if log:
        for decades in _decade_steps():
            if decades > max(1.0, 20 * span):
                break
            progressions.append((0.0, float(decades), None))
        if span <= 2:
            for two in _log_pairs(lo, hi, plot_h):
                a, b = math.log10(two[0]), math.log10(two[1])
                progressions.append((a, b - a, two))
    else:
        for step in _nice_steps(span / plot_h):
            if step > 20 * span:
                break
            progressions.append((0.0, step, None))

    # Each step and number of rows per step, placed as well as it can be:
    # (score, labels, placement, scale).
    candidates: list[tuple] = []
    top_score = 0.0
    for first, step, pair in progressions:
        for rows in range(plot_h - 1, 0, -1):
            sy = rows * sub_y / step
            height = span * sy
            if height >= hp - 2 * EDGE:  # the data's pixels must round to 0 .. hp - 1
                continue
            fill = round(height / hp, 9)
            can_reach_goal = (2 if pair else (plot_h - 1) // rows + 1) >= goal
            if (fill if can_reach_goal else fill * weight) < DENSER_FILL * top_score:
                continue  # cannot come near the best
            k = 0 if pair else math.floor((lo - first) / step)  # the tick at or below lo
            offset = (lo - (first + k * step)) * sy  # lo's height in pixels above that tick
            # ticks k may run anywhere, except a given pair's two (k = 0, 1)
            kmin, kmax = (0, 1) if pair else (-(2**62), 2**62)
            slack = 1e-9 * step
            placed = None
            # that tick on row m from the bottom: lo at base + m × sub_y + offset ≥ −0.5
            m = math.ceil((EDGE - 0.5 - base - offset) / sub_y)
            while base + m * sub_y + offset + height <= hp - 0.5 - EDGE:
                low = max(kmin, k + math.ceil(-m / rows))
                high = min(kmax, k + math.floor((plot_h - 1 - m) / rows))
                count = high - low + 1
                a, b = first + low * step, first + high * step
                if 2 <= count <= most_labels and -limit <= a < b <= limit:
                    where = (a <= lo + slack, b >= hi - slack, count, -m)
                    if placed is None or where > placed[0]:
                        # the value at pixel 0, from the lowest tick (on row m + (low − k) × rows)
                        placed = (where, a - (base + (m + (low - k) * rows) * sub_y) / sy, low)
                m += 1
            if placed is None:
                continue
            (_, _, count, _), ylo, low = placed
            score = fill if count >= goal else fill * weight
            top_score = max(top_score, score)
            if pair:
                values = list(pair)
            elif log:
                values = [_clean(10.0 ** (i * step)) for i in range(low, low + count)]
            else:
                values = [_clean(i * step) for i in range(low, low + count)]
            candidates.append((score, count, placed[0], (ylo, sy, values)))
    # The most labels among the scales that fill nearly as much as the best, then the best.
    near = [c for c in candidates if c[0] >= DENSER_FILL * top_score]
    if not near:
        return None
    return max(near, key=lambda c: (c[1], c[0], c[2]))[3]


# --- Text helpers --------------------------------------------------------------------------

_ASCII_SPELLING = {
    "−": "-", "–": "-", "—": "-", "×": "x", "÷": "/", "·": ".", "…": "...", "→": "->",
    "←": "<-", "≈": "~", "≤": "<=", "≥": ">=", "≠": "!=", "∞": "inf", "²": "^2", "³": "^3",
    "√": "sqrt", "∂": "d", "∇": "grad", "Δ": "Delta", "α": "alpha", "β": "beta", "γ": "gamma",
    "δ": "delta", "ε": "eps", "η": "eta", "θ": "theta", "λ": "lambda", "μ": "mu", "π": "pi",
    "σ": "sigma", "Σ": "Sum", "‘": "'", "’": "'", "“": '"', "”": '"', "●": "o",
}  # fmt: skip


def to_ascii(text: str) -> str:
    """`text` in printable ASCII: common maths symbols spelled out, accents dropped, else '?'."""
    out = []
    for char in text:
        if " " <= char <= "~":
            out.append(char)
        elif char in _ASCII_SPELLING:
            out.append(_ASCII_SPELLING[char])
        else:
            base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            base = "".join(c for c in base if " " <= c <= "~")
            out.append(base or ("" if unicodedata.combining(char) else "?"))
    return "".join(out)


def _cells(text: str) -> int:
    return sum(get_character_cell_size(c) for c in text)


def _fit(text: str, cells: int, ellipsis: str) -> str:
    """`text` cut to at most `cells` cells, ending in `ellipsis` when cut."""
    if _cells(text) <= cells:
        return text
    if cells <= _cells(ellipsis):
        return ellipsis[:cells]
    out, used = [], 0
    for char in text:
        size = get_character_cell_size(char)
        if used + size > cells - _cells(ellipsis):
            break
        out.append(char)
        used += size
    return "".join(out).rstrip() + ellipsis


# --- The chart -----------------------------------------------------------------------------


class _Chart:
    """One rendering: lays out the rows and margins, then fills a grid of cells."""

    def __init__(
        self,
        series: tuple[Series, ...],
        width: int,
        height: int,
        title: str,
        log_y: bool,
        ascii: bool,
        x_range: Range | None,
        y_range: Range | None,
    ) -> None:
        self.series, self.width, self.height = series, width, height
        self.log_y, self.ascii = log_y, ascii
        self.sub_x, self.sub_y = (1, 1) if ascii else (2, 4)
        self.ellipsis = "..." if ascii else "…"
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [[""] * width for _ in range(height)]
        first = series[0] if series else None
        if not title and first is not None and len(series) == 1:
            title = first.title or first.name
        self.title = self._text(title)
        self.x_label = self._text(first.x_label) if first else ""
        self.y_label = self._text(first.y_label) if first else ""
        self.x_range, self.y_range = x_range, y_range
        self.data = [_Data(s, log_y) for s in series]

    # Layout and drawing ----------------------------------------------------------------

    def text(self) -> Text:
        h = self.height
        has_axis = h >= MIN_HEIGHT_AXIS
        has_ticks = h >= MIN_HEIGHT_TICKS
        has_header = h >= MIN_HEIGHT_HEADER
        has_footer = h >= MIN_HEIGHT_FOOTER and bool(self.x_label or len(self.series) > 1)
        top = int(has_header)
        plot_h = h - top - has_axis - has_ticks - has_footer
        self.plot_top, self.plot_h = top, plot_h
        self.hp = plot_h * self.sub_y

        # y: range and tick labels first, since their width sets the left margin.
        y_ticks = self._y_axis(target=max(2, plot_h // 2 + 1))
        y_labels = self._place_y_labels(y_ticks)
        label_w = max((_cells(text) for _, text in y_labels), default=0)
        if self.width - label_w - 1 >= MIN_PLOT_WIDTH:
            margin = label_w + 1
        else:
            y_labels, margin = [], (1 if self.width - 1 >= MIN_PLOT_WIDTH else 0)
        self.plot_left, self.plot_w = margin, self.width - margin
        self.wp = self.plot_w * self.sub_x

        self.xlo, self.xhi, x_ticks = self._x_axis(target=max(2, self.plot_w // 10 + 1))
        self.sx = (self.wp - 1) / (self.xhi - self.xlo) if self.wp > 1 else 0.0

        self._draw_series()
        axis_row = top + plot_h
        if margin:
            self._draw_y_axis(y_labels, with_corner=has_axis)
        if has_axis:
            tick_columns = self._draw_x_labels(x_ticks, axis_row + 1) if has_ticks else []
            self._draw_x_axis(axis_row, tick_columns)
        if has_header:
            self._draw_header(legend=not has_footer)
        if has_footer:
            self._draw_footer(h - 1)
        return self._assemble()

    def _text(self, text: str) -> str:
        return to_ascii(text) if self.ascii else text

    def _put(self, row: int, col: int, text: str, style: str) -> int:
        """Write `text` from `col`, cropped at the right edge; returns the next column."""
        for char in text:
            size = get_character_cell_size(char)
            if size == 0:
                continue
            if col < 0 or col + size > self.width:
                break
            self.chars[row][col], self.styles[row][col] = char, style
            if size == 2:
                self.chars[row][col + 1], self.styles[row][col + 1] = "", style
            col += size
        return col

    def _assemble(self) -> Text:
        """The grid as one Text: the characters, and a span per run of one style."""
        lines, spans, offset = [], [], 0
        for chars, styles in zip(self.chars, self.styles, strict=True):
            line = "".join(chars)
            # A wide character fills two cells, the second holding "": map cells to offsets.
            where = None
            if len(line) != self.width:
                where = list(accumulate(map(len, chars), initial=0))
            cell = 0
            for style, group in groupby(styles):
                end = cell + len(list(group))
                if style:
                    a, b = (cell, end) if where is None else (where[cell], where[end])
                    spans.append(Span(offset + a, offset + b, style))
                cell = end
            lines.append(line)
            offset += len(line) + 1  # and the newline
        return Text("\n".join(lines), no_wrap=True, overflow="crop", end="", spans=spans)

    # Ranges and ticks ------------------------------------------------------------------

    def _values(self, axis: str) -> list[float]:
        """The lowest and highest value of each series on an axis, and its marks' values:
        finite, and positive on a log y axis."""
        positive = axis == "y" and self.log_y
        index = 0 if axis == "x" else 1
        values: list[float] = []
        for s, data in zip(self.series, self.data, strict=True):
            ends = data.x_ends if axis == "x" else data.y_ends
            values.extend(ends)
            coordinates = [float(m[index]) for m in s.marks]  # x or y of each (x, y, label)
            values.extend(v for v in coordinates if v - v == 0)  # finite ones only
        return [v for v in values if v > 0 or not positive]

    def _span(self, axis: str, given: Range | None, log: bool) -> tuple[Range, bool]:
        """The data range of an axis (log10 of it on a log axis) and whether it is automatic."""
        if given is not None:
            lo, hi = sorted((float(given[0]), float(given[1])))
            if log and lo <= 0:
                positive = self._values(axis)
                lo = min(positive) if positive and min(positive) < hi else hi / 1000
            if math.isfinite(lo) and math.isfinite(hi) and (hi > 0 or not log):
                lo, hi = (math.log10(lo), math.log10(hi)) if log else (lo, hi)
                return self._widen(lo, hi, log), False
        values = self._values(axis)
        if not values:
            return (0.0, 1.0), True  # on a log axis: 1 to 10
        lo, hi = min(values), max(values)
        if log:
            lo, hi = math.log10(lo), math.log10(hi)
        return self._widen(lo, hi, log), True

    @staticmethod
    def _widen(lo: float, hi: float, log: bool) -> Range:
        """A range within ±LIMIT that is not a point: a flat line gets room above and below."""
        limit = math.log10(LIMIT) if log else LIMIT
        lo, hi = max(-limit, min(lo, limit)), max(-limit, min(hi, limit))
        if hi - lo > max(abs(lo), abs(hi)) * 1e-12 and hi - lo > 1e-300:
            return lo, hi
        middle = (lo + hi) / 2
        pad = 0.5 if log else abs(middle) * 0.1
        pad = pad if pad > 1e-300 else 1.0
        return max(-limit, middle - pad), min(limit, middle + pad)

    def _y_axis(self, target: int) -> list[float]:
        """Set the y range and scale (`ylo`, `yhi`, `sy`); returns the tick values. An automatic
        axis gets evenly spaced ticks (`_even_scale`) and labels only them."""
        (lo, hi), auto = self._span("y", self.y_range, self.log_y)
        scale = _even_scale(lo, hi, self.plot_h, self.sub_y, self.log_y) if auto else None
        self.y_ends_labelled = scale is None
        if scale is not None:
            self.ylo, self.sy, ticks = scale
            self.yhi = self.ylo + (self.hp - 1) / self.sy
            return ticks
        if self.log_y:
            lo, hi, ticks = _log_ticks(lo, hi, target, loose=auto)
        else:
            lo, hi, ticks = _linear_ticks(lo, hi, target, loose=auto)
        self.ylo, self.yhi = lo, hi
        self.sy = (self.hp - 1) / (hi - lo) if self.hp > 1 else 0.0
        return ticks

    def _x_axis(self, target: int) -> tuple[float, float, list[float]]:
        (lo, hi), _ = self._span("x", self.x_range, log=False)
        _, _, ticks = _linear_ticks(lo, hi, target, loose=False)
        return lo, hi, ticks

    @staticmethod
    def _with_ends(lo: float, hi: float, ticks: list[float]) -> list[float]:
        """The range ends, then the ticks that are not (nearly) an end."""
        close = (hi - lo) * 1e-9
        return [lo, hi] + [t for t in ticks if abs(t - lo) > close and abs(t - hi) > close]

    def _y_pixel(self, value: float) -> float:
        if self.log_y:
            value = math.log10(value) if value > 0 else math.nan
        return (value - self.ylo) * self.sy

    def _x_pixel(self, value: float) -> float:
        return (value - self.xlo) * self.sx

    def _place_y_labels(self, ticks: list[float]) -> list[tuple[int, str]]:
        """(row, label) for the y axis: the range ends first (but not beside evenly spaced
        ticks), then ticks on free rows."""
        if not self.y_ends_labelled:
            values, ends = ticks, 0
        elif self.log_y:
            values, ends = self._with_ends(_clean(10**self.ylo), _clean(10**self.yhi), ticks), 2
        else:
            values, ends = self._with_ends(self.ylo, self.yhi, ticks), 2
        labels = tick_labels(values, ends=ends)
        placed: dict[int, str] = {}
        for value, label in zip(values, labels, strict=True):
            fy = self._y_pixel(value)
            if not (-0.5 <= fy < self.hp - 0.5 + 1e-6) or self.plot_h <= 0:
                continue
            row = (self.hp - 1 - min(self.hp - 1, math.floor(fy + 0.5))) // self.sub_y
            if row not in placed:
                placed[row] = label
        return sorted(placed.items())

    # Drawing ---------------------------------------------------------------------------

    def _draw_series(self) -> None:
        """Rasterise every series into the plot cells, later series over earlier ones."""
        if self.plot_w <= 0 or self.plot_h <= 0:
            return
        canvas = _Canvas(self.plot_w, self.plot_h, self.sub_x, self.sub_y)
        drawn = False
        for index, data in enumerate(self.data):
            canvas.index = index
            canvas.budget = SEGMENT_BUDGET * self.wp
            for xs, ys, ascending in data.pieces:
                drawn = True
                if ascending and len(xs) > self.wp and self.sx > 0:
                    runs = self._column_runs(xs, ys)
                else:
                    runs = self._point_runs(xs, ys)
                self._join(runs, canvas)
        for cell, index in canvas.owner.items():
            row, col = divmod(cell, self.plot_w)
            if self.ascii:
                char = ASCII_GLYPHS[index % len(ASCII_GLYPHS)]
            else:
                char = chr(BRAILLE_BASE + canvas.bits[cell])
            r, c = self.plot_top + row, self.plot_left + col
            self.chars[r][c], self.styles[r][c] = char, PALETTE[index % len(PALETTE)]
        for index, s in enumerate(self.series):
            drawn |= self._draw_marks(s, PALETTE[index % len(PALETTE)])
        if not drawn:
            message = _fit("no data", self.plot_w, self.ellipsis)
            row = self.plot_top + (self.plot_h - 1) // 2
            self._put(row, self.plot_left + (self.plot_w - len(message)) // 2, message, DIM)

    @staticmethod
    def _join(runs: list[tuple], canvas: _Canvas) -> None:
        """Draw runs: each a vertical stroke, joined to the run before by a segment, or for
        neighbouring columns by stretching both strokes to meet halfway (as fast as dense
        data needs)."""
        previous, p_lo, p_hi = None, 0.0, 0.0
        for run in runs:
            column, lo, hi, x_first, y_first = run[:5]
            if previous is not None:
                if column - previous[0] in (1, -1):
                    middle = (previous[6] + y_first) / 2
                    p_lo, p_hi = min(p_lo, middle), max(p_hi, middle)
                    lo, hi = min(lo, middle), max(hi, middle)
                else:
                    canvas.segment(previous[5], previous[6], x_first, y_first)
                canvas.column(previous[0], p_lo, p_hi)
            previous, p_lo, p_hi = run, lo, hi
        if previous is not None:
            canvas.column(previous[0], p_lo, p_hi)

    # A run: the consecutive points of a piece that fall in one pixel column, as
    # (column, lowest y, highest y, first x, first y, last x, last y) in pixel coordinates.
    # A run is drawn as a vertical stroke and a segment from the run before.

    def _point_runs(self, xs: Sequence[float], ys: Sequence[float]) -> list[tuple]:
        """Runs of any points, one cheap step per point."""
        floor, log10 = math.floor, math.log10
        xlo, sx, ylo, sy, log_y = self.xlo, self.sx, self.ylo, self.sy, self.log_y
        runs: list[tuple] = []
        column = None  # the pixel column of the run being gathered
        lo = hi = x_first = y_first = x_last = y_last = 0.0
        for x, y in zip(xs, ys, strict=True):
            fx = (x - xlo) * sx
            fy = ((log10(y) if log_y else y) - ylo) * sy
            if not -FAR < fx < FAR:  # far off the plot (beyond a float's int, even)
                fx = -FAR if fx < 0 else FAR
            c = floor(fx + 0.5)
            if c == column:
                if fy < lo:
                    lo = fy
                elif fy > hi:
                    hi = fy
                x_last, y_last = fx, fy
                continue
            if column is not None:
                runs.append((column, lo, hi, x_first, y_first, x_last, y_last))
            column, lo, hi, x_first, y_first, x_last, y_last = c, fy, fy, fx, fy, fx, fy
        if column is not None:
            runs.append((column, lo, hi, x_first, y_first, x_last, y_last))
        return runs

    def _column_runs(self, xs: list[float], ys: list[float]) -> list[tuple]:
        """Runs of many points with x ascending (a curve, a training log): x is bisected at
        each column's edges and each column's slice of y is reduced by min and max, in C."""
        xlo, sx, ylo, sy = self.xlo, self.sx, self.ylo, self.sy
        to_y = math.log10 if self.log_y else float  # log is monotonic: min and max commute
        edges = [bisect.bisect_left(xs, xlo + (c - 0.5) / sx) for c in range(self.wp + 1)]

        def point(i: int) -> tuple:
            fx, fy = (xs[i] - xlo) * sx, (to_y(ys[i]) - ylo) * sy
            fx = fx if -FAR < fx < FAR else math.copysign(FAR, fx)
            return (math.floor(fx + 0.5), fy, fy, fx, fy, fx, fy)

        runs = [point(edges[0] - 1)] if edges[0] > 0 else []  # the last point off the left
        for column in range(self.wp):
            a, b = edges[column], edges[column + 1]
            if a == b:
                continue
            part = ys[a:b]
            runs.append(
                (
                    column,
                    (to_y(min(part)) - ylo) * sy,
                    (to_y(max(part)) - ylo) * sy,
                    (xs[a] - xlo) * sx,
                    (to_y(ys[a]) - ylo) * sy,
                    (xs[b - 1] - xlo) * sx,
                    (to_y(ys[b - 1]) - ylo) * sy,
                )
            )
        if edges[-1] < len(xs):
            runs.append(point(edges[-1]))  # the first point off the right
        return runs

    def _draw_marks(self, s: Series, colour: str) -> bool:
        """A glyph at each mark inside the plot, its label beside it where it fits."""
        glyph = "o" if self.ascii else "●"
        drawn = False
        for x, y, label in s.marks:
            fx, fy = self._x_pixel(x), self._y_pixel(y)
            if fx - fx != 0 or fy - fy != 0:
                continue
            px, py = math.floor(fx + 0.5), math.floor(fy + 0.5)
            if not (0 <= px < self.wp and 0 <= py < self.hp):
                continue
            drawn = True
            row = self.plot_top + (self.hp - 1 - py) // self.sub_y
            col = self.plot_left + px // self.sub_x
            self._put(row, col, glyph, f"bold {colour}")
            label = self._text(label)
            if not label:
                continue
            spot = self._label_spot(row, col, _cells(label))
            if spot:
                self._put(*spot, label, colour)
        return drawn

    def _label_spot(self, row: int, col: int, size: int) -> tuple[int, int] | None:
        """Where a mark's label goes: beside the mark on its row, or the row above or below,
        right then left; the first spot over blank cells, else the first that fits."""
        fits = []
        for dr in (0, -1, 1):
            r = row + dr
            if not self.plot_top <= r < self.plot_top + self.plot_h:
                continue
            for start in (col + 2, col - 1 - size):
                if start >= self.plot_left and start + size <= self.width:
                    fits.append((r, start))
        for r, start in fits:
            if all(ch == " " for ch in self.chars[r][start - 1 : start + size + 1]):
                return r, start
        return fits[0] if fits else None

    def _draw_y_axis(self, labels: list[tuple[int, str]], with_corner: bool) -> None:
        line, tick = ("|", "+") if self.ascii else ("│", "┤")
        col = self.plot_left - 1
        rows = dict(labels)
        for row in range(self.plot_h):
            r = self.plot_top + row
            if row in rows:
                label = rows[row]
                self._put(r, col - _cells(label), label, "")
            self._put(r, col, tick if row in rows else line, AXIS_STYLE)
        if with_corner:
            self._put(self.plot_top + self.plot_h, col, "+" if self.ascii else "└", AXIS_STYLE)

    def _draw_x_labels(self, ticks: list[float], row: int) -> list[int]:
        """Tick labels under the x axis, range ends first; returns the columns labelled."""
        if self.plot_w <= 0:
            return []
        values = self._with_ends(self.xlo, self.xhi, ticks)
        labels = tick_labels(values, ends=2)
        taken: list[tuple[int, int]] = []  # occupied [start, end) spans
        columns = []
        for value, label in zip(values, labels, strict=True):
            px = math.floor(self._x_pixel(value) + 0.5)
            if not 0 <= px < self.wp:
                continue
            col = self.plot_left + px // self.sub_x
            size = _cells(label)
            start = min(max(0, col - size // 2), self.width - size)
            clash = any(start <= end and begin <= start + size for begin, end in taken)
            if start < 0 or clash:
                continue
            taken.append((start, start + size))
            columns.append(col)
            self._put(row, start, label, "")
        return columns

    def _draw_x_axis(self, row: int, tick_columns: list[int]) -> None:
        line, tick = ("-", "+") if self.ascii else ("─", "┬")
        for col in range(self.plot_left, self.width):
            self._put(row, col, tick if col in tick_columns else line, AXIS_STYLE)

    def _legend(self) -> list[tuple[str, str]]:
        """(text, style) entries naming each series, for a chart of more than one."""
        if len(self.series) < 2:
            return []
        entries = []
        for index, s in enumerate(self.series):
            glyph = ASCII_GLYPHS[index % len(ASCII_GLYPHS)] if self.ascii else "━"
            colour = PALETTE[index % len(PALETTE)]
            entries.append((f"{glyph} {self._text(s.title or s.name)}", colour))
        return entries

    def _draw_legend(self, row: int, col: int, cells: int) -> int:
        """The legend from `col` within `cells` cells; returns the next column."""
        end = col + cells
        for i, (text, style) in enumerate(self._legend()):
            gap = 2 if i else 0
            if col + gap >= end - 1:
                break
            col = self._put(row, col + gap, _fit(text, end - col - gap, self.ellipsis), style)
        return col

    def _draw_header(self, legend: bool) -> None:
        """y label and title on the top row (and the legend when there is no footer)."""
        entries = self._legend() if legend else []
        legend_w = sum(_cells(t) for t, _ in entries) + 2 * max(0, len(entries) - 1)
        left_w = self.width
        if entries:
            legend_w = min(legend_w, self.width)
            self._draw_legend(0, self.width - legend_w, legend_w)
            left_w = self.width - legend_w - 2
        if left_w < 4:
            return
        col = 0
        if self.y_label and self.y_label != self.title:
            col = self._put(0, 0, _fit(self.y_label, left_w, self.ellipsis), LABEL_STYLE)
        if self.title and left_w - col - 2 >= 4:
            col += 2 if col else 0
            self._put(0, col, _fit(self.title, left_w - col, self.ellipsis), TITLE_STYLE)

    def _draw_footer(self, row: int) -> None:
        """The legend on the left, the x label on the right, of the bottom row."""
        col = self._draw_legend(row, 0, self.width)
        size = _cells(self.x_label)
        if self.x_label and (col == 0 or self.width - size >= col + 2):
            label = _fit(self.x_label, self.width, self.ellipsis)
            self._put(row, self.width - _cells(label), label, LABEL_STYLE)


class _Data:
    """A series' points, checked once per rendering.

    `pieces`: the stretches of consecutive drawable points (x and y finite, y > 0 on a log
    axis) as (x list, y list, whether x ascends); anything else is a gap in the line.
    `x_ends`, `y_ends`: the lowest and highest drawable value on each axis (or nothing).
    """

    def __init__(self, s: Series, log_y: bool) -> None:
        xs, ys = list(s.x), list(s.y)
        if len(xs) != len(ys):
            n = min(len(xs), len(ys))
            xs, ys = xs[:n], ys[:n]
        total_x, total_y = sum(xs), sum(ys)  # NaN or ±inf when any value is
        if not xs:
            parts = []
        elif total_x - total_x == 0 and total_y - total_y == 0 and (not log_y or min(ys) > 0):
            parts = [(xs, ys)]
        else:
            parts, start = [], None
            for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
                if x - x == 0 and y - y == 0 and (y > 0 or not log_y):
                    if start is None:
                        start = i
                elif start is not None:
                    parts.append((xs[start:i], ys[start:i]))
                    start = None
            if start is not None:
                parts.append((xs[start:], ys[start:]))
        self.pieces = [(px, py, sorted(px) == px) for px, py in parts]
        self.x_ends: tuple[float, ...] = ()
        self.y_ends: tuple[float, ...] = ()
        if self.pieces:
            x_ends = [
                v
                for px, _, ascending in self.pieces
                for v in ((px[0], px[-1]) if ascending else (min(px), max(px)))
            ]
            y_ends = [v for _, py, _ in self.pieces for v in (min(py), max(py))]
            self.x_ends = (min(x_ends), max(x_ends))
            self.y_ends = (min(y_ends), max(y_ends))


class _Canvas:
    """Plot cells as dots: `bits` (braille dot bits, or 1 in ascii mode) and `owner` (the
    series drawn last) by cell number, only for the cells drawn on."""

    def __init__(self, plot_w: int, plot_h: int, sub_x: int, sub_y: int) -> None:
        self.plot_w, self.sub_x, self.sub_y = plot_w, sub_x, sub_y
        self.wp, self.hp = plot_w * sub_x, plot_h * sub_y
        self.bits: dict[int, int] = {}
        self.owner: dict[int, int] = {}
        self.index = 0
        self.budget = 0  # pixel columns that segments may still cross (see SEGMENT_BUDGET)
        # masks[sub column][first row][last row]: the dots of rows first..last of a cell.
        bits = BRAILLE_BITS if sub_y == 4 else (1,)
        self.masks = [
            [
                [_or(bits[r * sub_x + c] for r in range(r0, r1 + 1)) for r1 in range(sub_y)]
                for r0 in range(sub_y)
            ]
            for c in range(sub_x)
        ]

    def column(self, px: int, lo: float, hi: float) -> None:
        """The dots of pixel column `px` from height `lo` to `hi` (pixels from the bottom)."""
        top = self.hp - 1
        if px < 0 or px >= self.wp or not (hi >= -0.5 and lo < top + 0.5):  # (or NaN)
            return
        first = 0 if hi >= top else top - math.floor(hi + 0.5)  # pixel rows, from the top
        last = top if lo <= 0 else top - math.floor(lo + 0.5)
        if first > last:
            return
        sub_y, masks = self.sub_y, self.masks[px % self.sub_x]
        cell = (first // sub_y) * self.plot_w + px // self.sub_x
        bits, owner, index, plot_w = self.bits, self.owner, self.index, self.plot_w
        row = first
        while row <= last:
            base = row - row % sub_y
            end = base + sub_y - 1 if base + sub_y - 1 < last else last
            bits[cell] = bits.get(cell, 0) | masks[row - base][end - base]
            owner[cell] = index
            cell += plot_w
            row = end + 1

    def segment(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """A straight line in pixel coordinates, clipped to the plot (Liang–Barsky) and drawn
        as one vertical stroke per pixel column it crosses, so it has no holes."""
        dx, dy = x1 - x0, y1 - y0
        if dx - dx != 0 or dy - dy != 0:  # an end at ±inf (or NaN): nothing sensible to draw
            return
        t0, t1 = 0.0, 1.0
        right, upper = self.wp - 0.5 - 1e-9, self.hp - 0.5 - 1e-9
        for p, q in ((-dx, x0 + 0.5), (dx, right - x0), (-dy, y0 + 0.5), (dy, upper - y0)):
            if p == 0:
                if q < 0:
                    return
                continue
            t = q / p
            if p < 0:
                if t > t1:
                    return
                t0 = max(t0, t)
            else:
                if t < t0:
                    return
                t1 = min(t1, t)
        ax, ay, bx, by = x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy
        if bx < ax:
            ax, ay, bx, by = bx, by, ax, ay
        first, last = math.floor(ax + 0.5), math.floor(bx + 0.5)
        self.budget -= last - first + 1
        if self.budget < 0:
            return
        if first == last:
            self.column(first, min(ay, by), max(ay, by))
            return
        slope = (by - ay) / (bx - ax)
        if abs(slope) <= 1:  # shallow: one dot per column, at the line's height there
            for px in range(first, last + 1):
                y = ay + (min(max(px, ax), bx) - ax) * slope
                self.column(px, y, y)
            return
        for px in range(first, last + 1):  # steep: the rows the line crosses in the column
            ya = ay + (max(ax, px - 0.5) - ax) * slope
            yb = ay + (min(bx, px + 0.5) - ax) * slope
            self.column(px, min(ya, yb), max(ya, yb))


def _or(values: Iterable[int]) -> int:
    out = 0
    for value in values:
        out |= value
    return out
