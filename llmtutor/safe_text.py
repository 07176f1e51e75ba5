"""Text from outside the program (lesson files, paths, settings, what the learner types)
made safe to show: no character in it may drive the terminal.

`check` refuses lesson text with such characters (`control_characters` finds them, with
`describe` to name each); everything that shows outside text passes it through `visible`,
which replaces each one by a visible stand-in, so that nothing is hidden and nothing acts.
`excerpt` quotes at most a short piece of a long argument in an error line.

Which characters: C0 controls other than newline and tab (ESC among them), DEL, the C1
controls U+0080–U+009F (a terminal may read U+009B as ESC [), and the bidirectional
embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069, which reorder what
follows them on the line. Markup is a separate matter: outside text is always handed to
Rich and Textual as `Text` or `Content`, never as a string they would parse.

Knows no UI: imported by the lesson loader as well as by the screens.
"""

from __future__ import annotations

import re
import unicodedata

_BIDI = "\u202a-\u202e\u2066-\u2069"
CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
CONTROL_OR_NEWLINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")  # for one-line text
REPLACEMENT = "\ufffd"  # � for the characters with no picture of their own
EXCERPT = 60  # characters of an argument quoted in an error line
PATH_EXCERPT = 120  # characters of a path: its end, where the file's name is


def _stand_in(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures: ␛ for ESC, ␀ for NUL, ␍ for CR
    if code == 0x7F:
        return "\u2421"  # ␡
    return REPLACEMENT


def visible(text: str, one_line: bool = False) -> str:
    """`text` with every control character replaced by a visible stand-in (newlines and
    tabs kept, unless `one_line`, when they become ␊ and ␉ too)."""
    pattern = CONTROL_OR_NEWLINE if one_line else CONTROL
    return pattern.sub(lambda match: _stand_in(match.group()), text)


def control_characters(text: str) -> list[int]:
    """The offsets in `text` of the characters `visible` would replace."""
    return [match.start() for match in CONTROL.finditer(text)]


_NAMES = {0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE"}


def describe(char: str) -> str:
    """`U+001B (ESCAPE)`: a character named so that a learner can find it."""
    name = unicodedata.name(char, "") or _NAMES.get(ord(char), "a control character")
    return f"U+{ord(char):04X} ({name})"


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """`text` quoted for an error line: on one line, visible, and cut to `limit`
    characters with its length said when it is longer."""
    shown = visible(text[:limit], one_line=True)
    if len(text) <= limit:
        return repr(shown)
    return f"{shown!r}… ({len(text):,} characters)"


def path_excerpt(path: str, limit: int = PATH_EXCERPT) -> str:
    """A path quoted for an error line: like `excerpt`, but a long one keeps its end."""
    if len(path) <= limit:
        return excerpt(path, limit)
    shown = visible(path[-limit:], one_line=True)
    return f"…{shown!r} ({len(path):,} characters)"
