"""What the learner has done: each lesson's last step, finished lessons and quiz scores.

Kept as a small JSON file in the user's state directory (see `default_state_dir`). Losing
progress must never stop the tutor: a file that cannot be read or makes no sense is moved
aside and the tutor starts afresh; a directory that cannot be written to means progress is
kept for this session only. Either way the caller gets one line to show, once.

The file (`progress.json`) looks like this::

    {
      "version": 1,
      "last_opened": "adam",
      "lessons": {
        "adam": {
          "step": 4, "steps": 9, "finished": false,
          "quiz": {"best": {"right": 3, "asked": 4}, "last": {"right": 2, "asked": 4}}
        }
      }
    }

`step` is 0-based (the screen says "step 5 of 9"); `steps` is how many steps the lesson had
then; `quiz` is present once a quiz was scored. Knows no UI: nothing here imports Textual.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

STATE_DIR_ENV = "LLMTUTOR_STATE_DIR"
FILE_NAME = "progress.json"
VERSION = 1
MAX_BYTES = 1_000_000  # a real file is a few kilobytes; anything near this is junk
MAX_LESSONS = 1_000
MAX_COUNT = 1_000_000  # steps, quiz questions: far above any real lesson
LESSON_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")  # as lesson files require, and short

Notice = str  # one line for the learner, shown once


def default_state_dir(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    """Where llmtutor keeps its state for this user.

    `$LLMTUTOR_STATE_DIR` when set; otherwise `$XDG_STATE_HOME/llmtutor` (default
    `~/.local/state/llmtutor`) on Linux and other Unixes, `~/Library/Application
    Support/llmtutor` on macOS and `%LOCALAPPDATA%\\llmtutor` on Windows. The arguments
    stand in for `os.environ`, `sys.platform` and the home directory (for tests).
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if env.get(STATE_DIR_ENV):
        return Path(env[STATE_DIR_ENV]).expanduser()
    home = Path.home() if home is None else home
    if platform == "darwin":
        return home / "Library" / "Application Support" / "llmtutor"
    if platform == "win32":
        local = env.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "llmtutor"
    xdg = env.get("XDG_STATE_HOME", "")
    # The XDG spec says a relative path in the variable is invalid and should be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "state"
    return base / "llmtutor"


@dataclass(frozen=True)
class Score:
    right: int
    asked: int

    def __str__(self) -> str:
        return f"{self.right}/{self.asked}"

    def beats(self, other: Score) -> bool:
        """A higher share right; on a tie, more questions asked."""
        mine, theirs = self.right * other.asked, other.right * self.asked
        return mine > theirs or (mine == theirs and self.asked > other.asked)


@dataclass
class LessonProgress:
    step: int = 0  # the last step shown, 0-based
    steps: int = 0  # how many steps the lesson had then
    finished: bool = False  # its last step has been shown at least once
    best: Score | None = None
    last: Score | None = None


class CorruptProgress(ValueError):
    """The state file does not hold progress in the shape this version writes."""


@dataclass
class Progress:
    """The learner's progress, saved to `path` (None: kept in memory only)."""

    path: Path | None = None
    lessons: dict[str, LessonProgress] = field(default_factory=dict)
    last_opened_id: str | None = None
    can_save: bool = True  # false once saving failed, or the file must not be overwritten

    # --- reading ----------------------------------------------------------------------

    @classmethod
    def in_memory(cls) -> Progress:
        return cls(None)

    @classmethod
    def load(cls, path: Path | None) -> tuple[Progress, Notice | None]:
        """Read the progress file at `path`: a missing file is a fresh start; an unreadable
        or corrupt one is renamed aside (`progress.json.corrupt-<time>`) with a notice."""
        if path is None:
            return cls(None), None
        try:
            data = _read(path)
        except (FileNotFoundError, NotADirectoryError):  # nothing saved yet (or can be)
            return cls(path), None
        except (OSError, CorruptProgress) as error:
            return cls._set_aside(path, _reason(error))
        if isinstance(data, dict) and _newer(data.get("version")):
            return cls(path, can_save=False), (
                f"Progress in {path} was written by a newer llmtutor; it is left as it is and "
                "this session's progress will not be saved."
            )
        try:
            return cls._from_json(path, data), None
        except CorruptProgress as error:
            return cls._set_aside(path, str(error))

    @classmethod
    def _set_aside(cls, path: Path, reason: str) -> tuple[Progress, Notice]:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{path.name}.corrupt-{stamp}")
        for number in range(1, 100):
            if not aside.exists():
                break
            aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
        try:
            os.replace(path, aside)
        except OSError as error:
            # It stays where it is and is not overwritten: nothing is lost, nothing is saved.
            return cls(path, can_save=False), (
                f"Could not read progress from {path} ({reason}) nor move it aside "
                f"({_reason(error)}); this session's progress will not be saved."
            )
        return cls(path), (
            f"Progress file {path} could not be used ({reason}); "
            f"kept it as {aside.name} and started afresh."
        )

    @classmethod
    def _from_json(cls, path: Path, data: Any) -> Progress:
        if not isinstance(data, dict):
            raise CorruptProgress(f"expected an object, found {_kind(data)}")
        if data.get("version") != VERSION or isinstance(data.get("version"), bool):
            raise CorruptProgress(f"unknown version {repr(data.get('version'))[:20]}")
        lessons_data = data.get("lessons", {})
        if not isinstance(lessons_data, dict):
            raise CorruptProgress(f"'lessons' should be an object, not {_kind(lessons_data)}")
        if len(lessons_data) > MAX_LESSONS:
            raise CorruptProgress(f"{len(lessons_data)} lessons is far too many")
        lessons = {}
        for lesson_id, entry in lessons_data.items():
            if not LESSON_ID.fullmatch(lesson_id):
                raise CorruptProgress(f"{lesson_id[:40]!r} is not a lesson id")
            lessons[lesson_id] = _lesson_from_json(lesson_id, entry)
        last_opened = data.get("last_opened")
        if last_opened is not None and (
            not isinstance(last_opened, str) or not LESSON_ID.fullmatch(last_opened)
        ):
            raise CorruptProgress("'last_opened' is not a lesson id")
        return cls(path, lessons, last_opened)

    # --- asking -----------------------------------------------------------------------

    def last_step(self, lesson_id: str) -> int | None:
        """The step (0-based) last shown of that lesson, or None if it was never opened."""
        entry = self.lessons.get(lesson_id)
        return entry.step if entry else None

    def is_started(self, lesson_id: str) -> bool:
        return lesson_id in self.lessons

    def is_finished(self, lesson_id: str) -> bool:
        entry = self.lessons.get(lesson_id)
        return bool(entry and entry.finished)

    def last_opened(self) -> str | None:
        """The lesson a step was last shown of."""
        return self.last_opened_id

    def best_score(self, lesson_id: str) -> Score | None:
        entry = self.lessons.get(lesson_id)
        return entry.best if entry else None

    def last_score(self, lesson_id: str) -> Score | None:
        entry = self.lessons.get(lesson_id)
        return entry.last if entry else None

    # --- recording --------------------------------------------------------------------

    def record_step(self, lesson_id: str, step: int, total: int) -> bool:
        """Step `step` (0-based) of `total` is on screen. True if anything changed."""
        entry = self.lessons.setdefault(lesson_id, LessonProgress())
        before = (entry.step, entry.steps, entry.finished, self.last_opened_id)
        entry.step, entry.steps = max(0, step), max(0, total)
        entry.finished = entry.finished or step >= total - 1
        self.last_opened_id = lesson_id
        return before != (entry.step, entry.steps, entry.finished, self.last_opened_id)

    def record_quiz(self, lesson_id: str, right: int, asked: int) -> None:
        """A quiz through the lesson ended with `right` of `asked` right."""
        score = Score(max(0, min(right, asked)), max(0, asked))
        entry = self.lessons.setdefault(lesson_id, LessonProgress())
        entry.last = score
        if entry.best is None or score.beats(entry.best):
            entry.best = score

    # --- writing ----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        lessons: dict[str, Any] = {}
        for lesson_id, entry in self.lessons.items():
            item: dict[str, Any] = {
                "step": entry.step,
                "steps": entry.steps,
                "finished": entry.finished,
            }
            quiz = {
                name: _score_json(s) for name, s in (("best", entry.best), ("last", entry.last))
            }
            quiz = {name: value for name, value in quiz.items() if value is not None}
            if quiz:
                item["quiz"] = quiz
            lessons[lesson_id] = item
        data: dict[str, Any] = {"version": VERSION}
        if self.last_opened_id is not None:
            data["last_opened"] = self.last_opened_id
        data["lessons"] = lessons
        return data

    def save(self) -> Notice | None:
        """Write the file now (see `write`)."""
        return self.write(self.serialized())

    def serialized(self) -> str:
        """The file's text for the progress as it is now."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def write(self, text: str) -> Notice | None:
        """Write `text` (from `serialized`) to the file atomically: a temporary file beside
        it, flushed to the disk, then a rename.

        If that fails, saving stops for the session and the notice says so; later calls
        return None, so the learner hears about it once.
        """
        if self.path is None or not self.can_save:
            return None
        directory = self.path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=directory
            )
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    file.write(text)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as error:
            self.can_save = False
            return (
                f"Can't save progress in {directory} ({_reason(error)}); the tutor works, "
                "but won't remember where you were."
            )
        return None


class BackgroundSaver:
    """Saves a Progress on a thread of its own, so that a slow disk (the flush to it can
    take tens of milliseconds) never holds up the interface, which saves at every step.

    `save` takes the text to write at once; writes happen in order, and one that a newer
    save has overtaken is skipped. A failure's notice goes to `on_notice`, from the saving
    thread. `close` waits for the last write.
    """

    def __init__(self, progress: Progress, on_notice: Callable[[Notice], None]) -> None:
        self.progress = progress
        self.on_notice = on_notice
        self._saves = 0  # how many saves were asked for: the newest one is written
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llmtutor-save")

    def save(self) -> None:
        if self.progress.path is None or not self.progress.can_save:
            return
        self._saves += 1
        self._thread.submit(self._write, self._saves, self.progress.serialized())

    def _write(self, number: int, text: str) -> None:
        if number != self._saves:
            return  # a newer save follows
        notice = self.progress.write(text)
        if notice:
            self.on_notice(notice)

    def close(self) -> None:
        self._thread.shutdown(wait=True)


def load_progress(
    state_dir: Path | Literal["auto"] | None,
) -> tuple[Progress, Notice | None]:
    """Progress for the app: from `state_dir`, from the user's state directory ("auto"), or
    in memory only (None)."""
    if state_dir == "auto":
        try:
            state_dir = default_state_dir()
        except RuntimeError as error:  # no home directory to be found
            return Progress(None), f"Progress will not be saved: {error}."
    if state_dir is None:
        return Progress(None), None
    return Progress.load(Path(state_dir) / FILE_NAME)


# --- helpers --------------------------------------------------------------------------


def _read(path: Path) -> Any:
    with path.open("rb") as file:
        raw = file.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise CorruptProgress(f"larger than {MAX_BYTES // 1000} kB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CorruptProgress("not UTF-8 text") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        message = error.msg if isinstance(error, json.JSONDecodeError) else "not JSON"
        raise CorruptProgress(f"bad JSON: {message}") from None


def _newer(version: object) -> bool:
    return isinstance(version, int) and not isinstance(version, bool) and version > VERSION


def _count(value: object, where: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise CorruptProgress(f"{where} should be a whole number, not {_kind(value)}")
    if not minimum <= value <= MAX_COUNT:
        raise CorruptProgress(f"{where} is out of range ({value})")
    return value


def _score(value: object, where: str) -> Score:
    if not isinstance(value, dict):
        raise CorruptProgress(f"{where} should be an object, not {_kind(value)}")
    right = _count(value.get("right"), f"{where}.right")
    asked = _count(value.get("asked"), f"{where}.asked")
    if right > asked:
        raise CorruptProgress(f"{where} has more right ({right}) than asked ({asked})")
    return Score(right, asked)


def _lesson_from_json(lesson_id: str, entry: object) -> LessonProgress:
    where = f"lesson {lesson_id!r}"
    if not isinstance(entry, dict):
        raise CorruptProgress(f"{where} should be an object, not {_kind(entry)}")
    step = _count(entry.get("step"), f"{where} step")
    steps = _count(entry.get("steps", 0), f"{where} steps")
    finished = entry.get("finished", False)
    if not isinstance(finished, bool):
        raise CorruptProgress(f"{where} finished should be true or false")
    quiz = entry.get("quiz", {})
    if not isinstance(quiz, dict):
        raise CorruptProgress(f"{where} quiz should be an object, not {_kind(quiz)}")
    best = _score(quiz["best"], f"{where} best") if "best" in quiz else None
    last = _score(quiz["last"], f"{where} last") if "last" in quiz else None
    return LessonProgress(step, steps, finished, best, last)


def _score_json(score: Score | None) -> dict[str, int] | None:
    return None if score is None else {"right": score.right, "asked": score.asked}


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list"}
    return names.get(type(value), "an object")


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__
