"""The Textual interface. It shows what the engine computed; it computes nothing itself."""

from __future__ import annotations

from llmtutor.app.tutor import TutorApp
from llmtutor.curriculum import Catalog, Lesson
from llmtutor.engine import InputValue


def create_app(
    catalog: Catalog,
    lesson: Lesson | None = None,
    step: int = 0,
    values: dict[str, InputValue] | None = None,
) -> TutorApp:
    """Build the app. The CLI and the tests both use this, so tests see what users see."""
    return TutorApp(catalog, lesson=lesson, step=step, values=values or {})


__all__ = ["TutorApp", "create_app"]
