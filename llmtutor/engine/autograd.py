"""The graph autograd records for the toy network, and `backward()` walked through it.

The toy network of the backprop lesson, h = x·w1, a = h·w2, y = a·w3, L = (y − target)², is
written here the way PyTorch records it: one node per operation, in the order the forward
pass ran them (the subtraction and the square are two nodes, d = y − target and L = d²).
Each node is an operation kind of the engine ("mul", "sub", "pow", "add"); the name PyTorch
gives its backward function (MulBackward0, …) comes from `torch_names`, a table recorded
from a real torch run by `python -m llmtutor.pytorch.autograd_names` and checked against
live torch by the tests. The engine itself never imports torch.

`backward()` is then walked one node at a time, in reverse order: each node receives the
gradient of the loss with respect to its output, multiplies it by the local derivative of
its operation with respect to each input that needs a gradient, and passes the products on.
The numbers are those of the backprop lesson. Three more pieces show what the recording
does: a variant in which x feeds two branches (its gradient is the sum of both), which
nodes are left out when a tensor does not require a gradient or under torch.no_grad(), and
what a second backward() does to .grad without optimizer.zero_grad() (it adds).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from llmtutor.engine import toy_network
from llmtutor.engine.torch_names import BACKWARD_NAMES, LEAF_NAME
from llmtutor.engine.trace import Trace

INPUTS = tuple(spec for spec in toy_network.INPUTS if spec.name != "lr")


@dataclass(frozen=True)
class Node:
    """One recorded operation: the quantity it makes, its kind and what it reads."""

    name: str  # the quantity's name in the trace: "h"
    symbol: str  # how it is written: "h"
    op: str  # "mul", "add", "sub" or "pow" (the square: the exponent 2 is a constant)
    inputs: tuple[str, ...]  # the tensors it reads, by name

    @property
    def backward_name(self) -> str:
        """The name PyTorch gives this node's backward function (recorded from torch)."""
        return BACKWARD_NAMES[self.op]


# The toy network's forward pass, as recorded, in the order it ran (a topological order).
GRAPH = (
    Node("h", "h", "mul", ("x", "w1")),
    Node("a", "a", "mul", ("h", "w2")),
    Node("y", "y", "mul", ("a", "w3")),
    Node("d", "d", "sub", ("y", "target")),
    Node("L", "L", "pow", ("d",)),
)
# The variant in which x is used twice: two branches from x, added back together.
SHARED_GRAPH = (
    Node("p", "p", "mul", ("x", "w1")),
    Node("q", "q", "mul", ("x", "w2")),
    Node("s", "s", "add", ("p", "q")),
    Node("y2", "y₂", "mul", ("s", "w3")),
    Node("d2", "d₂", "sub", ("y2", "target")),
    Node("L2", "L₂", "pow", ("d2",)),
)
WEIGHTS = ("w1", "w2", "w3")  # the parameters: the tensors created with requires_grad=True
LEAF = LEAF_NAME  # the backward function that stores a parameter's gradient in .grad


def recorded(
    graph: Sequence[Node], requires_grad: Collection[str], grad_enabled: bool = True
) -> tuple[Node, ...]:
    """The nodes autograd records: an operation is recorded when gradient recording is on
    and at least one of its inputs requires a gradient (a parameter, or a node recorded
    before it). The others are plain values that no backward() will reach."""
    if not grad_enabled:
        return ()
    needs = set(requires_grad)
    kept = []
    for node in graph:
        if any(name in needs for name in node.inputs):
            needs.add(node.name)
            kept.append(node)
    return tuple(kept)


def compute(
    x: float = 2.0,
    w1: float = 0.5,
    w2: float = -0.3,
    w3: float = 1.2,
    target: float = 1.0,
) -> Trace:
    t = Trace()
    x_ = t.input("x", x)
    w1_, w2_, w3_ = (t.input("w1", w1), t.input("w2", w2), t.input("w3", w3))
    target_ = t.input("target", target)

    # Forward: each operation runs and is recorded as a node.
    h = t.define("h", "h", x_ * w1_)
    a = t.define("a", "a", h * w2_)
    y = t.define("y", "y", a * w3_)
    d = t.define("d", "d", y - target_)
    t.define("L", "L", d**2)
    _count(t, "nodes", "nodes", recorded(GRAPH, WEIGHTS))

    # backward(): the loss's gradient with respect to itself is 1; then node by node, in
    # reverse, gradient arriving × local derivative = gradient passed on.
    grad_l = t.constant("dL_dL", "dL/dL", 1.0)
    local = t.define("local_L_d", "∂L/∂d", 2 * d)  # PowBackward0: d(d²)/dd = 2·d
    dl_dd = t.define("dL_dd", "dL/dd", grad_l * local)
    local = t.constant("local_d_y", "∂d/∂y", 1.0)  # SubBackward0: the target needs none
    dl_dy = t.define("dL_dy", "dL/dy", dl_dd * local)
    local = t.define("local_y_w3", "∂y/∂w3", a)  # MulBackward0: each factor gets the other
    dl_dw3 = t.define("dL_dw3", "dL/dw3", dl_dy * local)
    local = t.define("local_y_a", "∂y/∂a", w3_)
    dl_da = t.define("dL_da", "dL/da", dl_dy * local)
    local = t.define("local_a_w2", "∂a/∂w2", h)
    dl_dw2 = t.define("dL_dw2", "dL/dw2", dl_da * local)
    local = t.define("local_a_h", "∂a/∂h", w2_)
    dl_dh = t.define("dL_dh", "dL/dh", dl_da * local)
    local = t.define("local_h_w1", "∂h/∂w1", x_)  # x is data: it gets no gradient
    dl_dw1 = t.define("dL_dw1", "dL/dw1", dl_dh * local)

    # AccumulateGrad: each parameter's gradient lands in its .grad, added to what is there.
    grads = (dl_dw1, dl_dw2, dl_dw3)
    stored = [t.define(f"{w}_grad", f"{w}.grad", g) for w, g in zip(WEIGHTS, grads, strict=True)]
    # A second backward() without optimizer.zero_grad(): the same gradients added again.
    for w, grad, g in zip(WEIGHTS, stored, grads, strict=True):
        t.define(f"{w}_grad_twice", f"{w}.grad (2nd)", grad + g)
    # After optimizer.zero_grad() (.grad set to None), the next backward() stores it afresh.
    for w, g in zip(WEIGHTS, grads, strict=True):
        t.define(f"{w}_grad_zeroed", f"{w}.grad (zeroed)", g)

    # What is left out: a frozen w1 (requires_grad=False) and a forward under no_grad().
    _count(t, "nodes_frozen_w1", "nodes (frozen)", recorded(GRAPH, ("w2", "w3")))
    no_grad = recorded(GRAPH, WEIGHTS, grad_enabled=False)
    _count(t, "nodes_no_grad", "nodes (no_grad)", no_grad)

    # A value used twice: x feeds two branches, p = x·w1 and q = x·w2, added together.
    p = t.define("p", "p", x_ * w1_)
    q = t.define("q", "q", x_ * w2_)
    s = t.define("s", "s", p + q)
    y2 = t.define("y2", "y₂", s * w3_)
    d2 = t.define("d2", "d₂", y2 - target_)
    t.define("L2", "L₂", d2**2)
    shared = recorded(SHARED_GRAPH, ("x", *WEIGHTS))
    _count(t, "shared_nodes", "nodes (x twice)", shared)
    dl2_dd2 = t.define("dL2_dd2", "dL₂/dd₂", 2 * d2)
    dl2_dy2 = t.define("dL2_dy2", "dL₂/dy₂", dl2_dd2 * 1)
    dl2_ds = t.define("dL2_ds", "dL₂/ds", dl2_dy2 * w3_)
    dl2_dp = t.define("dL2_dp", "dL₂/dp", dl2_ds * 1)  # AddBackward0 passes it on to both
    dl2_dq = t.define("dL2_dq", "dL₂/dq", dl2_ds * 1)
    via_p = t.define("dL2_dx_p", "dL₂/dx via p", dl2_dp * w1_)
    via_q = t.define("dL2_dx_q", "dL₂/dx via q", dl2_dq * w2_)
    t.define("dL2_dx", "x.grad", via_p + via_q)
    t.define("dL2_dw1", "dL₂/dw1", dl2_dp * x_)
    t.define("dL2_dw2", "dL₂/dw2", dl2_dq * x_)
    t.define("dL2_dw3", "dL₂/dw3", dl2_dy2 * s)
    return t


def _count(t: Trace, name: str, symbol: str, nodes: Sequence[Node]) -> None:
    """Record how many nodes were recorded, and which, by their backward functions."""
    which = ", ".join(f"{node.symbol}: {node.backward_name}" for node in nodes) or "none"
    t.constant(name, symbol, len(nodes), note=which)
