"""The home screen: every lesson, in teaching order, with how far the learner got."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from llmtutor.curriculum import Catalog, Lesson, TrainingLesson, describe_length
from llmtutor.learners import served
from llmtutor.progress import Progress
from llmtutor.safe_text import visible

if TYPE_CHECKING:
    from llmtutor.app.tutor import TutorApp

INTRO = (
    "Each lesson computes every value from its inputs and reveals it step by step. "
    "Pick a lesson and press Enter."
)


def _lesson_status(lesson: Lesson | TrainingLesson, progress: Progress) -> Text:
    """What goes at the right of a lesson's line: its length, or how far the learner got."""
    if isinstance(lesson, TrainingLesson):
        return Text(describe_length(lesson), style="dim")
    total = len(lesson.steps)
    step = progress.last_step(lesson.id)
    finished = progress.is_finished(lesson.id)
    status = Text()
    if finished:
        status.append("✓ ", style="bold green")
    if step is None or (finished and step >= total - 1):
        status.append(describe_length(lesson), style="dim")
    else:
        status.append(f"step {min(step, total - 1) + 1}/{total}", style="bold")
    return status


def _lesson_label(
    number: int, lesson: Lesson | TrainingLesson, width: int, progress: Progress
) -> Text:
    """One line per lesson: number, title, and its length or progress at the right."""
    status = _lesson_status(lesson, progress)
    label = Text.assemble((f"{number:>2}. ", "dim"), (visible(lesson.title, one_line=True), "bold"))
    gap = max(2, width - label.cell_len - status.cell_len)
    label.append(" " * gap)
    label.append_text(status)
    label.no_wrap = True
    return label


LABEL_WIDTH = 60  # columns a lesson's line is laid out in


def continue_target(catalog: Catalog, progress: Progress) -> tuple[Lesson, int] | None:
    """Where "continue" goes: the lesson last opened, at its step; once that lesson was
    finished on its last step, the next unfinished lesson after it. None if there is none."""
    last = catalog.get(progress.last_opened() or "")
    if last is None:
        return None
    step = min(progress.last_step(last.id) or 0, len(last.steps) - 1)
    if not (progress.is_finished(last.id) and step == len(last.steps) - 1):
        return last, step
    lessons = catalog.lessons
    after = lessons[lessons.index(last) + 1 :]
    for lesson in after:
        if not progress.is_finished(lesson.id):
            step = min(progress.last_step(lesson.id) or 0, len(lesson.steps) - 1)
            return lesson, step
    return None


class LessonList(OptionList):
    """The list of lessons; Enter opens the highlighted one (shown in the footer).

    Enter is the list's own key, not a priority key of the screen: keys typed ahead
    (↓ ↓ Enter) are then handled in order, where a priority Enter ran before the list had
    moved its cursor and opened the lesson that was highlighted before."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", "Open")]


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "continue", "Continue", tooltip="Continue where you left off"),
        Binding("x", "exercise", "Exercise", tooltip="Write it yourself: the lesson's exercise"),
        Binding("q", "app.quit", "Quit"),
        Binding("escape", "app.quit", "Quit", show=False),
    ]

    def __init__(self, catalog: Catalog, progress: Progress | None = None) -> None:
        super().__init__()
        self.catalog = catalog
        self.progress = progress or Progress.in_memory()
        self._composed_fresh = False  # compose drew the progress as it is: no redraw needed
        self._exercises_loaded = False  # loaded once the screen is drawn: start-up stays light

    def compose(self) -> ComposeResult:
        yield Static(
            Text.assemble(("llmtutor", "bold"), "  ·  how language models learn"), id="home-title"
        )
        yield Static(self._intro(self._finished() == len(self.catalog.lessons)), id="home-intro")
        options = LessonList(
            *[
                Option(_lesson_label(number, lesson, LABEL_WIDTH, self.progress), id=lesson.id)
                for number, lesson in enumerate(self.catalog.entries, start=1)
            ],
            id="lesson-list",
        )
        options.border_title = self._finished_title()
        yield options
        yield Static(id="lesson-summary")
        yield Footer()
        self._composed_fresh = True

    def on_mount(self) -> None:
        self.call_after_refresh(self._load_exercises)

    def _load_exercises(self) -> None:
        self._exercises_loaded = True
        self.show_progress()
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None:
            self._show_summary(self.catalog.entries[highlighted].id)

    def _tutor(self) -> TutorApp | None:
        from llmtutor.app.tutor import TutorApp

        return self.app if isinstance(self.app, TutorApp) else None

    def _exercises_title(self) -> str:
        tutor = self._tutor()
        if tutor is None or not self._exercises_loaded or not tutor.exercises.items:
            return ""
        items = tutor.exercises.items
        passed = 0
        for item in items:
            entry = self.progress.exercise(item.id)
            passed += bool(entry and entry.passed)
        return f"{passed} of {len(items)} exercises passed"

    def _exercise_line(self, lesson_id: str) -> Text | None:
        """The summary's line about the lesson's exercise, or None if it has none."""
        tutor = self._tutor()
        if tutor is None or not self._exercises_loaded:
            return None
        exercise = tutor.exercise_for(lesson_id)
        if exercise is None:
            return None
        entry = self.progress.exercise(exercise.id)
        status = "passed" if entry and entry.passed else "not passed yet" if entry else "new"
        return Text.assemble(
            ("\nExercise: ", "dim"),
            visible(exercise.title, one_line=True),
            (f" ({status}) — press ", "dim"),
            ("x", "bold"),
        )

    def action_exercise(self) -> None:
        tutor = self._tutor()
        option = self.query_one(OptionList)
        if tutor is None or option.highlighted is None:
            return
        lesson_id = self.catalog.entries[option.highlighted].id
        if tutor.exercise_for(lesson_id) is None:
            self.notify(
                "This lesson has no exercise; the lessons with one say so below.", markup=False
            )
            return
        tutor.open_exercise_for(lesson_id)

    def on_screen_resume(self) -> None:
        """Show the progress as it is now (it changes while a lesson is open), with the
        cursor on the lesson last opened (Enter goes on with it), whether it was opened from
        here, with c, or from the palette."""
        if self._composed_fresh:
            self._composed_fresh = False  # shown for the first time: drawn just now
        else:
            self.show_progress()
        last = self.progress.last_opened()
        if last and self.catalog.entry(last) is not None:
            self.query_one(OptionList).highlighted = self.catalog.ids.index(last)

    def show_progress(self) -> None:
        options = self.query_one(OptionList)
        for index, lesson in enumerate(self.catalog.entries):
            label = _lesson_label(index + 1, lesson, LABEL_WIDTH, self.progress)
            options.replace_option_prompt_at_index(index, label)
        options.border_title = self._finished_title()
        options.border_subtitle = self._exercises_title()
        all_finished = self._finished() == len(self.catalog.lessons)
        self.query_one("#home-intro", Static).update(self._intro(all_finished))
        self.refresh_bindings()  # "c Continue" shows in the footer only when there is a target

    def _finished(self) -> int:
        return sum(self.progress.is_finished(lesson.id) for lesson in self.catalog.lessons)

    def _finished_title(self) -> str:
        return f"{self._finished()} of {len(self.catalog.lessons)} lessons finished"

    def _intro(self, all_finished: bool) -> Text:
        target = continue_target(self.catalog, self.progress)
        if target is not None:
            lesson, step = target
            return Text.assemble(
                ("Continue with ", "bold"),
                (visible(lesson.title, one_line=True), "bold"),
                f" — step {step + 1} of {len(lesson.steps)} ",
                ("(press c)", "dim"),
                ("\nor pick any lesson and press Enter; ", "dim"),
                ("?", "bold"),
                (" shows every key.", "dim"),
            )
        if all_finished and self.catalog.lessons:
            return Text.assemble(
                ("Every lesson finished. ", "bold"),
                "Open any of them again, or train the tiny transformer at the end.",
            )
        return Text(INTRO)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "continue":
            return continue_target(self.catalog, self.progress) is not None
        return True

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_summary(event.option.id or "")

    def _show_summary(self, lesson_id: str) -> None:
        lesson = self.catalog.entry(lesson_id)
        if lesson is not None:
            summary = Text(visible(lesson.summary or lesson.title, one_line=True))
            if not served():  # a learner in a browser has no command line to type it at
                summary.append_text(
                    Text.assemble(
                        ("\nOpen it directly with ", "dim"),
                        (f"llmtutor lesson {lesson.id}", "bold"),
                        (" or print it with ", "dim"),
                        ("--plain", "bold"),
                    )
                )
            best, last = self.progress.best_score(lesson.id), self.progress.last_score(lesson.id)
            if best is not None and last is not None:
                summary.append(f"\nQuiz: best {best} right, last {last}", style="dim")
            exercise = self._exercise_line(lesson.id)
            if exercise is not None:
                summary.append_text(exercise)
            self.query_one("#lesson-summary", Static).update(summary)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option.id)

    def action_continue(self) -> None:
        target = continue_target(self.catalog, self.progress)
        if target is not None:
            lesson, step = target
            app: TutorApp = self.app  # type: ignore[assignment]
            app.open_lesson(lesson, step)

    def _open(self, lesson_id: str | None) -> None:
        entry = self.catalog.entry(lesson_id or "")
        if entry is not None:
            app: TutorApp = self.app  # type: ignore[assignment]
            app.open_entry(entry)
