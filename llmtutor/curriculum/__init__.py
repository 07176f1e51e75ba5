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
from llmtutor.curriculum.model import (
    InputError,
    Lesson,
    Step,
    TrainingLesson,
    describe_length,
    fill,
)

__all__ = [
    "Catalog",
    "InputError",
    "Lesson",
    "LessonFileError",
    "Problem",
    "Step",
    "TrainingLesson",
    "builtin_lessons_dir",
    "describe_length",
    "fill",
    "load_catalog",
    "load_lesson",
    "suggest",
]
