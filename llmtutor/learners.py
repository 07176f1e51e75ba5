"""A class on one server (`llmtutor serve`): learners' names, their folders, and the limit
on training runs at once.

Each learner's progress lives in a folder of their own under the server's state directory::

    STATE_DIR/
      learners/
        ana/              the name, case-folded: "Ana" and "ana" are one learner
          name            the name as the learner first gave it ("Ana")
          progress.json   as in a single user's state directory (llmtutor.progress)
          exercises/      the learner's exercise files
      training/
        slot-0.lock ...   one file per training run the server allows at once

A name is checked before it is ever joined to a path (`name_problem`): letters, digits,
spaces and a few marks (- _ . '), starting and ending with a letter or digit, at most
`MAX_NAME` characters. So `../x`, `/`, an empty name, a very long one, one with control
characters, or a name that is a device on Windows never becomes a folder, and
`learner_folder` checks once more that the folder it returns is inside the state directory.

Knows no UI and imports neither Textual nor torch.
"""

from __future__ import annotations

import contextlib
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from llmtutor.safe_text import describe, excerpt

try:
    import fcntl
except ImportError:  # Windows: training runs are not limited
    fcntl = None  # type: ignore[assignment]

MAX_NAME = 40  # characters of a learner's name
MARKS = " -_.'"  # besides letters and digits
LEARNERS = "learners"  # the folder of learners' folders, in the state directory
NAME_FILE = "name"  # in a learner's folder: the name as given
EXERCISES = "exercises"  # in a learner's folder: the exercise files
TRAINING = "training"  # in the state directory: the training slots

# What `llmtutor serve` hands each session it starts, in its environment.
LEARNER_ENV = "LLMTUTOR_LEARNER"  # the learner's name (checked), when the address gave one
LEARNER_PROBLEM_ENV = "LLMTUTOR_LEARNER_PROBLEM"  # why the address's name was refused
SERVE_STATE_ENV = "LLMTUTOR_SERVE_STATE"  # the server's state directory
TRAINING_LIMIT_ENV = "LLMTUTOR_TRAINING_LIMIT"  # training runs at once, on the whole server

_WINDOWS_DEVICES = {"con", "prn", "aux", "nul"} | {
    f"{kind}{number}" for kind in ("com", "lpt") for number in range(1, 10)
}


def served() -> bool:
    """Whether this tutor is a session that `llmtutor serve` started (a page in a browser)."""
    return bool(os.environ.get(SERVE_STATE_ENV))


def normalised(name: str) -> str:
    """The name as kept: NFC (an é typed two ways is one name), without spaces around it."""
    return unicodedata.normalize("NFC", name).strip()


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a learner's name, in one sentence; None when it can be."""
    name = normalised(name)
    if not name:
        return "A name needs at least one letter or digit."
    if len(name) > MAX_NAME:
        return f"A name has at most {MAX_NAME} characters; this one has {len(name):,}."
    for char in name:
        kind = unicodedata.category(char)
        if kind[0] == "C":  # control, format, unassigned, private use
            return f"A name cannot hold {describe(char)}."
        if not (kind[0] in "LNM" or char in MARKS):
            return (
                f"A name cannot hold {char!r}: use letters, digits, spaces and "
                f"{' '.join(MARKS[1:])} only."
            )
    if not (_letter_or_digit(name[0]) and _letter_or_digit(name[-1])):
        return "A name starts and ends with a letter or a digit."
    if folder_name(name).split(".")[0] in _WINDOWS_DEVICES:
        return f"{excerpt(name)} names a device on some systems; choose another name."
    return None


def _letter_or_digit(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def folder_name(name: str) -> str:
    """The folder of a (checked) name: case-folded, so that "Ana" and "ana" are one."""
    return normalised(name).casefold()


class BadName(ValueError):
    """A learner's name that cannot be used; the message says why."""


def learner_folder(state_dir: Path, name: str) -> Path:
    """The folder of learner `name` under the server's `state_dir` (not created). Raises
    BadName for a name `name_problem` refuses."""
    problem = name_problem(name)
    if problem:
        raise BadName(problem)
    learners = state_dir / LEARNERS
    folder = learners / folder_name(name)
    # Checked above, and once more: the folder is a direct child of learners/.
    if folder.parent != learners or folder.name in ("", ".", ".."):
        raise BadName("That name cannot be a folder.")
    return folder


def enrol(state_dir: Path, name: str) -> Path:
    """Make learner `name`'s folder (and note the name as given the first time); its path.
    Raises BadName, or OSError when the folder cannot be made."""
    folder = learner_folder(state_dir, name)
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        descriptor = os.open(folder / NAME_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(normalised(name) + "\n")
    return folder


@dataclass(frozen=True)
class Learner:
    name: str  # as the learner gave it
    folder: Path


def learners(state_dir: Path) -> list[Learner]:
    """The learners that have a folder under `state_dir`, by name. A folder whose name
    `name_problem` would refuse (put there by hand) is left out."""
    found = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in os.scandir(state_dir / LEARNERS):
            if not entry.is_dir(follow_symlinks=False) or name_problem(entry.name):
                continue
            folder = Path(entry.path)
            found.append(Learner(_given_name(folder), folder))
    return sorted(found, key=lambda learner: learner.name.casefold())


def _given_name(folder: Path) -> str:
    """The name as first given, from the folder's `name` file; else the folder's name."""
    from llmtutor.files import read_regular

    try:
        given = normalised(read_regular(folder / NAME_FILE, MAX_NAME * 4).decode("utf-8"))
    except (OSError, UnicodeDecodeError):
        return folder.name
    ok = not name_problem(given) and folder_name(given) == folder.name
    return given if ok else folder.name


# --- training runs at once ----------------------------------------------------------------


class TrainingBusy(RuntimeError):
    """Every training run the server allows at once is taken."""


class TrainingSlot:
    """One of the server's training runs, held while a run trains: an open file with an
    exclusive lock (`flock`), so that a session that ends or crashes gives it back."""

    def __init__(self, file: IO[bytes] | None = None) -> None:
        self._file = file

    def hold(self, events: Iterator[Any]) -> Iterator[Any]:
        """The run's events, with the slot given back when the run ends (or fails)."""
        try:
            yield from events
        finally:
            self.release()

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file drops its lock
            self._file = None


def training_slot() -> TrainingSlot:
    """A training run's place on a served tutor (one that `llmtutor serve` started with a
    limit on runs at once); anywhere else, a slot that holds nothing. Raises TrainingBusy
    when every run the server allows is taken, by any learner's session."""
    limit, state = os.environ.get(TRAINING_LIMIT_ENV, ""), os.environ.get(SERVE_STATE_ENV)
    if not (limit.isdigit() and state) or fcntl is None:
        return TrainingSlot()
    count = int(limit)
    if count == 0:
        raise TrainingBusy("this server does not train models (llmtutor serve --max-training 0).")
    folder = Path(state) / TRAINING
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        file = open(folder / f"slot-{number}.lock", "ab")  # noqa: SIM115 (held for the run)
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            file.close()
            continue
        return TrainingSlot(file)
    runs = "run" if count == 1 else "runs"
    raise TrainingBusy(
        f"this server trains {count} {runs} at a time, and other learners are training now. "
        "Press Enter to try again in a minute."
    )
