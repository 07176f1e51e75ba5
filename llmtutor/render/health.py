"""Gradient health, drawn: the gradient's norm over each part of the model as a bar on a
log scale, input side first, and the last update's size relative to the weights.

On a log scale a gradient a thousand times smaller than another is three decades shorter,
not invisible: the vanishing gradient of a deep stack without residual connections shows as
bars that shrink toward the input, where with the skip connections they stay level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text

from llmtutor.engine.numbers import fmt

FLOOR_DECADES = 6  # the bars span this many powers of ten below the largest norm
BAR = "█"
EMPTY = "·"


def health_bars(
    norms: Sequence[tuple[str, float]],
    update_ratio: float | None,
    width: int,
    height: int | None = None,
) -> Text:
    """One line per part, `name  bar  norm`, the bars on a log scale whose top is the largest
    norm and whose bottom is FLOOR_DECADES decades below it; then the update's size. In
    fewer than `height` lines, the parts in the middle are left out (a line says which),
    keeping the first and last parts, where vanishing shows."""
    if not norms:
        return Text("Each part's gradient norm appears here at the first report.", style="dim")
    notes = ["scale"] + (["update"] if update_ratio is not None else [])
    if height is not None and len(norms) + len(notes) > height:
        notes = notes[1:]  # the scale's note goes first
    shown: list[tuple[str, float] | str] = list(norms)
    if height is not None and len(norms) + len(notes) > height:
        # The first and last blocks first (where vanishing shows), then the two ends.
        order = [1, len(norms) - 2, 0, len(norms) - 1, *range(2, len(norms) - 2)]
        ranked = [i for i in dict.fromkeys(order) if 0 <= i < len(norms)]
        for keep in range(max(1, height - len(notes)), 0, -1):
            shown = _with_gaps(norms, sorted(ranked[:keep]))
            if len(shown) + len(notes) <= height:
                break
    name_width = max(len(name) for name, _ in norms)
    label_width = max(len(fmt(norm, 2)) for _, norm in norms)
    bar_width = max(4, width - name_width - label_width - 4)
    finite = [norm for _, norm in norms if math.isfinite(norm) and norm > 0]
    top = math.log10(max(finite)) if finite else 0.0
    rows = []
    for part in shown:
        if isinstance(part, str):
            rows.append(Text(part, style="dim"))
            continue
        name, norm = part
        filled = _cells(norm, top, bar_width)
        row = Text(f"{name:<{name_width}} ", style="dim")
        row.append(BAR * filled, style="bold cyan")
        row.append(EMPTY * (bar_width - filled), style="dim")
        row.append(f" {fmt(norm, 2):>{label_width}}")
        rows.append(row)
    if "scale" in notes:
        rows.append(Text(f"log scale, {FLOOR_DECADES} powers of ten", style="dim"))
    if "update" in notes and update_ratio is not None:
        rows.append(Text(f"update ÷ weights {fmt(update_ratio, 2)}"))
    return Text("\n").join(rows)


def _with_gaps(
    norms: Sequence[tuple[str, float]], kept: Sequence[int]
) -> list[tuple[str, float] | str]:
    """The kept parts in order, with a line "⋮ N more" wherever parts between them are left
    out (the embeddings and the head, at the ends, are the last to be left out)."""
    shown: list[tuple[str, float] | str] = []
    for position, index in enumerate(kept):
        if position and index > kept[position - 1] + 1:
            shown.append(f"⋮ {index - kept[position - 1] - 1} more")
        shown.append(norms[index])
    return shown


def _cells(norm: float, top: float, width: int) -> int:
    """How many of `width` cells a norm fills: all at 10^top, none at 10^(top − floor)."""
    if not math.isfinite(norm):
        return width if norm > 0 else 0
    if norm <= 0:
        return 0
    share = (math.log10(norm) - (top - FLOOR_DECADES)) / FLOOR_DECADES
    return max(0, min(width, round(share * width)))
