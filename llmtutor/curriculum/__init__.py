"""Lessons as data: loading, validating and walking through them. Knows no UI."""

from llmtutor.curriculum.loader import (
    Catalog,
    LessonFileError,
    Problem,
    builtin_lessons_dir,
    check_files,
    lesson_files,
    load_catalog,
    load_lesson,
    read_source_lines,
    render_problems,
    suggest,
)
from llmtutor.curriculum.model import (
    LESSON_ID,
    MAX_ID_LENGTH,
    InputError,
    Lesson,
    Step,
    TrainingLesson,
    describe_length,
    fill,
)

__all__ = [
    "LESSON_ID",
    "MAX_ID_LENGTH",
    "Catalog",
    "InputError",
    "Lesson",
    "LessonFileError",
    "Problem",
    "Step",
    "TrainingLesson",
    "builtin_lessons_dir",
    "check_files",
    "describe_length",
    "fill",
    "lesson_files",
    "load_catalog",
    "load_lesson",
    "read_source_lines",
    "render_problems",
    "suggest",
]
