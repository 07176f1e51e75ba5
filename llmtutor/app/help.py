"""The help screen (?): every key of the screen it was opened from, and the app-wide keys.

The lists are made from the screens' BINDINGS when the help opens, so they cannot go stale;
only the few words about each group are written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static, TextArea

# A title and a few words for each screen's keys; a screen missing here gets its
# class name and the first line of its docstring.
ABOUT: dict[str, tuple[str, str]] = {
    "HomeScreen": ("The lessons", "each opens at the step you last saw"),
    "LessonScreen": ("In a lesson", "each step reveals values computed from its inputs"),
    "TrainScreen": ("Training", "a real model learns while you watch its loss"),
    "ExerciseScreen": ("An exercise", "each save of your file is checked, value by value"),
    "SettingsDialog": ("Run settings", "change them, then restart the run"),
    "ExperimentChoice": ("Experiments", "the lesson's runs that test its claims"),
}
EVERYWHERE = ("Everywhere", "these keys work on every screen")
# The focused widget's keys are listed in this order (the rest after them, as declared).
KEY_ORDER = ("up", "down", "left", "right", "home", "end", "pageup", "pagedown")


@dataclass(frozen=True)
class KeyRow:
    keys: list[str]  # as shown: "→", "space", "^q"
    description: str
    first_key: str = ""  # the first key as bound: "right"


def own_bindings(node: type[DOMNode]) -> list[Binding]:
    """The bindings llmtutor's classes declare in BINDINGS for `node`, its base classes'
    included, later declarations of a key replacing earlier ones; not the defaults Textual
    gives every screen (tab to move the focus, and so on)."""
    by_key: dict[str, Binding] = {}
    for cls in reversed(node.__mro__):
        declared = cls.__dict__.get("BINDINGS")
        if declared is None or not cls.__module__.startswith("llmtutor"):
            continue
        for binding in Binding.make_bindings(declared):
            by_key.pop(binding.key, None)  # a re-declared key moves to where it is declared
            by_key[binding.key] = binding
    return list(by_key.values())


def widget_bindings(node: type[DOMNode]) -> list[Binding]:
    """The bindings of a widget: those its llmtutor classes declare, then those of the
    nearest Textual class that declares any (a list's cursor keys, say, without the
    scrolling keys it inherits and overrides). A key declared twice is listed once, as the
    class nearest the widget has it (the lessons list's Enter opens, not selects)."""
    bindings: list[Binding] = []
    for cls in node.__mro__:
        declared = cls.__dict__.get("BINDINGS")
        if declared:
            keys = {binding.key for binding in bindings}
            bindings += [b for b in Binding.make_bindings(declared) if b.key not in keys]
            if not cls.__module__.startswith("llmtutor."):
                break
    return bindings


def key_rows(
    app: App[object], bindings: list[Binding], skip: frozenset[str] | set[str] = frozenset()
) -> list[KeyRow]:
    """One row per thing to do, with every key that does it, in declaration order. One
    action with different parameters (scroll up, scroll down) and the same description is
    one thing to do."""
    rows: dict[tuple[str, str], KeyRow] = {}
    for binding in bindings:
        if binding.key in skip or not binding.description:
            continue
        description = binding.tooltip or binding.description
        action = binding.action.split("(", 1)[0]
        row = rows.setdefault((action, description), KeyRow([], description, binding.key))
        shown = app.get_key_display(binding)
        if shown not in row.keys:
            row.keys.append(shown)
    return list(rows.values())


def app_bindings(app: App[object]) -> list[Binding]:
    """The app's own keys, and the command palette's, which Textual adds by itself."""
    bindings = own_bindings(type(app))
    if app.ENABLE_COMMAND_PALETTE:
        bindings.append(
            Binding(
                app.COMMAND_PALETTE_BINDING,
                "command_palette",
                "Command palette: find any lesson or step by typing",
                key_display=app.COMMAND_PALETTE_DISPLAY,
            )
        )
    return bindings


@dataclass(frozen=True)
class KeyGroup:
    title: str
    about: str
    rows: list[KeyRow]


def key_groups(app: App[object], origin: Screen[object]) -> list[KeyGroup]:
    """The keys of `origin`, of the widget focused there (those the screen leaves to it),
    and of the app."""
    screen_bindings = own_bindings(type(origin))
    everywhere = app_bindings(app)
    title, about = ABOUT.get(type(origin).__name__, _describe(type(origin)))
    groups = [KeyGroup(title, about, key_rows(app, screen_bindings))]
    focused = origin.focused
    # A text field's editing keys are the usual ones: listing them would bury the rest.
    if focused is not None and not isinstance(focused, Input | TextArea):
        taken = {binding.key for binding in screen_bindings + everywhere}
        rows = key_rows(app, widget_bindings(type(focused)), skip=taken)
        rows.sort(key=_key_rank)
        if rows:
            groups.append(KeyGroup(_focused_title(focused), "", rows))
    groups.append(KeyGroup(*EVERYWHERE, key_rows(app, everywhere)))
    return groups


def _key_rank(row: KeyRow) -> int:
    return KEY_ORDER.index(row.first_key) if row.first_key in KEY_ORDER else len(KEY_ORDER)


def _describe(cls: type) -> tuple[str, str]:
    name = cls.__name__.removesuffix("Screen") or cls.__name__
    doc = (cls.__doc__ or "").strip().splitlines()
    return name, doc[0] if doc else ""


def _focused_title(widget: Widget) -> str:
    if isinstance(widget, OptionList):
        return "In the list"
    if widget.border_title:
        return f"In the {widget.border_title} panel"
    return "In the focused panel"


def render_groups(groups: list[KeyGroup], closing: str) -> Content:
    """Each group as a title and a few words, then a table of keys; the focused widget's
    group (it has no words) as one line of keys, to leave room for the rest."""
    tables = [group for group in groups if group.about]
    width = max((cell_len(" ".join(row.keys)) for g in tables for row in g.rows), default=0)
    parts: list[Content | str | tuple[str, str]] = []
    for number, group in enumerate(groups):
        if number:
            parts.append("\n")
        parts.append((group.title, "bold"))
        if not group.about:
            parts.append(": ")
            for index, row in enumerate(group.rows):
                keys = " ".join(row.keys)
                parts += [" · " if index else "", (keys, "bold $accent"), " ", row.description]
            parts.append("\n")
            continue
        parts += ["  ", (group.about, "$text-muted"), "\n"]
        for row in group.rows:
            keys = " ".join(row.keys)
            parts += ["  ", (keys, "bold $accent"), " " * (width - cell_len(keys) + 2)]
            parts += [row.description, "\n"]
    parts += ["\n", (closing, "$text-muted")]
    return Content.assemble(*parts)


class HelpScreen(ModalScreen[None]):
    """Every key of the screen below, grouped, with a few words on each group."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close help"),
    ]

    def __init__(self, origin: Screen[object]) -> None:
        super().__init__()
        self.origin = origin

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Static(id="help-text")

    def on_mount(self) -> None:
        dialog = self.query_one("#help-dialog")
        dialog.border_title = "Keys"
        close_keys = [self.app.get_key_display(b) for b in own_bindings(type(self))]
        closing = f"{', '.join(close_keys[:-1])} or {close_keys[-1]} closes this help."
        closing = closing[0].upper() + closing[1:]
        self.groups = key_groups(self.app, self.origin)
        self.query_one("#help-text", Static).update(render_groups(self.groups, closing))

    def action_close(self) -> None:
        self.dismiss()
