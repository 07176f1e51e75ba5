"""The progress store: where it lives, what it keeps, and that a bad file or an unwritable
directory never stops the tutor."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import platformdirs
import platformdirs.macos
import platformdirs.windows
import pytest

from llmtutor import progress as progress_module
from llmtutor.progress import (
    FILE_NAME,
    MAX_BYTES,
    STATE_DIR_ENV,
    BackgroundSaver,
    Progress,
    Score,
    Snapshot,
    default_state_dir,
    load_progress,
)

HOME = "/home/learner"
T = TypeVar("T")


# --- where --------------------------------------------------------------------------------


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> str:
    """A home directory, and none of the variables that would move the state directory."""
    monkeypatch.setenv("HOME", HOME)
    for name in (STATE_DIR_ENV, "XDG_STATE_HOME", "WIN_PD_OVERRIDE_LOCAL_APPDATA"):
        monkeypatch.delenv(name, raising=False)
    return HOME


def test_the_environment_variable_wins(
    home: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", "/xdg")
    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path))
    assert default_state_dir() == tmp_path
    monkeypatch.setenv(STATE_DIR_ENV, "~/my-state")
    assert default_state_dir() == Path("/home/learner/my-state")


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the Linux/Unix layout")
def test_linux_follows_xdg_state_home(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_state_dir() == Path("/home/learner/.local/state/llmtutor")
    monkeypatch.setenv("XDG_STATE_HOME", "/var/xdg")
    assert default_state_dir() == Path("/var/xdg/llmtutor")
    # An empty or relative XDG_STATE_HOME is invalid by the spec and ignored.
    for bad in ("", "relative/dir"):
        monkeypatch.setenv("XDG_STATE_HOME", bad)
        assert default_state_dir() == Path("/home/learner/.local/state/llmtutor")
    monkeypatch.setenv(STATE_DIR_ENV, "")  # empty: no override
    assert default_state_dir() == Path("/home/learner/.local/state/llmtutor")


def test_macos_uses_application_support(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # platformdirs picks its class for the running system once; stand in macOS's.
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.macos.MacOS)
    assert default_state_dir() == Path("/home/learner/Library/Application Support/llmtutor")
    # platformdirs honours XDG_STATE_HOME on macOS as well, when it is set.
    monkeypatch.setenv("XDG_STATE_HOME", "/var/xdg")
    assert default_state_dir() == Path("/var/xdg/llmtutor")


def test_windows_uses_local_app_data(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The Local AppData folder, as Windows reports it; no "author" folder above ours.
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    local = r"C:\Users\learner\AppData\Local"
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", local)
    assert default_state_dir() == Path(local) / "llmtutor"


def test_the_app_resolves_auto_from_the_environment(state_dir: Path) -> None:
    progress, notice = load_progress("auto")
    assert notice is None and progress.path == state_dir / FILE_NAME
    progress.record_step("loss", 0, 5)
    assert progress.save() is None
    assert (state_dir / FILE_NAME).exists()


def test_none_keeps_progress_in_memory_only(tmp_path: Path) -> None:
    progress, notice = load_progress(None)
    assert notice is None and progress.path is None
    progress.record_step("loss", 4, 5)
    assert progress.save() is None and progress.is_finished("loss")


# --- what ---------------------------------------------------------------------------------


def test_progress_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    progress, notice = Progress.load(path)
    assert notice is None and progress.last_opened() is None  # no file yet: a fresh start
    for step in range(5):
        progress.record_step("loss", step, 5)
    progress.record_step("backprop", 3, 9)
    progress.record_quiz("loss", 3, 4)
    progress.record_quiz("loss", 2, 4)
    assert progress.save() is None

    again, notice = Progress.load(path)
    assert notice is None
    assert again.last_step("loss") == 4 and again.is_finished("loss")
    assert again.last_step("backprop") == 3 and not again.is_finished("backprop")
    assert again.last_step("adam") is None and not again.is_finished("adam")
    assert again.last_opened() == "backprop"
    assert again.best_score("loss") == Score(3, 4) and again.last_score("loss") == Score(2, 4)
    assert again.to_json() == progress.to_json()


def test_the_file_format(tmp_path: Path) -> None:
    now = [1_767_225_600.5]
    progress = Progress(tmp_path / FILE_NAME, clock=lambda: now[0])
    progress.record_step("adam", 4, 9)
    now[0] = 1_767_225_700.25
    progress.record_quiz("adam", 2, 3)
    progress.save()
    assert json.loads((tmp_path / FILE_NAME).read_text(encoding="utf-8")) == {
        "version": 1,
        "last_opened": "adam",
        "lessons": {
            "adam": {
                "step": 4,
                "steps": 9,
                "finished": False,
                "at": 1_767_225_600.5,
                "quiz": {
                    "best": {"right": 2, "asked": 3},
                    "last": {"right": 2, "asked": 3},
                    "at": 1_767_225_700.25,
                },
            }
        },
    }


def test_a_file_without_times_still_loads(tmp_path: Path) -> None:
    """Files written before the times were kept: their entries count as the oldest."""
    path = tmp_path / FILE_NAME
    path.write_text(
        '{"version": 1, "last_opened": "adam", "lessons": {"adam": {"step": 4, "steps": 9, '
        '"finished": false, "quiz": {"best": {"right": 2, "asked": 3}, '
        '"last": {"right": 1, "asked": 3}}}}}',
        encoding="utf-8",
    )
    progress, notice = Progress.load(path)
    assert notice is None and progress.last_step("adam") == 4
    assert progress.best_score("adam") == Score(2, 3)
    assert progress.last_score("adam") == Score(1, 3)
    assert progress.last_opened() == "adam"


def test_a_lesson_is_finished_once_its_last_step_was_shown() -> None:
    progress = Progress.in_memory()
    progress.record_step("loss", 3, 5)
    assert not progress.is_finished("loss")
    progress.record_step("loss", 4, 5)
    assert progress.is_finished("loss")
    progress.record_step("loss", 1, 5)  # going back to read again: still finished
    assert progress.is_finished("loss") and progress.last_step("loss") == 1


def test_record_step_says_whether_anything_changed() -> None:
    progress = Progress.in_memory()
    assert progress.record_step("loss", 0, 5)
    assert not progress.record_step("loss", 0, 5)
    assert progress.record_step("loss", 1, 5)


def test_the_best_quiz_score_is_the_highest_share_right() -> None:
    progress = Progress.in_memory()
    progress.record_quiz("adam", 2, 4)
    progress.record_quiz("adam", 3, 4)
    progress.record_quiz("adam", 1, 4)
    assert progress.best_score("adam") == Score(3, 4)
    assert progress.last_score("adam") == Score(1, 4)
    progress.record_quiz("adam", 6, 8)  # the same share over more questions counts as better
    assert progress.best_score("adam") == Score(6, 8)
    assert str(progress.best_score("adam")) == "6/8"


def test_no_progress_is_recorded_for_an_id_the_file_would_refuse() -> None:
    progress = Progress.in_memory()
    for bad in ("a" * 65, "a" * 101, "Loss", "../x", "", "-loss"):
        assert not progress.record_step(bad, 1, 5)
        progress.record_quiz(bad, 1, 2)
    assert progress.lessons == {} and progress.last_opened() is None
    assert progress.record_step("a" * 64, 1, 5)  # the longest id a lesson file may have
    assert progress.last_opened() == "a" * 64


def test_saving_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    progress = Progress(tmp_path / "deeper" / FILE_NAME)  # the directory is made when needed
    progress.record_step("loss", 1, 5)
    assert progress.save() is None
    progress.record_step("loss", 2, 5)
    assert progress.save() is None
    names = sorted(p.name for p in (tmp_path / "deeper").iterdir())
    assert names == [FILE_NAME, "progress.json.lock"]  # the lock file stays: see _locked


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / FILE_NAME
    progress = Progress(path)
    progress.record_step("loss", 1, 5)
    progress.save()
    before = path.read_bytes()

    def refuse(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(progress_module.os, "replace", refuse)
    progress.record_step("loss", 2, 5)
    notice = progress.save()
    assert notice and "no space left on device" in notice and "\n" not in notice
    assert path.read_bytes() == before
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [FILE_NAME, "progress.json.lock"]  # the temporary file is gone


# --- bad files ----------------------------------------------------------------------------

CORRUPT = {  # not progress at all: the whole file is set aside
    "bad JSON": b'{"version": 1, "lessons": {',
    "empty": b"",
    "not UTF-8": b'{"version": 1, "lessons": {"\xff\xfe": 1}}',
    "a list": b"[1, 2, 3]",
    "a string": b'"progress"',
    "no version": b'{"lessons": {}}',
    "version as text": b'{"version": "1", "lessons": {}}',
    "version true": b'{"version": true, "lessons": {}}',
    "version zero": b'{"version": 0, "lessons": {}}',
    "deeply nested": b"[" * 200_000 + b"]" * 200_000,
    "huge junk": b"x" * (MAX_BYTES + 10),
    "huge number": b'{"version": 1, "lessons": {"loss": {"step": ' + b"9" * 5000 + b"}}}",
    "zeros": b"\x00" * 4096,
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_file_is_set_aside_with_one_notice(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(content)
    progress, notice = Progress.load(path)
    assert notice is not None and "\n" not in notice and len(notice) < 300
    assert "corrupt-" in notice
    aside = list(tmp_path.glob(f"{FILE_NAME}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content  # kept, not lost
    assert not path.exists()
    assert progress.last_opened() is None and not progress.lessons  # a fresh start

    progress.record_step("loss", 2, 5)
    assert progress.save() is None  # and new progress is saved
    again, notice = Progress.load(path)
    assert notice is None and again.last_step("loss") == 2


ADAM = b'"adam": {"step": 2, "steps": 9, "finished": false}'
ODD_ENTRIES = {  # one entry that makes no sense, beside a good one
    "a lesson a number": b'"loss": 3',
    "step missing": b'"loss": {"steps": 4}',
    "step as text": b'"loss": {"step": "4"}',
    "step a boolean": b'"loss": {"step": true}',
    "step negative": b'"loss": {"step": -1}',
    "step a fraction": b'"loss": {"step": 1.5}',
    "step enormous": b'"loss": {"step": 1e999}',
    "step too large": b'"loss": {"step": 1000001}',
    "finished as text": b'"loss": {"step": 1, "finished": "yes"}',
    "more right than asked": b'"loss": {"step": 1, "quiz": {"best": {"right": 5, "asked": 4}}}',
    "a quiz a list": b'"loss": {"step": 1, "quiz": [1]}',
    "at as text": b'"loss": {"step": 1, "at": "noon"}',
    "at negative": b'"loss": {"step": 1, "at": -5}',
    "at not a number": b'"loss": {"step": 1, "at": NaN}',
    "quiz at infinite": b'"loss": {"step": 1, "quiz": {"at": Infinity}}',
    "at too large for a float": b'"loss": {"step": 1, "at": 1' + b"0" * 400 + b"}",
    "quiz at too large for a float": b'"loss": {"step": 1, "quiz": {"at": 1' + b"0" * 400 + b"}}",
    "not a lesson id": b'"../../etc": {"step": 1}',
    "capitals": b'"Loss": {"step": 1}',
    "an id of 65 characters": b'"' + b"a" * 65 + b'": {"step": 1}',
    "an id of 101 characters": b'"' + b"a" * 101 + b'": {"step": 1}',
}


@pytest.mark.parametrize("entry", ODD_ENTRIES.values(), ids=ODD_ENTRIES.keys())
def test_an_odd_entry_is_dropped_and_the_rest_kept(tmp_path: Path, entry: bytes) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(b'{"version": 1, "last_opened": "adam", "lessons": {%s, %s}}' % (ADAM, entry))
    progress, notice = Progress.load(path)
    assert notice is not None and notice.startswith("Skipped 1 entry of the progress file")
    assert notice.endswith("; kept the rest.") and "\n" not in notice and len(notice) < 300
    assert list(progress.lessons) == ["adam"]
    assert progress.last_step("adam") == 2 and progress.last_opened() == "adam"
    assert list(tmp_path.glob(f"{FILE_NAME}.corrupt-*")) == []

    progress.record_step("loss", 1, 5)
    assert progress.save() is None
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(saved["lessons"]) == ["adam", "loss"]  # the odd one is gone, adam kept


def test_a_record_is_never_stamped_later_than_the_file_may_hold(tmp_path: Path) -> None:
    # A clock far ahead (or a record from one) must not push a lesson out of the file.
    path = tmp_path / FILE_NAME
    latest = 1e11  # the latest time the file keeps: about the year 5000
    path.write_text('{"version": 1, "lessons": {"adam": {"step": 2, "steps": 9, "at": 1e11}}}')
    progress, _ = Progress.load(path)
    assert progress.record_step("adam", 3, 9)
    assert progress.save() is None
    assert json.loads(path.read_text())["lessons"]["adam"]["at"] == latest
    again, notice = Progress.load(path)
    assert notice is None and again.last_step("adam") == 3


def test_an_id_of_101_characters_among_valid_ones_keeps_the_valid_ones(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    long_id = "x" * 101
    lessons = {
        "loss": {"step": 4, "steps": 5, "finished": True},
        long_id: {"step": 1, "steps": 3, "finished": False},
        "backprop": {"step": 3, "steps": 9, "finished": False},
    }
    path.write_text(json.dumps({"version": 1, "lessons": lessons}), encoding="utf-8")
    progress, notice = Progress.load(path)
    assert sorted(progress.lessons) == ["backprop", "loss"]
    assert progress.is_finished("loss") and progress.last_step("backprop") == 3
    assert notice is not None and "Skipped 1 entry" in notice
    assert "(101 characters) is not a lesson id" in notice


def test_a_huge_key_is_only_quoted_in_part(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    huge = "\x1b]0;pwned\x07" + "k" * 100_000
    data = {"version": 1, "lessons": {huge: {"step": 1}, "!": 2, "adam": {"step": 3}}}
    path.write_text(json.dumps(data), encoding="utf-8")
    progress, notice = Progress.load(path)
    assert progress.last_step("adam") == 3
    assert notice is not None and len(notice) < 300 and "Skipped 2 entries" in notice
    assert "\x1b" not in notice and "\x07" not in notice and "␛]0;pwned␇" in notice
    assert "(100,010 characters)" in notice


def test_lessons_not_an_object_and_a_bad_last_opened_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_text('{"version": 1, "last_opened": 7, "lessons": []}', encoding="utf-8")
    progress, notice = Progress.load(path)
    assert notice is not None and notice.startswith("Skipped 2 entries")
    assert "'lessons' should be an object, not a list" in notice
    assert progress.last_opened() is None and not progress.lessons
    assert list(tmp_path.glob(f"{FILE_NAME}.corrupt-*")) == []


def test_a_second_corrupt_file_in_the_same_second_gets_its_own_name(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    for _ in range(3):
        path.write_text("nonsense", encoding="utf-8")
        _, notice = Progress.load(path)
        assert notice
    assert len(list(tmp_path.glob(f"{FILE_NAME}.corrupt-*"))) == 3


def _promptly(action: Callable[[], T]) -> T:
    """`action()` on a thread of its own: the test fails, rather than hangs, if it blocks."""
    results: list[T] = []
    thread = threading.Thread(target=lambda: results.append(action()), daemon=True)
    thread.start()
    thread.join(timeout=60)  # a guard against a hang, not a measure of speed
    assert results, "it hung"
    return results[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_neither_read_nor_saved_over(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    os.mkfifo(path)
    progress, notice = _promptly(lambda: Progress.load(path))
    assert notice == (
        f"Progress file {path} is a FIFO (named pipe), not a regular file; it is left as it "
        "is and this session's progress will not be saved."
    )
    progress.record_step("loss", 1, 5)
    assert _promptly(progress.save) is None  # no second notice
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
    assert progress.last_step("loss") == 1  # kept for the session


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
def test_a_link_to_a_device_is_neither_read_nor_saved_over(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.symlink_to("/dev/zero")
    progress, notice = _promptly(lambda: Progress.load(path))
    assert notice and "is a device, not a regular file" in notice
    assert not progress.can_save
    progress.record_step("loss", 1, 5)
    assert _promptly(progress.save) is None
    assert path.is_symlink() and os.readlink(path) == "/dev/zero"


def test_a_directory_where_the_file_should_be_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.mkdir()
    (path / "something").write_text("kept", encoding="utf-8")
    progress, notice = Progress.load(path)
    assert notice and "is a folder, not a regular file" in notice and "\n" not in notice
    progress.record_step("loss", 1, 5)
    assert progress.save() is None
    assert (path / "something").read_text(encoding="utf-8") == "kept"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_put_in_the_files_place_later_is_not_saved_over(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    progress, _ = Progress.load(path)
    progress.record_step("loss", 1, 5)
    assert progress.save() is None
    path.unlink()
    os.mkfifo(path)
    progress.record_step("loss", 2, 5)
    notice = _promptly(progress.save)
    assert notice and "is a FIFO (named pipe), not a regular file" in notice
    assert not progress.can_save and stat.S_ISFIFO(os.lstat(path).st_mode)


def test_paths_in_notices_show_control_characters_visibly(tmp_path: Path) -> None:
    directory = tmp_path / "evil\x1b[2J\x07\nname"
    directory.mkdir()
    (directory / FILE_NAME).mkdir()  # something in the file's place: a notice names it
    _, notice = Progress.load(directory / FILE_NAME)
    assert notice and "evil␛[2J␇␊name" in notice
    assert not any(char in notice for char in "\x1b\x07\n")

    blocker = tmp_path / "a\x1bfile"
    blocker.write_text("not a directory", encoding="utf-8")
    progress, _ = Progress.load(blocker / "state" / FILE_NAME)
    progress.record_step("loss", 0, 5)
    notice = progress.save()
    assert notice and "a␛file" in notice and "\x1b" not in notice


def test_a_newer_file_written_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    progress, _ = Progress.load(path)
    progress.record_step("loss", 1, 5)
    text = '{"version": 2, "lessons": {}}'
    path.write_text(text, encoding="utf-8")  # a newer llmtutor saved since
    notice = progress.save()
    assert notice and "written by a newer llmtutor" in notice
    progress.record_step("loss", 2, 5)
    assert progress.save() is None  # said once
    assert path.read_text(encoding="utf-8") == text


def test_a_corrupt_file_written_meanwhile_is_set_aside_and_saved_over(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    progress, _ = Progress.load(path)
    path.write_text("{broken", encoding="utf-8")
    progress.record_step("loss", 1, 5)
    notice = progress.save()
    assert notice and "saved this session's progress in its place" in notice
    aside = list(tmp_path.glob(f"{FILE_NAME}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == "{broken"
    assert Progress.load(path)[0].last_step("loss") == 1
    assert progress.can_save


def test_a_file_that_cannot_be_moved_aside_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / FILE_NAME
    path.write_text("{broken", encoding="utf-8")

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(progress_module.os, "replace", refuse)
    progress, notice = Progress.load(path)
    assert notice and "will not be saved" in notice and "\n" not in notice
    progress.record_step("loss", 1, 5)
    assert progress.save() is None  # no second notice, and the file is not overwritten
    assert path.read_text(encoding="utf-8") == "{broken"


def test_a_file_from_a_newer_version_is_neither_used_nor_overwritten(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    text = '{"version": 99, "lessons": {"loss": {"step": 2, "stars": 5}}}'
    path.write_text(text, encoding="utf-8")
    progress, notice = Progress.load(path)
    assert notice and "newer" in notice
    progress.record_step("loss", 3, 5)
    assert progress.save() is None
    assert path.read_text(encoding="utf-8") == text


def test_unknown_lessons_are_kept(tmp_path: Path) -> None:
    """A lesson this version does not have (renamed, or from a newer one) is not lost."""
    path = tmp_path / FILE_NAME
    path.write_text(
        '{"version": 1, "lessons": {"gone": {"step": 2, "steps": 3, "finished": true}}}',
        encoding="utf-8",
    )
    progress, notice = Progress.load(path)
    assert notice is None and progress.is_finished("gone")
    progress.record_step("loss", 0, 5)
    progress.save()
    assert "gone" in json.loads(path.read_text(encoding="utf-8"))["lessons"]


# --- two tutors, one state directory -----------------------------------------------------


def test_two_tutors_keep_both_learners_progress(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    first, _ = Progress.load(path)
    second, _ = Progress.load(path)
    first.clock, second.clock = (lambda: 100.0), (lambda: 200.0)
    first.record_step("loss", 4, 5)
    first.record_quiz("loss", 3, 4)
    assert first.save() is None
    second.record_step("adam", 2, 9)
    assert second.save() is None

    saved = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(saved["lessons"]) == ["adam", "loss"] and saved["last_opened"] == "adam"
    # Each save takes back what the other tutor saved: both end up knowing the same.
    assert second.is_finished("loss") and second.best_score("loss") == Score(3, 4)
    assert first.save() is None
    assert first.last_step("adam") == 2 and first.last_opened() == "adam"
    assert first.to_json() == second.to_json() == saved


def test_the_step_recorded_last_wins_and_finished_stays_finished(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    now = [100.0]
    first, second = Progress(path, clock=lambda: now[0]), Progress(path, clock=lambda: now[0])
    first.record_step("loss", 4, 5)  # finished, at 100
    first.record_step("backprop", 2, 9)
    now[0] = 200.0
    second.record_step("loss", 1, 5)  # reading it again, at 200
    second.record_step("backprop", 6, 9)
    assert second.save() is None
    assert first.save() is None  # older steps: the file keeps the newer ones
    again = Progress.load(path)[0]
    assert again.last_step("backprop") == 6 and first.last_step("backprop") == 6
    assert again.last_step("loss") == 1 and again.is_finished("loss")

    # Back at the first tutor, whose clock is behind, the learner goes to step 1: that is
    # the newest record all the same, for it was made after the first tutor saw step 6.
    now[0] = 150.0
    assert first.record_step("backprop", 1, 9)
    assert first.save() is None
    saved = json.loads(path.read_text(encoding="utf-8"))["lessons"]["backprop"]
    assert saved["step"] == 1 and saved["at"] == 200.001


def test_quiz_scores_keep_the_best_and_the_newest(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    now = [100.0]
    first, second = Progress(path, clock=lambda: now[0]), Progress(path, clock=lambda: now[0])
    first.record_quiz("adam", 4, 4)
    now[0] = 200.0
    second.record_quiz("adam", 1, 4)
    second.record_quiz("gradients", 2, 3)
    assert first.save() is None and second.save() is None
    again = Progress.load(path)[0]
    assert again.best_score("adam") == Score(4, 4) and again.last_score("adam") == Score(1, 4)
    assert again.best_score("gradients") == Score(2, 3)
    assert first.save() is None  # the first saves after the second: the same result
    assert Progress.load(path)[0].to_json() == again.to_json()
    assert first.last_score("adam") == Score(1, 4)


def test_two_tutors_in_one_process_saving_at_once_keep_everything(tmp_path: Path) -> None:
    path, count = tmp_path / FILE_NAME, 40
    go = threading.Barrier(2)
    notices: list[str | None] = []

    def tutor(name: str) -> None:
        progress, _ = Progress.load(path)
        go.wait(timeout=10)
        for number in range(count):
            progress.record_step(f"{name}-{number}", number % 2, 2)
            notices.append(progress.save())

    threads = [threading.Thread(target=tutor, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert notices == [None] * (2 * count)
    saved = Progress.load(path)[0]
    expected = {f"{name}-{n}": n % 2 for name in ("first", "second") for n in range(count)}
    assert {lesson: saved.last_step(lesson) for lesson in saved.lessons} == expected


TUTOR = """
import sys, time
from pathlib import Path
from llmtutor.progress import Progress

path, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
progress, notice = Progress.load(path)
(path.parent / f"ready-{name}").touch()
deadline = time.monotonic() + 60
while not (path.parent / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.001)
for number in range(count):
    progress.record_step(f"{name}-{number}", number % 2, 2)
    notice = progress.save()
    if notice:
        sys.exit(notice)
"""


def test_two_tutor_processes_saving_at_once_keep_both_learners_progress(tmp_path: Path) -> None:
    path, count, names = tmp_path / FILE_NAME, 50, ("first", "second")
    tutors = [
        subprocess.Popen(
            [sys.executable, "-c", TUTOR, str(path), name, str(count)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    try:
        deadline = time.monotonic() + 60
        while not all((tmp_path / f"ready-{name}").exists() for name in names):
            assert time.monotonic() < deadline and all(t.poll() is None for t in tutors)
            time.sleep(0.01)
        (tmp_path / "go").touch()  # both loaded: now they save at once
        errors = [tutor.communicate(timeout=60)[1] for tutor in tutors]
    finally:
        for tutor in tutors:
            if tutor.poll() is None:
                tutor.kill()
    assert [tutor.returncode for tutor in tutors] == [0, 0], errors
    saved = json.loads(path.read_text(encoding="utf-8"))["lessons"]
    expected = {f"{name}-{n}": n % 2 for name in names for n in range(count)}
    assert {lesson: entry["step"] for lesson, entry in saved.items()} == expected


@pytest.mark.skipif(progress_module.fcntl is None, reason="no file locks on this system")
def test_a_save_waits_for_another_tutors_save(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / FILE_NAME
    progress = Progress(path)
    progress.record_step("loss", 1, 5)
    done = threading.Event()

    def save() -> None:
        assert progress.save() is None
        done.set()

    with open(tmp_path / "progress.json.lock", "wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another tutor in the middle of its save
        threading.Thread(target=save, daemon=True).start()
        assert not done.wait(timeout=0.3)
        assert not path.exists()
    assert done.wait(timeout=10)  # the lock is let go: the save goes ahead
    assert Progress.load(path)[0].last_step("loss") == 1


@pytest.mark.skipif(progress_module.fcntl is None, reason="no file locks on this system")
def test_a_lock_held_too_long_gives_one_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    monkeypatch.setattr(progress_module, "LOCK_TIMEOUT_S", 0.2)
    progress = Progress(tmp_path / FILE_NAME)
    progress.record_step("loss", 1, 5)
    with open(tmp_path / "progress.json.lock", "wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a tutor stopped (ctrl+z) in the middle of a save
        notice = progress.save()
    assert notice == (
        f"Can't save progress in {tmp_path} (another llmtutor held the progress file too "
        "long); the tutor works, but won't remember where you were."
    )
    assert progress.save() is None and not (tmp_path / FILE_NAME).exists()


# --- directories that cannot be written to ------------------------------------------------


def test_a_state_dir_under_a_file_means_no_saving_and_one_notice(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    progress, notice = Progress.load(blocker / "state" / FILE_NAME)
    assert notice is None  # nothing there to read is not a problem
    progress.record_step("loss", 0, 5)
    notice = progress.save()
    assert notice and "won't remember" in notice and "\n" not in notice
    for step in range(1, 5):
        progress.record_step("loss", step, 5)
        assert progress.save() is None  # said once, not once per step
    assert progress.is_finished("loss")  # still kept for this session


def test_a_read_only_state_dir_means_no_saving_and_one_notice(tmp_path: Path) -> None:
    directory = tmp_path / "read-only"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        probe = directory / "probe"
        try:
            probe.touch()
        except PermissionError:
            pass
        else:
            probe.unlink()
            pytest.skip("permissions do not stop this user from writing (root?)")
        progress, _ = Progress.load(directory / FILE_NAME)
        progress.record_step("loss", 0, 5)
        notice = progress.save()
        assert notice and "permission denied" in notice
        progress.record_step("loss", 1, 5)
        assert progress.save() is None
        assert os.listdir(directory) == []
    finally:
        directory.chmod(0o700)


def test_the_background_saver_never_waits_for_the_disk_and_writes_the_newest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    progress, _ = Progress.load(tmp_path / FILE_NAME)
    writing, disk_free = threading.Event(), threading.Event()
    written: list[Snapshot] = []
    write = Progress.write

    def slow_write(self: Progress, snapshot: Snapshot) -> str | None:
        writing.set()
        disk_free.wait(timeout=10)  # a disk that holds every write until released
        written.append(snapshot)
        return write(self, snapshot)

    monkeypatch.setattr(Progress, "write", slow_write)
    saver = BackgroundSaver(progress, on_notice=lambda notice: None)
    for step in range(5):
        progress.record_step("adam", step, 9)
        saver.save()  # returns while the first write is still held
        if step == 0:
            assert writing.wait(timeout=10)
    assert written == []
    disk_free.set()
    saver.close()
    # The first save was already being written; of the four queued behind it, only the
    # newest is: the file ends with the last step shown.
    assert len(written) == 2
    assert [snapshot.lessons["adam"].step for snapshot in written] == [0, 4]
    assert Progress.load(tmp_path / FILE_NAME)[0].last_step("adam") == 4


def test_the_background_saver_merges_with_what_another_tutor_saved(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    progress, _ = Progress.load(path)  # nothing saved yet
    progress.clock = lambda: 200.0
    other = Progress(path, clock=lambda: 100.0)
    other.record_step("loss", 4, 5)
    assert other.save() is None

    notices: list[str] = []
    saver = BackgroundSaver(progress, on_notice=notices.append)
    progress.record_step("adam", 3, 9)
    saver.save()
    saver.close()
    assert notices == []
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(saved["lessons"]) == ["adam", "loss"] and saved["last_opened"] == "adam"
    assert progress.is_finished("loss")  # what the other tutor saved is known here now
    assert progress.last_opened() == "adam"


def test_the_background_saver_reports_a_failure_once(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    progress, _ = Progress.load(blocker / "state" / FILE_NAME)
    notices: list[str] = []
    saver = BackgroundSaver(progress, on_notice=notices.append)
    for step in range(3):
        progress.record_step("adam", step, 9)
        saver.save()
    saver.close()
    assert len(notices) == 1 and "save progress" in notices[0]


def test_a_save_asked_for_after_the_saver_closed_is_written_at_once(tmp_path: Path) -> None:
    # The app closes its saver as it ends; a save timer already due may still fire.
    progress = Progress(tmp_path / FILE_NAME)
    saver = BackgroundSaver(progress, on_notice=lambda notice: None)
    saver.close()
    progress.record_step("adam", 3, 9)
    saver.save()
    assert json.loads((tmp_path / FILE_NAME).read_text())["lessons"]["adam"]["step"] == 3
