"""A Textual widget around `render_chart`: it draws its series at whatever size it is given."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from llmtutor.engine.trace import Series
from llmtutor.render.chart import Range, render_chart


class Chart(Widget):
    """A line chart of engine `Series`, redrawn to fit its content area."""

    DEFAULT_CSS = "Chart { height: 14; }"

    log_y: reactive[bool] = reactive(False)
    """Draw the y axis on a log scale (values ≤ 0 are left out)."""

    def __init__(
        self,
        series: Sequence[Series] = (),
        *,
        title: str = "",
        log_y: bool = False,
        ascii: bool = False,
        x_range: Range | None = None,
        y_range: Range | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._series = tuple(series)
        self.chart_title, self.ascii = title, ascii
        self.x_range, self.y_range = x_range, y_range
        self.set_reactive(Chart.log_y, log_y)

    @property
    def series(self) -> tuple[Series, ...]:
        return self._series

    def set_series(self, series: Sequence[Series], *, title: str | None = None) -> None:
        """Show these series (and this title, when given) from the next refresh."""
        self._series = tuple(series)
        if title is not None:
            self.chart_title = title
        self.refresh()

    def toggle_log_y(self) -> None:
        self.log_y = not self.log_y  # a reactive: setting it repaints

    def render(self) -> Text:
        width, height = self.size
        return render_chart(
            self._series,
            width,
            height,
            title=self.chart_title,
            log_y=self.log_y,
            ascii=self.ascii,
            x_range=self.x_range,
            y_range=self.y_range,
        )
