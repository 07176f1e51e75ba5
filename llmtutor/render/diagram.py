"""Diagrams of a computation, drawn from its trace.

The toy network is drawn as a chain of nodes, forward values under them, and during the
backward pass the gradients flowing right to left beneath. Slots whose value the lesson
has not revealed yet show a dot, so the picture fills in as the learner steps.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

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
_GRAPH_COLUMNS = (10, 24, 38, 49)  # node, backward function, value, gradient
_WRITTEN = {"mul": "{0}·{1}", "add": "{0}+{1}", "sub": "{0}−{1}", "pow": "{0}²"}


def autograd_graph(
    trace: Trace,
    revealed: Collection[str],
    new: Collection[str],
    lesson_names: Collection[str],
    width: int = WIDTH,
) -> Text:
    slots = _Slots(trace, revealed, new)
    node_col, fn_col, value_col, grad_col = _GRAPH_COLUMNS
    head = _Row()
    for column, title in zip(_GRAPH_COLUMNS, ("node", "grad_fn", "value", "dL/dnode"), strict=True):
        head.put(column, title, styles.DIM)
    rows = [head]
    for i, node in enumerate(GRAPH):
        row = _Row("forward ↓" if i == 0 else "")
        operands = (trace[name].symbol for name in node.inputs)
        row.put(node_col, f"{node.symbol} = {_WRITTEN[node.op].format(*operands)}", styles.SYMBOL)
        row.put(fn_col, node.backward_name, styles.DIM)
        row.put(value_col, *slots.text(node.name))
        row.put(grad_col, *slots.text(f"dL_d{node.name}"))
        if i == 0:
            row.put(grad_col + 12, "↑ backward", styles.DIM)
        rows.append(row)
    leaves = _Row("leaves")
    for i, weight in enumerate(WEIGHTS):
        value, style = slots.text(f"dL_d{weight}")
        leaves.put(node_col + 17 * i, f"{weight}.grad ", styles.SYMBOL)
        leaves.put(node_col + 17 * i + 8, value, style)
    leaves.put(node_col + 17 * len(WEIGHTS), LEAF, styles.DIM)
    rows.append(leaves)
    drawing = Text("\n").join(row.text() for row in rows)
    drawing.no_wrap = True
    return drawing


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
