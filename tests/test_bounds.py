"""Bounded everything: what the lesson loader and the command line accept, and the one
line they give for the rest — control characters in lesson text, files that are not
regular files, files and lessons too large, empty and impossible paths, seeds outside
torch's range, and arguments far too long to quote."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_cli import run_process as run  # the real command, as a shell runs it

from llmtutor.cli import cli
from llmtutor.curriculum import check_files, load_catalog
from llmtutor.curriculum.loader import MAX_FILE_BYTES, MAX_STEPS
from llmtutor.plain import make_console, print_lesson
from llmtutor.safe_text import path_excerpt, visible

LESSON = """\
id = "hostile"
title = {title}
summary = {summary}
order = 5
computation = "cross_entropy"

[inputs]
p = 0.25

[[steps]]
title = {step_title}
text = {text}
reveal = ["loss"]
"""

PLAIN = {"title": '"A title"', "summary": '"A summary"', "step_title": '"A step"'}
PLAIN["text"] = '"The loss is {loss}."'


def write_lesson(folder: Path, name: str = "hostile.toml", **fields: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(LESSON.format(**{**PLAIN, **fields}), encoding="utf-8")
    return path


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("llmtutor: error: ")
    return lines[0]


# --- control characters in lesson text ------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "written", "char"),
    [
        ("title", r'"Draft \u001b]0;PWNED\u0007"', "\x1b"),  # OSC 0: the window title
        ("summary", r'"copy \u001b]52;c;cHdu\u0007"', "\x1b"),  # OSC 52: the clipboard
        ("step_title", r'"clear \u009b2J"', "\x9b"),  # C1 CSI
        ("text", '"right-to-left \u202e override"', "\u202e"),  # written raw in the file
        ("title", r'"a bell \u0007"', "\x07"),
    ],
)
def test_check_refuses_control_characters_at_their_line_and_column(
    tmp_path: Path, field: str, written: str, char: str
) -> None:
    path = write_lesson(tmp_path, **{field: written})
    problems = check_files([path])
    assert len(problems) == 1, problems
    problem = problems[0]
    line = next(
        number
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if written in text
    )
    assert problem.line == line
    # The caret is on the character itself, or on the escape that writes it.
    source_line = path.read_text(encoding="utf-8").splitlines()[line - 1]
    at = source_line[problem.column - 1 :]
    assert at.startswith(char) or at.lower().startswith(f"\\u{ord(char):04x}")
    assert f"U+{ord(char):04X}" in problem.message
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", str(problem))


def test_a_lesson_with_control_characters_is_skipped_and_never_listed_raw(tmp_path: Path) -> None:
    write_lesson(tmp_path, title=r'"Draft \u001b]0;PWNED\u0007"')
    result = run("--lessons-dir", str(tmp_path), "lessons")
    assert result.returncode == 0
    assert "\x1b" not in result.stdout + result.stderr
    assert "hostile" not in result.stdout  # the broken file is reported, not listed
    assert "U+001B" in result.stderr


def test_visible_replaces_every_control_character_and_keeps_the_rest() -> None:
    text = "a\x1b]0;t\x07b\x9b2J\u202ec\td\ne\u00e9\u200f"
    assert visible(text) == "a\u241b]0;t\u2407b\ufffd2J\ufffdc\td\ne\u00e9\u200f"
    assert visible("x\ny\tz", one_line=True) == "x\u240ay\u2409z"


# --- files that are not lesson files -------------------------------------------------------


def test_a_fifo_a_device_and_a_loop_of_links_are_reported_not_read(tmp_path: Path) -> None:
    write_lesson(tmp_path)
    os.mkfifo(tmp_path / "fifo.toml")  # reading it would wait for a writer forever
    (tmp_path / "zero.toml").symlink_to("/dev/zero")  # reading it would never end
    (tmp_path / "loop-a.toml").symlink_to(tmp_path / "loop-b.toml")
    (tmp_path / "loop-b.toml").symlink_to(tmp_path / "loop-a.toml")
    result = run("check", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    report = result.stdout
    assert "fifo.toml: is a FIFO (named pipe), not a regular file" in report
    assert "zero.toml: is a device, not a regular file" in report
    assert "loop-a.toml: is a loop of symbolic links" in report
    assert "4 problems in 4 files" in report
    listing = run("--lessons-dir", str(tmp_path), "lessons")
    assert listing.returncode == 0 and "A title" in listing.stdout


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = write_lesson(tmp_path, text='"' + "x" * (MAX_FILE_BYTES + 10) + '"')
    problems = check_files([path])
    # Pointed at where the file passes the limit: in the step's long text (ASCII: a byte
    # is a column).
    lines = path.read_text().splitlines(keepends=True)
    before = sum(len(text) for text in lines[:11])  # the eleven lines above the text's
    assert lines[11].startswith('text = "xxx') and before < MAX_FILE_BYTES
    assert [str(p) for p in problems] == [
        f"{path}:12:{MAX_FILE_BYTES - before + 1}: the file is over "
        f"{MAX_FILE_BYTES // 1000} kB, the most a lesson file may be"
    ]


def test_too_many_steps_is_refused_at_the_first_step_too_many(tmp_path: Path) -> None:
    step = '\n[[steps]]\ntitle = "More"\ntext = "More."\nreveal = ["loss"]\n'
    path = write_lesson(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + step * MAX_STEPS, encoding="utf-8")
    problems = check_files([path])
    assert len(problems) == 1
    assert problems[0].message == f"{MAX_STEPS + 1} steps; a lesson has at most {MAX_STEPS}"
    header = [n for n, t in enumerate(path.read_text().splitlines(), 1) if t == "[[steps]]"]
    assert problems[0].line == header[MAX_STEPS]  # the 101st [[steps]]


def test_a_lesson_id_over_64_characters_is_refused(tmp_path: Path) -> None:
    path = write_lesson(tmp_path)
    path.write_text(path.read_text().replace('"hostile"', '"' + "a" * 65 + '"'))
    assert [p.message for p in check_files([path])] == ["id is 65 characters long; at most 64"]
    path.write_text(path.read_text().replace("a" * 65, "a" * 64))
    assert check_files([path]) == []


# --- paths and arguments -------------------------------------------------------------------


def test_empty_paths_are_refused() -> None:
    assert one_error_line(run("check", "")).endswith("check: an empty path names no file or folder")
    line = one_error_line(run("--lessons-dir", "", "lessons"))
    assert line.endswith("--lessons-dir: an empty path names no file or folder")


def test_a_name_too_long_for_the_file_system_is_one_line(tmp_path: Path) -> None:
    long = str(tmp_path / ("a" * 300))
    short = path_excerpt(long)
    assert one_error_line(run("check", long)) == (
        f"llmtutor: error: check: {short} has a name too long for the file system"
    )
    assert one_error_line(run("--lessons-dir", long, "lessons")).endswith(
        "too long for the file system"
    )
    line = one_error_line(run("lessons", env={"LLMTUTOR_LESSONS_DIR": long}))
    assert line.startswith("llmtutor: error: LLMTUTOR_LESSONS_DIR: ")


def test_a_loop_of_links_given_to_check_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    line = one_error_line(run("check", str(tmp_path / "a.toml")))
    assert line.endswith("a.toml' is a loop of symbolic links")


@pytest.mark.parametrize(
    "args",
    [
        ("lesson", "x" * 100_000),
        ("lesson", "adam", "--set", "x" * 100_000 + "=1"),
        ("lesson", "adam", "--set", "gradients=" + "x" * 100_000),
        ("lesson", "adam", "--set", "y" * 100_000),
        ("lesson", "adam", "--" + "z" * 100_000),
        ("train", "--plain", "--lr", "q" * 100_000),
    ],
)
def test_an_error_quotes_at_most_a_short_excerpt_of_a_huge_argument(args: tuple[str, ...]) -> None:
    line = one_error_line(run(*args))
    assert len(line) < 400, line[:400]


@pytest.mark.parametrize(
    ("seed", "accepted"),
    [("0", True), (str(2**64 - 1), True), (str(2**64), False)],
)
def test_seeds_go_as_high_as_torch_accepts(seed: str, accepted: bool) -> None:
    import torch

    if accepted:
        torch.Generator().manual_seed(int(seed))  # torch takes this seed
    else:
        with pytest.raises((RuntimeError, ValueError)):
            torch.Generator().manual_seed(int(seed))
        line = one_error_line(run("train", "--plain", "--seed", seed, "--steps", "1"))
        assert line == SEED_ERROR


SEED_ERROR = "llmtutor: error: seed must be between 0 and 18446744073709551615 (torch's range)"


def test_negative_seeds_are_refused() -> None:
    # torch would take them; the tutor keeps to whole numbers from 0, as its help says.
    assert one_error_line(run("train", "--plain", "--seed", "-1")) == SEED_ERROR


def test_the_seed_from_the_report_is_refused_without_a_traceback() -> None:
    line = one_error_line(run("train", "--plain", "--seed", "1180591620717411303424"))
    assert "between 0 and 18446744073709551615" in line


def test_numeric_options_show_their_type_in_help() -> None:
    text = CliRunner().invoke(cli, ["train", "--help"]).output
    assert re.search(r"--steps INTEGER", text)
    assert re.search(r"--lr NUMBER", text)
    assert re.search(r"--seed INTEGER", text)
    assert "18446744073709551615" in text  # the seed's range, as the error says it
    assert " TEXT " not in text


# --- --plain: literal text, written as it goes ---------------------------------------------


def test_plain_prints_markup_in_lesson_text_literally(tmp_path: Path) -> None:
    write_lesson(
        tmp_path,
        title="\"[@click=app.screenshot('pwn.svg','/tmp')]Backprop[/]\"",
        summary='"Draft [/WIP]"',
        step_title='"Loss [nats] [link=file:///etc/passwd]x[/link]"',
    )
    result = run("--lessons-dir", str(tmp_path), "lesson", "hostile", "--plain")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[@click=app.screenshot('pwn.svg','/tmp')]Backprop[/]" in out
    assert "Draft [/WIP]" in out
    assert "Step 1 of 1 · Loss [nats] [link=file:///etc/passwd]x[/link]" in out
    assert "\x1b" not in out


class CountingFile(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_plain_writes_each_step_as_it_is_drawn() -> None:
    catalog = load_catalog()
    lesson = catalog.get("backprop")
    assert lesson is not None
    file = CountingFile()
    print_lesson(lesson, lesson.compute(), {}, make_console(file))
    # The heading, each of the nine steps, and the closing values: written one at a time.
    writes = [text for text in file.writes if text]
    assert len(writes) == len(lesson.steps) + 2
    assert writes[0].startswith("Backpropagation")
    assert writes[1].lstrip("\n").startswith("Step 1 of 9 · ")


def test_a_number_too_long_to_read_is_a_located_problem(tmp_path: Path) -> None:
    path = write_lesson(tmp_path)
    path.write_text(path.read_text().replace("order = 5", "order = " + "9" * 5000))
    (problem,) = check_files([path])
    assert (problem.line, problem.column) == (4, 9)
    assert problem.message == "a number too long to read (over 4300 digits)"


def test_a_file_that_would_wait_for_data_is_one_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file the kernel feeds, such as /proc/kmsg, is regular, but opened without waiting
    # its read gives None (no data yet). Reading the real one would take the kernel's log.
    path = write_lesson(tmp_path)
    real_fdopen = os.fdopen

    def waiting(fd: int, mode: str = "r") -> io.BufferedReader:
        file = real_fdopen(fd, mode)
        monkeypatch.setattr(file, "read", lambda size=-1: None)
        return file

    monkeypatch.setattr(os, "fdopen", waiting)
    (problem,) = check_files([path])
    assert str(problem) == f"{path}: cannot be read (it would wait for data)"


def test_the_live_run_takes_no_step_quiz_or_watch() -> None:
    for flag, name in (("--step=1", "--step"), ("--quiz", "--quiz"), ("--watch", "--watch")):
        line = one_error_line(run("lesson", "train", flag))
        assert line.endswith(f"'train' takes no {name}; see 'llmtutor train --help'"), line
    line = one_error_line(run("lesson", "adam", "--plain", "--watch"))
    assert line.endswith("--watch reloads the lesson in the app; it does nothing with --plain")
