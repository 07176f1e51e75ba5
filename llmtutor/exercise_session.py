"""An exercise being worked on: the learner's file, its last check, the hint shown, and
the starter file it begins from. The exercise screen is a thin view of this; the command
line writes the starter with it. Knows no UI.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from llmtutor.checker import Hint, Verdict, check_file
from llmtutor.curriculum.exercises import Exercise
from llmtutor.files import NotRegularFile, file_kind, path_problem, read_regular

MAX_SHOWN_BYTES = 64_000  # of the learner's file, shown beside the solution
HINT_LEVELS = 3  # where to look, the formula, the formula with the numbers

Stamp = tuple[int, int] | None  # a file's modification time (ns) and size; None: unreadable


def stamp(path: Path) -> Stamp:
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status.st_mtime_ns, status.st_size


def write_starter(exercise: Exercise, folder: Path) -> tuple[Path, bool]:
    """The learner's file for `exercise` in `folder` (`<id>.py`), written from the starter
    if there is none yet; never over a file that exists. True when it was written now.
    Raises OSError when it cannot be (`files.write_problem` words the reason)."""
    path = folder / f"{exercise.id}.py"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: a file that appeared meanwhile (or a link, or a FIFO) is never written over
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        mode = os.stat(path).st_mode  # follows a link: a link to the learner's file is fine
        if not stat.S_ISREG(mode):
            raise NotRegularFile(file_kind(mode)) from None
        return path, False
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(exercise.starter)
    return path, True


@dataclass(frozen=True)
class HintShown:
    """The hint on show: for which value, and how many of its levels."""

    name: str
    level: int
    hint: Hint


class ExerciseSession:
    def __init__(
        self,
        exercise: Exercise,
        path: Path,
        check: Callable[..., Verdict] = check_file,
    ) -> None:
        self.exercise = exercise
        self.path = path
        self._check = check
        self.stamp: Stamp = None  # of the file as last checked
        self.verdict: Verdict | None = None
        self.hint: HintShown | None = None
        self.checks = 0  # checks run in this session
        self.cancel = threading.Event()  # set: the check running now stops (screen closing)

    def changed(self) -> bool:
        """Whether the file differs (time or size) from when it was last checked."""
        return stamp(self.path) != self.stamp

    def run_check(self) -> Verdict:
        """Check the file as it is now (blocking: run it off the interface's thread)."""
        self.stamp = stamp(self.path)
        try:
            read_regular(self.path, 0)  # a missing file, a folder or a FIFO: said so
        except OSError as error:
            reason = f"{self.path.name} {path_problem(error)}"
            return Verdict("failed", reason, self.exercise.id, ran=False)
        return self._check(self.exercise, self.path, cancel=self.cancel)

    def take(self, verdict: Verdict) -> None:
        """A check's verdict is in: a hint about another value is put away."""
        self.verdict = verdict
        self.checks += verdict.ran  # a file that could not be read was not checked
        wrong = verdict.wrong
        if self.hint is not None and (wrong is None or wrong.row.name != self.hint.name):
            self.hint = None
        if self.hint is not None and wrong is not None:  # the same value, new numbers
            self.hint = HintShown(wrong.row.name, self.hint.level, wrong.hint)

    def more_hint(self) -> str | None:
        """Show one more level of the hint about the first wrong value; or say why not."""
        verdict = self.verdict
        if verdict is None:
            return "The file has not been checked yet."
        if verdict.passed:
            return "Every value is right: no hint needed."
        if verdict.wrong is None:
            return "Make the code run first: the message above says what stopped it."
        name = verdict.wrong.row.name
        level = self.hint.level if self.hint is not None and self.hint.name == name else 0
        if level >= HINT_LEVELS:
            return f"That is every hint for {name}; s shows the worked solution."
        self.hint = HintShown(name, level + 1, verdict.wrong.hint)
        return None

    @property
    def passed(self) -> bool:
        return self.verdict is not None and self.verdict.passed

    def learner_source(self) -> str:
        """The learner's file as text, for showing beside the solution."""
        try:
            data = read_regular(self.path, MAX_SHOWN_BYTES)[:MAX_SHOWN_BYTES]
        except OSError as error:
            return f"({self.path.name} {path_problem(error)})"
        return data.decode("utf-8", errors="replace")
