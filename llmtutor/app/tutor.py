"""The application: a home screen of lessons, and a screen per open lesson.

It also keeps the learner's progress: screens announce what they showed (StepShown,
QuizScored) and the app records it and saves it at once.
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any, ClassVar, Literal

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, Provider
from textual.timer import Timer

from llmtutor.app.home import HomeScreen
from llmtutor.app.messages import ExerciseRecorded, ProgressNotice, QuizScored, StepShown
from llmtutor.app.too_small import TooSmallScreen
from llmtutor.curriculum import Catalog, Lesson, LessonFileError, TrainingLesson
from llmtutor.curriculum.exercises import Exercise, Exercises
from llmtutor.engine import InputValue
from llmtutor.progress import BackgroundSaver, Progress, load_progress
from llmtutor.run_settings import Experiment, RunSettings
from llmtutor.safe_text import visible
from llmtutor.signals import ending_in_loop, exit_status

StateDir = Path | Literal["auto"] | None
EXERCISES_DIR = "llmtutor-exercises"  # where exercise files go, in the current folder
SAVE_DELAY_S = 0.3  # progress is saved once the learner has stayed on a step this long


def _lesson_commands() -> type[Provider]:
    """The palette's lessons and steps, imported when the palette first opens."""
    from llmtutor.app.commands import LessonCommands

    return LessonCommands


class TutorApp(App[None]):
    CSS_PATH = "tutor.tcss"
    TITLE = "llmtutor"
    SUB_TITLE = "how language models learn"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        # Terminal users expect Ctrl+C to end a program; Textual would only hint at ctrl+q.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        # Not a priority binding: a text field that has focus takes "?" as text.
        Binding("question_mark", "help", "Help", tooltip="Help: every key of this screen"),
    ]
    COMMANDS = App.COMMANDS | {_lesson_commands}
    MIN_SIZE = (64, 20)  # below this the lesson screen cannot show a step legibly

    def __init__(
        self,
        catalog: Catalog,
        lesson: Lesson | None = None,
        step: int | None = 0,
        values: dict[str, InputValue] | None = None,
        train: RunSettings | None = None,
        start_training: bool = True,
        state_dir: StateDir = None,
        quiz: bool = False,
        watch: bool = False,
        exercise: tuple[Exercise, Path] | None = None,
        exercises_dir: Path | None = None,
        experiment: Experiment | None = None,
    ) -> None:
        super().__init__()
        self._start_experiment = experiment
        self._start_exercise = exercise
        # Where exercises opened from a lesson or the home screen are written.
        self.exercises_dir = exercises_dir or Path(EXERCISES_DIR)
        self._exercises: Exercises | None = None
        self.catalog = catalog
        self.state_dir = state_dir
        self.progress = Progress.in_memory()  # replaced by the saved progress on mount
        self._saver: BackgroundSaver | None = None
        self._save_timer: Timer | None = None
        self._start_lesson = lesson
        self._start_step = step
        self._start_values = values or {}
        self._start_training = train
        self._run_at_once = start_training
        self._quiz, self._watch = quiz, watch
        self._started = False  # on_mount has pushed the first screens

    async def run_async(self, **options: Any) -> None:
        """Run as Textual does, with SIGTERM, SIGHUP and SIGQUIT ending the tutor as ctrl+q
        does (terminal restored, progress saved, a training run stopped), from before the
        terminal is switched to the app until after it is restored (see llmtutor.signals)."""
        with ending_in_loop(self._end_on_signal):
            return await super().run_async(**options)

    def _end_on_signal(self, signum: int) -> None:
        if self.return_code is not None:
            return  # already ending: the first signal's status (or ctrl+q's) stands
        # While the tutor is starting, ending it would take a screen's widgets from under
        # its on_mount (a traceback): the signal waits for the first screens to be mounted.
        if not self._started or not all(screen.is_mounted for screen in self.screen_stack):
            asyncio.get_running_loop().call_later(0.02, self._end_on_signal, signum)
            return
        self.exit(return_code=exit_status(signum))  # the status says which signal

    def on_mount(self) -> None:
        self.progress, notice = load_progress(self.state_dir)
        if notice:
            self._warn(notice)
        self.push_screen(HomeScreen(self.catalog, self.progress))
        if self._start_exercise is not None:
            self.open_exercise(*self._start_exercise)
        elif self._start_experiment is not None:  # train --experiment: q leaves the tutor
            self.open_experiment(self._start_experiment, quit_on_close=True)
        elif self._start_lesson is not None:
            lesson = self._start_lesson
            step = self.resume_step(lesson) if self._start_step is None else self._start_step
            self.open_lesson(lesson, step, self._start_values, quiz=self._quiz, watch=self._watch)
        elif self._start_training is not None:
            # `llmtutor train` starts the run at once and q leaves the tutor; `llmtutor lesson
            # train` shows the lesson's introduction first and q goes back to the lessons.
            entry = self.catalog.entry("train")
            intro = entry.intro if isinstance(entry, TrainingLesson) else ""
            from llmtutor.app.train import TrainScreen

            self.push_screen(
                TrainScreen(
                    self._start_training,
                    intro=intro,
                    start=self._run_at_once,
                    quit_on_close=self._run_at_once,
                )
            )
        self.call_after_refresh(self._check_size)
        self.call_after_refresh(self._collect_from_now_on)
        self._started = True

    def _collect_from_now_on(self) -> None:
        """Once the first screen is drawn, the garbage collector, off while the command
        started (llmtutor.launch), is on again, and what start-up built stays out of its
        scans: full collections over it took up to 98 ms, a stall after a key press.
        (An app made otherwise, as in the tests, leaves the collector as it is.)"""
        if not gc.isenabled():
            gc.freeze()
            gc.enable()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._check_size)

    def _check_size(self) -> None:
        width, height = self.size
        too_small = width < self.MIN_SIZE[0] or height < self.MIN_SIZE[1]
        screen = self.screen
        if not isinstance(screen, TooSmallScreen):
            if too_small:
                self.push_screen(TooSmallScreen(self.MIN_SIZE))
        elif too_small:
            screen.refresh_message()  # say the new size
        else:
            self.pop_screen()

    # --- opening lessons ----------------------------------------------------------------

    def open_entry(self, entry: Lesson | TrainingLesson) -> None:
        """Open an entry of the list: a lesson at the step the learner last saw."""
        if isinstance(entry, TrainingLesson):
            from llmtutor.app.train import TrainScreen

            self.push_screen(TrainScreen(intro=entry.intro))
        else:
            self.open_lesson(entry, self.resume_step(entry))

    def open_lesson(
        self,
        lesson: Lesson,
        step: int = 0,
        values: dict[str, InputValue] | None = None,
        quiz: bool = False,
        watch: bool = False,
    ) -> None:
        # Imported here: the lesson screen pulls in Markdown and charts, which the home
        # screen does not need; start-up stays light.
        from llmtutor.app.lesson import LessonScreen

        try:
            lesson = self.catalog.checked(lesson)  # its computation runs for the first time
        except LessonFileError as error:
            more = len(error.problems) - 1
            also = f"\n(and {more} more: run llmtutor check)" if more else ""
            first = visible(str(error.problems[0]), one_line=True)
            self.notify(f"{first}{also}", title="Cannot open", severity="error", markup=False)
            return
        best = self.progress.best_score(lesson.id)  # a quiz's score is compared with it
        self.push_screen(
            LessonScreen(lesson, step, values or {}, quiz=quiz, watch=watch, quiz_best=best)
        )

    @property
    def exercises(self) -> Exercises:
        """The exercises of this catalog's lessons, loaded when first asked for (not while
        the tutor starts); a bad exercise file is reported once and skipped."""
        if self._exercises is None:
            from llmtutor.curriculum.exercises import Exercises, load_exercises

            # An exercise whose lesson is not in this catalog (one made of other lessons) is
            # not offered; `llmtutor check` reports one whose lesson does not exist at all.
            loaded, ids = load_exercises(), self.catalog.ids
            offered = [item for item in loaded.items if item.lesson in ids]
            offered.sort(key=lambda item: ids.index(item.lesson))
            self._exercises = Exercises(offered, loaded.problems)
            for problem in self._exercises.problems[:1]:
                more = len(self._exercises.problems) - 1
                also = f" (and {more} more: run llmtutor check)" if more else ""
                shown = visible(str(problem), one_line=True) + also
                self.notify(shown, title="Exercise skipped", severity="warning", markup=False)
        return self._exercises

    def exercise_for(self, lesson_id: str) -> Exercise | None:
        """The exercise that follows a lesson: the first not passed yet, else the first."""
        mine = [item for item in self.exercises.items if item.lesson == lesson_id]
        waiting = [item for item in mine if not self._passed(item.id)]
        return next(iter(waiting or mine), None)

    def _passed(self, exercise_id: str) -> bool:
        entry = self.progress.exercise(exercise_id)
        return bool(entry and entry.passed)

    def open_exercise_for(self, lesson_id: str) -> None:
        """Open the exercise that follows `lesson_id`, writing its starter file first."""
        from llmtutor.exercise_session import write_starter
        from llmtutor.files import write_problem

        exercise = self.exercise_for(lesson_id)
        if exercise is None:
            self.notify("This lesson has no exercise.", markup=False)
            return
        try:
            path, _ = write_starter(exercise, self.exercises_dir)
        except (OSError, ValueError) as error:
            reason = write_problem(error) if isinstance(error, OSError) else "holds a NUL"
            where = visible(str(self.exercises_dir), one_line=True)
            message = f"Cannot write {exercise.id}.py into {where}: it {reason}"
            self.notify(message, severity="error", markup=False)
            return
        self.open_exercise(exercise, path)

    def open_exercise(self, exercise: Exercise, path: Path) -> None:
        """Show the exercise screen for the learner's file at `path`."""
        from llmtutor.app.exercise import ExerciseScreen
        from llmtutor.exercise_session import ExerciseSession

        self.push_screen(ExerciseScreen(ExerciseSession(exercise, path)))

    def open_experiment(self, experiment: Experiment, quit_on_close: bool = False) -> None:
        """Show a lesson's experiment on the training screen: its text, then, from Enter,
        each of its runs, one after another, kept on the chart. (The runs train in a process
        of their own, started at the first run: torch is imported there, never here.)"""
        from llmtutor.app.train import TrainScreen

        if isinstance(self.screen, TrainScreen):  # one run at a time, on one screen
            self.notify("Go back from this run first (q), then open the experiment.")
            return
        self.push_screen(TrainScreen(experiment=experiment, quit_on_close=quit_on_close))

    def resume_step(self, lesson: Lesson) -> int:
        """Where the lesson opens: the step last shown (a finished lesson: its last step,
        unless the learner went back), or the first step of a lesson never opened."""
        step = self.progress.last_step(lesson.id) or 0
        return max(0, min(step, len(lesson.steps) - 1))

    def go_to_lesson(self, lesson: Lesson, step: int | None = None) -> None:
        """Show `lesson` at `step` (None: where the learner left it) from anywhere, as the
        command palette does: the lesson on screen just moves to the step; otherwise the
        app goes back to the lessons list and opens it from there."""
        from llmtutor.app.lesson import LessonScreen

        screen = self.screen
        if isinstance(screen, LessonScreen) and screen.lesson.id == lesson.id:
            if step is not None:
                screen.step = max(0, min(step, len(lesson.steps) - 1))
            return
        self._back_to_home()
        self.open_lesson(lesson, self.resume_step(lesson) if step is None else step)

    def go_to_entry(self, entry: Lesson | TrainingLesson) -> None:
        from llmtutor.app.train import TrainScreen

        if isinstance(entry, Lesson):
            self.go_to_lesson(entry)
        elif not isinstance(self.screen, TrainScreen):
            self._back_to_home()
            self.open_entry(entry)

    def _back_to_home(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    # --- progress -----------------------------------------------------------------------

    def on_step_shown(self, message: StepShown) -> None:
        if self.progress.record_step(message.lesson_id, message.step, message.total):
            # Saved once the learner stays on a step, not at each of a run of key presses,
            # and never while the step is being drawn.
            if self._save_timer is not None:
                self._save_timer.stop()
            self._save_timer = self.set_timer(SAVE_DELAY_S, self._save)

    def on_quiz_scored(self, message: QuizScored) -> None:
        self.progress.record_quiz(message.lesson_id, message.right, message.asked)
        self._save()

    def on_exercise_recorded(self, message: ExerciseRecorded) -> None:
        self.progress.record_exercise(
            message.exercise_id,
            attempt=message.attempt,
            passed=message.passed,
            hint=message.hint,
            gave_up=message.gave_up,
        )
        self._save()

    def _save(self) -> None:
        self._save_timer = None
        if self._saver is None or self._saver.progress is not self.progress:
            self._saver = BackgroundSaver(self.progress, self._notice_from_saver)
        self._saver.save()

    def _notice_from_saver(self, notice: str) -> None:
        self.post_message(ProgressNotice(notice))  # from the saving thread: thread-safe

    def on_progress_notice(self, message: ProgressNotice) -> None:
        self._warn(message.notice)  # once: then saving stops for the session

    def on_unmount(self) -> None:
        if self._save_timer is not None:  # a step shown just before the tutor ends
            self._save_timer.stop()
            self._save()
        if self._saver is not None:
            self._saver.close()  # the last step shown is on disk before the tutor ends

    def _warn(self, notice: str) -> None:
        # A notice names paths: text, not markup (a folder may be called `[/x]`).
        self.notify(visible(notice), title="Progress", severity="warning", timeout=10, markup=False)

    # --- help -----------------------------------------------------------------------------

    def action_help(self) -> None:
        from llmtutor.app.help import HelpScreen  # its TextArea is not needed to start

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(HelpScreen(self.screen))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # No help over the too-small message, nor over the palette (its input takes "?").
        return not (action == "help" and isinstance(self.screen, TooSmallScreen | CommandPalette))
