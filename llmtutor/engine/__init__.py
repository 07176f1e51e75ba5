"""Pure computation: every number the tutor shows comes from here. No UI, no torch."""

from llmtutor.engine.expr import Expr
from llmtutor.engine.facts import Fact
from llmtutor.engine.inputs import InputSpec, InputValue
from llmtutor.engine.numbers import fmt, fmt_input, term
from llmtutor.engine.registry import COMPUTATIONS, Computation
from llmtutor.engine.trace import Quantity, Series, Trace

__all__ = [
    "COMPUTATIONS",
    "Computation",
    "Expr",
    "Fact",
    "InputSpec",
    "InputValue",
    "Quantity",
    "Series",
    "Trace",
    "fmt",
    "fmt_input",
    "term",
]
