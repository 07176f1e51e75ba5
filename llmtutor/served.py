"""One learner's session of `llmtutor serve`: the tutor as in a terminal, in a browser tab.

`llmtutor serve` (llmtutor.serve) starts `python -m llmtutor.served` for each tab, under
Textual's web driver, with the server's state directory and, when the page's address
named one (`/?learner=ana`), the learner's name in its environment (llmtutor.learners).
Without a name, the session asks for one first; with a refused one, it says why and asks.
The learner's progress is then kept in their own folder, and their exercise files beside
it, since a learner in a browser has no editor on the server: `e` on the exercise screen
opens the file in the page, and each save is checked as a save from an editor would be.
"""

from __future__ import annotations

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
from textual.widgets import Footer, Input, Static, TextArea

from llmtutor.app.exercise import ExerciseScreen
from llmtutor.app.tutor import TutorApp
from llmtutor.curriculum import Catalog, load_catalog
from llmtutor.curriculum.exercises import Exercise
from llmtutor.exercise_session import ExerciseSession
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
        self.query_one(TextArea).focus()

    def _read(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""

    def action_save(self) -> bool:
        text = self.query_one(TextArea).text
        if text == self._read():
            return True
        try:
            temporary = self.path.with_name(f".{self.path.name}.saving")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(self.path)  # the checker never reads half a file
        except OSError as error:
            reason = error.strerror or str(error)
            self.notify(f"Not saved: {reason}", severity="error", markup=False)
            return False
        self.notify("Saved: checking…", timeout=2, markup=False)
        return True

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
