"""What running a learner's file can come to: one frozen dataclass per kind of outcome, each
with a one-line `summary()` in plain words for the learner, and the values the learner's
function returned, decoded from the child's JSON (see `llmtutor.sandbox` for the encoding).

Every text field holds plain text (no markup) with its control characters made visible, so a
screen or the command line can show it as it is. Knows no UI; imports nothing heavy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from llmtutor.safe_text import visible

SUMMARY_EXCERPT = 160  # characters of a message quoted in a summary


def clean(text: object, one_line: bool = False) -> str:
    """Outside text made safe to show: a str (anything else becomes ""), with lone
    surrogates escaped and every control character replaced by a visible stand-in."""
    if not isinstance(text, str):
        return ""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return visible(text, one_line=one_line)


def _short(text: str, limit: int = SUMMARY_EXCERPT) -> str:
    """`text` on one line, visible, cut to `limit` characters."""
    line = clean(text, one_line=True)
    return line if len(line) <= limit else line[: limit - 1] + "…"


# -- returned values ------------------------------------------------------------------------


@dataclass(frozen=True)
class Array:
    """A torch tensor or numpy array that the function returned where a number or a list was
    probably meant: the checker can say "returned a tensor; return a float (loss.item())".

    `value` is its content as nested lists of floats (a float for a 0-d one), or None when it
    was too large to send back (more than `child.MAX_ARRAY_ELEMENTS` elements)."""

    library: str  # "torch" or "numpy"
    shape: tuple[int, ...]
    dtype: str  # "float64", "int64", "bool", … (torch's without its "torch." prefix)
    value: Value = None

    def describe(self) -> str:
        """ "a torch tensor of shape (3, 4), float64", "a 0-d torch tensor (2.5), float64"."""
        kind = "tensor" if self.library == "torch" else "array"
        if not self.shape:
            shown = f" ({self.value:g})" if isinstance(self.value, float) else ""
            return f"a 0-d {self.library} {kind}{shown}, {self.dtype}"
        shape = ", ".join(str(size) for size in self.shape)
        if len(self.shape) == 1:
            shape += ","
        return f"a {self.library} {kind} of shape ({shape}), {self.dtype}"


@dataclass(frozen=True)
class Unsupported:
    """A returned value of a kind the checker does not compare (a str, a set, an object of
    the learner's own class, a dict with a key that is not a str, …), named by its type."""

    type_name: str  # "str", "set", "Point", "numpy.complex128"
    detail: str = ""  # "'hello'", "key 3 is not a str", "nested too deeply"

    @property
    def kind(self) -> str:
        """ "a str ('hello')": the value in words, for a table of results."""
        article = "an" if self.type_name[:1].lower() in "aeiou" else "a"
        shown = f"{article} {self.type_name}"
        return f"{shown} ({self.detail})" if self.detail else shown


# A returned value, decoded: a float (from any int, float or numpy number), a bool, None, a
# list (from a list or a tuple), a dict with str keys, an Array or an Unsupported.
Value: TypeAlias = float | bool | Array | Unsupported | list["Value"] | dict[str, "Value"] | None


def decode(data: Any) -> Value:
    """A value of the child's JSON encoding, decoded (see `llmtutor.sandbox`)."""
    if data is None or isinstance(data, bool):
        return data
    if isinstance(data, int | float):
        return float(data)
    if isinstance(data, list):
        return [decode(item) for item in data]
    if isinstance(data, dict):
        tag = data.get("$")
        if tag == "dict" and isinstance(data.get("items"), dict):
            return {clean(key): decode(item) for key, item in data["items"].items()}
        if tag == "array":
            shape = data.get("shape")
            return Array(
                clean(data.get("library")),
                tuple(int(size) for size in shape) if isinstance(shape, list) else (),
                clean(data.get("dtype")),
                decode(data.get("value")),
            )
        if tag == "unsupported":
            return Unsupported(clean(data.get("type"), True), clean(data.get("detail"), True))
    return Unsupported(type(data).__name__, "not understood")


def as_number(value: Value) -> float | None:
    """A returned value as a float when it is one, else None (a bool is not a number here)."""
    if isinstance(value, float) and not isinstance(value, bool):
        return value
    return None


# -- outcomes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Returned:
    """The function ran for every call: `results[i]` is call i's return value, decoded.
    `extra` holds what the driver adds ("train_step": {"weight": the final table})."""

    results: list[Value]
    output: str = ""  # what the learner's code printed (stdout and stderr together)
    extra: dict[str, Value] = field(default_factory=dict)

    def summary(self) -> str:
        calls = len(self.results)
        return f"your code ran without errors ({calls} call{'' if calls == 1 else 's'})"


@dataclass(frozen=True)
class SyntaxProblem:
    """The learner's file does not compile."""

    line: int | None
    column: int | None
    message: str  # Python's: "invalid syntax", "expected ':'", …
    source_line: str  # the line as it is in the file (without its newline)
    output: str = ""

    def summary(self) -> str:
        where = f"line {self.line}" if self.line is not None else "your file"
        return f"{where}: {_short(self.message)}"


@dataclass(frozen=True)
class Raised:
    """An exception in the learner's code, while their file was loading (`call` None) or in
    call `call` (counted from 0, as `Returned.results`). `traceback` shows only the frames of
    the learner's file, under the name they know, and the exception's last line."""

    type_name: str  # "ZeroDivisionError"
    message: str  # "division by zero"
    traceback: str
    call: int | None
    line: int | None = None  # the line of the learner's file where it happened (last frame)
    output: str = ""
    results: list[Value] = field(default_factory=list)  # the calls' values before it raised

    def summary(self) -> str:
        where = f"line {self.line}" if self.line is not None else "your code"
        first = self.message.strip().splitlines()[0] if self.message.strip() else ""
        error = f"{self.type_name}: {first}" if first else self.type_name
        text = f"{where}: {_short(error)}"
        if self.call is None:
            text += " (while your file was loading)"
        if self.type_name == "EOFError":
            text += "; your code asked for input, and the checker types none"
        elif self.type_name == "RecursionError":
            text += "; does the function call itself without end?"
        return text


@dataclass(frozen=True)
class NoFunction:
    """The file defines no function of that name: `found` lists those it does define."""

    name: str
    found: list[str]
    output: str = ""

    def summary(self) -> str:
        if self.found:
            return (
                f"your file defines no function named {self.name} "
                f"(it defines: {_short(', '.join(self.found))})"
            )
        return f"your file defines no function named {self.name} (it defines no functions)"


@dataclass(frozen=True)
class TimedOut:
    """The learner's code ran for more than `seconds` and was stopped."""

    seconds: float
    output: str = ""

    def summary(self) -> str:
        return (
            f"your code ran for more than {_seconds(self.seconds)} and was stopped; "
            "is there a loop that never ends?"
        )


@dataclass(frozen=True)
class OutOfMemory:
    """The learner's code needed more than `limit_mb` MB of memory (a MemoryError, or an
    allocation that failed) and was stopped."""

    limit_mb: int
    output: str = ""

    def summary(self) -> str:
        return (
            f"your code needed more than {self.limit_mb:,} MB of memory and was stopped; "
            "is a list or a tensor far larger than you meant?"
        )


@dataclass(frozen=True)
class Crashed:
    """The process ended without reporting back: killed by a signal (`signal_name`), or
    exited (`exit_status`, e.g. `os._exit(3)`), or the learner's code called `sys.exit`."""

    detail: str  # in words: "it called sys.exit(0) while the function ran"
    exit_status: int | None = None
    signal_name: str | None = None  # "SIGKILL", "SIGSEGV"
    output: str = ""

    def summary(self) -> str:
        return f"your code stopped the checker: {_short(self.detail, 200)}"


@dataclass(frozen=True)
class Unreadable:
    """The learner's file could not be read (missing, a folder, no permission)."""

    message: str

    output: str = ""

    def summary(self) -> str:
        return f"your file could not be read: {_short(self.message)}"


@dataclass(frozen=True)
class Cancelled:
    """The run was stopped from outside before it ended (the tutor closed the screen)."""

    output: str = ""

    def summary(self) -> str:
        return "the check was stopped before it ended"


Outcome: TypeAlias = (
    Returned
    | SyntaxProblem
    | Raised
    | NoFunction
    | TimedOut
    | OutOfMemory
    | Crashed
    | Unreadable
    | Cancelled
)


def _seconds(seconds: float) -> str:
    if math.isfinite(seconds) and seconds == int(seconds):
        return f"{int(seconds)} s"
    return f"{seconds:g} s"
