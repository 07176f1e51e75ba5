"""The Textual interface. It shows what the engine computed; it computes nothing itself."""

from __future__ import annotations

from pathlib import Path

from llmtutor.app.tutor import StateDir, TutorApp
from llmtutor.curriculum import Catalog, Lesson
from llmtutor.curriculum.exercises import Exercise
from llmtutor.engine import InputValue
from llmtutor.run_settings import Experiment, RunSettings


def create_app(
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
) -> TutorApp:
    """Build the app. The CLI and the tests both use this, so tests see what users see.

    `train` opens the training screen with those settings, and starts the run at once
    unless `start_training` is false (then Enter starts it). `step` None opens `lesson` where
    the learner left it; `quiz` starts it in quiz mode; `watch` reloads it when its file
    changes. `exercise` opens the exercise screen on the learner's file at that path;
    `exercises_dir` is where exercises opened from the lessons are written (default
    `./llmtutor-exercises`). `experiment` opens the training screen on a lesson's
    experiment (its text; Enter trains its runs one after another), q leaving the tutor.

    `state_dir` is where the learner's progress is kept: "auto" for the user's state
    directory (`$LLMTUTOR_STATE_DIR`, else the platform's; see `llmtutor.progress`), as the
    CLI passes; a path; or None, the default, to keep it in memory only (tests).
    """
    return TutorApp(
        catalog,
        lesson=lesson,
        step=step,
        values=values or {},
        train=train,
        start_training=start_training,
        state_dir=state_dir,
        quiz=quiz,
        watch=watch,
        exercise=exercise,
        exercises_dir=exercises_dir,
        experiment=experiment,
    )


__all__ = ["RunSettings", "StateDir", "TutorApp", "create_app"]
