"""One learner's session of `llmtutor serve`: the tutor as in a terminal, in a browser tab.

`llmtutor serve` (llmtutor.serve) starts `python -m llmtutor.served` for each tab, under
Textual's web driver, with the server's state directory and, when the page's address
named one (`/?learner=ana`), the learner's name in its environment (llmtutor.learners).
Without a name, the session asks for one first; with a refused one, it says why and asks.
The learner's progress is then kept in their own folder, and their exercise files beside
it, since a learner in a browser has no editor on the server: `e` on the exercise screen
opens the file in the page, and each save is checked as a save from an editor would be.
What the editor holds unsaved is kept as a draft beside the file (`.NAME.py.draft`), a
second after each change: a tab closed, or ended idle, loses none of it, and the editor
offers it back the next time it opens.

With `llmtutor serve --idle-timeout`, the session ends itself after that long without
input from its page (llmtutor.idle): warned ahead, never during a training run or an
exercise check, its progress saved and its editor's text kept as a draft.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, TextArea

from llmtutor.app.exercise import ExerciseScreen
from llmtutor.app.tutor import TutorApp
from llmtutor.curriculum import Catalog, load_catalog
from llmtutor.curriculum.exercises import Exercise
from llmtutor.exercise_session import ExerciseSession
from llmtutor.files import read_regular
from llmtutor.idle import IDLE_STATUS, IdleClock, timeout_from_environment, warning
from llmtutor.learners import (
    EXERCISES,
    LEARNER_ENV,
    LEARNER_PROBLEM_ENV,
    MAX_NAME,
    SERVE_STATE_ENV,
    enrol,
    name_problem,
    normalised,
)
from llmtutor.safe_text import visible
from llmtutor.signals import exit_status

DRAFT_DELAY_S = 1.0  # the editor's unsaved text is kept as a draft once typing pauses
MAX_DRAFT_BYTES = 1_000_000  # a draft larger than this is not offered back
# What the learner does in the page; a resize of the page, the mouse passing over it, or
# the page gaining or losing focus is not.
ACTIVITY = (
    events.Key,
    events.MouseDown,
    events.MouseUp,
    events.MouseScrollDown,
    events.MouseScrollUp,
    events.MouseScrollLeft,
    events.MouseScrollRight,
    events.Paste,
)

WELCOME = (
    "Your name keeps your progress on this server: use the same name next time, "
    "in any browser, to carry on where you left off."
)


class NameScreen(Screen[tuple[Path, str]]):
    """Asks the learner's name; dismissed with their folder, once made, and the name."""

    DEFAULT_CSS = """
    NameScreen { align: center middle; }
    #name-box {
        width: 64; height: auto; padding: 1 2;
        border: round $primary; border-title-color: $text;
    }
    #name-welcome { height: auto; margin-bottom: 1; }
    #name-problem { height: auto; color: $error; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.quit", "Quit")]

    def __init__(self, state_dir: Path, problem: str | None = None) -> None:
        super().__init__()
        self.state_dir = state_dir
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(id="name-box"):
            yield Static(Text(WELCOME), id="name-welcome")
            yield Input(placeholder="your name", max_length=MAX_NAME * 2, id="name-input")
            yield Static(id="name-problem")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#name-box").border_title = "llmtutor · what is your name?"
        self._say(self.problem)

    def _say(self, problem: str | None) -> None:
        self.query_one("#name-problem", Static).update(Text(visible(problem or "", True)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value
        problem = name_problem(name)
        if problem is None:
            try:
                folder = enrol(self.state_dir, name)
            except OSError as error:
                problem = f"Your progress cannot be kept: {error.strerror or error}."
            else:
                self.dismiss((folder, name))
                return
        self._say(problem)


class EditorScreen(Screen[None]):
    """The learner's exercise file, edited in the page: ctrl+s saves it (and so has it
    checked), Esc saves and goes back to the checks."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save and check", priority=True),
        Binding("escape", "close", "Save, back to the checks", priority=True),
    ]

    def __init__(self, path: Path, function: str) -> None:
        super().__init__()
        self.path, self.function = path, function
        self.draft = draft_path(path)
        self._text: str | None = None  # the editor's text at its last change
        self._draft_timer: Timer | None = None
        self._draft_problem_said = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="title-bar"):
            yield Static(id="exercise-title")
            yield Static(id="exercise-status")
        yield TextArea.code_editor(self._read(), language=None, id="exercise-editor")
        yield Footer()

    def on_mount(self) -> None:
        title = Text.assemble(("Write ", ""), (f"{self.function}()", "bold"))
        title.append(f"  ·  {visible(self.path.name, one_line=True)}")
        self.query_one("#exercise-title", Static).update(title)
        self.query_one("#exercise-status", Static).update(Text("ctrl+s saves and checks"))
        editor = self.query_one(TextArea)
        editor.focus()
        draft = self._read_draft()
        if draft is not None and draft != editor.text:
            # One edit over the saved text: ctrl+z takes it back to the file as saved.
            editor.replace(draft, (0, 0), editor.document.end)
            self.notify(
                "Your unsaved text from last time is back: ctrl+s saves it, "
                "ctrl+z goes back to your saved file.",
                timeout=10,
                markup=False,
            )

    def _read(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""

    def _read_draft(self) -> str | None:
        try:
            data = read_regular(self.draft, MAX_DRAFT_BYTES)
        except OSError:
            return None
        if len(data) > MAX_DRAFT_BYTES:
            return None
        return data.decode("utf-8", errors="replace")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._text = event.text_area.text
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY_S, self.keep_draft)

    def keep_draft(self) -> None:
        """The editor's text, when it differs from the file, kept as the draft; when it
        does not, no draft. Done a second after each change, and when the session ends."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        if self._text is None:
            return  # not changed since it opened
        try:
            if self._text == self._read():
                self.draft.unlink(missing_ok=True)
                return
            temporary = self.draft.with_name(self.draft.name + ".saving")
            temporary.write_text(self._text, encoding="utf-8")
            temporary.replace(self.draft)
        except OSError as error:
            if not self._draft_problem_said:
                self._draft_problem_said = True
                reason = error.strerror or str(error)
                self.notify(
                    f"Your unsaved text cannot be kept as a draft: {reason}. Save it (ctrl+s).",
                    severity="warning",
                    markup=False,
                )

    def on_unmount(self) -> None:
        if self._draft_timer is not None:  # typed just before the tab closed
            self.keep_draft()

    def action_save(self) -> bool:
        text = self.query_one(TextArea).text
        if text == self._read():
            self._drop_draft()
            return True
        try:
            temporary = self.path.with_name(f".{self.path.name}.saving")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(self.path)  # the checker never reads half a file
        except OSError as error:
            reason = error.strerror or str(error)
            self.notify(f"Not saved: {reason}", severity="error", markup=False)
            return False
        self._drop_draft()
        self.notify("Saved: checking…", timeout=2, markup=False)
        return True

    def _drop_draft(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self._text = None
        with contextlib.suppress(OSError):
            self.draft.unlink(missing_ok=True)

    def action_close(self) -> None:
        if self.action_save():
            self.dismiss()


class ServedExerciseScreen(ExerciseScreen):
    """The exercise screen, with the learner's file edited in the page (e)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("e", "edit", "Edit your code")]

    def __init__(self, session: ExerciseSession) -> None:
        super().__init__(session)
        self._editor: EditorScreen | None = None

    def on_mount(self) -> None:
        # After the exercise screen's own on_mount (Textual runs it next), which names the
        # file as if the learner had an editor on this machine.
        self.call_after_refresh(self._say_how_to_edit)

    def _say_how_to_edit(self) -> None:
        self.query_one("#exercise-file", Static).update(
            Text.assemble(
                "Press ",
                ("e", "bold"),
                " to write ",
                (f"{self.session.exercise.function}()", "bold"),
                " here: each save (ctrl+s, or Esc) is checked.",
            )
        )

    @property
    def checking(self) -> bool:
        """A check of the learner's file is running."""
        return self._checking

    def action_edit(self) -> None:
        if self._editor is None:
            self._editor = EditorScreen(self.session.path, self.session.exercise.function)
        self.app.push_screen(self._editor)


class ServedTutorApp(TutorApp):
    """The tutor for one learner of a served class: their name first, then the lessons,
    with their progress and exercise files in their folder under `state_dir`."""

    CSS_PATH = str(Path(sys.modules[TutorApp.__module__].__file__ or ".").parent / "tutor.tcss")

    def __init__(
        self,
        catalog: Catalog,
        state_dir: Path,
        learner: str | None = None,
        problem: str | None = None,
    ) -> None:
        super().__init__(catalog)
        self.class_dir = state_dir
        self.learner: str | None = None
        self.name_problem = problem
        self.idle_timeout_s = timeout_from_environment()
        self.idle: IdleClock | None = None  # from mount, when there is a timeout
        self._idle_warned = False  # the warning is on show
        if learner is not None:
            self.name_problem = name_problem(learner)
            if self.name_problem is None:
                try:
                    self._use(enrol(state_dir, learner), learner)
                except OSError as error:
                    self.name_problem = f"Your progress cannot be kept: {error.strerror}."

    def _use(self, folder: Path, name: str) -> None:
        self.learner = normalised(name)
        self.state_dir = folder
        self.exercises_dir = folder / EXERCISES

    # --- the idle timeout ---------------------------------------------------------------

    @on(events.Mount)
    def _start_idle_clock(self) -> None:
        if self.idle_timeout_s > 0:
            # From when the first screen is drawn: a session slow to start (a loaded
            # machine) is not idle before the learner has seen anything.
            self.call_after_refresh(self._idle_from_now)

    def _idle_from_now(self) -> None:
        tick = min(5.0, max(0.05, self.idle_timeout_s / 20))
        self.idle = IdleClock(self.idle_timeout_s, tick)
        self.set_interval(tick, self._idle_tick)

    async def on_event(self, event: events.Event) -> None:
        if (
            self.idle is not None
            and isinstance(event, ACTIVITY)
            and not getattr(event, "is_forwarded", False)
        ):
            self.idle.touch()
            self._withdraw_idle_warning()
        await super().on_event(event)

    def busy(self) -> bool:
        """A training run (not paused) or an exercise check is going on: never idle."""
        train = sys.modules.get("llmtutor.app.train")  # imported with the training screen
        for screen in self.screen_stack:
            if train is not None and isinstance(screen, train.TrainScreen):
                if screen.running and not screen.paused:
                    return True
            elif isinstance(screen, ServedExerciseScreen) and screen.checking:
                return True
        return False

    def _idle_tick(self) -> None:
        if self.idle is None or self.return_code is not None:
            return
        state = self.idle.tick(self.busy())
        if state == "end":
            self.end_idle()
        elif state == "warn":
            if not self._idle_warned:
                self._idle_warned = True
                self.notify(
                    warning(self.idle_timeout_s),
                    title="No input for a while",
                    severity="warning",
                    timeout=self.idle.left() + 60,
                    markup=False,
                )
        else:
            self._withdraw_idle_warning()

    def _withdraw_idle_warning(self) -> None:
        """Input came: the warning goes (with any other notification then on show: Textual
        withdraws one notification only through private API)."""
        if self._idle_warned:
            self._idle_warned = False
            self.clear_notifications()

    def end_idle(self) -> None:
        """End the session, as ctrl+q does (progress saved, a paused run stopped), the
        editor's unsaved text kept as a draft; the status tells the server why."""
        for screen in self.screen_stack:
            if isinstance(screen, EditorScreen):
                screen.keep_draft()
        self.exit(return_code=IDLE_STATUS)

    # --- the learner ---------------------------------------------------------------------

    @on(events.Mount)
    def _name_first(self, event: events.Mount) -> None:
        if self.learner is None:
            event.prevent_default()  # the tutor starts (TutorApp.on_mount) once named
            self.push_screen(NameScreen(self.class_dir, self.name_problem), self._named)
        else:  # Textual runs TutorApp.on_mount next, as for any tutor
            self._welcome()

    def _named(self, named: tuple[Path, str] | None) -> None:
        if named is None:
            return
        self._use(*named)
        TutorApp.on_mount(self)
        self._welcome()

    def _welcome(self) -> None:
        """Whose progress this is: the name (text, never markup) in a notice."""
        self.notify(f"Welcome, {self.learner}.", markup=False)

    def _end_on_signal(self, signum: int) -> None:
        if self.learner is None and self.return_code is None:  # still asking the name
            self.exit(return_code=exit_status(signum))
            return
        super()._end_on_signal(signum)

    def open_exercise(self, exercise: Exercise, path: Path) -> None:
        self.push_screen(ServedExerciseScreen(ExerciseSession(exercise, path)))


def draft_path(path: Path) -> Path:
    """Where the editor keeps its unsaved text for the exercise file at `path`."""
    return path.with_name(f".{path.name}.draft")


def main() -> None:
    """The session's entry point (`python -m llmtutor.served`), as `llmtutor serve` runs it."""
    # Ctrl+C in the server's terminal reaches every process started from it: the server
    # ends each session itself (its progress saved), rather than having them all torn down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # as llmtutor.launch: the app switches it back on once it has started
    try:
        state = os.environ.get(SERVE_STATE_ENV)
        if not state:
            sys.exit(f"llmtutor.served: ${SERVE_STATE_ENV} is not set; run 'llmtutor serve'")
        lessons_dirs = os.environ.get("LLMTUTOR_LESSONS_DIR", "")
        extra = [Path(part) for part in lessons_dirs.split(os.pathsep) if part]
        catalog = load_catalog(extra_dirs=extra, run=False)
        for problem in catalog.problems:
            print(f"llmtutor: warning: {problem}", file=sys.stderr)
        app = ServedTutorApp(
            catalog,
            Path(state),
            learner=os.environ.get(LEARNER_ENV),
            problem=os.environ.get(LEARNER_PROBLEM_ENV),
        )
        app.run()
    finally:
        gc.enable()
    sys.exit(app.return_code or 0)


if __name__ == "__main__":
    main()
