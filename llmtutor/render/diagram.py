"""Diagrams of a computation, drawn from its trace.

The toy network is drawn as a chain of nodes, forward values under them, and during the
backward pass the gradients flowing right to left beneath. Slots whose value the lesson
has not revealed yet show a dot, so the picture fills in as the learner steps.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from itertools import pairwise

from rich.text import Text

from llmtutor.engine import Trace, fmt
from llmtutor.engine.autograd import GRAPH, LEAF, WEIGHTS
from llmtutor.render import styles

GUTTER = 9  # width of the row labels on the left
NODES = ("x", "h", "a", "y", "L")
VALUE_ROOM = 12  # room for the value under the last node
MIN_SPACING, MAX_SPACING = 10, 24  # columns from one node to the next
WIDTH = GUTTER + 14 * (len(NODES) - 1) + VALUE_ROOM  # the width of an 80-column terminal: 77


class _Row:
    """One line of a diagram: text placed at columns, each piece with its own style."""

    def __init__(self, label: str = "") -> None:
        self.pieces: list[tuple[int, str, str]] = []
        if label:
            self.put(0, label, styles.DIM)

    def put(self, column: int, text: str, style: str = "") -> None:
        self.pieces.append((column, text, style))

    def centre(self, left: int, right: int, text: str, style: str = "") -> None:
        self.put(left + max(0, (right - left - len(text)) // 2), text, style)

    def text(self) -> Text:
        line = Text()
        for column, piece, style in sorted(self.pieces):
            if column > len(line):
                line.append(" " * (column - len(line)))
            line.append(piece, style=style)
        return line


class _Slots:
    """Looks up a value for a slot: its text and style depend on whether it is revealed."""

    def __init__(
        self,
        trace: Trace,
        revealed: Collection[str],
        new: Collection[str],
        marked: Mapping[str, str] | None = None,
    ) -> None:
        self.trace, self.revealed, self.new = trace, set(revealed), set(new)
        self.marked = marked or {}

    def shown(self, name: str) -> bool:
        return name in self.revealed or name in self.marked or self.trace[name].is_input

    def text(self, name: str) -> tuple[str, str]:
        if name in self.marked:
            return self.marked[name], styles.WRONG
        if not self.shown(name):
            return "·", styles.PENDING
        return fmt(self.trace.value(name)), styles.NEW if name in self.new else styles.VALUE


def toy_network(
    trace: Trace,
    revealed: Collection[str],
    new: Collection[str],
    lesson_names: Collection[str],
    width: int = WIDTH,
    marked: Mapping[str, str] | None = None,
) -> Text:
    """`marked`: slots that show the given text instead of their value (an exercise's first
    wrong value: the learner's, with ✗)."""
    slots = _Slots(trace, revealed, new, marked)
    spacing = (width - GUTTER - VALUE_ROOM) // (len(NODES) - 1)
    spacing = max(MIN_SPACING, min(MAX_SPACING, spacing))  # spread out on wide terminals
    cols = [GUTTER + spacing * i for i in range(len(NODES))]
    rows: list[_Row] = []

    weights = _Row()
    for i, weight in enumerate(("w1", "w2", "w3")):
        value, style = slots.text(weight)
        weights.centre(cols[i] + 1, cols[i + 1], f"×{weight} {value}", style)
    weights.centre(cols[3] + 1, cols[4], "(y−t)²", styles.DIM)
    rows.append(weights)

    chain = _Row("forward")
    for i, node in enumerate(NODES):
        chain.put(cols[i], node, styles.SYMBOL)
        if i < len(NODES) - 1:
            chain.put(cols[i] + 2, "─" * (spacing - 5) + "▶", styles.DIM)
    rows.append(chain)

    forward = _Row()
    for i, node in enumerate(NODES):
        forward.put(cols[i], *slots.text(node))
    rows.append(forward)

    if "dL_dy" in lesson_names:
        # Gradients of the loss with respect to each node, flowing right to left.
        backward = _Row("backward")
        # The arrow into node i-1 lights up once the gradient has flowed across it.
        carried_by = {1: ("dL_dw1",), 2: ("dL_dh", "dL_dw2"), 3: ("dL_da", "dL_dw3"), 4: ("dL_dy",)}
        for i, names in carried_by.items():
            lit = any(slots.shown(name) for name in names)
            style = styles.GRADIENT if lit else styles.PENDING
            backward.put(cols[i - 1] + 2, "◀" + "─" * (spacing - 5), style)
        node_grads = {1: "dL_dh", 2: "dL_da", 3: "dL_dy"}
        rows.append(backward)
        grads = _Row("dL/dnode")
        for i, name in node_grads.items():
            grads.put(cols[i], *slots.text(name))
        grads.put(cols[4], "1" if slots.shown("dL_dy") else "·", styles.DIM)  # dL/dL = 1
        rows.append(grads)
    if "dL_dw1" in lesson_names:
        weight_grads = _Row("dL/dw")
        for i in range(3):
            value, style = slots.text(f"dL_dw{i + 1}")
            weight_grads.centre(cols[i] + 1, cols[i + 1], value, style)
        rows.append(weight_grads)

    if "w1_new" in lesson_names:
        updated = _Row("new w")
        for i in range(3):
            value, style = slots.text(f"w{i + 1}_new")
            updated.centre(cols[i] + 1, cols[i + 1], value, style)
        rows.append(updated)
        again = _Row("forward'")
        again.put(cols[0], fmt(trace.value("x")), styles.DIM)
        for i, name in enumerate(("h_new", "a_new", "y_new", "L_new"), start=1):
            again.put(cols[i], *slots.text(name))
        rows.append(again)

    drawing = Text("\n").join(row.text() for row in rows)
    drawing.no_wrap = True  # a diagram is cropped, never wrapped into a tangle
    return drawing


# The autograd lesson's graph: one line per recorded node, in the order the forward pass ran
# them, with the gradient each receives as backward() walks back up; the leaves below.
_GRAPH_COLUMNS = (10, 24, 38, 49, 61)  # node, backward function, value, gradient, "↑ backward"
_WRITTEN = {"mul": "{0}·{1}", "add": "{0}+{1}", "sub": "{0}−{1}", "pow": "{0}²"}
_BACKWARD = "↑ backward"
_GRAD_LABEL = "{0}.grad "  # before a leaf's gradient: "w1.grad "
_LEAF_PITCH = 17  # columns from one leaf to the next when the leaves share a line


def _graph_columns(widths: list[int], room: int) -> list[int]:
    """Where the graph's columns start. The usual columns wherever the text of each fits
    with two cells to spare (the lesson's own inputs); else each column starts two cells,
    then one cell past the widest text of the column before it, the first of these that
    fits in `room`. `widths`: the widest text of each column but the last."""
    usual = [after - before for before, after in pairwise(_GRAPH_COLUMNS)]
    columns: list[int] = []
    for at_least, gap in ((usual, 2), (usual, 1), ([0] * len(usual), 1)):
        columns = [_GRAPH_COLUMNS[0]]
        for step, widest in zip(at_least, widths, strict=True):
            columns.append(columns[-1] + max(step, widest + gap))
        if columns[-1] + len(_BACKWARD) <= room:
            break
    return columns


def autograd_graph(
    trace: Trace,
    revealed: Collection[str],
    new: Collection[str],
    lesson_names: Collection[str],
    width: int = WIDTH,
) -> Text:
    """The graph, laid out for every value the lesson reveals, shown or not yet, so that it
    keeps its shape from step to step. A column is widened for a long number (5 significant
    digits and a sign can take 14 cells: -1,000,000,000 or -1.2346e-100), and the leaves go
    one to a line when they do not fit on one beside AccumulateGrad: nothing is cut or run
    together in `width` columns from 77 up."""
    slots = _Slots(trace, revealed, new)

    def widest(names: list[str], title: str) -> int:
        return max(len(title), *(len(fmt(trace.value(name))) for name in names))

    written = [
        f"{node.symbol} = {_WRITTEN[node.op].format(*(trace[n].symbol for n in node.inputs))}"
        for node in GRAPH
    ]
    widths = [
        max(len("node"), *map(len, written)),
        max(len("grad_fn"), *(len(node.backward_name) for node in GRAPH)),
        widest([node.name for node in GRAPH], "value"),
        widest([f"dL_d{node.name}" for node in GRAPH], "dL/dnode"),
    ]
    node_col, fn_col, value_col, grad_col, backward_col = _graph_columns(widths, width)
    head = _Row()
    titles = ("node", "grad_fn", "value", "dL/dnode")
    for column, title in zip((node_col, fn_col, value_col, grad_col), titles, strict=True):
        head.put(column, title, styles.DIM)
    rows = [head]
    for i, (node, formula) in enumerate(zip(GRAPH, written, strict=True)):
        row = _Row("forward ↓" if i == 0 else "")
        row.put(node_col, formula, styles.SYMBOL)
        row.put(fn_col, node.backward_name, styles.DIM)
        row.put(value_col, *slots.text(node.name))
        row.put(grad_col, *slots.text(f"dL_d{node.name}"))
        if i == 0:
            row.put(backward_col, _BACKWARD, styles.DIM)
        rows.append(row)
    rows += _leaves(trace, slots, node_col, width)
    drawing = Text("\n").join(row.text() for row in rows)
    drawing.no_wrap = True
    return drawing


def _leaves(trace: Trace, slots: _Slots, column: int, width: int) -> list[_Row]:
    """The weights' gradients, handed to AccumulateGrad: on one line when they fit there
    (the lesson's own inputs), else one weight a line, each with its AccumulateGrad."""
    labels = [_GRAD_LABEL.format(weight) for weight in WEIGHTS]
    values = [fmt(trace.value(f"dL_d{weight}")) for weight in WEIGHTS]
    room = _LEAF_PITCH - max(map(len, labels)) - 1  # a value, then a space before the next
    if max(map(len, values)) <= room and column + _LEAF_PITCH * len(WEIGHTS) + len(LEAF) <= width:
        leaves = _Row("leaves")
        for i, (weight, label) in enumerate(zip(WEIGHTS, labels, strict=True)):
            leaves.put(column + _LEAF_PITCH * i, label, styles.SYMBOL)
            leaves.put(column + _LEAF_PITCH * i + len(label), *slots.text(f"dL_d{weight}"))
        leaves.put(column + _LEAF_PITCH * len(WEIGHTS), LEAF, styles.DIM)
        return [leaves]
    value_col = column + max(map(len, labels))
    leaf_col = value_col + max(map(len, values)) + 2
    rows = []
    for i, (weight, label) in enumerate(zip(WEIGHTS, labels, strict=True)):
        row = _Row("leaves" if i == 0 else "")
        row.put(column, label, styles.SYMBOL)
        row.put(value_col, *slots.text(f"dL_d{weight}"))
        row.put(leaf_col, LEAF, styles.DIM)
        rows.append(row)
    return rows


DiagramFunction = Callable[[Trace, Collection[str], Collection[str], Collection[str], int], Text]
DIAGRAMS: dict[str, DiagramFunction] = {
    "toy-network": toy_network,
    "autograd-graph": autograd_graph,
}


def draw_diagram(
    name: str,
    trace: Trace,
    revealed: Collection[str],
    new: Collection[str] = (),
    lesson_names: Collection[str] = (),
    width: int = WIDTH,
) -> Text:
    """Draw diagram `name` in about `width` columns. `lesson_names` are all the names the
    lesson ever reveals: rows the lesson never fills are left out, so the diagram keeps
    one height throughout."""
    return DIAGRAMS[name](trace, revealed, new, lesson_names, width)
