"""Find where a key is written in a TOML document, so lesson errors can say `path:line:col`.

`tomllib` parses but forgets where things were. This scanner reads the same text line by
line and records where each key path starts: `("steps", 2, "reveal")` is the `reveal` key
of the third `[[steps]]` table. For each key it knows the line, the column of the key's
first character, the column where its value starts and the last line of that value. It
understands just enough TOML for that: tables, arrays of tables, dotted keys, and
multi-line strings and arrays (whose insides it skips).

Lines and columns count the way `tomllib` counts them: lines are separated by "\\n" only,
and a column is a 1-based character index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KeyPath = tuple[str | int, ...]

_TABLE = re.compile(r"^\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ARRAY_TABLE = re.compile(r"^\[\[\s*([^\[\]]+?)\s*\]\]\s*(#.*)?$")
_KEY = re.compile(
    r"""^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$"""
)


def source_lines(text: str) -> list[str]:
    """The lines of `text` as TOML numbers them (a "\\r" before a "\\n" is not shown)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _split_key(key: str) -> tuple[str, ...]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", key)
    return tuple(part.strip("\"'") for part in parts)


def _bracket_depth(text: str) -> int:
    """Net count of [ minus ] outside strings (good enough for lesson files)."""
    depth, quote = 0, ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
    return depth


@dataclass(frozen=True)
class Spot:
    """Where one key (or table header) is written."""

    line: int
    column: int  # the key's first character; for a table header, its "["
    value_column: int  # the value's first character, on the same line (TOML requires it)
    end_line: int  # the value's last line: later than `line` for multi-line strings and arrays


class LineIndex:
    def __init__(self, text: str) -> None:
        self.lines = source_lines(text)
        self._spots: dict[KeyPath, Spot] = {}
        self._scan()

    def _scan(self) -> None:
        table: KeyPath = ()
        counters: dict[KeyPath, int] = {}  # the last index of each array of tables
        closing = ""  # the delimiter of the multi-line string we are inside, if any
        depth = 0  # open brackets of a multi-line array
        open_key: KeyPath | None = None  # the key whose multi-line value we are inside
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            if closing or depth > 0:
                if closing and line.count(closing) % 2 == 1:
                    closing = ""
                elif depth > 0:
                    depth += _bracket_depth(line)
                if not closing and depth <= 0 and open_key is not None:
                    self._extend(open_key, number)
                continue
            if not line or line.startswith("#"):
                continue
            column = len(raw) - len(raw.lstrip()) + 1
            if match := _ARRAY_TABLE.match(line):
                name = _resolve(_split_key(match.group(1)), counters)
                counters[name] = counters.get(name, -1) + 1
                table = (*name, counters[name])
                self._record(name, Spot(number, column, column, number))  # the array: at its first
                self._record(table, Spot(number, column, column, number))
                continue
            if match := _TABLE.match(line):
                table = _resolve(_split_key(match.group(1)), counters)
                self._record(table, Spot(number, column, column, number))
                continue
            if match := _KEY.match(line):
                value = match.group(2)
                value_column = column + match.start(2) + len(value) - len(value.lstrip())
                open_key = (*table, *_split_key(match.group(1)))
                self._record(open_key, Spot(number, column, value_column, number))
                closing, depth = _opens(value.strip())

    def _record(self, path: KeyPath, spot: Spot) -> None:
        self._spots.setdefault(path, spot)  # the first place wins; tomllib rejects a second

    def _extend(self, path: KeyPath, end_line: int) -> None:
        spot = self._spots[path]
        if spot.line < end_line and spot.end_line == spot.line:
            self._spots[path] = Spot(spot.line, spot.column, spot.value_column, end_line)

    def spot(self, path: KeyPath) -> Spot | None:
        """Where `path` itself is written, or None (not written, or inside an inline table)."""
        return self._spots.get(path)

    def nearest(self, path: KeyPath) -> Spot:
        """Where `path` is written, or its nearest written parent, or the file's start.

        A key inside an inline table (`inputs = { w1 = 0.5 }`) is found at its table's key.
        """
        for end in range(len(path), 0, -1):
            if path[:end] in self._spots:
                return self._spots[path[:end]]
        last = max(len(self.lines), 1)
        return Spot(1, 1, 1, last)

    def line_of(self, path: KeyPath) -> int | None:
        """The line where `path` is written, or its nearest written parent; None if neither."""
        for end in range(len(path), 0, -1):
            if path[:end] in self._spots:
                return self._spots[path[:end]].line
        return None

    def key_position(self, path: KeyPath) -> tuple[int, int]:
        """Line and column of the key `path`. A key inside an inline table is looked for by
        name in its table's value; failing that, the nearest written parent's key."""
        spot = self.spot(path)
        if spot is None and path and isinstance(path[-1], str):
            found = self.find_after(path, path[-1])
            if found:
                return found
        spot = spot or self.nearest(path)
        return spot.line, spot.column

    def value_position(self, path: KeyPath) -> tuple[int, int]:
        """Line and column where the value of `path` starts (or its nearest parent's key)."""
        spot = self.spot(path)
        if spot is None:
            return self.key_position(path)
        return spot.line, spot.value_column

    def find_after(self, path: KeyPath, needle: str) -> tuple[int, int] | None:
        """Line and 1-based column of `needle` within the value of `path`, or None.

        Used to point at one item of a list or one placeholder inside a long text. When
        `path` is inside an inline table, the search covers its nearest written parent.
        """
        spot = self.nearest(path)
        for number in range(spot.line, spot.end_line + 1):
            line = self.lines[number - 1]
            start = spot.value_column - 1 if number == spot.line else 0
            column = line.find(needle, start)
            if column >= 0:
                return number, column + 1
        return None


def _resolve(name: tuple[str, ...], counters: dict[KeyPath, int]) -> KeyPath:
    """A header's key path with the index of each array of tables it passes through: after
    the third `[[steps]]`, `[steps.choose.x]` is ("steps", 2, "choose", "x")."""
    path: list[str | int] = []
    for position, part in enumerate(name):
        path.append(part)
        index = counters.get(tuple(path))
        if index is not None and position < len(name) - 1:
            path.append(index)
    return tuple(path)


def _opens(value: str) -> tuple[str, int]:
    """What a value's first line leaves open: a multi-line string's delimiter, or the
    depth of an array that goes on over the next lines."""
    for delimiter in ('"""', "'''"):
        if value.count(delimiter) % 2 == 1:
            return delimiter, 0
    return "", max(0, _bracket_depth(value))


def inline_item_position(
    index: LineIndex, array: KeyPath, item: int, key: str | None, value: bool = False
) -> tuple[int, int] | None:
    """Where item `item` of an array of inline tables (`runs = [{ a = 1 }, { b = 2 }]`) is
    written: its `{`, or with `key`, that key (with `value`, the key's value) inside it, or
    the item's `{` when the key is not written bare there. None when the array is not
    written as a value, or has no such item.

    It reads just enough TOML for that: strings (skipped), comments, and the depth of the
    brackets and braces, counting the tables directly inside the array's `[`.
    """
    spot = index.spot(array)
    if spot is None:
        return None
    chars: list[tuple[int, int, str]] = []  # (line, column, character), "\n" between lines
    for number in range(spot.line, spot.end_line + 1):
        text = index.lines[number - 1]
        start = spot.value_column - 1 if number == spot.line else 0
        chars += [(number, column + 1, text[column]) for column in range(start, len(text))]
        chars.append((number, len(text) + 1, "\n"))
    depth, found, start_at = 0, -1, None
    expect_key = False  # inside the item, just after its "{" or a ","
    position = 0
    while position < len(chars):
        line, column, char = chars[position]
        position += 1
        if char in "\"'":  # a string: skipped to its closing quote (or the line's end)
            while position < len(chars) and chars[position][2] not in (char, "\n"):
                position += 2 if char == '"' and chars[position][2] == "\\" else 1
            position += 1
            expect_key = False
        elif char == "#":
            while position < len(chars) and chars[position][2] != "\n":
                position += 1
        elif char in "[{":
            depth += 1
            if depth == 2 and char == "{":
                found += 1
                if found == item:
                    if key is None:
                        return line, column
                    start_at, expect_key = (line, column), True
        elif char in "]}":
            if start_at is not None and depth == 2:
                return start_at  # the key is not written bare in the item
            depth -= 1
            if depth <= 0:
                return None
        elif char == "," and start_at is not None and depth == 2:
            expect_key = True
        elif start_at is not None and depth == 2 and (char.isalnum() or char in "_-"):
            word_start = position - 1
            while position < len(chars) and (
                chars[position][2].isalnum() or chars[position][2] in "_-"
            ):
                position += 1
            word = "".join(c for _, _, c in chars[word_start:position])
            after = position
            while after < len(chars) and chars[after][2] in " \t":
                after += 1
            if expect_key and word == key and after < len(chars) and chars[after][2] == "=":
                if not value:
                    return line, column
                after += 1
                while after < len(chars) and chars[after][2] in " \t":
                    after += 1
                return chars[after][0], chars[after][1]
            expect_key = False
    return start_at
