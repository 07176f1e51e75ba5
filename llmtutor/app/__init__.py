"""The Textual interface. It shows what the engine computed; it computes nothing itself."""

from __future__ import annotations

from llmtutor.app.tutor import TutorApp
from llmtutor.curriculum import Catalog, Lesson
from llmtutor.engine import InputValue
from llmtutor.run_settings import RunSettings


def create_app(
    catalog: Catalog,
    lesson: Lesson | None = None,
    step: int = 0,
    values: dict[str, InputValue] | None = None,
    train: RunSettings | None = None,
    start_training: bool = True,
) -> TutorApp:
    """Build the app. The CLI and the tests both use this, so tests see what users see.

    `train` opens the training screen with those settings, and starts the run at once
    unless `start_training` is false (then Enter starts it).
    """
    return TutorApp(
        catalog,
        lesson=lesson,
        step=step,
        values=values or {},
        train=train,
        start_training=start_training,
    )


__all__ = ["RunSettings", "TutorApp", "create_app"]
