"""Lessons as data: loading, validating and walking through them. Knows no UI."""

from llmtutor.curriculum.loader import (
    Catalog,
    LessonFileError,
    Problem,
    builtin_lessons_dir,
    load_catalog,
    load_lesson,
    suggest,
)
from llmtutor.curriculum.model import InputError, Lesson, Step, fill

__all__ = [
    "Catalog",
    "InputError",
    "Lesson",
    "LessonFileError",
    "Problem",
    "Step",
    "builtin_lessons_dir",
    "fill",
    "load_catalog",
    "load_lesson",
    "suggest",
]
