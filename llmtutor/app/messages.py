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
