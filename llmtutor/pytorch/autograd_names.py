"""Read from torch the names of the backward functions autograd records for the engine's
graphs, and write them to `llmtutor/engine/torch_names.py`, where the engine (which never
imports torch) finds them.

    python -m llmtutor.pytorch.autograd_names        # rewrite the table from this torch

The tests run `read_names` on random inputs and check the table still says what torch says.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from llmtutor.engine.autograd import GRAPH, SHARED_GRAPH, WEIGHTS, Node


def run_graph(
    graph: Sequence[Node], values: Mapping[str, float], requires_grad: Sequence[str] = WEIGHTS
) -> dict[str, torch.Tensor]:
    """Run `graph`'s forward pass in torch, in float64, on `values` (x, w1, w2, w3, target):
    the tensors named in `requires_grad` are created with requires_grad=True."""
    tensors = {
        name: torch.tensor(float(value), dtype=torch.float64, requires_grad=name in requires_grad)
        for name, value in values.items()
    }
    for node in graph:
        args = [tensors[name] for name in node.inputs]
        if node.op == "mul":
            tensors[node.name] = args[0] * args[1]
        elif node.op == "add":
            tensors[node.name] = args[0] + args[1]
        elif node.op == "sub":
            tensors[node.name] = args[0] - args[1]
        elif node.op == "pow":
            tensors[node.name] = args[0] ** 2
        else:
            raise ValueError(f"unknown operation {node.op!r}")
    return tensors


def read_names(values: Mapping[str, float]) -> tuple[dict[str, str], str]:
    """Each operation kind's backward-function name, as torch reports it for the nodes of
    both graphs, and the name of the function that stores a parameter's gradient."""
    names: dict[str, str] = {}
    leaf = ""
    for graph in (GRAPH, SHARED_GRAPH):
        tensors = run_graph(graph, values)
        for node in graph:
            grad_fn = tensors[node.name].grad_fn
            assert grad_fn is not None, node.name
            names.setdefault(node.op, grad_fn.name())
            for function, _ in grad_fn.next_functions:
                if function is not None and function.name().endswith("AccumulateGrad"):
                    leaf = function.name().rpartition("::")[2]  # torch::autograd::…
    return names, leaf


def main() -> None:
    values = {"x": 2.0, "w1": 0.5, "w2": -0.3, "w3": 1.2, "target": 1.0}
    names, leaf = read_names(values)
    target = Path(__file__).resolve().parent.parent / "engine" / "torch_names.py"
    lines = [
        '"""The names PyTorch gives the backward functions of the engine\'s operations.',
        "",
        f"Recorded from torch {torch.__version__} by `python -m llmtutor.pytorch.autograd_names`;",
        "tests/engine/test_autograd.py checks them against a live torch run. Do not edit.",
        '"""',
        "",
        "BACKWARD_NAMES = {",
        *(f"    {json.dumps(op)}: {json.dumps(name)}," for op, name in sorted(names.items())),
        "}",
        f"LEAF_NAME = {json.dumps(leaf)}",
        "",
    ]
    target.write_text("\n".join(lines), encoding="utf-8")
    sys.stdout.write(target.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
