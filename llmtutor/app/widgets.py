"""Widgets that draw the shared renderers at the width they are given, once per change.

The renderers decide how to use the room (one-line or wrapped equations, a diagram spread
over a wide terminal); these widgets only tell them how much room there is. What a renderer
draws is kept as lines (Textual's Line API), so a step is rendered once, not once to measure
its height and again to paint it as a widget holding a Rich renderable is, and a drawing
prepared ahead of time (the next step's) costs nothing to show.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import ClassVar

from rich.console import RenderableType
from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

MIN_WIDTH = 20  # narrower than this, a drawing is made at this width and cut
TEXT_WIDTH = 80  # the width `Lines.text` draws at when nothing was drawn yet


def _nothing(width: int) -> RenderableType:
    return ""


@dataclass(frozen=True)
class Anchored:
    """A drawing in two parts, one under the other: `above`, then `below`. A panel that
    scrolls opens it with `below`'s first line at its top, or at the drawing's end when
    that shows all of `below` (a lesson step's new equations, under the earlier ones)."""

    above: RenderableType
    below: RenderableType


Draw = Callable[[int], RenderableType | Anchored]  # what to show, given the width in cells


@dataclass(frozen=True)
class Drawn:
    """A drawing as strips, and the line its `Anchored` lower part starts at (else None)."""

    strips: list[Strip]
    anchor: int | None = None


class Lines:
    """Drawings as strips, drawn by `owner`'s console at a width, kept by (key, width).

    The drawing on show is the last one given to `replace`; `prepare` draws another ahead
    of time. A drawing given no key is never found again: it is drawn anew when shown.
    """

    def __init__(self, owner: Widget, keep: int = 8) -> None:
        self.owner = owner
        self.keep = keep  # how many drawings (key and width) are kept
        self._draw: Draw = _nothing
        self._key: Hashable = object()
        self._drawn: OrderedDict[tuple[Hashable, int], Drawn] = OrderedDict()
        self._last_width = 0  # the width last drawn at, for `text`

    def replace(self, draw: Draw, key: Hashable = None) -> None:
        self._draw = draw
        self._key = object() if key is None else key

    def at(self, width: int) -> list[Strip]:
        """The drawing on show, at `width`."""
        return self.drawing(self._key, self._draw, width)

    def anchor(self, width: int) -> int | None:
        """The line where the lower part of the drawing on show starts, at `width`; None
        unless it is `Anchored`."""
        return self.drawn(self._key, self._draw, width).anchor

    def drawing(self, key: Hashable, draw: Draw, width: int) -> list[Strip]:
        """The drawing kept under `key` at `width`, drawn by `draw` if it is not kept."""
        return self.drawn(key, draw, width).strips

    def drawn(self, key: Hashable, draw: Draw, width: int) -> Drawn:
        """`drawing`'s strips with the line its lower part starts at."""
        entry = (key, width)
        drawn = self._drawn.get(entry)
        if drawn is None:
            renderable = draw(max(MIN_WIDTH, width))
            if isinstance(renderable, Anchored):
                above = _render(self.owner, renderable.above, width)
                below = _render(self.owner, renderable.below, width)
                drawn = Drawn(above + below, len(above))
            else:
                drawn = Drawn(_render(self.owner, renderable, width))
            self._drawn[entry] = drawn
            while len(self._drawn) > self.keep:
                self._drawn.popitem(last=False)
        else:
            self._drawn.move_to_end(entry)
        self._last_width = width or self._last_width
        return drawn

    def forget(self) -> None:
        """Drop every drawing kept (their colours changed: another theme)."""
        self._drawn.clear()

    @property
    def text(self) -> str:
        """The drawing on show as plain text, at the width last drawn at (for tests)."""
        width = self._last_width or TEXT_WIDTH
        return "\n".join(strip.text.rstrip() for strip in self.at(width))


def _render(widget: Widget, renderable: RenderableType, width: int) -> list[Strip]:
    """`renderable` drawn by the app's console at `width` in `widget`'s colours, one strip
    per line, each padded or cut to exactly `width` cells."""
    if width <= 0 or renderable == "":  # nothing takes no lines (Rich would give one)
        return []
    app = widget.app
    options = app.console_options.update(highlight=False, width=width)
    segments = app.console.render(renderable, options)
    lines = Segment.split_and_crop_lines(segments, width, include_new_lines=False, pad=True)
    style = widget.rich_style
    return [Strip(line, width).apply_style(style) for line in lines]


def lay_out_now(widget: Widget) -> None:
    """Have the screen lay `widget` out again in the very frame that paints its change.

    `widget.refresh(layout=True)` reaches the screen as a message, which can come after the
    screen has painted the other changes of a step: one frame would show a new drawing at
    its old height, the next lay it out. This does at once what Textual does when it
    handles that message (a new key for the widget's cached box model, and the cached
    arrangements up to the first ancestor whose size does not depend on its children),
    then asks the screen itself for a layout. Those are private names of Textual: it is
    pinned, and the tests and `benchmarks/navigation.py --check` would show a change.
    """
    for node in (widget, *widget.ancestors):
        if not isinstance(node, Widget):
            break
        node._clear_arrangement_cache()
        node._layout_updates += 1
        if node is not widget and not node.styles.auto_dimensions:
            break
    widget.screen.refresh(layout=True)


class _Drawn:
    """What both kinds of drawing widget share: their lines and the width they draw at.

    The lines are drawn in the widget's colours once (not styled again at each paint), so
    they are drawn again when the theme changes."""

    lines: Lines

    def on_mount(self) -> None:
        assert isinstance(self, Widget)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: object) -> None:
        assert isinstance(self, Widget)
        self.lines.forget()
        self.refresh()

    @property
    def drawing_width(self) -> int:
        raise NotImplementedError

    def prepare(self, draw: Draw, key: Hashable) -> list[Strip] | None:
        """Draw `draw` now at the present width, to be shown later under `key`; its lines,
        or None before the widget is laid out (there is no width to draw at)."""
        width = self.drawing_width
        return self.lines.drawing(key, draw, width) if width > 0 else None


class Drawing(_Drawn, Widget):
    """A drawing as tall as it needs to be (`height: auto`), redrawn when its width changes.

    A new drawing of the same height repaints only this widget; a new height lays the
    screen out again, in the same frame.
    """

    DEFAULT_CSS = "Drawing { height: auto; }"

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines = Lines(self)

    @property
    def drawing_width(self) -> int:
        """The width drawings are made at: 0 until the widget is laid out."""
        return self.content_region.width

    def show(self, draw: Draw, key: Hashable = None) -> None:
        """Show `draw`'s drawing; one prepared under `key` is not drawn again."""
        width = self.drawing_width
        height = len(self.lines.at(width)) if width else None
        self.lines.replace(draw, key)
        self.refresh()
        if height is None or len(self.lines.at(width)) != height:
            self.clear_cached_dimensions()  # Textual keeps the last height it measured
            lay_out_now(self)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines.at(width))

    def render_line(self, y: int) -> Strip:
        width = self.drawing_width
        strips = self.lines.at(width)
        return strips[y] if y < len(strips) else Strip.blank(width, self.rich_style)


class ScrollingDrawing(_Drawn, ScrollView):
    """A drawing in a panel of its own size that scrolls when the drawing is taller.

    With `follow_end`, each new drawing opens scrolled to its end, where a lesson puts what
    the step just revealed, in the same frame as the drawing itself. An `Anchored` drawing
    opens with its lower part at the top instead, unless its end shows all of that part:
    what a step revealed is read from its start, even when it is taller than the panel.
    The vertical scrollbar is always there (`overflow-y: scroll`): the drawing's width does
    not depend on its own height, and a scrollbar appearing cannot make the screen lay
    itself out again.
    """

    DEFAULT_CSS = "ScrollingDrawing { overflow-y: scroll; overflow-x: hidden; }"

    def __init__(self, id: str | None = None, follow_end: bool = False) -> None:
        super().__init__(id=id)
        self.lines = Lines(self)
        self.follow_end = follow_end

    @property
    def drawing_width(self) -> int:
        """The width drawings are made at: 0 until the widget is laid out (or if hidden)."""
        return self.scrollable_content_region.width

    def show(self, draw: Draw, key: Hashable = None) -> None:
        """Show a new drawing, from its end with `follow_end`, else from its top; one
        prepared under `key` is not drawn again."""
        self.lines.replace(draw, key)
        self._fit(scroll=True)

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Textual calls this while it lays the screen out, before it paints: fitting here
        # (drawn again at a new width, kept at the end of a new height) paints the panel
        # right in that frame, where a resize event would only come after it.
        resized = super()._size_updated(size, virtual_size, container_size, layout)
        if resized:
            anchored = self.lines.anchor(self.drawing_width) is not None
            self._fit(scroll=self.follow_end or anchored)
        return resized

    def on_show(self) -> None:
        self._fit(scroll=True)  # a drawing shown while the panel was hidden

    def _fit(self, scroll: bool) -> None:
        """Scroll over as many lines as the drawing has at the width there is, and with
        `scroll`, go to where the drawing opens (`opening`)."""
        width = self.drawing_width
        if width <= 0:
            return  # hidden, or not laid out yet: it comes here again when it is
        height = len(self.lines.at(width))
        size = Size(width, height)
        if size != self.virtual_size:
            # Not `self.virtual_size = size`, which lays out the whole screen: the panel's
            # own size is unchanged, only what it scrolls over.
            self.set_reactive(ScrollingDrawing.virtual_size, size)
            self._scroll_update(size)
        if scroll:
            # force: scrolling is allowed only once Textual has seen the new size
            target = self.opening(width)
            self.scroll_to(y=target, animate=False, immediate=True, force=True)
        self.refresh()

    def opening(self, width: int) -> int:
        """The first line shown when the drawing on show opens at `width`: the start of an
        `Anchored` drawing's lower part, or less if the drawing ends before the panel does;
        else the drawing's end (`follow_end`) or its top."""
        end = max(0, len(self.lines.at(width)) - self.scrollable_content_region.height)
        anchor = self.lines.anchor(width)
        if anchor is not None:
            return min(anchor, end)
        return end if self.follow_end else 0

    def render_line(self, y: int) -> Strip:
        width = self.drawing_width
        strips = self.lines.at(width)
        index = y + self.scroll_offset.y
        return strips[index] if index < len(strips) else Strip.blank(width, self.rich_style)


class ScrollWhenLong(VerticalScroll):
    """A scrolling box that Tab stops at only while what it holds is taller than it is: a
    short one is passed by, so Tab still reaches the panels the learner reads."""

    def allow_focus(self) -> bool:
        return super().allow_focus() and self.max_scroll_y > 0


class OrderedInput(Input):
    """A field that runs its editing keys (backspace, arrows, home, …), and the keys in
    IN_ORDER, here, in order with the characters typed. Textual types a character at once
    but runs a bound key only once the key has gone up to the app, so on a busy machine, or
    typed fast, backspace then "0.7" over "0.1" could end as "0." with 0.7 applied, and a
    value typed then Enter be read without its last characters (Textual issue #6605)."""

    IN_ORDER: ClassVar[dict[str, str]] = {}  # more keys to run in order: key → action

    async def on_key(self, event: events.Key) -> None:
        action = self.IN_ORDER.get(event.key) or _editing_action(event)
        if action is not None:
            event.stop()
            event.prevent_default()
            await self.run_action(action)


def _editing_action(event: events.Key) -> str | None:
    """The action an Input binds to this key (its own bindings, not a subclass's), or None."""
    pressed = {event.key, *event.aliases}
    for binding in Input.BINDINGS:
        if isinstance(binding, Binding) and pressed & {k.strip() for k in binding.key.split(",")}:
            return binding.action
    return None
