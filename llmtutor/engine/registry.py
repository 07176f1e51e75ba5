"""The computations lessons can name, each with the inputs it accepts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llmtutor.engine import toy_network
from llmtutor.engine.inputs import InputSpec
from llmtutor.engine.trace import Trace


@dataclass(frozen=True)
class Computation:
    name: str
    description: str
    inputs: tuple[InputSpec, ...]
    function: Callable[..., Trace]
    diagrams: tuple[str, ...] = ()  # the diagrams that can draw this computation's trace

    def input(self, name: str) -> InputSpec | None:
        return next((spec for spec in self.inputs if spec.name == name), None)

    def defaults(self) -> dict[str, float]:
        return {spec.name: spec.default for spec in self.inputs}

    def run(self, values: dict[str, float]) -> Trace:
        """Compute with `values` (validated by the caller) over the defaults."""
        return self.function(**{**self.defaults(), **values})


COMPUTATIONS: dict[str, Computation] = {
    c.name: c
    for c in (
        Computation(
            "toy_network",
            "toy network h = x·w1, a = h·w2, y = a·w3, L = (y − target)²: gradients, one update",
            toy_network.INPUTS,
            toy_network.compute,
            diagrams=("toy-network",),
        ),
    )
}
