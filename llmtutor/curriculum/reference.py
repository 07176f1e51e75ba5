"""The computation reference of docs/writing-lessons.md and the exercise reference of
docs/writing-exercises.md, generated from the engine.

Each computation's inputs (name, default, rule) and the names of the values and series it
produces come from `llmtutor.engine.COMPUTATIONS` itself, so the documentation cannot list
a name the engine does not have. A test compares the doc with `computation_reference()`;
after changing the engine, refresh the docs with

    python -m llmtutor.curriculum.reference docs/writing-lessons.md docs/writing-exercises.md
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from llmtutor.engine import COMPUTATIONS, Computation, InputSpec, InputValue, fmt
from llmtutor.engine.facts import SHOWN_IN
from llmtutor.engine.inputs import LIMIT
from llmtutor.engine.trace import Quantity

if TYPE_CHECKING:
    from llmtutor.engine.exercises import Check

BEGIN = "<!-- BEGIN GENERATED: computation reference (python -m llmtutor.curriculum.reference) -->"
END = "<!-- END GENERATED: computation reference -->"
EXERCISE_BEGIN = (
    "<!-- BEGIN GENERATED: exercise reference (python -m llmtutor.curriculum.reference) -->"
)
EXERCISE_END = "<!-- END GENERATED: exercise reference -->"


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


def exercise_reference() -> str:
    """Markdown: one section per exercise of the engine: the function, what it returns
    (with the formulas, on the article's inputs), its hint topics and its known mistakes."""
    from llmtutor.engine.exercises import EXERCISES

    sections = []
    for math in EXERCISES.values():
        check = math.compute(math.article[0])
        signature = f"{math.function}({', '.join(math.parameters)})"
        lines = [f"### `{math.name}`", "", f"The learner writes `{signature}`."]
        if math.returns == "dict":
            keys = ", ".join(f"`{key}`" for key in _names(check))
            # An exercise whose names follow its inputs (autograd's: one per node of the
            # graph it is given) is told apart on the sets the checker itself draws.
            if all(_names(math.compute(s)) == _names(check) for s in math.input_sets(20)):
                lines += [f"It returns a dict with exactly these names: {keys}."]
            else:
                lines += [
                    "It returns a dict whose names depend on its inputs; "
                    f"on the first input set: {keys}."
                ]
        else:
            lines += ["Each call returns one number. The values checked:"]
        lines += ["", "| checked value | topic (hint) | formula |", "| --- | --- | --- |"]
        lines += [
            f"| `{name}` | `{check.topics[name]}` | {_cell(check[name].formula or 'measured')} |"
            for name in check.checked
        ]
        lines += ["", "Known mistakes, and the value each gives instead (where it first can):", ""]
        seen: set[str] = set()
        for name in check.checked:
            for mistake, wrong in check.mistakes[name]:
                if mistake in seen:
                    continue
                seen.add(mistake)
                shown = wrong.formula() if wrong.op != "num" else "measured by the engine"
                if wrong.op == "ref":  # another quantity taken for this one
                    shown = wrong.symbol
                lines.append(f"- `{mistake}`: `{name}` = {_cell(shown)}")
        for mistake in math.mistakes:
            if mistake not in seen:  # only some inputs reach it (a warmup step, say)
                lines.append(f"- `{mistake}`: on some inputs only")
        sections.append("\n".join(lines) + "\n")
    return "\n".join(sections)


def _names(check: Check) -> list[str]:
    """The names a dict exercise returns for one input set, in order ("losses[0]" is
    "losses")."""
    return list(dict.fromkeys(name.partition("[")[0] for name in check.checked))


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


def replace_generated(
    document: str, reference: str, begin: str = BEGIN, end_marker: str = END
) -> str:
    """`document` with the text between its BEGIN and END markers replaced by `reference`."""
    start = document.index(begin) + len(begin)
    end = document.index(end_marker)
    return f"{document[:start]}\n\n{reference}\n{document[end:]}"


def generated_part(document: str, begin: str = BEGIN, end_marker: str = END) -> str:
    """The text between the markers, as `replace_generated` writes it."""
    start = document.index(begin) + len(begin)
    return document[start : document.index(end_marker)].strip("\n") + "\n"


def main(argv: list[str]) -> int:
    """Print the computation reference, or rewrite the generated parts of the documents
    given (each holds the markers of one reference or the other)."""
    if not argv:
        print(computation_reference(), end="")
        return 0
    for name in argv:
        path = Path(name)
        document = path.read_text("utf-8")
        if BEGIN in document:
            document = replace_generated(document, computation_reference())
        if EXERCISE_BEGIN in document:
            document = replace_generated(
                document, exercise_reference(), EXERCISE_BEGIN, EXERCISE_END
            )
        path.write_text(document, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
