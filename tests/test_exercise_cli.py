"""`llmtutor exercise`: listing, --check's verdict and exit statuses, writing the starter,
usage errors in one line with status 2, progress kept; and the exercise files' checks
(`llmtutor check`, each problem at its line and column)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmtutor.curriculum import LessonFileError
from llmtutor.curriculum.exercises import builtin_exercises_dir, load_exercise
from llmtutor.exercise_session import write_starter
from llmtutor.progress import Progress

EXERCISES_DIR = builtin_exercises_dir()


def run(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The command as a learner runs it: its own process, no terminal, no standard input."""
    return subprocess.run(
        [sys.executable, "-m", "llmtutor", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "80"},
        timeout=timeout,
    )


def test_the_list_names_every_exercise_and_its_progress(state_dir: Path) -> None:
    result = run("exercise")
    assert result.returncode == 0, result.stderr
    ids = [line.split()[0] for line in result.stdout.splitlines()]
    expected = ["loss", "backprop", "autograd", "gradient-descent", "adam", "adamw", "schedule"]
    assert ids[:7] == expected and set(ids[7:]) == {"softmax-gradient", "training-step"}
    assert all(line.endswith("(not started)") for line in result.stdout.splitlines())
    progress = Progress.load(state_dir / "progress.json")[0]
    progress.record_exercise("adam", attempt=True)
    progress.record_exercise("adam", attempt=True, passed=True)
    progress.record_exercise("adam", hint=True)
    progress.record_exercise("adam", hint=True)
    progress.save()
    line = next(line for line in run("exercise").stdout.splitlines() if line.startswith("adam"))
    assert line.endswith("(passed, 2 checks, 2 hints)")


def test_check_exits_0_for_the_solution_and_1_for_the_starter(state_dir: Path) -> None:
    solution = run("exercise", "backprop", "--check", str(EXERCISES_DIR / "backprop_solution.py"))
    assert solution.returncode == 0, solution.stdout + solution.stderr
    assert solution.stdout.startswith("✓ all 10 values right")
    starter = run("exercise", "backprop", "--check", str(EXERCISES_DIR / "backprop.py"))
    assert starter.returncode == 1
    assert starter.stdout.startswith("✗ h is wrong, on the article's inputs")
    assert "right: h = x × w1 = 2 × 0.5 = 1" in starter.stdout
    entry = Progress.load(state_dir / "progress.json")[0].exercise("backprop")
    assert entry is not None and (entry.attempts, entry.passed) == (2, True)


def test_check_names_the_mistake_with_its_numbers(tmp_path: Path) -> None:
    source = (EXERCISES_DIR / "backprop_solution.py").read_text("utf-8")
    wrong = tmp_path / "mine.py"
    wrong.write_text(source.replace("2 * (y - target)", "(y - target)"), "utf-8")
    result = run("exercise", "backprop", "--check", str(wrong))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "✗ dL_dy is wrong, on the article's inputs"
    assert "  right: dL/dy = 2 × (y − target) = 2 × (-0.36 − 1) = -2.72" in lines
    assert "  yours: -1.36" in lines
    assert "  Yours is y − target = -0.36 − 1 = -1.36" in lines


def test_a_syntax_error_a_loop_and_printing_give_a_clear_verdict(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def forward_backward(x, w1, w2, w3, target):\n    return {\n", "utf-8")
    result = run("exercise", "backprop", "--check", str(broken))
    assert result.returncode == 1
    assert "line 2" in result.stdout.splitlines()[0]
    chatty = tmp_path / "chatty.py"
    solution = (EXERCISES_DIR / "backprop_solution.py").read_text("utf-8")
    chatty.write_text(
        "import sys\nprint('hello \\x1b[2J from the learner')\nsys.stdin.read()\n" + solution,
        "utf-8",
    )
    result = run("exercise", "backprop", "--check", str(chatty))
    assert result.returncode == 0, result.stdout
    assert "hello ␛[2J from the learner" in result.stdout  # shown, and never acts
    assert "\x1b[2J" not in result.stdout


def test_usage_errors_are_one_line_with_status_2(tmp_path: Path) -> None:
    cases = [
        (("exercise", "backprp"), "no exercise named 'backprp' (did you mean 'backprop'?)"),
        (("exercise", "--check", "x.py"), "--check needs the exercise's NAME"),
        (("exercise", "adam", "--check", str(tmp_path / "nope.py")), "does not exist"),
        (("exercise", "adam", "--check", str(tmp_path)), "is a folder, not a Python file"),
        (("exercise", "adam"), "the exercise screen needs a terminal"),
    ]
    for args, message in cases:
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("llmtutor: error: "), result.stderr
        assert message in lines[0], (args, lines[0])
    assert not (tmp_path / "llmtutor-exercises").exists()  # nothing written without a screen


@pytest.mark.skipif(shutil.which("script") is None, reason="needs script (util-linux)")
def test_a_folder_that_cannot_hold_the_exercise_is_one_clear_line(tmp_path: Path) -> None:
    # Run in a pseudo-terminal, as a learner would: the screen would open once written.
    (tmp_path / "afile").write_text("", "utf-8")
    (tmp_path / "ff").mkdir()
    os.mkfifo(tmp_path / "ff" / "adam.py")
    cases = {
        "afile": "cannot write adam.py into 'afile': it is not a folder",
        "ff": "cannot write adam.py into 'ff': it already has one that is a FIFO (named pipe)",
    }
    for folder, message in cases.items():
        command = f"{sys.executable} -m llmtutor exercise adam --dir {folder}"
        result = subprocess.run(
            ["script", "-qec", command, "/dev/null"],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            cwd=tmp_path,
            timeout=120,
        )
        assert result.returncode == 2, result.stdout
        assert message in result.stdout, result.stdout


def test_the_starter_is_written_once_and_never_over_the_learner_s_file(tmp_path: Path) -> None:
    exercise = load_exercise(EXERCISES_DIR / "adam.toml")
    path, written = write_starter(exercise, tmp_path / "deep" / "folder")
    assert written and path == tmp_path / "deep" / "folder" / "adam.py"
    assert path.read_text("utf-8") == exercise.starter
    path.write_text("# my own work\n", "utf-8")
    again, written = write_starter(exercise, tmp_path / "deep" / "folder")
    assert again == path and not written
    assert path.read_text("utf-8") == "# my own work\n"
    os.mkfifo(tmp_path / "deep" / "folder" / "loss.py")
    loss = load_exercise(EXERCISES_DIR / "loss.toml")
    with pytest.raises(OSError, match="FIFO"):
        write_starter(loss, tmp_path / "deep" / "folder")


def test_exercise_progress_merges_across_two_tutors(tmp_path: Path) -> None:
    file = tmp_path / "progress.json"
    first, second = Progress.load(file)[0], Progress.load(file)[0]
    first.record_exercise("adam", attempt=True, passed=True)
    second.record_exercise("backprop", attempt=True)
    for _ in range(3):
        second.record_exercise("adam", hint=True)
    first.save()
    second.save()
    data = json.loads(file.read_text("utf-8"))
    assert data["exercises"]["adam"]["passed"] is True  # first's pass survives second's save
    assert data["exercises"]["adam"]["hints"] == 3
    assert data["exercises"]["backprop"]["attempts"] == 1


def test_a_bad_exercise_entry_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    file = tmp_path / "progress.json"
    file.write_text(
        json.dumps(
            {
                "version": 1,
                "lessons": {},
                "exercises": {
                    "adam": {"attempts": 2, "passed": True},
                    "loss": {"attempts": "many"},
                    "../x": {},
                },
            }
        ),
        "utf-8",
    )
    progress, notice = Progress.load(file)
    assert progress.exercise("adam") is not None and progress.exercise("adam").passed  # type: ignore[union-attr]
    assert progress.exercise("loss") is None
    assert notice is not None and "Skipped 2 entries" in notice


# -- exercise files ---------------------------------------------------------------------


def copy_exercise(tmp_path: Path, toml: str) -> Path:
    for name in ("backprop.py", "backprop_solution.py"):
        (tmp_path / name).write_text((EXERCISES_DIR / name).read_text("utf-8"), "utf-8")
    path = tmp_path / "backprop.toml"
    path.write_text(toml, "utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LessonFileError) as error:
        load_exercise(path)
    return [str(problem) for problem in error.value.problems]


def test_exercise_files_are_checked_at_each_problem(tmp_path: Path) -> None:
    good = (EXERCISES_DIR / "backprop.toml").read_text("utf-8")
    path = copy_exercise(tmp_path, good)
    assert load_exercise(path).id == "backprop"
    bad = good.replace('id = "backprop"', 'id = "backprob"', 1)
    assert bad != good
    (found,) = problems_of(copy_exercise(tmp_path, bad))
    assert found.startswith(f"{path}:3:6: no exercise 'backprob' in the engine (did you mean")
    starter = good.replace('starter = "backprop.py"', 'starter = "../backprop.py"')
    assert starter != good
    (found,) = problems_of(copy_exercise(tmp_path, starter))
    assert "must name a file beside the exercise file" in found
    (tmp_path / "other.py").write_text("def something_else():\n    pass\n", "utf-8")
    other = good.replace('starter = "backprop.py"', 'starter = "other.py"')
    (found,) = problems_of(copy_exercise(tmp_path, other))
    assert "other.py defines no function 'forward_backward'" in found
    hintless = good.replace("\n[hints]\n", "\n[hints]\nnot_a_topic = 'x'\n")
    assert hintless != good
    (found,) = problems_of(copy_exercise(tmp_path, hintless))
    assert "no topic 'not_a_topic' in this exercise" in found
    control = good.replace('title = "', 'title = "\\u001b[2J', 1)
    assert control != good
    (found,) = problems_of(copy_exercise(tmp_path, control))
    assert "U+001B (ESCAPE)" in found


def test_check_command_checks_an_exercise_file_given(tmp_path: Path) -> None:
    good = (EXERCISES_DIR / "backprop.toml").read_text("utf-8")
    path = copy_exercise(tmp_path, good.replace("[mistakes]\n", "[mistakes]\nnonsense = 'x'\n"))
    result = run("check", str(path))
    assert result.returncode == 1
    assert f"{path}:" in result.stdout and "no mistake 'nonsense'" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 problem in 1 file"


FORGED = """
import os, sys
frame, token = sys._getframe(), None
while frame:  # the harness's request, up the stack: code written to do harm can find it
    request = frame.f_locals.get("request")
    if isinstance(request, dict) and "token" in request:
        token = request["token"]
    frame = frame.f_back
harness = sys.modules["__main__"]
result = {"kind": "returned", "results": RESULTS, "extra": {}, "token": token}
harness._write_result(os.path.join(os.getcwd(), "result.json"), result)
harness._exit(0)
"""


def test_a_result_that_makes_no_sense_is_a_failed_check_not_a_traceback(tmp_path: Path) -> None:
    # The sandbox guards against accidents, not against code written to do harm; what such
    # code sends back still never crashes the tutor.
    for index, results in enumerate(("[]", '"x"', '[{"$": "array", "shape": ["a"]}]')):
        forged = tmp_path / f"forged{index}.py"
        forged.write_text(FORGED.replace("RESULTS", results), "utf-8")
        result = run("exercise", "loss", "--check", str(forged))
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr + result.stdout, result.stderr
        assert result.stdout.startswith("✗ "), result.stdout
