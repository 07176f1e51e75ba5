"""Find the line of a key in a TOML document, so lesson errors can say `path:line`.

`tomllib` parses but forgets where things were. This scanner reads the same text line by
line and records where each key path starts: `("steps", 2, "reveal")` is the `reveal` key
of the third `[[steps]]` table. It understands just enough TOML for that: tables, arrays of
tables, dotted keys, and multi-line strings and arrays (whose insides it skips).
"""

from __future__ import annotations

import re

KeyPath = tuple[str | int, ...]

_TABLE = re.compile(r"^\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ARRAY_TABLE = re.compile(r"^\[\[\s*([^\[\]]+?)\s*\]\]\s*(#.*)?$")
_KEY = re.compile(
    r"""^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$"""
)


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


class LineIndex:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._where: dict[KeyPath, int] = {}
        self._scan()

    def _scan(self) -> None:
        table: KeyPath = ()
        counters: dict[tuple[str, ...], int] = {}
        closing = ""  # the delimiter of the multi-line string we are inside, if any
        depth = 0  # open brackets of a multi-line array
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            if closing:
                if line.count(closing) % 2 == 1:
                    closing = ""
                continue
            if depth > 0:
                depth += _bracket_depth(line)
                continue
            if not line or line.startswith("#"):
                continue
            if match := _ARRAY_TABLE.match(line):
                name = _split_key(match.group(1))
                counters[name] = counters.get(name, -1) + 1
                table = (*name, counters[name])
                self._where.setdefault(table, number)
                continue
            if match := _TABLE.match(line):
                table = _split_key(match.group(1))
                self._where.setdefault(table, number)
                continue
            if match := _KEY.match(line):
                self._where.setdefault((*table, *_split_key(match.group(1))), number)
                value = match.group(2).strip()
                for delimiter in ('"""', "'''"):
                    if value.count(delimiter) % 2 == 1:
                        closing = delimiter
                        break
                else:
                    depth = max(0, _bracket_depth(value))

    def line_of(self, path: KeyPath) -> int | None:
        """The line where `path` is written, or its nearest written parent; None if neither."""
        for end in range(len(path), 0, -1):
            if path[:end] in self._where:
                return self._where[path[:end]]
        return None

    def find_after(self, path: KeyPath, needle: str) -> tuple[int, int] | None:
        """Line and 1-based column of `needle` at or after the line of `path`, within its value.

        Used to point at one item of a list or one placeholder inside a long text.
        """
        start = self.line_of(path)
        if start is None:
            return None
        for number in range(start, len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > start and (_TABLE.match(line.strip()) or _KEY.match(line.strip())):
                break  # reached the next key: the needle is not in this value
            column = line.find(needle)
            if column >= 0:
                return number, column + 1
        return None
