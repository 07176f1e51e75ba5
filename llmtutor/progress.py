"""What the learner has done: each lesson's last step, finished lessons and quiz scores,
and each exercise's checks, hints and pass.

Kept as a small JSON file in the user's state directory (see `default_state_dir`), which
several tutors may share: two terminals, or a terminal and a served session. A save never
just overwrites the file with one tutor's memory. It takes a lock (`progress.json.lock`
beside the file; where there is no `fcntl`, none), reads what is on disk, merges it with
what this tutor knows, writes the result atomically, and keeps the merged result in
memory too, so both tutors keep both learners' progress and end up knowing the same. Per
lesson the merge keeps the step recorded last (each lesson's `at`, seconds since the
epoch), finished if either says so, the better best score (`Score.beats`) and the newer
last score (the quiz's `at`).

Losing progress must never stop the tutor. An entry that makes no sense (a lesson id
`llmtutor check` would refuse, a step that is not a number) is dropped and the rest kept,
with a notice saying how many; a file that is not progress at all (not JSON, not an object,
an unknown version) is moved aside and the tutor starts afresh; anything that is not a
regular file (a FIFO, a device, a directory) is neither read nor saved over; a directory
that cannot be written to means progress is kept for this session only. Each time the
caller gets one line of plain text to show, once.

The file (`progress.json`) looks like this::

    {
      "version": 1,
      "last_opened": "adam",
      "lessons": {
        "adam": {
          "step": 4, "steps": 9, "finished": false, "at": 1767225600.5,
          "quiz": {"best": {"right": 3, "asked": 4}, "last": {"right": 2, "asked": 4},
                   "at": 1767225500.25}
        }
      },
      "exercises": {
        "backprop": {"attempts": 3, "hints": 2, "passed": true, "gave_up": false,
                     "at": 1767225700.0}
      }
    }

`step` is 0-based (the screen says "step 5 of 9"); `steps` is how many steps the lesson had
then; `quiz` is present once a quiz was scored; both `at`s are optional (a file written
before they existed loads, its entries counting as the oldest). Knows no UI: nothing here
imports Textual.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import platformdirs

from llmtutor.curriculum.model import LESSON_ID, MAX_ID_LENGTH
from llmtutor.files import NotRegularFile, read_regular
from llmtutor.safe_text import excerpt, visible

try:
    import fcntl
except ImportError:  # Windows: saves merge all the same, without a lock
    fcntl = None  # type: ignore[assignment]

APP_NAME = "llmtutor"
STATE_DIR_ENV = "LLMTUTOR_STATE_DIR"
FILE_NAME = "progress.json"
LOCK_SUFFIX = ".lock"  # progress.json.lock: the file a save locks
VERSION = 1
MAX_BYTES = 1_000_000  # a real file is a few kilobytes; anything near this is junk
MAX_LESSONS = 1_000
MAX_COUNT = 1_000_000  # steps, quiz questions: far above any real lesson
MAX_TIME = 1e11  # seconds since the epoch: about the year 5000; beyond is junk
LOCK_TIMEOUT_S = 10.0  # a save waits this long for another tutor's save, then gives up
TICK_S = 0.001  # a new record is always at least this much newer than the one it replaces

Notice = str  # one line of plain text for the learner (not markup), shown once


def default_state_dir() -> Path:
    """Where llmtutor keeps its state for this user.

    `$LLMTUTOR_STATE_DIR` when set; otherwise `platformdirs.user_state_path`:
    `$XDG_STATE_HOME/llmtutor` when that is an absolute path, else
    `~/.local/state/llmtutor`, on Linux and other Unixes; `~/Library/Application
    Support/llmtutor` on macOS (where platformdirs also honours `$XDG_STATE_HOME`); the
    Local AppData folder's `llmtutor` on Windows. Raises RuntimeError when there is no home
    directory to be found.
    """
    override = os.environ.get(STATE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_state_path(APP_NAME, appauthor=False)


def is_lesson_id(value: object) -> bool:
    """A lesson id the progress file keeps: what `llmtutor check` and the loader accept."""
    return (
        isinstance(value, str) and len(value) <= MAX_ID_LENGTH and bool(LESSON_ID.fullmatch(value))
    )


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


@dataclass(frozen=True)
class LessonProgress:
    """One lesson's progress. Never changed in place (a new one replaces it), so a copy of
    the dictionary that holds them is a snapshot another thread can write out."""

    step: int = 0  # the last step shown, 0-based
    steps: int = 0  # how many steps the lesson had then
    finished: bool = False  # its last step has been shown at least once
    best: Score | None = None
    last: Score | None = None
    at: float = 0.0  # when `step` was recorded (seconds since the epoch; 0: not known)
    quiz_at: float = 0.0  # when `last` was scored

    def merged(self, other: LessonProgress) -> LessonProgress:
        """Both records of one lesson as one: the later step, finished if either is, the
        better best score and the newer last one. The same whichever side is `self`."""
        later = max(self, other, key=lambda e: (e.at, e.step, e.steps))
        newer = max(self, other, key=lambda e: (e.quiz_at, _score_key(e.last)))
        best = self.best
        if best is None or (other.best is not None and other.best.beats(best)):
            best = other.best
        return LessonProgress(
            later.step,
            later.steps,
            self.finished or other.finished,
            best,
            newer.last,
            later.at,
            newer.quiz_at,
        )


@dataclass(frozen=True)
class ExerciseProgress:
    """One exercise's progress: checks run, hints shown, whether it passed. Never changed
    in place, like LessonProgress."""

    attempts: int = 0  # checks of the learner's file
    hints: int = 0  # hint levels shown, one at a time, all values together
    passed: bool = False
    gave_up: bool = False  # the learner asked for the worked solution before passing
    at: float = 0.0  # when it was last recorded

    def merged(self, other: ExerciseProgress) -> ExerciseProgress:
        """Both records of one exercise as one: nothing either side counted is lost."""
        return ExerciseProgress(
            max(self.attempts, other.attempts),
            max(self.hints, other.hints),
            self.passed or other.passed,
            self.gave_up or other.gave_up,
            max(self.at, other.at),
        )


def _merge_entries(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(mine)
    for key, entry in theirs.items():
        merged[key] = entry if key not in merged else merged[key].merged(entry)
    return merged


@dataclass(frozen=True)
class Snapshot:
    """The progress at one moment: what a save writes, merged with the file on disk."""

    lessons: Mapping[str, LessonProgress]
    last_opened: str | None = None
    exercises: Mapping[str, ExerciseProgress] = field(default_factory=dict)

    def merged(self, other: Snapshot) -> Snapshot:
        lessons = _merge_entries(self.lessons, other.lessons)
        exercises = _merge_entries(self.exercises, other.exercises)
        # The lesson opened last is the one of the two whose step was recorded later.
        latest = max((self, other), key=lambda side: (side._opened_at(), side.last_opened or ""))
        return Snapshot(lessons, latest.last_opened, exercises)

    def _opened_at(self) -> float:
        entry = self.lessons.get(self.last_opened or "")
        return entry.at if entry else -1.0

    def to_json(self) -> dict[str, Any]:
        lessons: dict[str, Any] = {}
        for lesson_id, entry in self.lessons.items():
            item: dict[str, Any] = {
                "step": entry.step,
                "steps": entry.steps,
                "finished": entry.finished,
            }
            if entry.at:
                item["at"] = entry.at
            quiz: dict[str, Any] = {}
            if entry.best is not None:
                quiz["best"] = _score_json(entry.best)
            if entry.last is not None:
                quiz["last"] = _score_json(entry.last)
                if entry.quiz_at:
                    quiz["at"] = entry.quiz_at
            if quiz:
                item["quiz"] = quiz
            lessons[lesson_id] = item
        data: dict[str, Any] = {"version": VERSION}
        if self.last_opened is not None:
            data["last_opened"] = self.last_opened
        data["lessons"] = lessons
        if self.exercises:
            data["exercises"] = {
                exercise_id: {
                    "attempts": entry.attempts,
                    "hints": entry.hints,
                    "passed": entry.passed,
                    "gave_up": entry.gave_up,
                    "at": entry.at,
                }
                for exercise_id, entry in self.exercises.items()
            }
        return data


class CorruptProgress(ValueError):
    """The state file does not hold progress in the shape this version writes."""


@dataclass
class Progress:
    """The learner's progress, saved to `path` (None: kept in memory only).

    Recorded on the interface's thread and saved from another (see BackgroundSaver): the
    lock guards every change to `lessons` and `last_opened_id`.
    """

    path: Path | None = None
    lessons: dict[str, LessonProgress] = field(default_factory=dict)
    last_opened_id: str | None = None
    exercises: dict[str, ExerciseProgress] = field(default_factory=dict)
    can_save: bool = True  # false once saving failed, or the file must not be overwritten
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    # --- reading ----------------------------------------------------------------------

    @classmethod
    def in_memory(cls) -> Progress:
        return cls(None)

    @classmethod
    def load(cls, path: Path | None) -> tuple[Progress, Notice | None]:
        """Read the progress file at `path`.

        A missing file is a fresh start. Entries that make no sense are dropped, with a
        notice that counts them. A file that cannot be read or is not progress at all is
        renamed aside (`progress.json.corrupt-<time>`) with a notice; one from a newer
        llmtutor, or something that is not a regular file, is left alone and this
        session's progress is not saved.
        """
        if path is None:
            return cls(None), None
        try:
            data = _read(path)
        except (FileNotFoundError, NotADirectoryError):  # nothing saved yet (or can be)
            return cls(path), None
        except NotRegularFile as error:
            return cls(path, can_save=False), _not_regular_notice(path, error)
        except (OSError, CorruptProgress) as error:
            return cls._set_aside(path, _reason(error))
        try:
            snapshot, skipped, first_problem = _from_json(data)
        except _Newer:
            return cls(path, can_save=False), _newer_notice(path)
        except CorruptProgress as error:
            return cls._set_aside(path, str(error))
        progress = cls(path, dict(snapshot.lessons), snapshot.last_opened, dict(snapshot.exercises))
        if not skipped:
            return progress, None
        entries = "entry" if skipped == 1 else "entries"
        return progress, (
            f"Skipped {skipped} {entries} of the progress file {_shown(path)} that could not "
            f"be used ({first_problem}); kept the rest."
        )

    @classmethod
    def _set_aside(cls, path: Path, reason: str) -> tuple[Progress, Notice]:
        aside, notice = _move_aside(path, reason)
        if aside is None:
            # It stays where it is and is not overwritten: nothing is lost, nothing is saved.
            return cls(path, can_save=False), notice
        return cls(path), (
            f"Progress file {_shown(path)} could not be used ({reason}); "
            f"kept it as {_shown(aside.name)} and started afresh."
        )

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
        """Step `step` (0-based) of `total` is on screen. True if anything changed.

        A lesson id the progress file would refuse is not recorded (the lesson loader
        refuses such ids already)."""
        if not is_lesson_id(lesson_id):
            return False
        step, total = _clamp(step), _clamp(total)
        with self._lock:
            entry = self.lessons.get(lesson_id)
            finished = (entry is not None and entry.finished) or step >= total - 1
            if (
                entry is not None
                and (entry.step, entry.steps, entry.finished) == (step, total, finished)
                and self.last_opened_id == lesson_id
            ):
                return False
            entry = entry or LessonProgress()
            at = self._now(entry.at)
            self.lessons[lesson_id] = replace(
                entry, step=step, steps=total, finished=finished, at=at
            )
            self.last_opened_id = lesson_id
            return True

    def record_quiz(self, lesson_id: str, right: int, asked: int) -> None:
        """A quiz through the lesson ended with `right` of `asked` right."""
        if not is_lesson_id(lesson_id):
            return
        asked = _clamp(asked)
        score = Score(max(0, min(right, asked)), asked)
        with self._lock:
            entry = self.lessons.get(lesson_id) or LessonProgress()
            best = score if entry.best is None or score.beats(entry.best) else entry.best
            self.lessons[lesson_id] = replace(
                entry, best=best, last=score, quiz_at=self._now(entry.quiz_at)
            )

    def exercise(self, exercise_id: str) -> ExerciseProgress | None:
        return self.exercises.get(exercise_id)

    def record_exercise(
        self,
        exercise_id: str,
        attempt: bool = False,
        passed: bool = False,
        hint: bool = False,
        gave_up: bool = False,
    ) -> None:
        """A check ran (`attempt`, `passed`), one more hint level was shown (`hint`), or the
        learner asked for the worked solution (`gave_up`)."""
        if not is_lesson_id(exercise_id):
            return
        with self._lock:
            entry = self.exercises.get(exercise_id) or ExerciseProgress()
            self.exercises[exercise_id] = ExerciseProgress(
                _clamp(entry.attempts + attempt),
                _clamp(entry.hints + hint),
                entry.passed or passed,
                entry.gave_up or (gave_up and not entry.passed and not passed),
                self._now(entry.at),
            )

    def _now(self, before: float) -> float:
        """The time of a new record: now, and later than the record it replaces (which may
        come from another tutor whose clock runs ahead)."""
        # Never past what the file may hold: a record beyond MAX_TIME would be dropped.
        return min(round(max(self.clock(), before + TICK_S), 3), MAX_TIME)

    # --- writing ----------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The progress as it is now, for `write` (safe to hand to another thread)."""
        with self._lock:
            return Snapshot(dict(self.lessons), self.last_opened_id, dict(self.exercises))

    def to_json(self) -> dict[str, Any]:
        return self.snapshot().to_json()

    def save(self) -> Notice | None:
        """Write the progress now (see `write`)."""
        return self.write(self.snapshot())

    def write(self, snapshot: Snapshot) -> Notice | None:
        """Merge `snapshot` with the file on disk and write the result, under the lock.

        The file is written atomically: a temporary file beside it, flushed to the disk,
        then a rename. The merged progress is then taken into memory as well: what another
        tutor saved shows here too. A file on disk that is not progress is moved aside
        first (with a notice); one from a newer llmtutor, or not a regular file, is left
        alone and saving stops (with a notice).

        If writing fails, saving stops for the session and the notice says so; later calls
        return None, so the learner hears about it once.
        """
        if self.path is None or not self.can_save:
            return None
        path, directory = self.path, self.path.parent
        notice: Notice | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with _locked(path.with_name(path.name + LOCK_SUFFIX)):
                try:
                    on_disk = _from_json(_read(path))[0]
                except (FileNotFoundError, NotADirectoryError):
                    on_disk = Snapshot({})
                except NotRegularFile as error:
                    self.can_save = False
                    return _not_regular_notice(path, error)
                except _Newer:
                    self.can_save = False
                    return _newer_notice(path)
                except CorruptProgress as error:  # written since it was loaded: keep it
                    aside, failed = _move_aside(path, str(error))
                    if aside is None:
                        self.can_save = False
                        return failed
                    on_disk = Snapshot({})
                    notice = (
                        f"Progress file {_shown(path)} could not be used ({error}); kept it as "
                        f"{_shown(aside.name)} and saved this session's progress in its place."
                    )
                merged = snapshot.merged(on_disk)
                _write_atomically(path, _dumps(merged))
        except OSError as error:
            self.can_save = False
            return (
                f"Can't save progress in {_shown(directory)} ({_reason(error)}); the tutor "
                "works, but won't remember where you were."
            )
        self._take(merged)
        return notice

    def _take(self, other: Snapshot) -> None:
        """Merge what was written into memory (what was recorded meanwhile is kept)."""
        with self._lock:
            mine = Snapshot(self.lessons, self.last_opened_id, self.exercises)
            merged = mine.merged(other)
            self.lessons, self.last_opened_id = dict(merged.lessons), merged.last_opened
            self.exercises = dict(merged.exercises)


class BackgroundSaver:
    """Saves a Progress on a thread of its own, so that a slow disk (the flush to it can
    take tens of milliseconds) never holds up the interface, which saves at every step.

    `save` takes a snapshot of the progress at once; the saving thread merges it with the
    file on disk and writes the result (see `Progress.write`). Writes happen in order, and
    one that a newer save has overtaken is skipped. A notice goes to `on_notice`, from the
    saving thread. `close` waits for the last write.
    """

    def __init__(self, progress: Progress, on_notice: Callable[[Notice], None]) -> None:
        self.progress = progress
        self.on_notice = on_notice
        self._saves = 0  # how many saves were asked for: the newest one is written
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llmtutor-save")
        self._closed = False

    def save(self) -> None:
        if self.progress.path is None or not self.progress.can_save:
            return
        self._saves += 1
        if self._closed:  # a save asked for as the tutor ends (a timer already due): now
            self._write(self._saves, self.progress.snapshot())
            return
        self._thread.submit(self._write, self._saves, self.progress.snapshot())

    def _write(self, number: int, snapshot: Snapshot) -> None:
        if number != self._saves:
            return  # a newer save follows
        notice = self.progress.write(snapshot)
        if notice:
            self.on_notice(notice)

    def close(self) -> None:
        """Wait for the last write; a save after this writes at once, on the caller's thread."""
        self._closed = True
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
            return Progress(None), f"Progress will not be saved: {visible(str(error), True)}."
    if state_dir is None:
        return Progress(None), None
    return Progress.load(Path(state_dir) / FILE_NAME)


def read_saved(path: Path) -> Snapshot:
    """The progress saved at `path`, only read: nothing is set aside, dropped or written
    (for a report of a class's progress, `llmtutor serve --report`). A missing file is no
    progress yet. Raises OSError (NotRegularFile among them) or CorruptProgress, which
    a file from a newer llmtutor also raises."""
    try:
        data = _read(path)
    except (FileNotFoundError, NotADirectoryError):
        return Snapshot({})
    try:
        snapshot, _, _ = _from_json(data)
    except _Newer:
        raise CorruptProgress("written by a newer llmtutor") from None
    return snapshot


# --- the file -------------------------------------------------------------------------


class _Newer(Exception):
    """The file was written by a newer llmtutor."""


def _read(path: Path) -> Any:
    """The JSON in the file at `path`, if it is a regular file (a FIFO or a device is
    refused at once, see `llmtutor.files`) of at most MAX_BYTES."""
    raw = read_regular(path, MAX_BYTES)
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


def _from_json(data: Any) -> tuple[Snapshot, int, str | None]:
    """The progress in `data`, how many entries were dropped, and why the first was.

    Raises CorruptProgress when `data` is not progress at all (not an object, a version
    this llmtutor does not know), _Newer when a newer llmtutor wrote it.
    """
    if not isinstance(data, dict):
        raise CorruptProgress(f"expected an object, found {_kind(data)}")
    version = data.get("version")
    if _newer(version):
        raise _Newer()
    if version != VERSION or isinstance(version, bool):
        raise CorruptProgress(f"unknown version {visible(repr(version)[:20], one_line=True)}")
    skipped, first_problem = 0, None

    def skip(problem: str) -> None:
        nonlocal skipped, first_problem
        skipped += 1
        first_problem = first_problem or problem

    lessons: dict[str, LessonProgress] = {}
    lessons_data = data.get("lessons", {})
    if not isinstance(lessons_data, dict):
        skip(f"'lessons' should be an object, not {_kind(lessons_data)}")
        lessons_data = {}
    for lesson_id, entry in lessons_data.items():
        if not is_lesson_id(lesson_id):
            skip(f"{excerpt(lesson_id)} is not a lesson id")
        elif len(lessons) >= MAX_LESSONS:
            skip(f"more than {MAX_LESSONS} lessons")
        else:
            try:
                lessons[lesson_id] = _lesson_from_json(lesson_id, entry)
            except CorruptProgress as error:
                skip(str(error))
    last_opened = data.get("last_opened")
    if last_opened is not None and not is_lesson_id(last_opened):
        skip("'last_opened' is not a lesson id")
        last_opened = None
    exercises: dict[str, ExerciseProgress] = {}
    exercises_data = data.get("exercises", {})
    if not isinstance(exercises_data, dict):
        skip(f"'exercises' should be an object, not {_kind(exercises_data)}")
        exercises_data = {}
    for exercise_id, entry in exercises_data.items():
        if not is_lesson_id(exercise_id):
            skip(f"{excerpt(exercise_id)} is not an exercise id")
        elif len(exercises) >= MAX_LESSONS:
            skip(f"more than {MAX_LESSONS} exercises")
        else:
            try:
                exercises[exercise_id] = _exercise_from_json(exercise_id, entry)
            except CorruptProgress as error:
                skip(str(error))
    return Snapshot(lessons, last_opened, exercises), skipped, first_problem


def _exercise_from_json(exercise_id: str, entry: object) -> ExerciseProgress:
    where = f"exercise {exercise_id!r}"
    if not isinstance(entry, dict):
        raise CorruptProgress(f"{where} should be an object, not {_kind(entry)}")
    flags = {}
    for key in ("passed", "gave_up"):
        flags[key] = entry.get(key, False)
        if not isinstance(flags[key], bool):
            raise CorruptProgress(f"{where} {key} should be true or false")
    return ExerciseProgress(
        _count(entry.get("attempts", 0), f"{where} attempts"),
        _count(entry.get("hints", 0), f"{where} hints"),
        flags["passed"],
        flags["gave_up"],
        _time(entry.get("at", 0), f"{where} at"),
    )


def _lesson_from_json(lesson_id: str, entry: object) -> LessonProgress:
    where = f"lesson {lesson_id!r}"
    if not isinstance(entry, dict):
        raise CorruptProgress(f"{where} should be an object, not {_kind(entry)}")
    step = _count(entry.get("step"), f"{where} step")
    steps = _count(entry.get("steps", 0), f"{where} steps")
    finished = entry.get("finished", False)
    if not isinstance(finished, bool):
        raise CorruptProgress(f"{where} finished should be true or false")
    at = _time(entry.get("at", 0), f"{where} at")
    quiz = entry.get("quiz", {})
    if not isinstance(quiz, dict):
        raise CorruptProgress(f"{where} quiz should be an object, not {_kind(quiz)}")
    best = _score(quiz["best"], f"{where} best") if "best" in quiz else None
    last = _score(quiz["last"], f"{where} last") if "last" in quiz else None
    quiz_at = _time(quiz.get("at", 0), f"{where} quiz at")
    return LessonProgress(step, steps, finished, best, last, at, quiz_at)


def _count(value: object, where: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise CorruptProgress(f"{where} should be a whole number, not {_kind(value)}")
    if not minimum <= value <= MAX_COUNT:
        raise CorruptProgress(f"{where} is out of range ({excerpt(str(value), 20)})")
    return value


def _time(value: object, where: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise CorruptProgress(f"{where} should be a time in seconds, not {_kind(value)}")
    if not 0 <= value <= MAX_TIME:  # compared, not converted: a huge int is out, and NaN
        raise CorruptProgress(f"{where} is out of range")
    return float(value)


def _score(value: object, where: str) -> Score:
    if not isinstance(value, dict):
        raise CorruptProgress(f"{where} should be an object, not {_kind(value)}")
    right = _count(value.get("right"), f"{where}.right")
    asked = _count(value.get("asked"), f"{where}.asked")
    if right > asked:
        raise CorruptProgress(f"{where} has more right ({right}) than asked ({asked})")
    return Score(right, asked)


def _dumps(snapshot: Snapshot) -> str:
    return json.dumps(snapshot.to_json(), indent=2, ensure_ascii=False) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path` (created if need be) while the block runs.

    Waits at most LOCK_TIMEOUT_S for another tutor's save, then raises TimeoutError (a
    tutor stopped with ctrl+z in the middle of a save must not hold up the other one for
    ever). Where there is no fcntl, or the file system cannot lock, the block runs
    unlocked: the merge still keeps both tutors' progress unless their saves meet.
    """
    if fcntl is None:
        yield
        return
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(lock_path, flags, 0o600)
    try:
        deadline, pause = time.monotonic() + LOCK_TIMEOUT_S, 0.001
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    break  # no locks on this file system: go on unlocked
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        errno.ETIMEDOUT, "Another llmtutor held the progress file too long"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.02)
        yield
    finally:
        os.close(descriptor)  # which releases the lock


def _move_aside(path: Path, reason: str) -> tuple[Path | None, Notice]:
    """Rename the file at `path` to `progress.json.corrupt-<time>`: the new path, or None
    and a notice when it could not be moved."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    for number in range(1, 100):
        if not os.path.lexists(aside):
            break
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    try:
        os.replace(path, aside)
    except OSError as error:
        return None, (
            f"Could not read progress from {_shown(path)} ({reason}) nor move it aside "
            f"({_reason(error)}); this session's progress will not be saved."
        )
    return aside, ""


# --- helpers --------------------------------------------------------------------------


def _newer(version: object) -> bool:
    return isinstance(version, int) and not isinstance(version, bool) and version > VERSION


def _newer_notice(path: Path) -> Notice:
    return (
        f"Progress in {_shown(path)} was written by a newer llmtutor; it is left as it is and "
        "this session's progress will not be saved."
    )


def _not_regular_notice(path: Path, error: NotRegularFile) -> Notice:
    return (
        f"Progress file {_shown(path)} is {error.kind}, not a regular file; it is left as it "
        "is and this session's progress will not be saved."
    )


def _clamp(count: int) -> int:
    return max(0, min(count, MAX_COUNT))


def _score_key(score: Score | None) -> tuple[int, int]:
    return (-1, -1) if score is None else (score.right, score.asked)


def _score_json(score: Score) -> dict[str, int]:
    return {"right": score.right, "asked": score.asked}


def _shown(path: Path | str) -> str:
    """A path in a notice: on one line, every control character replaced visibly."""
    return visible(str(path), one_line=True)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list"}
    return names.get(type(value), "an object")


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return visible(error.strerror.lower(), one_line=True)
    return visible(str(error) or type(error).__name__, one_line=True)
