"""Reading files that someone else may have put in place: lesson files and the progress
file. Only a regular file is read, and only so much of it: a FIFO would block the reader
until something writes to it, a device such as /dev/zero never ends, a folder is not a
file. Each is refused at once with `NotRegularFile`, which says what the path is instead.

Knows no UI: the lesson loader and the progress file both read through here.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# Open without waiting (a FIFO with no writer) and without taking a terminal as ours.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotRegularFile(OSError):
    """The path is there, but is not a regular file: `kind` says what it is."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"is {kind}, not a regular file")
        self.kind = kind


def file_kind(mode: int) -> str:
    """What a file of this mode (from `os.stat`) is, in a few words: "a FIFO (named pipe)"."""
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path`, at most `limit + 1` of them (so that the
    caller can tell a file over `limit`). Raises NotRegularFile for anything else, before
    reading it, and OSError when the path cannot be opened."""
    mode = os.stat(path).st_mode  # looked at first: opening some devices has effects
    if not stat.S_ISREG(mode):
        raise NotRegularFile(file_kind(mode))
    with os.fdopen(os.open(path, _OPEN_FLAGS), "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if not stat.S_ISREG(mode):  # replaced between the look and the opening
            raise NotRegularFile(file_kind(mode))
        data = file.read(limit + 1)
        if data is None:  # a file the kernel feeds (/proc/kmsg): it would wait for data
            raise BlockingIOError(errno.EAGAIN, "it would wait for data")
        return data


def path_problem(error: OSError) -> str:
    """Why a path could not be read, in a few words that follow its name: "does not exist"."""
    if isinstance(error, NotRegularFile):
        return str(error)
    reasons = {
        errno.ENOENT: "does not exist",
        errno.ENAMETOOLONG: "has a name too long for the file system",
        errno.ELOOP: "is a loop of symbolic links",
        errno.EACCES: "cannot be read (permission denied)",
        errno.ENOTDIR: "does not exist (a part of it is not a folder)",
        errno.EAGAIN: "cannot be read (it would wait for data)",
    }
    reason = reasons.get(error.errno or 0)
    return reason or f"cannot be read ({(error.strerror or type(error).__name__).lower()})"


def write_problem(error: OSError) -> str:
    """Why a file could not be written into a folder, in a few words: "is not a folder"."""
    if isinstance(error, NotRegularFile):
        return f"already has one that {error}"
    reasons = {
        errno.EEXIST: "is not a folder",
        errno.ENOTDIR: "is not a folder (or a part of it is not)",
        errno.ENOENT: "cannot be made (a part of it is missing or cannot hold folders)",
        errno.EACCES: "cannot be written to (permission denied)",
        errno.EPERM: "cannot be written to (not permitted)",
        errno.EROFS: "is on a read-only file system",
        errno.ENOSPC: "is on a full disk",
        errno.ENAMETOOLONG: "has a name too long for the file system",
    }
    reason = reasons.get(error.errno or 0)
    return reason or f"cannot be written to ({(error.strerror or type(error).__name__).lower()})"
