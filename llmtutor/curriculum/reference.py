"""The computation reference of docs/writing-lessons.md, generated from the engine.

Each computation's inputs (name, default, rule) and the names of the values and series it
produces come from `llmtutor.engine.COMPUTATIONS` itself, so the documentation cannot list
a name the engine does not have. A test compares the doc with `computation_reference()`;
after changing the engine, refresh the doc with

    python -m llmtutor.curriculum.reference docs/writing-lessons.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from llmtutor.engine import COMPUTATIONS, Computation, InputSpec, InputValue, fmt
from llmtutor.engine.facts import SHOWN_IN
from llmtutor.engine.inputs import LIMIT
from llmtutor.engine.trace import Quantity

BEGIN = "<!-- BEGIN GENERATED: computation reference (python -m llmtutor.curriculum.reference) -->"
END = "<!-- END GENERATED: computation reference -->"


def computation_reference() -> str:
    """Markdown: one section per computation, in the engine's order."""
    return "\n".join(_section(computation) for computation in COMPUTATIONS.values())


def _section(computation: Computation) -> str:
    trace = computation.run({})
    lines = [f"### `{computation.name}`", "", f"{_cell(computation.description)}.", ""]
    if computation.diagrams:
        diagrams = ", ".join(f"`{name}`" for name in computation.diagrams)
        lines += [f"Diagrams: {diagrams}.", ""]
    lines += ["| input | default | rule | meaning |", "| --- | --- | --- | --- |"]
    lines += [
        f"| `{spec.name}` | `{_toml(spec.default)}` | {input_rule(spec)} | "
        f"{_cell(spec.description)} |"
        for spec in computation.inputs
    ]
    if computation.validator is not None:
        lines += ["", "The inputs are also checked together (see each input's meaning)."]
    lines += ["", "Values, with the default inputs:", ""]
    lines += ["| value | shown as | formula |", "| --- | --- | --- |"]
    lines += [f"| `{q.name}` | {_cell(q.symbol)} | {_formula(q)} |" for q in trace.values()]
    facts = (*computation.facts, SHOWN_IN)
    lines += ["", "Facts, for `choose`:", ""]
    lines += [
        f"- `{fact.name}` ({_cell(fact.description)}): "
        + ", ".join(f"`{value}`" for value in fact.values)
        for fact in facts
    ]
    if trace.series:
        lines += ["", "Series, for `chart`:", ""]
        lines += [f"- `{s.name}`: {_cell(s.title)}" for s in trace.series.values()]
    return "\n".join(lines) + "\n"


def _formula(quantity: Quantity) -> str:
    """A value's formula; for one without, whether it is an input or a number the
    computation records as it is (a constant, a simulation's result), with its note."""
    if quantity.formula:
        return _cell(quantity.formula)
    if quantity.is_input:
        return "input"
    return _cell(f"recorded: {quantity.note}" if quantity.note else "recorded")


def input_rule(spec: InputSpec) -> str:
    """What a value of this input must be, in words: "a number > 0, ≤ 1"."""
    kinds = {
        "float": "a number",
        "int": "a whole number",
        "floats": f"a list of {spec.min_items} to {spec.max_items} numbers",
    }
    bounds = []
    if spec.positive:
        bounds.append("> 0")
    if spec.minimum is not None:
        bounds.append(f"≥ {fmt(spec.minimum)}")
    if spec.maximum is not None:
        bounds.append(f"≤ {fmt(spec.maximum)}")
    if spec.below is not None:
        bounds.append(f"< {fmt(spec.below)}")
    if spec.limit != LIMIT:  # the usual limit is stated once, above the reference
        bounds.append(f"at most {fmt(spec.limit)} in size")
    return " ".join([kinds[spec.kind], ", ".join(bounds)]).strip()


def _toml(value: InputValue) -> str:
    """A default as a lesson file writes it."""
    if isinstance(value, tuple):
        return "[" + ", ".join(repr(item) for item in value) + "]"
    return repr(value)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def replace_generated(document: str, reference: str) -> str:
    """`document` with the text between its BEGIN and END markers replaced by `reference`."""
    start = document.index(BEGIN) + len(BEGIN)
    end = document.index(END)
    return f"{document[:start]}\n\n{reference}\n{document[end:]}"


def generated_part(document: str) -> str:
    """The text between the markers, as `replace_generated` writes it."""
    start = document.index(BEGIN) + len(BEGIN)
    return document[start : document.index(END)].strip("\n") + "\n"


def main(argv: list[str]) -> int:
    """Print the reference, or with a path, rewrite that document's generated part."""
    if not argv:
        print(computation_reference(), end="")
        return 0
    path = Path(argv[0])
    path.write_text(replace_generated(path.read_text("utf-8"), computation_reference()), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
