"""The sandbox runs a learner's file in a separate, limited process and says what came of it,
whatever the file does. Each test writes a small learner file and checks the outcome; none
times anything (the deliberate time-outs use a short limit, the others a generous one)."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from llmtutor import sandbox
from llmtutor.sandbox import (
    Array,
    Cancelled,
    Crashed,
    NoFunction,
    OutOfMemory,
    Raised,
    Returned,
    SyntaxProblem,
    TimedOut,
    Unreadable,
    Unsupported,
)

GENEROUS = 120.0  # seconds: never reached by a test that passes, even on a loaded machine


def write(folder: Path, source: str, name: str = "exercise.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def run(path: Path, calls: list[dict[str, Any]], function: str = "f", **options: Any) -> Any:
    options.setdefault("timeout_s", GENEROUS)
    return sandbox.run_exercise(path, function, "calls", {"calls": calls}, **options)


# -- the function runs ----------------------------------------------------------------------


def test_a_right_function_returns_every_calls_value(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import math

        def f(p, n):
            return -math.log(p) * n
        """,
    )
    calls = [{"p": p, "n": n} for p, n in [(0.6, 1), (0.8, 2), (0.233, 3), (1.0, 7)]]
    outcome = run(path, calls)
    assert isinstance(outcome, Returned)
    assert outcome.results == [-math.log(call["p"]) * call["n"] for call in calls]
    assert outcome.output == ""
    assert outcome.summary() == "your code ran without errors (4 calls)"


def test_values_are_encoded_as_documented(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import math

        class Point:
            pass

        def f(which):
            return {
                "int": 3, "big": 2**53 + 1, "huge": 10**400, "float": 0.1,
                "nan": math.nan, "inf": math.inf, "-inf": -math.inf,
                "bool": True, "none": None, "list": [1, [2.5, False]], "tuple": (1, 2),
                "dict": {"a": {"b": 1}}, "str": "hello", "set": {1},
                "keys": {1: 2}, "object": Point(),
            }[which]
        """,
    )
    names = ["int", "big", "huge", "float", "nan", "inf", "-inf", "bool", "none", "list"]
    names += ["tuple", "dict", "str", "set", "keys", "object"]
    outcome = run(path, [{"which": name} for name in names])
    assert isinstance(outcome, Returned)
    got = dict(zip(names, outcome.results, strict=True))
    assert got["int"] == 3.0 and isinstance(got["int"], float)
    assert got["big"] == float(2**53 + 1)
    assert got["huge"] == Unsupported("int", "too large for a float")
    assert got["float"] == 0.1
    assert isinstance(got["nan"], float) and math.isnan(got["nan"])
    assert got["inf"] == math.inf and got["-inf"] == -math.inf
    assert got["bool"] is True  # a bool stays a bool, never 1.0
    assert got["none"] is None
    assert got["list"] == [1.0, [2.5, False]]
    assert got["tuple"] == [1.0, 2.0]
    assert got["dict"] == {"a": {"b": 1.0}}
    assert got["str"] == Unsupported("str", "'hello'")
    assert got["set"] == Unsupported("set")
    assert got["keys"] == Unsupported("dict", "key 1 is not a str")
    assert got["object"] == Unsupported("Point")
    assert got["str"].kind == "a str ('hello')"


def test_a_list_that_holds_itself_comes_back_cut(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        def f():
            items = [1]
            items.append(items)
            return items
        """,
    )
    outcome = run(path, [{}])
    assert isinstance(outcome, Returned)
    value = outcome.results[0]
    depth = 0
    while isinstance(value, list):
        assert value[0] == 1.0
        value = value[1]
        depth += 1
    assert value == Unsupported("list", "nested too deeply")
    assert depth == 40


def test_tensors_and_arrays_are_marked_as_such(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import numpy as np
        import torch

        def f(which):
            if which == "loss":
                return torch.tensor(2.5, dtype=torch.float64, requires_grad=True) * 1
            if which == "row":
                return torch.tensor([1.0, float("nan")])
            if which == "array":
                return np.array([[1, 2], [3, 4]])
            if which == "scalar":
                return np.float32(0.5)
            if which == "count":
                return np.int64(7)
            if which == "flag":
                return np.bool_(True)
            return torch.zeros(1000, 1000)
        """,
    )
    names = ["loss", "row", "array", "scalar", "count", "flag", "big"]
    # torch and numpy are imported before the limits, as an exercise on tensors would ask
    outcome = run(path, [{"which": name} for name in names], preload=("torch", "numpy"))
    assert isinstance(outcome, Returned), outcome
    loss, row, array, scalar, count, flag, big = outcome.results
    assert loss == Array("torch", (), "float64", 2.5)
    assert isinstance(loss, Array) and loss.describe() == "a 0-d torch tensor (2.5), float64"
    assert isinstance(row, Array) and row.shape == (2,) and row.dtype == "float32"
    assert isinstance(row.value, list) and row.value[0] == 1.0 and math.isnan(row.value[1])
    assert array == Array("numpy", (2, 2), "int64", [[1.0, 2.0], [3.0, 4.0]])
    assert scalar == 0.5 and count == 7.0 and flag is True
    assert big == Array("torch", (1000, 1000), "float32", None)  # too large to send back


# -- what the learner's code prints ---------------------------------------------------------


def test_printing_and_reading_input_disturb_nothing(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import sys

        def f():
            print("before")
            print("to stderr", file=sys.stderr)
            try:
                input("your name? ")
            except EOFError:
                print("no input")
            return 1.5

        def g():
            print("asking")
            return input()
        """,
    )
    outcome = run(path, [{}])
    assert isinstance(outcome, Returned)
    assert outcome.results == [1.5]
    assert outcome.output == "before\nto stderr\nyour name? no input\n"
    asking = run(path, [{}], function="g")
    assert isinstance(asking, Raised)
    assert asking.type_name == "EOFError" and asking.call == 0
    assert asking.output == "asking\n"
    assert "asked for input" in asking.summary()


def test_control_characters_in_the_output_are_made_visible(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        def f():
            print("red\\x1b[31m bell\\x07 back\\rline\\ttab \\u202eevil")
            raise ValueError("bad\\x1b[2J value")
        """,
    )
    outcome = run(path, [{}])
    assert isinstance(outcome, Raised)
    assert outcome.output == "red␛[31m bell␇ back␍line\ttab \ufffdevil\n"
    assert outcome.message == "bad␛[2J value"
    assert "\x1b" not in outcome.traceback and "bad␛[2J value" in outcome.traceback
    assert "\x1b" not in outcome.summary()


def test_fifty_megabytes_printed_come_back_cut(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import sys

        def f():
            for _ in range(50):
                sys.stdout.write("x" * 1_000_000)
            print("done")
            return 1
        """,
    )
    outcome = run(path, [{}], output_limit=1000)
    assert isinstance(outcome, Returned)
    assert outcome.results == [1.0]
    assert outcome.output == "x" * 1000 + "\n… (output cut off after 1,000 characters)"


def test_fifty_megabytes_written_to_the_descriptor_stop_at_the_file_limit(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        """
        import os

        def f():
            for _ in range(50):
                os.write(1, b"y" * 1_000_000)
            return 1
        """,
    )
    outcome = run(path, [{}], output_limit=100)
    assert isinstance(outcome, Raised)  # the write past 10 MB fails: File too large
    assert outcome.type_name == "OSError" and outcome.line == 6
    assert outcome.output.startswith("y" * 100 + "\n… (output cut off")


# -- the file does not load -----------------------------------------------------------------


def test_a_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        def f(x):
            y = x +* 2
            return y
        """,
    )
    outcome = run(path, [{"x": 1}])
    assert isinstance(outcome, SyntaxProblem)
    assert outcome.line == 3  # the dedented source starts with an empty line
    assert outcome.source_line == "    y = x +* 2"
    assert outcome.message == "invalid syntax"
    assert outcome.summary() == "line 3: invalid syntax"


def test_a_name_error_at_import_is_raised_while_loading(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        rate = 0.1
        steps = rate * step_count

        def f():
            return 1
        """,
    )
    outcome = run(path, [{}])
    assert isinstance(outcome, Raised)
    assert outcome.type_name == "NameError" and outcome.call is None and outcome.line == 3
    assert outcome.summary() == (
        "line 3: NameError: name 'step_count' is not defined (while your file was loading)"
    )


def test_a_missing_function_lists_the_ones_defined(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        from math import exp

        def forward(x):
            return x

        def backward(x):
            return x

        train = 3
        """,
    )
    outcome = run(path, [{}], function="train")
    assert isinstance(outcome, NoFunction)
    assert outcome.found == ["forward", "backward"]  # not exp, not the number train
    assert outcome.summary() == (
        "your file defines no function named train (it defines: forward, backward)"
    )


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    outcome = run(tmp_path / "nowhere.py", [{}])
    assert isinstance(outcome, Unreadable)
    assert "nowhere.py" in outcome.message


def test_the_main_block_does_not_run_and_a_helper_beside_imports(tmp_path: Path) -> None:
    write(tmp_path, "SCALE = 3\n", name="helper.py")
    path = write(
        tmp_path,
        """
        from helper import SCALE

        def f(x):
            return x * SCALE

        if __name__ == "__main__":
            raise SystemExit("the main block ran")
        """,
    )
    outcome = run(path, [{"x": 2}])
    assert isinstance(outcome, Returned)
    assert outcome.results == [6.0]
    assert not (tmp_path / "__pycache__").exists()  # nothing written beside the files


# -- the function raises --------------------------------------------------------------------


def test_an_exception_shows_only_the_learners_frames(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        def check(value):
            if value < 0:
                raise ValueError(f"negative: {value}")
        """,
        name="helper.py",
    )
    path = write(
        tmp_path,
        """
        from helper import check

        def g(x):
            check(x)
            return x

        def f(x):
            return g(x) * 2
        """,
    )
    outcome = run(path, [{"x": 1}, {"x": -1}])
    assert isinstance(outcome, Raised)
    assert outcome.type_name == "ValueError" and outcome.message == "negative: -1"
    assert outcome.call == 1 and outcome.line == 5
    shown = str(path)
    assert outcome.traceback.splitlines() == [
        "Traceback (most recent call last):",
        f'  File "{shown}", line 9, in f',
        "    return g(x) * 2",
        "           ^^^^",
        f'  File "{shown}", line 5, in g',
        "    check(x)",
        "ValueError: negative: -1",
    ]
    assert outcome.summary() == "line 5: ValueError: negative: -1"


def test_a_relative_path_is_shown_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "def f():\n    return 1 / 0\n")
    monkeypatch.chdir(tmp_path)
    outcome = run(Path("exercise.py"), [{}])
    assert isinstance(outcome, Raised)
    assert 'File "exercise.py", line 2, in f' in outcome.traceback


def test_endless_recursion_is_a_recursion_error(tmp_path: Path) -> None:
    path = write(tmp_path, "def f(n=0):\n    return f(n + 1)\n")
    outcome = run(path, [{}])
    assert isinstance(outcome, Raised)
    assert outcome.type_name == "RecursionError" and outcome.line == 2
    assert "Previous line repeated" in outcome.traceback  # not a thousand frames


# -- the function never ends, eats memory, or ends the process ------------------------------


def test_an_endless_loop_times_out(tmp_path: Path) -> None:
    path = write(tmp_path, "def f():\n    while True:\n        pass\n")
    outcome = run(path, [{}], timeout_s=2)
    assert outcome == TimedOut(2, "")
    assert outcome.summary() == (
        "your code ran for more than 2 s and was stopped; is there a loop that never ends?"
    )


def test_a_sleep_that_never_ends_times_out_on_the_wall_clock(tmp_path: Path) -> None:
    path = write(tmp_path, "import time\n\ndef f():\n    print('waiting')\n    time.sleep(1000)\n")
    outcome = run(path, [{}], timeout_s=1.5)
    assert outcome == TimedOut(1.5, "waiting\n")


def test_a_run_cancelled_from_another_thread_ends_at_once(tmp_path: Path) -> None:
    # The learner's code signals that it is running (a file beside it), then sleeps far past
    # any wait of the test; setting `cancel` must end it as Cancelled, not TimedOut.
    flag = tmp_path / "running"
    source = (
        f"import time\n\ndef f():\n    open({str(flag)!r}, 'w').close()\n    time.sleep(1000)\n"
    )
    path = write(tmp_path, source)
    cancel = threading.Event()

    def cancel_once_running() -> None:
        while not flag.exists():
            time.sleep(0.01)
        cancel.set()

    threading.Thread(target=cancel_once_running, daemon=True).start()
    outcome = run(path, [{}], cancel=cancel)  # the timeout is GENEROUS: only cancel ends it
    assert outcome == Cancelled("")


@pytest.mark.parametrize(
    "allocation",
    ["bytearray(50 * 1024**3)", "[0.0] * 50_000_000_000", "__import__('numpy').zeros(10**10)"],
)
def test_a_huge_allocation_is_out_of_memory(tmp_path: Path, allocation: str) -> None:
    path = write(tmp_path, f"def f():\n    data = {allocation}\n    return len(data)\n")
    outcome = run(path, [{}], memory_mb=512)
    assert outcome == OutOfMemory(512, "")
    assert "more than 512 MB" in outcome.summary()


def test_os_exit_is_a_crash_with_its_status(tmp_path: Path) -> None:
    path = write(tmp_path, "import os\n\ndef f():\n    print('bye')\n    os._exit(3)\n")
    outcome = run(path, [{}])
    assert isinstance(outcome, Crashed)
    assert outcome.exit_status == 3 and outcome.signal_name is None
    assert "exit status 3" in outcome.summary()
    assert outcome.output == "bye\n"


def test_sys_exit_in_the_function_is_a_crash_that_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "import sys\n\ndef f():\n    sys.exit(0)\n")
    outcome = run(path, [{}])
    assert isinstance(outcome, Crashed)
    assert outcome.exit_status == 0
    assert outcome.detail.startswith("it called sys.exit(0) in call 1")


def test_a_signal_is_a_crash_that_names_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "import os, signal\n\ndef f():\n    os.kill(os.getpid(), signal.SIGKILL)\n",
    )
    outcome = run(path, [{}])
    assert isinstance(outcome, Crashed)
    assert outcome.signal_name == "SIGKILL" and outcome.exit_status is None
    assert "SIGKILL" in outcome.summary()


def test_a_thread_that_never_ends_does_not_keep_the_child(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import threading, time

        def forever():
            while True:
                time.sleep(0.01)

        def f():
            threading.Thread(target=forever).start()  # not a daemon: would block the exit
            return 2
        """,
    )
    outcome = run(path, [{}])
    assert outcome == Returned([2.0], "")


def test_what_the_learner_breaks_does_not_break_the_harness(tmp_path: Path) -> None:
    # The learner deletes builtins, moves away, and writes a result.json where the child's
    # is written: the result is still the harness's own.
    path = write(
        tmp_path,
        """
        import builtins, json, os

        def f(x):
            with open("result.json", "w") as file:
                json.dump({"kind": "returned", "results": [42], "extra": {}}, file)
            os.chdir("/")
            del builtins.len, builtins.isinstance
            builtins.float = None
            return [x, x]
        """,
    )
    outcome = run(path, [{"x": 1}, {"x": 2}])
    assert outcome == Returned([[1.0, 1.0], [2.0, 2.0]], "")


def test_importing_the_sandbox_loads_nothing_heavy() -> None:
    script = "import sys, llmtutor.sandbox\nprint('\\n'.join(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = {name.split(".")[0] for name in result.stdout.split()}
    assert "llmtutor" in loaded
    assert not {"torch", "numpy", "textual", "rich"} & loaded


# -- the train_step driver ------------------------------------------------------------------

TRAIN_STEP = """
import torch.nn.functional as F


def train_step(model, inputs, targets, optimizer):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
"""


def _batches() -> list[list[list[int]]]:
    return [
        [[0, 1, 2, 3], [1, 2, 3, 4]],
        [[4, 0, 0, 2], [0, 0, 2, 4]],
        [[1, 1, 3, 0], [3, 2, 0, 1]],
    ]


def test_train_step_losses_and_table_equal_a_plain_torch_loop(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    import torch.nn.functional as functional

    path = write(tmp_path, TRAIN_STEP)
    request = {"vocab": 5, "lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8, "batches": _batches()}
    outcome = sandbox.run_exercise(path, "train_step", "train_step", request, timeout_s=GENEROUS)
    assert isinstance(outcome, Returned), outcome

    weight = torch.zeros(5, 5, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([weight], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    losses = []
    for inputs, targets in _batches():
        optimizer.zero_grad()
        loss = functional.cross_entropy(weight[torch.tensor(inputs)], torch.tensor(targets))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(math.log(5), rel=1e-15)  # the table starts at zero
    assert outcome.results == pytest.approx(losses, rel=1e-12)
    table = outcome.extra["weight"]
    assert isinstance(table, list) and len(table) == 5
    for row, expected in zip(table, weight.detach().tolist(), strict=True):
        assert row == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_train_step_runs_start_afresh_and_a_tensor_is_marked(tmp_path: Path) -> None:
    path = write(tmp_path, TRAIN_STEP.replace("loss.item()", "loss"))
    run_ = {"vocab": 5, "lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8, "batches": _batches()}
    outcome = sandbox.run_exercise(
        path, "train_step", "train_step", {"runs": [run_, run_]}, timeout_s=GENEROUS
    )
    assert isinstance(outcome, Returned), outcome
    assert len(outcome.results) == 6
    first = outcome.results[0]
    assert isinstance(first, Array) and first.library == "torch" and first.shape == ()
    assert first.value == pytest.approx(math.log(5), rel=1e-15)
    assert outcome.results[:3] == outcome.results[3:]  # the second run starts at zero too
    weights = outcome.extra["weights"]
    assert isinstance(weights, list) and len(weights) == 2 and weights[0] == weights[1]


def test_a_shape_error_in_train_step_shows_the_learners_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import torch.nn.functional as F

        def train_step(model, inputs, targets, optimizer):
            loss = F.cross_entropy(model(inputs), targets[:2])
            return loss.item()
        """,
    )
    request = {"vocab": 5, "lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8, "batches": _batches()}
    outcome = sandbox.run_exercise(path, "train_step", "train_step", request, timeout_s=GENEROUS)
    assert isinstance(outcome, Raised)
    assert outcome.call == 0 and outcome.line == 5 and outcome.type_name == "ValueError"
    assert "torch" not in outcome.traceback.replace(outcome.message, "")  # torch's frames cut


def test_unknown_driver_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown driver"):
        sandbox.run_exercise(tmp_path / "x.py", "f", "nope", {})


def test_a_result_the_learner_writes_is_not_taken(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import json, os

        def f():
            with open("result.json", "w") as file:
                json.dump({"kind": "returned", "results": [42], "extra": {}}, file)
            os._exit(0)
        """,
    )
    outcome = run(path, [{}])
    assert isinstance(outcome, Crashed) and outcome.exit_status == 0


def test_the_child_has_a_session_of_its_own(tmp_path: Path) -> None:
    # So the terminal's Ctrl+C (sent to the tutor's foreground process group) never reaches it.
    path = write(tmp_path, "import os\n\ndef f():\n    return [os.getsid(0), os.getpid()]\n")
    outcome = run(path, [{}])
    assert isinstance(outcome, Returned)
    [[session, pid]] = outcome.results
    assert session == pid


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_what_the_learner_started_does_not_outlive_the_run(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import subprocess

        def f():
            return subprocess.Popen(["sleep", "1000"]).pid
        """,
    )
    outcome = run(path, [{}])
    assert isinstance(outcome, Returned)
    [pid] = outcome.results
    assert isinstance(pid, float)
    status = Path(f"/proc/{int(pid)}/status")

    def ended() -> bool:  # gone, or a zombie its new parent has yet to reap: killed either way
        try:
            return "State:\tZ" in status.read_text()
        except FileNotFoundError:
            return True

    # SIGKILL was sent before run_exercise returned; the process may take a moment to die.
    deadline = time.monotonic() + 60
    while not ended() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ended()
