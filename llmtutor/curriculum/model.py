"""What a lesson is, once loaded and validated."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from llmtutor.engine import Computation, InputSpec, Trace, fmt

# {name} in lesson text is replaced by that value, formatted; {{ and }} are literal braces.
# This is plain text substitution: nothing in a lesson is ever evaluated.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(text: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(1)]


def fill(text: str, trace: Trace) -> str:
    """Put computed values into lesson text. Unknown names stay as written."""

    def replace(match: re.Match[str]) -> str:
        token, name = match.group(0), match.group(1)
        if name is None:
            return token[0]
        return fmt(trace[name].value) if name in trace else token

    return PLACEHOLDER.sub(replace, text)


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    reveal: tuple[str, ...] = ()


class InputError(ValueError):
    """A learner's override that the lesson cannot take; the message says why."""


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    computation: Computation
    defaults: dict[str, float]  # the lesson's inputs and their defaults, in file order
    steps: tuple[Step, ...]
    path: Path
    diagram: str | None = None
    order: int = 1000
    input_symbols: dict[str, str] = field(default_factory=dict)

    @property
    def input_specs(self) -> list[InputSpec]:
        specs = (self.computation.input(name) for name in self.defaults)
        return [spec for spec in specs if spec is not None]

    def parse_overrides(self, overrides: dict[str, str]) -> dict[str, float]:
        """Turn `KEY=VALUE` texts into input values; raise InputError on the first bad one."""
        values: dict[str, float] = {}
        for key, text in overrides.items():
            spec = self.computation.input(key)
            if key not in self.defaults or spec is None:
                known = ", ".join(self.defaults) or "none"
                raise InputError(f"lesson {self.id!r} has no input {key!r} (its inputs: {known})")
            try:
                values[key] = spec.parse(text)
            except ValueError as error:
                raise InputError(str(error)) from None
        return values

    def compute(self, values: dict[str, float] | None = None) -> Trace:
        return self.computation.run({**self.defaults, **(values or {})})

    def revealed_through(self, index: int) -> list[str]:
        """Names revealed by steps 0..index, in the order they were revealed."""
        names: list[str] = []
        for step in self.steps[: index + 1]:
            names.extend(name for name in step.reveal if name not in names)
        return names
