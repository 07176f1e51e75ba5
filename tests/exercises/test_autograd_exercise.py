"""The autograd exercise's expected gradients against torch: each input set's graph is built
in torch from its nodes (the leaves in requires_grad created with requires_grad=True), the
loss's backward() run, and every checked value compared with the .grad torch leaves."""

from __future__ import annotations

import math

import torch

from llmtutor.engine.exercises import EXERCISES

INDEPENDENT_SETS = 60  # random input sets, after the lesson's two graphs


def torch_grads(inputs: dict) -> tuple[dict[str, float], set[str]]:
    """Every tensor's gradient after loss.backward(), and the nodes torch recorded."""
    tensors = {
        name: torch.tensor(
            value, dtype=torch.float64, requires_grad=name in inputs["requires_grad"]
        )
        for name, value in inputs["values"].items()
        if not any(node["name"] == name for node in inputs["nodes"])
    }
    for node in inputs["nodes"]:
        a = [tensors[name] for name in node["inputs"]]
        if node["op"] == "mul":
            result = a[0] * a[1]
        elif node["op"] == "add":
            result = a[0] + a[1]
        elif node["op"] == "sub":
            result = a[0] - a[1]
        else:
            result = a[0] ** 2
        if result.requires_grad:
            result.retain_grad()
        tensors[node["name"]] = result
    loss = tensors[inputs["nodes"][-1]["name"]]
    loss.backward()
    recorded = {name for name, t in tensors.items() if t.grad_fn is not None}
    grads = {name: t.grad.item() for name, t in tensors.items() if t.grad is not None}
    return grads, recorded


def test_every_gradient_is_torchs() -> None:
    exercise = EXERCISES["autograd"]
    reused = shared_x = frozen_node = 0
    for inputs in exercise.input_sets(INDEPENDENT_SETS):
        check = exercise.compute(inputs)
        grads, recorded = torch_grads(inputs)
        # The values given are the forward pass's, as torch computes it.
        assert check.checked, inputs
        assert set(check.checked) == set(grads), (inputs, check.checked, sorted(grads))
        for name in check.checked:
            assert math.isclose(check.value(name), grads[name], rel_tol=1e-12, abs_tol=1e-12), (
                inputs,
                name,
            )
        nodes = {node["name"] for node in inputs["nodes"]}
        frozen_node += len(nodes - recorded)
        reads = [name for node in inputs["nodes"] for name in node["inputs"]]
        reused += any(reads.count(name) > 1 and name in grads for name in set(reads))
        shared_x += "x" in grads and reads.count("x") > 1
    # The random sets do what they are there for: values read twice, x among them, and
    # nodes made of data alone, which torch does not record.
    assert reused > 10 and shared_x > 2 and frozen_node > 2, (reused, shared_x, frozen_node)


def test_the_lessons_graphs() -> None:
    toy, shared = EXERCISES["autograd"].article
    check = EXERCISES["autograd"].compute(toy)
    expected = {"L": 1, "d": -2.72, "y": -2.72, "a": -3.264, "h": 0.9792}
    expected |= {"w1": 1.9584, "w2": -3.264, "w3": 0.816}
    assert check.checked == list(expected)
    for name, value in expected.items():
        assert math.isclose(check.value(name), value, rel_tol=1e-12), name
    check = EXERCISES["autograd"].compute(shared)
    # x feeds two branches: its gradient is the sum of both, (dL/ds)·w1 + (dL/ds)·w2.
    d2 = 2 * ((2.0 * 0.5 + 2.0 * -0.3) * 1.2 - 1.0)
    ds = d2 * 1.2
    assert math.isclose(check.value("x"), ds * 0.5 + ds * -0.3, rel_tol=1e-12)
