"""Running a learner's Python file in a separate, limited process.

`run_exercise(path, function, driver, request)` starts
`python -I -m llmtutor.sandbox.child TMPDIR` (`llmtutor.sandbox.child`) in a fresh
temporary folder, which is also its working directory (stray files vanish with it), with
stdin from /dev/null and stdout and stderr into a file there. The child limits itself (memory,
CPU time, file size), imports the learner's file, calls their function as the driver says,
and writes its result to TMPDIR/result.json with the run's random token; the parent waits,
with a wall clock that starts when the learner's file is about to be read, kills the
child's whole process group when the time is up (and after it ends, so that nothing it
started lives on), and gives back an `Outcome` (see `llmtutor.sandbox.outcomes`), always
removing the folder. The child runs in a session of its own, so Ctrl+C at the terminal never
reaches it. Whatever the learner's code does (exit, crash, print gigabytes, read stdin,
recurse without end, spin, leave a thread running, delete builtins), the parent survives.

`-I` (isolated mode: no PYTHON* variables, no user site-packages, not even the working
directory on sys.path) still lets the child import llmtutor: the editable install is a .pth
file in the environment's own site-packages, which isolated mode still reads.

Drivers: "calls" (request {"calls": [{kwargs}, …]}: `function(**kwargs)` for each) and
"train_step" (request {"vocab": V, "lr", "betas": [b1, b2], "eps", "batches": [[inputs,
targets], …]}: `function(model, inputs, targets, optimizer)` for each batch, with `model` a
float64 `torch.nn.Embedding(V, V)` starting at zero and `optimizer` Adam over it; `extra`
gets {"weight": the final table, V lists of V floats}. {"runs": [request, …]} does several
such runs in one process, each on a fresh table, and gives {"weights": [table, …]}).

Returned values travel as JSON (Python's, which writes NaN, Infinity and -Infinity, so they
come back as they went). The child encodes, the parent decodes (`outcomes.decode`):

    returned value                  JSON                                 decoded
    int, float, numpy number        number (3 → 3.0; nan, ±inf kept)     float
    bool, numpy bool                true / false                         bool
    None                            null                                 None
    list, tuple                     [encoded, …]                         list
    dict with str keys              {"$": "dict", "items": {k: encoded}} dict[str, …]
    torch tensor, numpy array       {"$": "array", "library": "torch",   Array
                                     "shape": [..], "dtype": "float64",
                                     "value": encoded tolist() or null}
    anything else, a dict with a    {"$": "unsupported", "type": "str",  Unsupported
    non-str key, an int beyond       "detail": "'hello'"}
    float, nesting past 40 levels

Every JSON object is a tagged one ("$"), so a learner's dict can never pass for a marker. A
0-d tensor is an Array whose value is a float: the checker can tell the learner "returned a
tensor; return a float (loss.item())". An int stays exact up to 2**53 as a float.

Imports nothing heavy (no torch, numpy, textual or rich), so the tutor can import it early.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llmtutor.safe_text import visible
from llmtutor.sandbox.outcomes import (
    Array,
    Cancelled,
    Crashed,
    NoFunction,
    Outcome,
    OutOfMemory,
    Raised,
    Returned,
    SyntaxProblem,
    TimedOut,
    Unreadable,
    Unsupported,
    Value,
    as_number,
    clean,
    decode,
)

__all__ = [
    "DEFAULT_MEMORY_MB",
    "DRIVERS",
    "Array",
    "Cancelled",
    "Crashed",
    "NoFunction",
    "OutOfMemory",
    "Outcome",
    "Raised",
    "Returned",
    "SyntaxProblem",
    "TimedOut",
    "Unreadable",
    "Unsupported",
    "Value",
    "as_number",
    "run_exercise",
]

DRIVERS = ("calls", "train_step")

# The address space the learner's code may add (memory_mb) to what the child has mapped when
# their file is about to be read: for "train_step", torch is imported by then. Measured on
# Linux, Python 3.11, torch 2.13 (CPU build): the child maps about 140 MB after importing
# numpy and 580-620 MB after importing torch; train_step on a 27 x 27 float64 table with Adam
# then maps about 75 MB more (VmPeak 656 MB): it runs with 100 MB of room and fails with
# 50 MB. Under one absolute RLIMIT_AS, importing torch alone fails below about 700 MB, and a
# CUDA build maps its libraries too (several GB), so the limit counts from what is mapped
# instead of being one fixed figure. 2 GB of room leaves a wide margin for the step.
DEFAULT_MEMORY_MB = {"calls": 1024, "train_step": 2048}
STARTUP_TIMEOUT_S = 120.0  # for the child to start and import torch, on a loaded machine
RESULT_LIMIT = 64 * 1024 * 1024  # bytes of result.json read at most (the child writes less)

# Each thread pool or malloc arena reserves address space, counted by RLIMIT_AS: one each.
_CHILD_ENVIRONMENT = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
}


def run_exercise(
    path: Path,
    function: str,
    driver: str,
    request: dict[str, Any],
    *,
    timeout_s: float = 10.0,
    memory_mb: int | None = None,
    output_limit: int = 100_000,
    preload: Sequence[str] = (),
    cancel: threading.Event | None = None,
) -> Outcome:
    """Run `function` of the learner's file `path` in a separate, limited process.

    `timeout_s`: wall-clock seconds for the learner's code (importing their file and every
    call), counted from when the file is about to be read; CPU time is limited to the same
    (+1 s). `memory_mb`: the address space their code may add to what the child has mapped
    by then (default `DEFAULT_MEMORY_MB[driver]`). `output_limit`: characters of what they
    printed given back (a note says when there was more). `preload`: modules the child
    imports before the limits and the clock (torch always, for "train_step"). `cancel`: set
    from another thread, it stops the child at once (the tutor is closing the screen) and
    the outcome is `Cancelled`.

    `path` is shown to the learner as given, in tracebacks and messages."""
    if driver not in DRIVERS:
        raise ValueError(f"unknown driver {driver!r}: one of {', '.join(DRIVERS)}")
    memory = DEFAULT_MEMORY_MB[driver] if memory_mb is None else memory_mb
    token = secrets.token_hex(16)
    folder = tempfile.mkdtemp(prefix="llmtutor-sandbox-")
    try:
        message = {
            "token": token,
            "path": os.path.abspath(path),
            # as the learner knows it, on one line: a newline in a name stays visible
            "display_name": visible(str(path), one_line=True),
            "function": function,
            "driver": driver,
            "request": request,
            "timeout_s": timeout_s,
            "memory_mb": memory,
            "output_limit": output_limit,
            "preload": list(preload),
        }
        with open(os.path.join(folder, "request.json"), "w", encoding="utf-8") as file:
            json.dump(message, file, allow_nan=True)
        return _run_child(folder, token, timeout_s, memory, output_limit, cancel)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_child(
    folder: str,
    token: str,
    timeout_s: float,
    memory_mb: int,
    output_limit: int,
    cancel: threading.Event | None = None,
) -> Outcome:
    output_path = os.path.join(folder, "output")
    environment = {**os.environ, **_CHILD_ENVIRONMENT}
    posix = os.name == "posix"
    with open(output_path, "wb") as output:
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-m", "llmtutor.sandbox.child", folder],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=folder,
                env=environment,
                start_new_session=posix,
                creationflags=0 if posix else getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
            )
        except OSError as error:
            return Crashed(f"the checker could not start ({clean(str(error), True)})")
    try:
        ending = _wait(process, os.path.join(folder, "started"), timeout_s, cancel)
    finally:
        _kill_group(process)  # on every way out, KeyboardInterrupt in the parent too
        process.wait()
    printed = _read_output(output_path, output_limit)
    if ending == "cancelled":
        return Cancelled(printed)
    result = _read_result(os.path.join(folder, "result.json"), token)
    if result is not None:
        try:
            return _outcome(result, memory_mb, printed)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
            # Not what the harness writes: code written to do harm can forge the file.
            return Crashed("it sent back a result the checker cannot read", output=printed)
    if ending == "timed out":
        return TimedOut(timeout_s, printed)
    if ending == "did not start":
        return Crashed(
            f"the checker did not start within {STARTUP_TIMEOUT_S:g} s (is the machine busy?)",
            output=printed,
        )
    return _ended(process.returncode, timeout_s, printed)


def _exited(process: subprocess.Popen[bytes]) -> bool:
    """Whether the child has ended, without reaping it where possible: a zombie keeps its
    process group's id taken, so the group can still be killed safely."""
    if os.name == "posix" and hasattr(os, "waitid"):
        try:
            flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
            return os.waitid(os.P_PID, process.pid, flags) is not None
        except ChildProcessError:
            return True
    return process.poll() is not None


def _wait(
    process: subprocess.Popen[bytes],
    started: str,
    timeout_s: float,
    cancel: threading.Event | None = None,
) -> str:
    """ "ended", "timed out" (the learner's code ran past timeout_s), "did not start" or
    "cancelled" (`cancel` was set)."""
    start = time.monotonic()
    began: float | None = None
    pause = 0.002
    while not _exited(process):
        if cancel is not None and cancel.wait(pause):
            return "cancelled"
        time.sleep(0 if cancel is not None else pause)
        pause = min(pause * 2, 0.05)
        now = time.monotonic()
        if began is None:
            if os.path.exists(started):
                began = now
            elif now - start > STARTUP_TIMEOUT_S:
                return "did not start"
        elif now - began > timeout_s:
            return "timed out"
    return "ended"


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the child's whole process group (all it started); on Windows, the child."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    elif process.poll() is None:
        process.kill()


def _read_output(path: str, limit: int) -> str:
    """What the learner's code printed: at most `limit` characters, made visible."""
    try:
        with open(path, "rb") as file:
            data = file.read((limit + 1) * 4)
            more = bool(file.read(1))
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    if len(text) > limit or more:
        return clean(text[:limit]) + f"\n… (output cut off after {limit:,} characters)"
    return clean(text)


def _read_result(path: str, token: str) -> dict[str, Any] | None:
    """The child's result, when it wrote one with this run's token."""
    try:
        if os.path.getsize(path) > RESULT_LIMIT:
            return None
        with open(path, encoding="utf-8", errors="replace") as file:
            result = json.load(file)
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(result, dict) or result.get("token") != token:
        return None
    return result


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _where(call: object) -> str:
    call = _int(call)
    return "while your file was loading" if call is None else f"in call {call + 1}"


def _outcome(result: dict[str, Any], memory_mb: int, output: str) -> Outcome:
    kind = result.get("kind")
    if kind == "returned":
        results = result.get("results")
        extra = result.get("extra")
        return Returned(
            [decode(value) for value in results] if isinstance(results, list) else [],
            output,
            {clean(key): decode(value) for key, value in extra.items()}
            if isinstance(extra, dict)
            else {},
        )
    if kind == "syntax":
        return SyntaxProblem(
            _int(result.get("line")),
            _int(result.get("column")),
            clean(result.get("message"), True),
            clean(result.get("source_line"), True),
            output,
        )
    if kind == "raised":
        earlier = result.get("results")
        return Raised(
            clean(result.get("type_name"), True),
            clean(result.get("message")),
            clean(result.get("traceback")),
            _int(result.get("call")),
            _int(result.get("line")),
            output,
            [decode(item) for item in earlier] if isinstance(earlier, list) else [],
        )
    if kind == "no_function":
        found = result.get("found")
        return NoFunction(
            clean(result.get("name"), True),
            [clean(name, True) for name in found] if isinstance(found, list) else [],
            output,
        )
    if kind == "memory":
        return OutOfMemory(memory_mb, output)
    if kind == "exit":
        code = clean(result.get("code"), True)
        return Crashed(
            f"it called sys.exit({code}) {_where(result.get('call'))}; "
            "a function should return its value instead",
            exit_status=_int(result.get("status")),
            output=output,
        )
    if kind == "unreadable":
        return Unreadable(clean(result.get("message"), True), output)
    message = clean(result.get("message"), True)
    return Crashed(f"the checker failed ({message})", output=output)


def _ended(returncode: int, timeout_s: float, output: str) -> Outcome:
    """The outcome of a child that wrote no result."""
    if returncode >= 0:
        return Crashed(
            f"the program ended with exit status {returncode} before it could report back "
            "(os._exit, or something that ends the process)",
            exit_status=returncode,
            output=output,
        )
    number = -returncode
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    if name == "SIGXCPU":  # the CPU-time limit: the same time as the wall clock
        return TimedOut(timeout_s, output)
    detail = f"it was killed by {name}"
    if name == "SIGKILL":
        detail += " (the system may have stopped it for using too much memory)"
    elif name == "SIGSEGV":
        detail += " (a crash; very deep recursion can cause one)"
    return Crashed(detail, signal_name=name, output=output)
