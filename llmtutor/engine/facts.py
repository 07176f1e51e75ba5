"""Facts: named, computed statements about a computation's results.

A lesson's words must stay true for every input the learner can give. Where a sentence
depends on the numbers ("the loss went down"), the computation states the fact ("after_step"
is "down", "up", "same" or "not_finite") and the lesson file gives one text for each value
the fact can take. The loader checks that every value has its text, so no input can reach
a sentence written for another case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    name: str
    description: str
    values: tuple[str, ...]  # every value it can take: a lesson's choice needs a text for each

    def __post_init__(self) -> None:
        if len(set(self.values)) != len(self.values) or "fact" in self.values:
            raise ValueError(f"fact {self.name!r}: values must differ and not be 'fact'")


# Where the text is read: the app's keys or the command line's flags.
SHOWN_IN = Fact(
    "shown_in", "where the lesson is read: in the app, or printed by --plain", ("app", "plain")
)

SIGNS = ("positive", "negative", "zero", "not_finite")
CHANGES = ("down", "up", "same", "not_finite")


def sign(value: float) -> str:
    """ "positive", "negative", "zero", or "not_finite" for ±∞ and nan."""
    if not math.isfinite(value):
        return "not_finite"
    return "positive" if value > 0 else "negative" if value < 0 else "zero"


def change(after: float, before: float) -> str:
    """How `after` compares with `before`: "down", "up", "same" or "not_finite"."""
    if not (math.isfinite(after) and math.isfinite(before)):
        return "not_finite"
    return "down" if after < before else "up" if after > before else "same"
