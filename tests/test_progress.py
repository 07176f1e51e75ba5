"""The progress store: where it lives, what it keeps, and that a bad file or an unwritable
directory never stops the tutor."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from llmtutor import progress as progress_module
from llmtutor.progress import (
    FILE_NAME,
    MAX_BYTES,
    STATE_DIR_ENV,
    BackgroundSaver,
    Progress,
    Score,
    default_state_dir,
    load_progress,
)

HOME = Path("/home/learner")


# --- where --------------------------------------------------------------------------------


def test_the_environment_variable_wins_everywhere(tmp_path: Path) -> None:
    for platform in ("linux", "darwin", "win32"):
        env = {STATE_DIR_ENV: str(tmp_path), "XDG_STATE_HOME": "/xdg", "LOCALAPPDATA": "/l"}
        assert default_state_dir(env, platform, HOME) == tmp_path


def test_linux_follows_xdg_state_home() -> None:
    assert default_state_dir({}, "linux", HOME) == HOME / ".local/state/llmtutor"
    env = {"XDG_STATE_HOME": "/var/xdg"}
    assert default_state_dir(env, "linux", HOME) == Path("/var/xdg/llmtutor")
    # An empty or relative XDG_STATE_HOME is invalid by the spec and ignored.
    for bad in ("", "relative/dir"):
        env = {"XDG_STATE_HOME": bad}
        assert default_state_dir(env, "linux", HOME) == HOME / ".local/state/llmtutor"
    assert default_state_dir({STATE_DIR_ENV: ""}, "linux", HOME) == HOME / ".local/state/llmtutor"


def test_macos_uses_application_support() -> None:
    env = {"XDG_STATE_HOME": "/var/xdg"}  # not a macOS convention: ignored there
    expected = HOME / "Library" / "Application Support" / "llmtutor"
    assert default_state_dir(env, "darwin", HOME) == expected


def test_windows_uses_local_app_data() -> None:
    env = {"LOCALAPPDATA": "/c/Users/learner/AppData/Local"}
    assert default_state_dir(env, "win32", HOME) == Path(env["LOCALAPPDATA"]) / "llmtutor"
    assert default_state_dir({}, "win32", HOME) == HOME / "AppData" / "Local" / "llmtutor"


def test_the_defaults_come_from_the_real_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STATE_DIR_ENV, raising=False)
    monkeypatch.setattr("sys.platform", "darwin")
    monkeypatch.setenv("HOME", "/home/someone")
    assert default_state_dir() == Path("/home/someone/Library/Application Support/llmtutor")
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_STATE_HOME", "/xdg")
    assert default_state_dir() == Path("/xdg/llmtutor")


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
    progress = Progress(tmp_path / FILE_NAME)
    progress.record_step("adam", 4, 9)
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
                "quiz": {"best": {"right": 2, "asked": 3}, "last": {"right": 2, "asked": 3}},
            }
        },
    }


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


def test_saving_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    progress = Progress(tmp_path / "deeper" / FILE_NAME)  # the directory is made when needed
    progress.record_step("loss", 1, 5)
    assert progress.save() is None
    progress.record_step("loss", 2, 5)
    assert progress.save() is None
    assert [p.name for p in (tmp_path / "deeper").iterdir()] == [FILE_NAME]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
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
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]  # the temporary file is gone


# --- bad files ----------------------------------------------------------------------------

CORRUPT = {
    "bad JSON": b'{"version": 1, "lessons": {',
    "empty": b"",
    "not UTF-8": b'{"version": 1, "lessons": {"\xff\xfe": 1}}',
    "a list": b"[1, 2, 3]",
    "a string": b'"progress"',
    "no version": b'{"lessons": {}}',
    "version as text": b'{"version": "1", "lessons": {}}',
    "version true": b'{"version": true, "lessons": {}}',
    "lessons a list": b'{"version": 1, "lessons": []}',
    "a lesson a number": b'{"version": 1, "lessons": {"loss": 3}}',
    "step as text": b'{"version": 1, "lessons": {"loss": {"step": "4"}}}',
    "step a boolean": b'{"version": 1, "lessons": {"loss": {"step": true}}}',
    "step negative": b'{"version": 1, "lessons": {"loss": {"step": -1}}}',
    "step a fraction": b'{"version": 1, "lessons": {"loss": {"step": 1.5}}}',
    "step enormous": b'{"version": 1, "lessons": {"loss": {"step": 1e999}}}',
    "finished as text": b'{"version": 1, "lessons": {"loss": {"step": 1, "finished": "yes"}}}',
    "more right than asked": (
        b'{"version": 1, "lessons": {"loss": {"step": 1, '
        b'"quiz": {"best": {"right": 5, "asked": 4}}}}}'
    ),
    "a quiz a list": b'{"version": 1, "lessons": {"loss": {"step": 1, "quiz": [1]}}}',
    "not a lesson id": b'{"version": 1, "lessons": {"../../etc": {"step": 1}}}',
    "last_opened a number": b'{"version": 1, "last_opened": 7, "lessons": {}}',
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


def test_a_second_corrupt_file_in_the_same_second_gets_its_own_name(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    for _ in range(3):
        path.write_text("nonsense", encoding="utf-8")
        _, notice = Progress.load(path)
        assert notice
    assert len(list(tmp_path.glob(f"{FILE_NAME}.corrupt-*"))) == 3


def test_a_directory_where_the_file_should_be_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.mkdir()
    progress, notice = Progress.load(path)
    assert notice and "\n" not in notice
    progress.record_step("loss", 1, 5)
    assert progress.save() is None and path.is_file()


def test_a_file_that_cannot_be_moved_aside_is_left_alone(tmp_path: Path, monkeypatch) -> None:
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
    written: list[str] = []
    write = Progress.write

    def slow_write(self: Progress, text: str) -> str | None:
        writing.set()
        disk_free.wait(timeout=10)  # a disk that holds every write until released
        written.append(text)
        return write(self, text)

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
    assert Progress.load(tmp_path / FILE_NAME)[0].last_step("adam") == 4


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
