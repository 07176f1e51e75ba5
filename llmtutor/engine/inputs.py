"""What a computation accepts: each input's name, default and the values that make sense.

An input is one of three kinds:

- "float": a number (the default),
- "int": a whole number (a count of layers or steps),
- "floats": a list of numbers (a sequence of gradients), stored as a tuple.

`check` says why a value is not acceptable (or None), `parse` reads what a learner typed and
raises ValueError with a one-line reason, and `normalize` turns an accepted value into the form
a computation receives (float, int, or tuple of floats).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llmtutor.safe_text import excerpt

KINDS = ("float", "int", "floats")
LIMIT = 1e12  # larger magnitudes are not something a lesson can teach with

InputValue = float | int | tuple[float, ...]


@dataclass(frozen=True)
class InputSpec:
    name: str
    default: InputValue
    description: str
    symbol: str | None = None
    positive: bool = False  # must be > 0 (a learning rate, say)
    kind: str = "float"  # "float", "int" or "floats"
    minimum: float | None = None  # inclusive lower bound
    maximum: float | None = None  # inclusive upper bound
    below: float | None = None  # exclusive upper bound (β must stay below 1)
    limit: float = LIMIT  # largest magnitude accepted
    min_items: int = 1  # "floats" only: how many numbers at least
    max_items: int = 64  # "floats" only: how many numbers at most

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"input {self.name!r}: unknown kind {self.kind!r}")
        if self.kind == "floats" and isinstance(self.default, list | tuple):
            object.__setattr__(self, "default", tuple(float(v) for v in self.default))
        problem = self.check(self.default)
        if problem:
            raise ValueError(f"input {self.name!r}: default is not acceptable: {problem}")

    # -- checking -------------------------------------------------------------------------

    def check(self, value: object) -> str | None:
        """Return why `value` is not acceptable for this input, or None when it is."""
        if self.kind == "floats":
            return self._check_list(value)
        return self._check_number(value, self.name)

    def _check_number(self, value: object, label: str) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{label} must be a number, not {type(value).__name__}"
        number = float(value)
        if not math.isfinite(number):
            return f"{label} must be a finite number, not {value}"
        if abs(number) > self.limit:
            return f"{label} = {value} is too large to teach with (limit {self.limit:g})"
        if self.kind == "int" and not number.is_integer():
            return f"{label} must be a whole number, not {value}"
        if self.positive and number <= 0:
            return f"{label} must be greater than 0, not {value}"
        if self.minimum is not None and number < self.minimum:
            return f"{label} must be at least {self.minimum:g}, not {value}"
        if self.maximum is not None and number > self.maximum:
            return f"{label} must be at most {self.maximum:g}, not {value}"
        if self.below is not None and number >= self.below:
            return f"{label} must be less than {self.below:g}, not {value}"
        return None

    def _check_list(self, value: object) -> str | None:
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            return f"{self.name} must be a list of numbers, not {type(value).__name__}"
        if len(value) < self.min_items:
            return f"{self.name} needs at least {self.min_items} number(s), got {len(value)}"
        if len(value) > self.max_items:
            return f"{self.name} takes at most {self.max_items} numbers, got {len(value)}"
        for index, item in enumerate(value, start=1):
            problem = self._check_number(item, f"{self.name} item {index}")
            if problem:
                return problem
        return None

    # -- reading and normalizing ------------------------------------------------------------

    def normalize(self, value: object) -> InputValue:
        """An accepted value in the form the computation takes: float, int or tuple of floats."""
        if self.kind == "floats":
            return tuple(float(v) for v in value)  # type: ignore[attr-defined]
        if self.kind == "int":
            return int(float(value))  # type: ignore[arg-type]
        return float(value)  # type: ignore[arg-type]

    def parse(self, text: str) -> InputValue:
        """Read a value typed by the learner, e.g. on the command line. Raises ValueError."""
        if self.kind == "floats":
            value: object = self._parse_list(text)
        else:
            value = _number(text, self.name)
        problem = self.check(value)
        if problem:
            raise ValueError(problem)
        return self.normalize(value)

    def _parse_list(self, text: str) -> list[float]:
        body = text.strip()
        if body and body[0] in "[(" and body[-1] in "])":
            body = body[1:-1].strip()
        if not body:
            raise ValueError(f"{self.name} needs at least {self.min_items} number(s), got none")
        items = body.split(",") if "," in body else body.split()
        numbers = []
        for index, item in enumerate(items, start=1):
            if not item.strip():
                raise ValueError(f"{self.name} item {index} is empty in {excerpt(text)}")
            numbers.append(_number(item, f"{self.name} item {index}"))
        return numbers


def _number(text: str, label: str) -> float:
    """Read one number the way Python does (0.5, -2, 3e-4, 2_000); raise ValueError if not one.

    "nan" and "inf" are read here and turned away by `check`, with the reason.
    """
    try:
        return float(text.strip().replace("_", ""))
    except ValueError:
        raise ValueError(f"{label} must be a number, not {excerpt(text)}") from None
