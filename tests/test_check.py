"""Authoring lessons: `llmtutor check`, `--lessons-dir` and the lesson-format documentation.

Every kind of problem is checked at its line AND column, and under the caret that
`llmtutor check` draws beneath the offending line.
"""

from __future__ import annotations

import codecs
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from llmtutor.cli import LESSONS_DIR_VARIABLE, cli
from llmtutor.curriculum import (
    LessonFileError,
    Problem,
    builtin_lessons_dir,
    load_catalog,
    load_lesson,
)
from llmtutor.curriculum.exercises import builtin_exercises_dir
from llmtutor.curriculum.reference import (
    EXERCISE_BEGIN,
    EXERCISE_END,
    computation_reference,
    exercise_reference,
    generated_part,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "writing-lessons.md"

# Line numbers below refer to this layout.
GOOD = """\
id = "tiny"
title = "Tiny"
computation = "toy_network"

[inputs]
w1 = 0.7

[[steps]]
title = "Forward"
text = "The loss is {L}."
reveal = ["h", "L"]
quiz = ["L"]
"""

NEW_LESSON = """\
id = "my-lesson"
title = "My own lesson"
order = 47
computation = "slope"

[[steps]]
title = "Slope"
text = "The slope is {grad}."
reveal = ["grad"]
"""


@pytest.fixture(autouse=True)
def no_lessons_dir_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own extra lessons must not change what these tests see."""
    monkeypatch.delenv(LESSONS_DIR_VARIABLE, raising=False)


def write(folder: Path, text: str | bytes, name: str = "lesson.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def run_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != LESSONS_DIR_VARIABLE}
    return subprocess.run(
        [sys.executable, "-m", "llmtutor", *args],
        capture_output=True,
        text=True,
        env={**environment, **(env or {})},
        timeout=60,
    )


def reported(output: str, path: Path, line: int, column: int, message: str) -> list[str]:
    """The three lines `check` prints for one problem: location and message, the source
    line, the caret. Fails when no such problem was printed."""
    lines = output.splitlines()
    prefix = f"{path}:{line}:{column}: "
    for index, text in enumerate(lines):
        if text.startswith(prefix) and message in text:
            return lines[index : index + 3]
    raise AssertionError(f"no {prefix}...{message!r} in:\n{output}")


def caret_offset(block: list[str]) -> int:
    """How many cells after the gutter the caret stands."""
    _, code, caret = block
    gutter = code.index(" | ") + 3
    assert caret[:gutter].strip() == "|", block
    return caret.index("^") - gutter


def shown_line(block: list[str]) -> str:
    code = block[1]
    return code[code.index(" | ") + 3 :]


# -- every kind of problem, at its line and column ---------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "message"),
    [
        # invalid TOML: tomllib's own position
        ('title = "Tiny"', "title = Tiny", 2, 9, "not valid TOML: Invalid value"),
        # unknown keys: at the key
        ('title = "Tiny"', 'title = "Tiny"\ncolour = "red"', 3, 1, "unknown key 'colour'"),
        ('title = "Forward"', '  titel = "Forward"', 9, 3, "unknown step key 'titel'"),
        ('"quoted" = 1', '"quoted" = 1', 13, 1, "unknown step key 'quoted'"),
        # missing required keys: at the table's header, or line 1 for the top level
        ('title = "Tiny"\n', "", 1, 1, "missing 'title'"),
        ('computation = "toy_network"\n', "", 1, 1, "missing 'computation'"),
        ('title = "Forward"\n', "", 8, 1, "missing 'title'"),
        ('text = "The loss is {L}."\n', "", 8, 1, "missing 'text'"),
        # wrong types and bad values: at the value
        ('title = "Tiny"', "title = 3", 2, 9, "'title' must be text, not a number"),
        ('title = "Tiny"', 'title = "  "', 2, 9, "'title' must not be empty"),
        ('title = "Tiny"', 'title = "Tiny"\norder = "first"', 3, 9, "'order' must be a whole"),
        ('reveal = ["h", "L"]', 'reveal = "h"', 11, 10, "list of value names"),
        ('quiz = ["L"]', 'quiz = ["L"]\nchart_log = "yes"', 13, 13, "'chart_log' must be true"),
        ('id = "tiny"', 'id = "Tiny Lesson"', 1, 6, "lower-case letters"),
        ('id = "tiny"', 'id = "tiny"\nkind = "video"', 2, 8, "'kind' must be one of"),
        ('computation = "toy_network"', 'computation = "toy_netwrk"', 3, 15, "'toy_network'"),
        ('title = "Tiny"', 'title = "Tiny"\ndiagram = "tree"', 3, 11, "unknown diagram 'tree'"),
        ("[inputs]\n", "inputs = 3\n", 5, 10, "'inputs' must be a table"),
        # inputs: one the computation lacks at its key, a bad value at the value
        ("w1 = 0.7", "w9 = 0.7", 6, 1, "'toy_network' has no input 'w9'"),
        ("w1 = 0.7", 'w1 = "big"', 6, 6, "w1 must be a number, not str"),
        ("w1 = 0.7", "w1 = nan", 6, 6, "w1 must be a finite number"),
        ("w1 = 0.7", "w1 = 1e300", 6, 6, "too large to teach with"),
        ("w1 = 0.7", "lr = -1", 6, 6, "lr must be greater than 0"),
        ("[inputs]\nw1 = 0.7", "inputs = { w9 = 0.7 }", 5, 12, "has no input 'w9'"),
        # names the computation does not produce: at the quoted name or the placeholder
        ('reveal = ["h", "L"]', 'reveal = ["h", "Loss"]', 11, 16, "produces no value 'Loss'"),
        ('reveal = ["h", "L"]', "reveal = ['h', 'Loss']", 11, 16, "produces no value 'Loss'"),
        ('reveal = ["h", "L"]', 'reveal = ["h", "L", "g_*"]', 11, 21, "no value 'g_*'"),
        ('reveal = ["h", "L"]', 'reveal = [\n  "h",\n  "Loss",\n]', 13, 3, "no value 'Loss'"),
        ('quiz = ["L"]', 'quiz = ["L"]\nchart = ["loss_curve"]', 13, 10, "no series 'loss_curve'"),
        ('quiz = ["L"]', 'quiz = ["L", "Lx"]', 12, 14, "produces no value 'Lx'"),
        ("{L}.", "{loss}.", 10, 21, "step 1 mentions {loss}, which the computation"),
        ('title = "Forward"', 'title = "Forward {Lx}"', 9, 18, "mentions {Lx}"),
        ('"The loss is {L}."', '"""\nThe loss\nis {loss}.\n"""', 12, 4, "mentions {loss}"),
        # quiz questions on values the step does not reveal: at the name
        ('quiz = ["L"]', 'quiz = ["h", "y"]', 12, 14, "asks for 'y' but does not reveal it"),
        ('quiz = ["L"]', 'quiz = ["h", "L*"]', 12, 14, "asks for 'L*'"),
    ],
)
def test_each_problem_is_shown_at_its_line_and_column_with_a_caret(
    tmp_path: Path, old: str, new: str, line: int, column: int, message: str
) -> None:
    text = GOOD + '"quoted" = 1\n' if old == '"quoted" = 1' else GOOD
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1))
    result = invoke("check", str(path))
    assert result.exit_code == 1, result.output
    block = reported(result.stdout, path, line, column, message)
    source = path.read_text(encoding="utf-8").split("\n")[line - 1]
    assert shown_line(block) == source.rstrip()
    assert caret_offset(block) == column - 1


def test_a_whole_number_too_long_for_a_float_is_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("0.7", "1" + "0" * 400))
    result = invoke("check", str(path))
    block = reported(result.stdout, path, 6, 6, "w1 is too large to teach with")
    assert shown_line(block).endswith("…")  # a long line is cut, the caret still in place
    assert caret_offset(block) == 5


def test_duplicate_ids_across_files_point_at_the_second_id(tmp_path: Path) -> None:
    first = write(tmp_path, GOOD, "a.toml")
    second = write(tmp_path, "# the same lesson again\n" + GOOD, "b.toml")
    result = invoke("check", str(first), str(second))
    assert result.exit_code == 1
    block = reported(result.stdout, second, 2, 6, f"id 'tiny' is also used by {first}")
    assert caret_offset(block) == 5
    assert result.stdout.splitlines()[-1] == "1 problem in 1 file"


def test_a_file_named_twice_is_checked_once(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    result = invoke("check", str(path), str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 lesson checked, no problems\n"


def test_every_problem_of_a_file_is_reported_in_file_order(tmp_path: Path) -> None:
    text = GOOD.replace('title = "Tiny"', "title = 3").replace('"h", "L"', '"h", "Loss", "L"')
    path = write(tmp_path, text + 'colour = "red"\n')
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    where = [(p.line, p.column) for p in caught.value.problems]
    assert where == [(2, 9), (11, 16), (13, 1)]


def test_problem_text_keeps_its_form() -> None:
    path = Path("lessons/x.toml")
    assert str(Problem(path, "bad", 12, 11)) == "lessons/x.toml:12:11: bad"
    assert str(Problem(path, "bad", 12)) == "lessons/x.toml:12: bad"
    assert str(Problem(path, "bad")) == "lessons/x.toml: bad"
    rendered = Problem(path, "bad", 2, 11).render(["first", 'reveal = ["h", "Loss"]'])
    assert rendered == (
        'lessons/x.toml:2:11: bad\n   2 | reveal = ["h", "Loss"]\n     |           ^'
    )


# -- exit statuses and summaries --------------------------------------------------------


def test_the_builtin_lessons_pass_check() -> None:
    result = invoke("check")
    assert result.exit_code == 0, result.output
    count = len(list(builtin_lessons_dir().glob("*.toml")))
    exercises = len(list(builtin_exercises_dir().glob("*.toml")))
    assert exercises == 9  # the seven, AdamW's and autograd's: the count is not vacuous
    assert result.stdout == f"{count} lessons and {exercises} exercises checked, no problems\n"


def test_a_bad_file_exits_1_with_a_summary(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "good.toml")
    write(tmp_path, GOOD.replace('"tiny"', '"one"').replace("w1 =", "w9 ="), "one.toml")
    write(tmp_path, GOOD.replace('"tiny"', '"two"').replace("{L}", "{M}"), "two.toml")
    result = invoke("check", str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "2 problems in 2 files"


def test_check_of_a_missing_path_is_a_one_line_usage_error(tmp_path: Path) -> None:
    result = run_process("check", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line == f"llmtutor: error: check: '{tmp_path / 'nope.toml'}' does not exist"


def test_check_into_a_closed_pipe_is_quiet_and_keeps_its_status(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("w1 =", "w9 ="))
    environment = {k: v for k, v in os.environ.items() if k != LESSONS_DIR_VARIABLE}
    process = subprocess.Popen(
        [sys.executable, "-m", "llmtutor", "check", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    assert process.stdout is not None
    process.stdout.close()  # as `llmtutor check ... | head -1` once head has exited
    _, errors = process.communicate(timeout=60)
    assert errors.decode() == ""
    assert process.returncode == 1


def test_an_empty_folder_has_nothing_to_report(tmp_path: Path) -> None:
    result = invoke("check", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout == "0 lessons checked, no problems\n"


# -- hostile files: a located problem or a clean pass, never a traceback -----------------

HOSTILE = {
    "binary junk": b"\xff\xfe\x00garbage\x89PNG\r\n",
    "not utf-8 mid-file": b'id = "x"\ntitle = "\xc3\x28"\n',
    "nul byte": b'id = "x"\x00\n',
    "empty": b"",
    "only a comment": b"# nothing here",
    "deep list nesting": b"reveal = " + b"[" * 100_000,
    "deep table nesting": b"a = " + b"{b = " * 5_000 + b"1" + b"}" * 5_000,
    "huge order": GOOD.replace('"Tiny"', '"Tiny"\norder = 1' + "0" * 500).encode(),
    "infinite order": GOOD.replace('"Tiny"', '"Tiny"\norder = inf').encode(),
    "nan in a list": GOOD.replace('"toy_network"', '"adam"')
    .replace("w1 = 0.7", "gradients = [0.5, nan]")
    .replace('["h", "L"]', '["g_*"]')
    .replace('["L"]', "[]")
    .encode(),
    "a list where a number goes": GOOD.replace("0.7", "[[[[1]]]]").encode(),
    "a table where text goes": GOOD.replace('"Tiny"', "{ a = { b = 1 } }").encode(),
    "dates and times": GOOD.replace('"Tiny"', "1979-05-27T07:32:00Z").encode(),
    "a very long line": GOOD.replace("{L}.", "x" * 100_000 + " {loss}.").encode(),
    "unicode everywhere": GOOD.replace('"Tiny"', '"Ünïcødé 数学 🧮"')
    .replace("{L}", "{損失}")
    .encode(),
    "escape codes": b'id = "x"\ntitle = "\x1b[31mred\x1b[0m"\n',
    "bidi override": GOOD.replace('"L"]', '"\u202eL"]').encode(),
    "crlf": GOOD.replace("\n", "\r\n").replace('"L"]', '"Loss"]').encode(),
    "steps as a table": GOOD.replace("[[steps]]", "[steps]").encode(),
    "steps as numbers": GOOD.replace("[inputs]", "steps = [1, 2]\n[inputs]")
    .split("[[steps]]")[0]
    .encode(),
    "inline steps": GOOD.replace("[inputs]", 'steps = [{ reveal = ["Loss"] }]\n[inputs]')
    .split("[[steps]]")[0]
    .encode(),
    "a kind that is a list": GOOD.replace('"Tiny"', '"Tiny"\nkind = ["x"]').encode(),
    "a training lesson with steps": b'id = "t"\ntitle = "T"\nkind = "training"\n[[steps]]\n',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_reported_not_crashed_on(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, HOSTILE[name])
    result = invoke("check", str(path))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    for line in result.stdout.splitlines():
        assert len(line) < 300  # long lines are cut around the column


def test_not_utf8_points_at_the_first_bad_byte(tmp_path: Path) -> None:
    path = write(tmp_path, HOSTILE["not utf-8 mid-file"])
    result = invoke("check", str(path))
    block = reported(result.stdout, path, 2, 10, "not UTF-8 text: byte 0xc3")
    assert caret_offset(block) == 9


def test_a_byte_order_mark_is_accepted_and_columns_count_after_it(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(codecs.BOM_UTF8 + GOOD.encode("utf-8"))
    assert load_lesson(path).id == "tiny"
    path.write_bytes(codecs.BOM_UTF8 + GOOD.replace('id = "tiny"', 'id = "Tiny!"').encode("utf-8"))
    result = invoke("check", str(path))
    block = reported(result.stdout, path, 1, 6, "must be lower-case letters")
    assert shown_line(block) == 'id = "Tiny!"'


def test_the_caret_counts_wide_characters_and_tabs(tmp_path: Path) -> None:
    text = GOOD.replace('reveal = ["h", "L"]', '\treveal = ["h", "数", "Loss", "L"]')
    path = write(tmp_path, text)
    block = reported(invoke("check", str(path)).stdout, path, 11, 22, "no value 'Loss'")
    assert shown_line(block) == ' reveal = ["h", "数", "Loss", "L"]'  # the tab is one space
    assert caret_offset(block) == 22  # 21 characters before it, one of them two cells wide


def test_a_long_line_is_cut_around_the_caret(tmp_path: Path) -> None:
    long_text = "x" * 50_000 + " {loss} " + "x" * 50_000
    path = write(tmp_path, GOOD.replace("{L}.", long_text))
    output = invoke("check", str(path)).stdout
    block = reported(output, path, 10, 50_022, "mentions {loss}")
    assert shown_line(block).startswith("…") and shown_line(block).endswith("…")
    assert shown_line(block)[caret_offset(block) :].startswith("{loss}")


# -- --lessons-dir and LLMTUTOR_LESSONS_DIR ----------------------------------------------


def lesson_ids(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines()]


def test_a_new_lesson_joins_the_course_at_its_order(tmp_path: Path) -> None:
    write(tmp_path, NEW_LESSON, "mine.toml")
    result = invoke("--lessons-dir", str(tmp_path), "lessons")
    assert result.exit_code == 0, result.output
    ids = lesson_ids(result.stdout)
    assert ids.index("my-lesson") == ids.index("autograd") + 1  # order 47, after 45
    assert "My own lesson" in result.stdout
    plain = invoke("--lessons-dir", str(tmp_path), "lesson", "my-lesson", "--plain")
    assert plain.exit_code == 0, plain.output
    assert "The slope is" in plain.stdout


def test_a_lesson_with_a_builtin_id_replaces_it_in_its_place(tmp_path: Path) -> None:
    builtin = lesson_ids(invoke("lessons").stdout)
    override = GOOD.replace('"tiny"', '"backprop"').replace('"Tiny"', '"My backprop"')
    write(tmp_path, override, "backprop.toml")
    result = invoke("--lessons-dir", str(tmp_path), "lessons")
    assert result.exit_code == 0, result.output
    assert lesson_ids(result.stdout) == builtin
    assert "My backprop" in result.stdout and "Backpropagation" not in result.stdout
    plain = invoke("--lessons-dir", str(tmp_path), "lesson", "backprop", "--plain")
    assert "Step 1 of 1" in plain.stdout


def test_an_override_that_gives_an_order_moves(tmp_path: Path) -> None:
    override = GOOD.replace('"tiny"', '"backprop"').replace('"Tiny"', '"Tiny"\norder = 1')
    write(tmp_path, override, "backprop.toml")
    catalog = load_catalog(extra_dirs=[tmp_path])
    assert catalog.ids[0] == "backprop"
    assert catalog.entry("backprop").title == "Tiny"  # type: ignore[union-attr]
    assert catalog.problems == []


def test_a_broken_extra_lesson_is_reported_and_skipped(tmp_path: Path) -> None:
    write(tmp_path, NEW_LESSON, "good.toml")
    broken = write(tmp_path, GOOD.replace('"h", "L"', '"h", "Loss"'), "broken.toml")
    result = invoke("--lessons-dir", str(tmp_path), "lessons")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"llmtutor: warning: {broken}:11:16: step 1: the computation produces no value 'Loss'",
        f"llmtutor: warning: {broken}:12:9: step 1 asks for 'L' but does not reveal it; "
        "a quiz asks for a value this step reveals (a plain name, no *)",
    ]
    ids = lesson_ids(result.stdout)
    assert "my-lesson" in ids and "tiny" not in ids and "backprop" in ids


def test_opening_a_lesson_whose_names_are_wrong_shows_where_and_exits_1(tmp_path: Path) -> None:
    # `lesson NAME` lists the lessons without running them (as the app starts), then runs
    # the one opened: its problems come out compiler-style, each with its line and caret.
    broken = write(tmp_path, GOOD.replace('"h", "L"', '"h", "Loss"'), "broken.toml")
    result = invoke("--lessons-dir", str(tmp_path), "lesson", "tiny", "--plain")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"llmtutor: error: {broken}:11:16: step 1: the computation produces no value 'Loss'"
    )
    assert lines[1].strip() == '11 | reveal = ["h", "Loss"]'
    assert lines[2].index("^") == lines[1].index('"Loss"')


def test_duplicate_ids_within_one_extra_folder_are_an_error(tmp_path: Path) -> None:
    write(tmp_path, NEW_LESSON, "a.toml")
    second = write(tmp_path, NEW_LESSON, "b.toml")
    catalog = load_catalog(extra_dirs=[tmp_path])
    assert catalog.ids.count("my-lesson") == 1
    (problem,) = catalog.problems
    assert (problem.path, problem.line, problem.column) == (second, 1, 6)
    assert "also used by" in problem.message


def test_check_without_paths_covers_the_extra_folder(tmp_path: Path) -> None:
    write(tmp_path, NEW_LESSON, "good.toml")
    broken = write(tmp_path, GOOD.replace("w1 =", "w9 ="), "broken.toml")
    result = invoke("--lessons-dir", str(tmp_path), "check")
    assert result.exit_code == 1
    reported(result.stdout, broken, 6, 1, "has no input 'w9'")
    assert result.stdout.splitlines()[-1] == "1 problem in 1 file"
    write(tmp_path, NEW_LESSON.replace("my-lesson", "loss"), "broken.toml")  # an override
    count = len(list(builtin_lessons_dir().glob("*.toml"))) + 2
    exercises = len(list(builtin_exercises_dir().glob("*.toml")))
    result = invoke("--lessons-dir", str(tmp_path), "check")
    assert result.stdout == f"{count} lessons and {exercises} exercises checked, no problems\n"


def test_the_environment_variable_adds_folders(tmp_path: Path) -> None:
    write(tmp_path / "a", NEW_LESSON, "a.toml")
    write(tmp_path / "b", NEW_LESSON.replace("my-lesson", "other"), "b.toml")
    folders = os.pathsep.join([str(tmp_path / "a"), "", str(tmp_path / "b")])
    result = invoke("lessons", env={LESSONS_DIR_VARIABLE: folders})
    assert result.exit_code == 0, result.output
    assert {"my-lesson", "other"} <= set(lesson_ids(result.stdout))


def test_the_option_wins_over_the_environment_variable(tmp_path: Path) -> None:
    write(tmp_path / "a", NEW_LESSON, "a.toml")
    write(tmp_path / "b", NEW_LESSON.replace("my-lesson", "other"), "b.toml")
    env = {LESSONS_DIR_VARIABLE: str(tmp_path / "a")}
    result = invoke("--lessons-dir", str(tmp_path / "b"), "lessons", env=env)
    ids = lesson_ids(result.stdout)
    assert "other" in ids and "my-lesson" not in ids


@pytest.mark.parametrize("use_variable", [False, True])
def test_a_missing_lessons_folder_is_a_one_line_usage_error(
    tmp_path: Path, use_variable: bool
) -> None:
    missing = str(tmp_path / "nope")
    if use_variable:
        result = run_process("lessons", env={LESSONS_DIR_VARIABLE: missing})
        source = LESSONS_DIR_VARIABLE
    else:
        result = run_process("--lessons-dir", missing, "lessons")
        source = "--lessons-dir"
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"llmtutor: error: {source}: {missing!r} does not exist\n"


def test_a_lessons_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, NEW_LESSON)
    result = run_process("--lessons-dir", str(path), "lessons")
    assert result.returncode == 2
    assert result.stderr == f"llmtutor: error: --lessons-dir: {str(path)!r} is not a folder\n"


# -- the documentation ---------------------------------------------------------------------


def test_the_docs_computation_reference_is_up_to_date() -> None:
    # If this fails: python -m llmtutor.curriculum.reference docs/writing-lessons.md
    assert generated_part(DOC.read_text(encoding="utf-8")) == computation_reference()


def test_the_docs_exercise_reference_is_up_to_date() -> None:
    # If this fails: python -m llmtutor.curriculum.reference docs/writing-exercises.md
    document = (DOC.parent / "writing-exercises.md").read_text(encoding="utf-8")
    part = generated_part(document, EXERCISE_BEGIN, EXERCISE_END)
    assert "`forward_backward(x, w1, w2, w3, target)`" in part  # not an empty section
    assert part == exercise_reference()


def test_the_exercise_reference_says_exactly_these_names_only_where_they_are_fixed() -> None:
    from llmtutor.engine.exercises import EXERCISES

    # The autograd exercise's two article graphs name their nodes differently (h, a, … and
    # p, q, …), so what it returns cannot be "exactly these names".
    first, shared = EXERCISES["autograd"].article[:2]
    assert {node["name"] for node in first["nodes"]} != {n["name"] for n in shared["nodes"]}
    sections = {
        section.partition("`")[0]: section for section in exercise_reference().split("### `")[1:]
    }
    assert "whose names depend on its inputs" in sections["autograd"]
    assert "exactly these names" not in sections["autograd"]
    for name in ("loss", "backprop", "gradient-descent", "adam", "adamw", "softmax-gradient"):
        assert "It returns a dict with exactly these names:" in sections[name], name


def test_the_docs_example_lesson_passes_check(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = re.search(r"<!-- example-lesson[^>]*-->\n```toml\n(.*?)```", text, re.DOTALL)
    assert example, "the doc's example lesson is marked <!-- example-lesson -->"
    path = write(tmp_path, example.group(1), "example.toml")
    result = invoke("check", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 lesson checked, no problems\n"


def test_the_docs_name_every_key_of_the_format() -> None:
    from llmtutor.curriculum.loader import LESSON_KEYS, STEP_KEYS, TRAINING_KEYS

    text = DOC.read_text(encoding="utf-8")
    for key in LESSON_KEYS | STEP_KEYS | TRAINING_KEYS:
        assert f"| `{key}` |" in text or f"`{key}`" in text, key


# -- choices: texts chosen by computed facts -----------------------------------------------

CHOOSING_LESSON = """\
id = "choosing"
title = "Choosing"
computation = "slope"

[[steps]]
title = "{verdict}"
text = "The step {how}."
reveal = ["L_step"]

[steps.choose.verdict]
fact = "after_stepp"
down = "Down"

[steps.choose.how]
fact = "after_step"
down = "helped: {L_step} below {L}"
upp = "overshot"
"""


def test_check_reports_an_unknown_fact_a_missing_text_and_an_unknown_value(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, CHOOSING_LESSON)
    result = invoke("check", str(path))
    assert result.exit_code == 1
    reported(
        result.output,
        path,
        11,
        8,
        "'slope' states no fact 'after_stepp' (did you mean 'after_step'?)",
    )
    block = reported(
        result.output,
        path,
        14,
        1,
        "choice 'how' has no text for when 'after_step' is 'up' or 'same' or 'not_finite'",
    )
    assert shown_line(block) == "[steps.choose.how]"
    reported(result.output, path, 17, 1, "fact 'after_step' is never 'upp' (did you mean 'up'?)")
    # The step's own {verdict} and {how} are choices, not values it lacks.
    assert "mentions {verdict}" not in result.output
    assert "3 problems in 1 file" in result.output


def test_a_choice_text_may_only_name_values(tmp_path: Path) -> None:
    lesson = CHOOSING_LESSON.replace(
        '"after_stepp"\ndown = "Down"', ('"shown_in"\napp = "App"\nplain = "{nope}"')
    ).replace('upp = "overshot"', 'up = "up"\nsame = "same"\nnot_finite = "inf"')
    path = write(tmp_path, lesson)
    result = invoke("check", str(path))
    assert result.exit_code == 1
    reported(result.output, path, 13, 10, "choice 'verdict' mentions {nope}, which the computation")
    assert "1 problem in 1 file" in result.output
