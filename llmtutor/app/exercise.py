"""The exercise screen: the learner edits their file in their own editor; each save is
checked in a separate process and the verdict shown, value by value.

A thin view of `ExerciseSession` (which knows no Textual): the screen polls the file,
runs each check in a thread worker, and shows the verdict, the hint (h, one level at a
time) and, after a pass or when the learner gives up (s), the worked solution beside their
own code.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from llmtutor.app.messages import ExerciseRecorded
from llmtutor.app.notice import ScreenNotice
from llmtutor.checker import Verdict
from llmtutor.exercise_session import ExerciseSession
from llmtutor.render.verdict import prose, render_verdict
from llmtutor.safe_text import visible

WATCH_INTERVAL_S = 0.5  # how often the learner's file is looked at
SIDE_BY_SIDE_WIDTH = 100  # columns from which your code and the solution stand side by side


class ExerciseScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "hint", "Hint", tooltip="Hint: one more level, about the first wrong value"),
        Binding("s", "solution", "Solution", tooltip="The worked solution beside your code"),
        Binding("c", "check", "Check now", tooltip="Check now, without waiting for a save"),
        Binding("up", "scroll('up')", "Scroll", show=False),
        Binding("down", "scroll('down')", "Scroll", show=False),
        Binding("pageup", "scroll('page_up')", "Scroll", show=False),
        Binding("pagedown", "scroll('page_down')", "Scroll", show=False),
        Binding("q", "close", "Lessons"),
        Binding("escape", "close", "Lessons", show=False),
    ]
    AUTO_FOCUS = ""

    def __init__(self, session: ExerciseSession) -> None:
        super().__init__()
        self.session = session
        self._checking = False
        self._again = False  # the file changed while a check was running
        self._give_up_asked = False  # s once before passing: asks to confirm

    def compose(self) -> ComposeResult:
        with Horizontal(id="title-bar"):
            yield Static(id="exercise-title")
            yield Static(id="exercise-status")
        yield Static(id="exercise-file")
        with VerticalScroll(id="exercise-check"):
            yield Static(id="exercise-verdict")
            yield Static(id="exercise-intro")
        with Horizontal(id="exercise-solution"):
            with VerticalScroll(id="exercise-yours"):
                yield Static(id="exercise-yours-code")
            with VerticalScroll(id="exercise-worked"):
                yield Static(id="exercise-worked-code")
        yield Footer()
        yield ScreenNotice(id="exercise-notice")

    def on_mount(self) -> None:
        exercise = self.session.exercise
        self.query_one("#exercise-title", Static).update(
            Text.assemble(("Exercise", "bold"), ("  ·  ", "dim"), visible(exercise.title, True))
        )
        self.query_one("#exercise-file", Static).update(
            Text.assemble(
                "Write ",
                (f"{exercise.function}()", "bold"),
                " in ",
                (visible(str(self.session.path), one_line=True), "bold cyan"),
                " with your editor: each save is checked.",
            )
        )
        intro = Text(visible(prose(exercise.text)), "dim")
        self.query_one("#exercise-intro", Static).update(intro)
        self.query_one("#exercise-yours").border_title = "Yours"
        self.query_one("#exercise-worked").border_title = "Worked solution"
        self.query_one("#exercise-solution").display = False
        self._show_status()
        self.query_one("#exercise-verdict", Static).update(Text("Checking your file…", "dim"))
        self._start_check()
        self.set_interval(WATCH_INTERVAL_S, self._look_at_file)

    # --- checking -----------------------------------------------------------------------

    def _look_at_file(self) -> None:
        if self.session.changed():
            self._start_check()

    def _start_check(self) -> None:
        if self._checking:
            self._again = True
            return
        self._checking = True
        self._show_status()
        self._check()

    @work(thread=True, exclusive=True, group="check")
    def _check(self) -> None:
        verdict = self.session.run_check()
        if not get_current_worker().is_cancelled and not self.session.cancel.is_set():
            with contextlib.suppress(RuntimeError):  # the app ended meanwhile
                self.app.call_from_thread(self._checked, verdict)

    def _checked(self, verdict: Verdict) -> None:
        self._checking = False
        if self.session.cancel.is_set():
            return
        self.session.take(verdict)
        exercise_id = self.session.exercise.id
        if verdict.ran:
            self.post_message(ExerciseRecorded(exercise_id, attempt=True, passed=verdict.passed))
        self._show_verdict()
        if verdict.passed and not self.query_one("#exercise-solution").display:
            self.notice("Every value is right. s shows the worked solution beside yours.")
        if self._again:
            self._again = False
            self._start_check()

    def _show_status(self) -> None:
        session = self.session
        if self._checking:
            text = "checking…"
        elif session.verdict is None:
            text = ""
        elif session.passed:
            text = "✓ passed"
        else:
            text = "✗ not yet"
        count = f"{session.checks} check" + ("" if session.checks == 1 else "s")
        shown = f"{count} · {text}" if text else count
        style = "bold green" if session.passed and not self._checking else ""
        status = self.query_one("#exercise-status", Static)
        status.update(Text(shown, style))

    def _show_verdict(self) -> None:
        verdict = self.session.verdict
        if verdict is None:
            return
        hint = self.session.hint
        shown = (hint.hint, hint.level) if hint is not None else None
        width = max(40, self.query_one("#exercise-check").size.width - 2)
        self.query_one("#exercise-verdict", Static).update(render_verdict(verdict, shown, width))
        self._show_status()
        if self.query_one("#exercise-solution").display:
            self._show_solution()

    # --- the learner's actions ----------------------------------------------------------

    def action_check(self) -> None:
        self._start_check()

    def action_hint(self) -> None:
        reason = self.session.more_hint()
        if reason:
            self.notice(reason)
            return
        self.post_message(ExerciseRecorded(self.session.exercise.id, hint=True))
        self._show_verdict()

    def action_solution(self) -> None:
        panel = self.query_one("#exercise-solution")
        if panel.display:
            panel.display = False
            self.query_one("#exercise-check").display = True
            return
        if not self.session.passed and not self._give_up_asked:
            self._give_up_asked = True
            self.notice("Press s again to see the worked solution before your code passes.")
            return
        if not self.session.passed:
            self.post_message(ExerciseRecorded(self.session.exercise.id, gave_up=True))
        self.query_one(ScreenNotice).clear()
        self._show_solution()
        panel.display = True
        self.query_one("#exercise-check").display = False

    def on_resize(self) -> None:
        self._arrange_solution()

    def _arrange_solution(self) -> None:
        """Side by side where each panel gets 50 columns or more, one above the other below
        that: Python wrapped into 40 columns reads badly."""
        panel = self.query_one("#exercise-solution")
        panel.set_class(self.size.width < SIDE_BY_SIDE_WIDTH, "-stacked")

    def _show_solution(self) -> None:
        self._arrange_solution()
        session = self.session
        self.query_one("#exercise-yours-code", Static).update(_code(session.learner_source()))
        self.query_one("#exercise-worked-code", Static).update(_code(session.exercise.solution))

    def action_scroll(self, direction: str) -> None:
        target = self.query_one("#exercise-check", VerticalScroll)
        if not target.display:
            target = self.query_one("#exercise-worked", VerticalScroll)
        getattr(target, f"scroll_{direction}")(animate=False)

    def on_unmount(self) -> None:
        self.session.cancel.set()  # a check still running stops: nothing waits for it

    def action_close(self) -> None:
        self.dismiss()

    def notice(self, message: str) -> None:
        self.query_one(ScreenNotice).say(message)


def _code(source: str) -> Syntax:
    """Python source shown as code (never markup), its control characters made visible."""
    return Syntax(visible(source), "python", line_numbers=True, word_wrap=True, theme="ansi_dark")
