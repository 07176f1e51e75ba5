"""The computations lessons can name, each with the inputs it accepts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from llmtutor.engine import (
    adam,
    adamw,
    autograd,
    chain_rule,
    gradients,
    landscape,
    loss,
    schedule,
    sgd,
    toy_network,
    training_step,
)
from llmtutor.engine.facts import SHOWN_IN, Fact
from llmtutor.engine.inputs import InputSpec, InputValue
from llmtutor.engine.trace import Trace


@dataclass(frozen=True)
class Computation:
    name: str
    description: str
    inputs: tuple[InputSpec, ...]
    function: Callable[..., Trace]
    diagrams: tuple[str, ...] = ()  # the diagrams that can draw this computation's trace
    # A check that involves several inputs at once (warmup shorter than the whole run, say):
    # given every input's value, return why they do not go together, or None.
    validator: Callable[[Mapping[str, Any]], str | None] | None = None
    facts: tuple[Fact, ...] = ()  # the facts its traces state, for lesson text to choose by

    def fact(self, name: str) -> Fact | None:
        """A fact lesson text can choose by: one of this computation's, or `shown_in`."""
        known = (*self.facts, SHOWN_IN)
        return next((fact for fact in known if fact.name == name), None)

    def input(self, name: str) -> InputSpec | None:
        return next((spec for spec in self.inputs if spec.name == name), None)

    def defaults(self) -> dict[str, InputValue]:
        return {spec.name: spec.default for spec in self.inputs}

    def validate(self, values: Mapping[str, object]) -> str | None:
        """Why `values` (over the defaults) cannot be computed with, or None when they can.

        Checks each value against its input, then the inputs together.
        """
        for name, value in values.items():
            spec = self.input(name)
            if spec is None:
                known = ", ".join(s.name for s in self.inputs) or "none"
                return f"{self.name!r} has no input {name!r} (its inputs: {known})"
            problem = spec.check(value)
            if problem:
                return problem
        if self.validator is None:
            return None
        return self.validator(self._complete(values))

    def run(self, values: Mapping[str, object]) -> Trace:
        """Compute with `values` (validated by the caller) over the defaults."""
        return self.function(**self._complete(values))

    def _complete(self, values: Mapping[str, object]) -> dict[str, Any]:
        """The defaults with `values` over them, each in the form its input takes."""
        merged: dict[str, Any] = {**self.defaults(), **values}
        for name, value in merged.items():
            spec = self.input(name)
            if spec is not None:
                merged[name] = spec.normalize(value)
        return merged


COMPUTATIONS: dict[str, Computation] = {
    c.name: c
    for c in (
        Computation(
            "toy_network",
            "toy network h = x·w1, a = h·w2, y = a·w3, L = (y − target)²: gradients, one update",
            toy_network.INPUTS,
            toy_network.compute,
            diagrams=("toy-network",),
            facts=toy_network.FACTS,
        ),
        Computation(
            "autograd",
            "the toy network's forward pass as autograd records it, node by node, and"
            " backward() walked through it in reverse; a value used twice; zero_grad",
            autograd.INPUTS,
            autograd.compute,
            diagrams=("autograd-graph",),
        ),
        Computation(
            "cross_entropy",
            "cross-entropy loss −ln(p), a table of losses, an average over tokens, perplexity",
            loss.INPUTS,
            loss.compute,
            facts=loss.FACTS,
        ),
        Computation(
            "slope",
            "a one-parameter loss curve: its slope, a small nudge, one gradient-descent step",
            gradients.INPUTS,
            gradients.compute,
            facts=gradients.FACTS,
        ),
        Computation(
            "chain_rule",
            "gradients multiplied through many layers: vanishing, and residual connections",
            chain_rule.INPUTS,
            chain_rule.compute,
            facts=chain_rule.FACTS,
        ),
        Computation(
            "adam",
            "Adam on one parameter step by step: momentum, squared average, bias correction",
            adam.INPUTS,
            adam.compute,
            facts=adam.FACTS,
        ),
        Computation(
            "adamw",
            "weight decay two ways on one parameter: L2 through Adam's m and v, or AdamW's"
            " decoupled decay beside the update",
            adamw.INPUTS,
            adamw.compute,
            facts=adamw.FACTS,
        ),
        Computation(
            "landscape",
            "gradient descent, SGD, momentum and Adam racing on maps of a loss over two weights",
            landscape.INPUTS,
            landscape.compute,
            facts=landscape.FACTS,
        ),
        Computation(
            "schedule",
            "learning-rate schedule: linear warmup, then cosine decay to a floor",
            schedule.INPUTS,
            schedule.compute,
            validator=schedule.validate,
            facts=schedule.FACTS,
        ),
        Computation(
            "saddle",
            "plain vs noisy gradient descent from a saddle point; batches and steps",
            sgd.INPUTS,
            sgd.compute,
            facts=sgd.FACTS,
        ),
        Computation(
            "training_step",
            "one full training step on a tiny character model: batch, loss, backward, Adam",
            training_step.INPUTS,
            training_step.compute,
            facts=training_step.FACTS,
        ),
    )
}
