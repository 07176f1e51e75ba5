"""The autograd lesson's graph and backward walk against a live torch run, written out here
(not the PyTorch view, not the engine's own helpers), for the article's inputs and random
ones."""

from __future__ import annotations

import math
import random

import pytest
import torch

from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.autograd import GRAPH, LEAF, SHARED_GRAPH
from llmtutor.engine.torch_names import BACKWARD_NAMES, LEAF_NAME
from llmtutor.pytorch.autograd_names import read_names

autograd = COMPUTATIONS["autograd"]


def _draws() -> list[dict[str, float]]:
    rng = random.Random(16)
    draws = [{"x": 2.0, "w1": 0.5, "w2": -0.3, "w3": 1.2, "target": 1.0}]
    for _ in range(25):
        draws.append({name: rng.uniform(-3, 3) for name in ("x", "w1", "w2", "w3", "target")})
    draws.append({"x": 0.0, "w1": 1.0, "w2": 2.0, "w3": 3.0, "target": 0.0})  # all gradients 0
    draws.append({"x": 1.0, "w1": 1.0, "w2": 1.0, "w3": 1.0, "target": 1.0})  # on target
    return draws


DRAWS = _draws()


def close(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12)


def _t(value: float, grad: bool = False) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.float64, requires_grad=grad)


def _toy(v: dict[str, float]) -> dict[str, torch.Tensor]:
    """The toy network written out in torch, every node's gradient kept."""
    x, target = _t(v["x"]), _t(v["target"])
    w1, w2, w3 = (_t(v[w], grad=True) for w in ("w1", "w2", "w3"))
    h = x * w1
    a = h * w2
    y = a * w3
    d = y - target
    loss = d**2
    for node in (h, a, y, d):
        node.retain_grad()
    return {"h": h, "a": a, "y": y, "d": d, "L": loss, "w1": w1, "w2": w2, "w3": w3}


@pytest.mark.parametrize("v", DRAWS)
def test_node_values_and_backward_names_are_torchs(v: dict[str, float]) -> None:
    trace = autograd.run(v)
    nodes = _toy(v)
    for node in GRAPH:
        tensor = nodes[node.name]
        assert close(trace.value(node.name), tensor.item()), node.name
        assert tensor.grad_fn is not None
        assert node.backward_name == tensor.grad_fn.name(), node.name
    # The leaves' backward function: what the first node's grad_fn hands w1's gradient to.
    leaf = next(f for f, _ in nodes["h"].grad_fn.next_functions if f is not None)
    assert leaf.name().endswith("::" + LEAF)
    assert trace.value("nodes") == sum(nodes[n.name].grad_fn is not None for n in GRAPH)


@pytest.mark.parametrize("v", DRAWS[:6])
def test_the_recorded_table_is_what_live_torch_says(v: dict[str, float]) -> None:
    names, leaf = read_names(v)
    assert names == BACKWARD_NAMES
    assert leaf == LEAF_NAME


@pytest.mark.parametrize("v", DRAWS)
def test_reverse_walk_gives_autograds_gradients(v: dict[str, float]) -> None:
    trace = autograd.run(v)
    nodes = _toy(v)
    nodes["L"].backward()
    for name in ("d", "y", "a", "h"):
        assert close(trace.value(f"dL_d{name}"), nodes[name].grad.item()), name
    for w in ("w1", "w2", "w3"):
        assert close(trace.value(f"dL_d{w}"), nodes[w].grad.item()), w
        assert close(trace.value(f"{w}_grad"), nodes[w].grad.item()), w
    # Each local derivative, written out: 2d, 1, the other factor.
    x, w1, w2, w3 = (v[k] for k in ("x", "w1", "w2", "w3"))
    h = x * w1
    a = h * w2
    d = a * w3 - v["target"]
    assert trace.value("dL_dL") == 1
    assert close(trace.value("local_L_d"), 2 * d)
    assert trace.value("local_d_y") == 1
    expected = {"local_y_w3": a, "local_y_a": w3, "local_a_w2": h, "local_a_h": w2}
    for name, value in (*expected.items(), ("local_h_w1", x)):
        assert close(trace.value(name), value), name


@pytest.mark.parametrize("v", DRAWS)
def test_a_value_used_twice_gets_the_sum_of_both_branches(v: dict[str, float]) -> None:
    trace = autograd.run(v)
    x = _t(v["x"], grad=True)
    w1, w2, w3 = (_t(v[w], grad=True) for w in ("w1", "w2", "w3"))
    p, q = x * w1, x * w2
    s = p + q
    y2 = s * w3
    d2 = y2 - _t(v["target"])
    loss = d2**2
    tensors = {"p": p, "q": q, "s": s, "y2": y2, "d2": d2, "L2": loss}
    for node in SHARED_GRAPH:
        assert close(trace.value(node.name), tensors[node.name].item()), node.name
        assert node.backward_name == tensors[node.name].grad_fn.name(), node.name
    # Each branch on its own, by torch: the gradient of L₂ with respect to x through p alone
    # (q held as a constant) and through q alone.
    via_p = torch.autograd.grad(loss, p, retain_graph=True)[0] * w1
    via_q = torch.autograd.grad(loss, q, retain_graph=True)[0] * w2
    loss.backward()
    assert close(trace.value("dL2_dx_p"), via_p.item())
    assert close(trace.value("dL2_dx_q"), via_q.item())
    assert close(trace.value("dL2_dx"), x.grad.item())
    assert math.isclose(x.grad.item(), (via_p + via_q).item(), rel_tol=1e-12, abs_tol=1e-12)
    for i, w in enumerate((w1, w2, w3), start=1):
        assert close(trace.value(f"dL2_dw{i}"), w.grad.item())
    assert trace.value("shared_nodes") == len(tensors)


@pytest.mark.parametrize("v", DRAWS)
def test_a_second_backward_adds_what_torch_accumulates(v: dict[str, float]) -> None:
    trace = autograd.run(v)
    nodes = _toy(v)
    weights = [nodes[w] for w in ("w1", "w2", "w3")]
    nodes["L"].backward()
    first = [w.grad.item() for w in weights]
    _toy_again(v, weights)[-1].backward()  # no zero_grad in between
    for i, (w, g) in enumerate(zip(weights, first, strict=True), start=1):
        assert close(trace.value(f"w{i}_grad_twice"), w.grad.item())
        assert w.grad.item() == 2 * g  # g + g: exactly twice
    torch.optim.SGD(weights, lr=0.1).zero_grad()
    assert all(w.grad is None for w in weights)
    _toy_again(v, weights)[-1].backward()
    for i, w in enumerate(weights, start=1):
        assert close(trace.value(f"w{i}_grad_zeroed"), w.grad.item())


def _toy_again(v: dict[str, float], weights: list[torch.Tensor]) -> tuple[torch.Tensor, ...]:
    w1, w2, w3 = weights
    y = _t(v["x"]) * w1 * w2 * w3
    return (y, (y - _t(v["target"])) ** 2)


@pytest.mark.parametrize("v", DRAWS[:8])
def test_what_freezing_and_no_grad_leave_out(v: dict[str, float]) -> None:
    trace = autograd.run(v)
    x, target = _t(v["x"]), _t(v["target"])
    w1 = _t(v["w1"])  # frozen
    w2, w3 = _t(v["w2"], grad=True), _t(v["w3"], grad=True)
    h = x * w1
    a = h * w2
    y = a * w3
    d = y - target
    loss = d**2
    assert trace.value("nodes_frozen_w1") == sum(t.grad_fn is not None for t in (h, a, y, d, loss))
    assert h.grad_fn is None
    loss.backward()
    assert w1.grad is None
    assert close(trace.value("dL_dw2"), w2.grad.item())
    assert close(trace.value("dL_dw3"), w3.grad.item())
    with torch.no_grad():
        w = [_t(v[k], grad=True) for k in ("w1", "w2", "w3")]
        h = x * w[0]
        a = h * w[1]
        y = a * w[2]
        d = y - target
        loss = d**2
    assert trace.value("nodes_no_grad") == sum(t.grad_fn is not None for t in (h, a, y, d, loss))
    with pytest.raises(RuntimeError):
        loss.backward()


def test_the_article_numbers() -> None:
    # The backprop lesson's (and the article's) worked example.
    trace = autograd.run({})
    expected = {"L": 1.8496, "dL_dw1": 1.9584, "dL_dw2": -3.264, "dL_dw3": 0.816}
    for name, value in expected.items():
        assert math.isclose(trace.value(name), value, rel_tol=1e-12), name
    backprop = COMPUTATIONS["toy_network"].run({})
    for name in ("h", "a", "y", "L", "dL_dy", "dL_da", "dL_dh", "dL_dw1", "dL_dw2", "dL_dw3"):
        assert trace.value(name) == backprop.value(name), name
