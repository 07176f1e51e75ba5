"""The child side of `llmtutor.sandbox`: `python -I -m llmtutor.sandbox.child TMPDIR`.

Reads TMPDIR/request.json (and deletes it, so the learner's code does not come across the
run's token), limits itself, imports the learner's file as the module `learner_solution`,
runs the driver, and writes TMPDIR/result.json, with the token, only after the last call;
then ends with `os._exit`, so a thread of the learner's that never ends cannot keep it
alive. Everything the learner's code prints goes to a file the parent reads (fd 1 and 2), and
Python-level printing stops being written after the parent's output limit.

The limits are set by the child itself (the parent is multi-threaded, so no preexec_fn):
core files off and files written capped at FILE_SIZE_LIMIT first thing; then, once what the
driver needs is imported (torch for "train_step") and just before the learner's file is,
the address space (what is in use + memory_mb, on Linux) and the CPU time (what is used +
the timeout + 1 s). RLIMIT_NPROC is not set: it counts every process and thread of the
user, not of this child, so any low value would break a user who already runs many.

Knows nothing of the parent's outcome types: it writes plain JSON (see `llmtutor.sandbox`).
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.util
import io
import json
import linecache
import math
import os
import signal
import sys
import traceback
import types
from typing import Any

try:
    import resource
except ImportError:  # Windows: no limits but the parent's wall clock
    resource = None  # type: ignore[assignment]

MODULE_NAME = "learner_solution"
FILE_SIZE_LIMIT = 10 * 1024 * 1024  # bytes: the most any file (the output too) may grow to
MAX_DEPTH = 40  # nesting of returned lists and dicts (a list that holds itself stops here)
MAX_ITEMS = 200_000  # values sent back, over all calls: the result file stays a few MB
MAX_ARRAY_ELEMENTS = 100_000  # a larger tensor or array is sent back without its content
THREADS = 1  # torch's threads: a check must not take every core

# Kept before the learner's code runs, which may replace or delete them.
_exit = os._exit
_replace = os.replace
_dumps = json.dumps
_write = os.write
_open = os.open
_close = os.close


class _Budget:
    def __init__(self, characters: int) -> None:
        self.left = characters


class _Output(io.TextIOBase):
    """sys.stdout and sys.stderr: written straight to fd 1 or 2 (the parent's output file),
    in order, until the shared budget of characters is spent; the rest is counted as
    written and dropped, so printing in a loop costs little and never fails."""

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self, fd: int, name: str, budget: _Budget) -> None:
        super().__init__()
        self._fd = fd
        self._name = name
        self._budget = budget

    @property
    def name(self) -> str:
        return self._name

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fd

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self._budget.left > 0 and text:
            piece = text[: self._budget.left]
            self._budget.left -= len(piece)
            data = piece.encode("utf-8", "backslashreplace")
            try:
                while data:
                    data = data[_write(self._fd, data) :]
            except OSError:  # the file is full (RLIMIT_FSIZE) or fd was closed: only for show
                self._budget.left = 0
        return len(text)


# -- limits ---------------------------------------------------------------------------------


def _limit(which: int, soft: int, hard: int) -> None:
    assert resource is not None
    # A platform that does not allow it keeps the wall clock.
    with contextlib.suppress(ValueError, OSError):
        _, current = resource.getrlimit(which)
        if current != resource.RLIM_INFINITY:
            hard = min(hard, current)
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))


def set_early_limits() -> None:
    """No core files; no file beyond FILE_SIZE_LIMIT. SIGXFSZ is ignored, so a write past
    the limit fails with an OSError (EFBIG) in the code that wrote, instead of killing."""
    if resource is None:
        return
    _limit(resource.RLIMIT_CORE, 0, 0)
    _limit(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT, FILE_SIZE_LIMIT)
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


ORPHAN_MARGIN_S = 30  # seconds past the timeout after which a forgotten child ends itself


def address_space() -> int | None:
    """The address space this process has mapped, in bytes (Linux), else None."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def set_learner_limits(memory_mb: int, timeout_s: float) -> None:
    """The learner's share: memory_mb of address space beyond what is mapped now (only where
    it can be measured: elsewhere, a machine's "virtual size" says nothing about its use), and
    the timeout in CPU seconds (+1) beyond what was used to start. SIGXCPU comes at the soft
    limit, SIGKILL a second later."""
    if resource is None:
        return
    used = address_space()
    if used is not None:
        limit = used + memory_mb * 1024 * 1024
        _limit(resource.RLIMIT_AS, limit, limit)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = math.ceil(usage.ru_utime + usage.ru_stime + timeout_s) + 1
    _limit(resource.RLIMIT_CPU, cpu, cpu + 1)
    if hasattr(signal, "alarm"):
        # A backstop for a child whose parent is gone (the tutor killed with SIGKILL): the
        # parent stops the child at the timeout, but code that sleeps uses no CPU time, so
        # without this an orphan could wait for ever. SIGALRM's default action ends it.
        signal.alarm(math.ceil(timeout_s) + ORPHAN_MARGIN_S)


# -- encoding returned values ---------------------------------------------------------------


def _type_name(value: object) -> str:
    kind = type(value)
    module = getattr(kind, "__module__", "builtins")
    name = getattr(kind, "__qualname__", kind.__name__)
    if module in ("builtins", MODULE_NAME) or not isinstance(module, str):
        return str(name)
    return f"{module.split('.')[0]}.{name}"


def _unsupported(value: object, detail: str = "") -> dict[str, Any]:
    if not detail:
        # Only builtin values are shown: the repr of anything else would run its code.
        if isinstance(value, str | bytes) and type(value) in (str, bytes):
            detail = repr(value[:60]) + ("…" if len(value) > 60 else "")
        elif type(value) is complex:
            detail = repr(value)
    return {"$": "unsupported", "type": _type_name(value), "detail": detail}


class Encoder:
    """Turns returned values into JSON-safe data (see `llmtutor.sandbox` for the scheme),
    sending back at most MAX_ITEMS values in all."""

    def __init__(self) -> None:
        self.left = MAX_ITEMS

    def encode(self, value: object, depth: int = 0) -> Any:
        try:
            return self._encode(value, depth)
        except Exception as error:  # a learner's value whose conversion raised
            return _unsupported(value, f"could not be read: {type(error).__name__}")

    def _encode(self, value: object, depth: int) -> Any:
        if self.left <= 0:
            return _unsupported(value, "too much data")
        self.left -= 1
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            try:
                return float(value)
            except OverflowError:
                return _unsupported(value, "too large for a float")
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(value, torch.Tensor):
            return self._array(value, "torch", depth)
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            if isinstance(value, numpy.ndarray):
                return self._array(value, "numpy", depth)
            if isinstance(value, numpy.bool_):
                return bool(value)
            if isinstance(value, numpy.integer | numpy.floating):
                return float(value)
        if depth >= MAX_DEPTH and isinstance(value, list | tuple | dict):
            return _unsupported(value, "nested too deeply")
        if isinstance(value, list | tuple):
            if len(value) > self.left:
                return _unsupported(value, f"too long ({len(value):,} items)")
            return [self._encode(item, depth + 1) for item in value]
        if isinstance(value, dict):
            if len(value) > self.left:
                return _unsupported(value, f"too long ({len(value):,} items)")
            for key in value:
                if type(key) is not str:
                    shown = repr(key) if type(key) in (int, float, bool) else _type_name(key)
                    return _unsupported(value, f"key {shown} is not a str")
            items = {key: self._encode(item, depth + 1) for key, item in value.items()}
            return {"$": "dict", "items": items}
        return _unsupported(value)

    def _array(self, value: Any, library: str, depth: int) -> dict[str, Any]:
        shape = [int(size) for size in value.shape]
        dtype = str(value.dtype).removeprefix("torch.")
        count = math.prod(shape)
        content: Any = None
        if count <= MAX_ARRAY_ELEMENTS and count <= self.left:
            data = value.detach().cpu().tolist() if library == "torch" else value.tolist()
            content = self._encode(data, depth)
        return {"$": "array", "library": library, "shape": shape, "dtype": dtype, "value": content}


# -- the learner's code ---------------------------------------------------------------------


class Builtins:
    """The builtins as they were: put back after the learner's code runs, which may have
    deleted or replaced some, before the harness runs again."""

    def __init__(self) -> None:
        self._saved = dict(builtins.__dict__)

    def restore(self) -> None:
        current = builtins.__dict__
        for name in [name for name in current if name not in self._saved]:
            del current[name]
        current.update(self._saved)


def _frames(error: BaseException, path: str, display: str) -> list[traceback.FrameSummary]:
    """The traceback's frames in the learner's file, under the name the learner knows."""
    frames = []
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename != path:
            continue
        frames.append(
            traceback.FrameSummary(
                display,
                frame.lineno,
                frame.name,
                lookup_line=False,
                # As linecache gives it (indented, with its newline), as the carets expect.
                line=linecache.getline(path, frame.lineno or 0) or frame.line,
                end_lineno=getattr(frame, "end_lineno", None),
                colno=getattr(frame, "colno", None),
                end_colno=getattr(frame, "end_colno", None),
            )
        )
    return frames


def _text(value: object) -> str:
    try:
        return str(value)
    except Exception:
        return "(the message could not be shown)"


def is_memory_error(error: BaseException) -> bool:
    """A MemoryError (numpy's too), or torch's failed allocation (a RuntimeError)."""
    if isinstance(error, MemoryError):
        return True
    message = _text(error) if isinstance(error, RuntimeError) else ""
    return "can't allocate memory" in message or "not enough memory" in message


def failure(error: BaseException, path: str, display: str, call: int | None) -> dict[str, Any]:
    """The result for an exception out of the learner's code (at import: call None)."""
    if isinstance(error, SystemExit):
        code = error.code
        shown = "" if code is None else repr(code) if type(code) is int else _text(code)[:80]
        return {
            "kind": "exit",
            "code": shown,
            "status": code if type(code) is int else None,
            "call": call,
        }
    if is_memory_error(error):
        return {"kind": "memory", "call": call}
    frames = _frames(error, path, display)
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.StackSummary.from_list(frames).format()
    try:
        last = traceback.format_exception_only(type(error), error)
    except Exception:
        last = [f"{type(error).__name__}\n"]
    lines += [line.replace(path, display) for line in last]
    return {
        "kind": "raised",
        "type_name": type(error).__name__,
        "message": _text(error),
        "traceback": "".join(lines),
        "call": call,
        "line": frames[-1].lineno if frames else None,
    }


def _syntax(error: SyntaxError, source: bytes) -> dict[str, Any]:
    line = error.lineno if isinstance(error.lineno, int) else None
    text = error.text if isinstance(error.text, str) else ""
    if not text and line is not None:
        lines = source.decode("utf-8", "replace").splitlines()
        text = lines[line - 1] if 0 < line <= len(lines) else ""
    return {
        "kind": "syntax",
        "line": line,
        "column": error.offset if isinstance(error.offset, int) else None,
        "message": _text(error.msg),
        "source_line": text.rstrip("\r\n"),
    }


def load(path: str, display: str, saved: Builtins) -> types.ModuleType | dict[str, Any]:
    """The learner's file imported as MODULE_NAME, or the result that says why not."""
    try:
        with open(path, "rb") as file:
            source = file.read()
    except OSError as error:
        return {"kind": "unreadable", "message": f"{display}: {error.strerror or error}"}
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as error:
        return _syntax(error, source)
    except ValueError as error:  # older Pythons: a NUL byte in the source
        return {"kind": "syntax", "line": None, "column": None, "message": _text(error)}
    # The source compiled is the source shown in tracebacks, even if the file changes now.
    try:
        lines = importlib.util.decode_source(source).splitlines(keepends=True)
        linecache.cache[path] = (len(source), None, lines, path)
    except (SyntaxError, UnicodeDecodeError):
        pass
    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    if spec is not None:
        module = importlib.util.module_from_spec(spec)
    else:  # a file whose name does not end in .py
        module = types.ModuleType(MODULE_NAME)
        module.__file__ = path
    sys.modules[MODULE_NAME] = module
    sys.path.insert(0, os.path.dirname(path))  # a helper module beside the file imports
    try:
        exec(code, module.__dict__)
    except BaseException as error:
        saved.restore()
        return failure(error, path, display, None)
    saved.restore()
    return module


def functions(module: types.ModuleType) -> list[str]:
    """The functions the learner's file defines, in their order."""
    return [
        name
        for name, value in vars(module).items()
        if isinstance(value, types.FunctionType) and value.__module__ == MODULE_NAME
    ]


def run_calls(function: Any, request: dict[str, Any], context: Context) -> dict[str, Any]:
    results: list[Any] = []
    for index, arguments in enumerate(request["calls"]):
        try:
            value = function(**arguments)
        except BaseException as error:
            context.saved.restore()
            return {**failure(error, context.path, context.display, index), "results": results}
        context.saved.restore()
        results.append(context.encoder.encode(value))
    return {"kind": "returned", "results": results, "extra": {}}


def run_train_step(function: Any, request: dict[str, Any], context: Context) -> dict[str, Any]:
    """One run ({"vocab", "lr", "betas", "eps", "batches"}), or several in a row ({"runs":
    [run, …]}): each on a fresh zero table and optimizer. The results are every call's return
    value, in order; extra holds the final table, "weight" (or "weights", one per run)."""
    import torch

    runs = request.get("runs", [request])
    results: list[Any] = []
    weights: list[Any] = []
    for run in runs:
        size = int(run["vocab"])
        model = torch.nn.Embedding(size, size).double()
        with torch.no_grad():
            model.weight.zero_()
        betas = tuple(float(beta) for beta in run.get("betas", (0.9, 0.999)))
        optimizer = torch.optim.Adam(
            model.parameters(),
            lr=float(run["lr"]),
            betas=(betas[0], betas[1]),
            eps=float(run.get("eps", 1e-8)),
        )
        for inputs, targets in run["batches"]:
            index = len(results)
            try:
                value = function(model, torch.tensor(inputs), torch.tensor(targets), optimizer)
            except BaseException as error:
                context.saved.restore()
                failed = failure(error, context.path, context.display, index)
                return {**failed, "results": results}
            context.saved.restore()
            results.append(context.encoder.encode(value))
        weights.append(context.encoder.encode(model.weight.detach().tolist()))
    extra = {"weights": weights} if "runs" in request else {"weight": weights[0]}
    return {"kind": "returned", "results": results, "extra": extra}


class Context:
    def __init__(self, path: str, display: str, saved: Builtins) -> None:
        self.path = path
        self.display = display
        self.saved = saved
        self.encoder = Encoder()


DRIVERS = {"calls": run_calls, "train_step": run_train_step}


def run(request: dict[str, Any], started: str) -> dict[str, Any]:
    """Everything after the limits: the result of the learner's file."""
    path, display = request["path"], request["display_name"]
    sys.argv = [display]
    saved = Builtins()
    # The wall clock starts now, when the learner's code is about to be read.
    os.close(os.open(started, os.O_WRONLY | os.O_CREAT, 0o600))
    module = load(path, display, saved)
    if isinstance(module, dict):
        return module
    name = request["function"]
    function = vars(module).get(name)
    if not callable(function):
        return {"kind": "no_function", "name": name, "found": functions(module)}
    return DRIVERS[request["driver"]](function, request["request"], Context(path, display, saved))


def _write_result(path: str, result: dict[str, Any]) -> None:
    """The result, written whole or not at all (the parent reads only a finished file)."""
    try:
        data = _dumps(result, allow_nan=True).encode("utf-8")
    except (TypeError, ValueError) as error:
        data = _dumps({**result, "kind": "error", "message": repr(error)}).encode("utf-8")
    partial = path + ".part"
    fd = _open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while data:
            data = data[_write(fd, data) :]
    finally:
        _close(fd)
    _replace(partial, path)


def main(argv: list[str]) -> None:
    folder = os.path.abspath(argv[1])
    with open(os.path.join(folder, "request.json"), encoding="utf-8") as file:
        request = json.load(file)
    os.remove(os.path.join(folder, "request.json"))
    set_early_limits()
    sys.dont_write_bytecode = True  # no __pycache__ beside the learner's files
    budget = _Budget(int(request["output_limit"]) + 1)
    sys.stdout = _Output(1, "<stdout>", budget)
    sys.stderr = _Output(2, "<stderr>", budget)
    result: dict[str, Any]
    try:
        preload = list(request.get("preload", []))
        if request["driver"] == "train_step" and "torch" not in preload:
            preload.append("torch")
        for name in preload:
            importlib.import_module(name)
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(THREADS)
            with contextlib.suppress(RuntimeError):  # once torch has run work, too late
                torch.set_num_interop_threads(THREADS)
        set_learner_limits(int(request["memory_mb"]), float(request["timeout_s"]))
        result = run(request, os.path.join(folder, "started"))
    except BaseException as error:  # the harness's own failure, not the learner's code
        if is_memory_error(error):  # building the table, say, within the learner's limit
            result = {"kind": "memory", "call": None}
        else:
            result = {"kind": "error", "message": f"{type(error).__name__}: {_text(error)}"}
    result["token"] = request["token"]
    try:
        _write_result(os.path.join(folder, "result.json"), result)
    except BaseException:
        _exit(70)
    _exit(0)


if __name__ == "__main__":
    main(sys.argv)
