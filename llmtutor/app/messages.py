"""Messages screens post about what the learner did, for whoever keeps track (progress)."""

from __future__ import annotations

from textual.message import Message


class StepShown(Message):
    """A lesson screen now shows step `step` (0-based) of `total`."""

    def __init__(self, lesson_id: str, step: int, total: int) -> None:
        super().__init__()
        self.lesson_id, self.step, self.total = lesson_id, step, total


class QuizScored(Message):
    """A quiz through a lesson ended: `right` of `asked` predictions were right."""

    def __init__(self, lesson_id: str, right: int, asked: int) -> None:
        super().__init__()
        self.lesson_id, self.right, self.asked = lesson_id, right, asked


class ProgressNotice(Message):
    """Saving the progress failed (posted from the saving thread): say so, once."""

    def __init__(self, notice: str) -> None:
        super().__init__()
        self.notice = notice


class ExerciseRecorded(Message):
    """Something to keep about an exercise: a check ran (`attempt`, `passed`), one more
    level of a hint was shown (`hint`), or the learner asked for the worked solution
    (`gave_up`)."""

    def __init__(
        self,
        exercise_id: str,
        attempt: bool = False,
        passed: bool = False,
        hint: bool = False,
        gave_up: bool = False,
    ) -> None:
        super().__init__()
        self.exercise_id, self.attempt, self.passed = exercise_id, attempt, passed
        self.hint, self.gave_up = hint, gave_up
