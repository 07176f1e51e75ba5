"""What a computation accepts: each input's name, default and the values that make sense."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class InputSpec:
    name: str
    default: float
    description: str
    symbol: str | None = None
    positive: bool = False  # must be > 0 (a learning rate, say)

    def check(self, value: object) -> str | None:
        """Return why `value` is not acceptable for this input, or None when it is."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{self.name} must be a number, not {type(value).__name__}"
        number = float(value)
        if not math.isfinite(number):
            return f"{self.name} must be a finite number, not {value}"
        if abs(number) > 1e12:
            return f"{self.name} = {value} is too large to teach with (limit 1e12)"
        if self.positive and number <= 0:
            return f"{self.name} must be greater than 0, not {value}"
        return None

    def parse(self, text: str) -> float:
        """Read a value typed by the learner, e.g. on the command line. Raises ValueError."""
        try:
            number = float(text.strip().replace("_", ""))
        except ValueError:
            raise ValueError(f"{self.name} must be a number, not {text!r}") from None
        problem = self.check(number)
        if problem:
            raise ValueError(problem)
        return number
