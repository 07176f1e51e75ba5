"""Hostile input, as a new user (or a careless editor) would give it.

- Lesson files broken in many ways: the good built-in files with a value replaced by junk
  (wrong types, 1e308, 10**400, NaN, ∞, RTL marks, combining marks, emoji, NUL, very long
  text, deep nesting, dates), with keys deleted or added, with their bytes corrupted, or
  replaced by junk outright. Loading them raises `LessonFileError` and nothing else, and
  every problem it carries names the file and is located: a line, or a key path.
- `--set` with junk on the command line: exit status 0 or 2, one line on stderr for 2,
  never a traceback.
- `llmtutor lesson adam --plain | head -1` in a real shell: quiet, status 0.
- The engine's promises: cross-entropy is positive and falls as p rises; Adam's trace is
  torch.optim.Adam's; the schedule stays in its band and is continuous at the end of warmup.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import io
import math
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from llmtutor.cli import main
from llmtutor.curriculum import LessonFileError, builtin_lessons_dir, load_catalog, load_lesson
from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.schedule import lr_at

GOOD_PATHS = sorted(builtin_lessons_dir().glob("*.toml"))
GOOD: dict[str, dict[str, Any]] = {
    path.name: tomllib.loads(path.read_text(encoding="utf-8")) for path in GOOD_PATHS
}
GOOD_BYTES = {path.name: path.read_bytes() for path in GOOD_PATHS}

HOSTILE = settings(
    deadline=None,
    database=None,  # no .hypothesis/ folder in the checkout; a failure prints its example
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the whole module (hypothesis reruns a test body many times)."""
    return tmp_path_factory.mktemp("hostile")


# --- writing TOML ---------------------------------------------------------------------------
# tomllib only reads. This writer lays a document out the way lesson files are written (keys,
# then [tables], then [[arrays of tables]]), so the loader's line finder sees familiar shapes.

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _escape(char: str, multiline: bool) -> str:
    if char == "\\":
        return "\\\\"
    if char == '"':
        return '\\"'
    if char == "\n" and multiline:
        return "\n"
    if char == "\t":
        return "\t"
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\u{ord(char):04X}"
    return char  # everything else raw: RTL marks, U+2028, U+0085, emoji, combining marks


def toml_string(text: str) -> str:
    if "\n" in text:  # a multi-line basic string, like the lessons' step texts
        return '"""\n' + "".join(_escape(c, True) for c in text) + '"""'
    return '"' + "".join(_escape(c, False) for c in text) + '"'


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_string(key.replace("\n", " "))


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _dump_table(table: dict[str, Any], prefix: tuple[str, ...], out: list[str]) -> None:
    for key, value in table.items():
        if not isinstance(value, dict) and not _is_table_array(value):
            out.append(f"{toml_key(key)} = {toml_value(value)}")
    for key, value in table.items():
        name = ".".join(toml_key(part) for part in (*prefix, key))
        if isinstance(value, dict):
            out += ["", f"[{name}]"]
            _dump_table(value, (*prefix, key), out)
        elif _is_table_array(value):
            for item in value:
                out += ["", f"[[{name}]]"]
                _dump_table(item, (*prefix, key), out)


def dumps(document: dict[str, Any]) -> str:
    out: list[str] = ["# written by tests/test_hostile.py"]
    _dump_table(document, (), out)
    return "\n".join(out) + "\n"


# --- junk -----------------------------------------------------------------------------------

ODD_TEXT = [
    "",
    " ",
    "\u202eevil\u202c",  # right-to-left override
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "👩‍👩‍👧‍👦🔥",
    "\x00",
    "a\x00b",
    "\u2028\u2029\x85",  # line separators that are not TOML newlines
    "\ufeff",
    "{",
    "}",
    "{L}",
    "{nope}",
    "{{",
    "*",
    "g_*",
    "line one\nline two",
    '"""',
    "\\",
    "\t",
]

long_text = st.builds(
    lambda unit, count: unit * count,
    st.sampled_from(["x", "é", "👍", "ab\n", "\u202e"]),
    st.sampled_from([1_000, 20_001, 50_000]),
)
text_junk = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.text(max_size=30),
    st.lists(st.sampled_from(ODD_TEXT) | st.text(max_size=4), max_size=6).map("".join),
    long_text,
)
number_junk = st.one_of(
    st.sampled_from(
        [0, -1, 10**400, -(10**400), 2**63, -(2**63) - 1, 10**19, 1e308, -1e308, 5e-324, -0.0]
    ),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.integers(),
    st.floats(),
)
time_junk = st.one_of(
    st.datetimes(min_value=datetime.datetime(1000, 1, 1)),
    st.dates(min_value=datetime.date(1000, 1, 1)),
    st.times(),
)
scalar_junk = st.one_of(text_junk, number_junk, st.booleans(), time_junk)


def _nest(depth: int, leaf: Any, kind: str) -> Any:
    for _ in range(depth):
        leaf = [leaf] if kind == "list" else {"k": leaf}
    return leaf


deep_junk = st.builds(_nest, st.integers(1, 40), scalar_junk, st.sampled_from(["list", "table"]))
junk = st.one_of(
    scalar_junk,
    deep_junk,
    st.recursive(
        scalar_junk,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(max_size=6) | st.sampled_from(ODD_TEXT), inner, max_size=3)
        ),
        max_leaves=8,
    ),
)
junk_key = st.one_of(
    st.sampled_from(["idd", "titel", "steps", "inputs", "reveal", "quiz", "w1", "kind"]),
    st.text(max_size=12),
    st.sampled_from(ODD_TEXT),
)

KeyPath = tuple[str | int, ...]


def key_paths(value: Any, prefix: KeyPath = ()) -> Iterator[KeyPath]:
    """Every key path into a document: ("steps", 2, "reveal", 0) and all its parents."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        yield (*prefix, key)
        yield from key_paths(item, (*prefix, key))


def _parent(document: Any, path: KeyPath) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


@st.composite
def mutated_lessons(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A built-in lesson with one to three values replaced by junk, deleted, or added."""
    name = draw(st.sampled_from(sorted(GOOD)))
    document = copy.deepcopy(GOOD[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = list(key_paths(document))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "add" or not paths:
            tables = [p for p in paths if isinstance(_parent(document, (*p, "")), dict)]
            target = draw(st.sampled_from([(), *tables])) if tables else ()
            table = _parent(document, (*target, ""))
            table[draw(junk_key)] = draw(junk)
            continue
        path = draw(st.sampled_from(paths))
        parent = _parent(document, path)
        if action == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(junk)
    return name, document


@st.composite
def corrupted_bytes(draw: st.DrawFn) -> bytes:
    """A built-in lesson's bytes with some flipped, inserted, deleted, or cut off."""
    data = bytearray(GOOD_BYTES[draw(st.sampled_from(sorted(GOOD_BYTES)))])
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, len(data)))
        if action == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        else:
            del data[at:]
    return bytes(data)


# --- what a good error is ----------------------------------------------------------------------


def load_hostile(path: Path) -> None:
    """Load `path`; a LessonFileError must have only located problems. Anything else raises."""
    try:
        load_lesson(path)
    except LessonFileError as error:
        count = len(error.problems)
        event("1 problem" if count == 1 else "2 problems" if count == 2 else "3 or more problems")
        assert_located(error.problems, path)
    else:
        event("loaded")


def assert_located(problems: list[Any], path: Path) -> None:
    assert problems, "a LessonFileError with no problems"
    lines = path.read_bytes().decode("utf-8", errors="replace").split("\n")
    for problem in problems:
        text = str(problem)
        assert problem.path == path and text.startswith(str(path)), text
        assert problem.line is not None or problem.key, f"not located: {text!r}"
        if problem.line is None:
            continue
        assert 1 <= problem.line <= len(lines), f"line {problem.line} of {len(lines)}: {text!r}"
        if problem.key and problem.column is None:
            # The named line is where the key is written, or a table that holds it.
            written = lines[problem.line - 1]
            parts = re.split(r"[.\[\]]", problem.key)
            forms = {form for part in parts for form in (part, toml_key(part)) if form}
            assert any(form in written for form in forms), (
                f"{text!r} names line {problem.line}, which is {written!r}"
            )


def write(workdir: Path, text: str, name: str = "lesson.toml") -> Path:
    path = workdir / name
    path.write_bytes(text.encode("utf-8"))
    return path


# --- lesson files ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GOOD))
def test_the_writer_round_trips_the_good_lessons(workdir: Path, name: str) -> None:
    """The junk tests rest on `dumps`: a good lesson written by it still loads, unchanged."""
    text = dumps(GOOD[name])
    assert tomllib.loads(text) == GOOD[name]
    assert load_lesson(write(workdir, text)).id == GOOD[name]["id"]


def _hostile_inputs(value: str) -> str:
    good = GOOD_BYTES["backprop.toml"].decode("utf-8")
    assert "w1 = 0.5\n" in good
    return good.replace("w1 = 0.5\n", f"w1 = {value}\n", 1)


def _with(name: str, **changes: Any) -> str:
    """A good lesson, written by `dumps`, with some top-level keys replaced."""
    return dumps({**GOOD[name], **changes})


# Inputs the property tests below found (or might miss); each must give a located error.
KNOWN_HOSTILE = {
    "empty-steps": _with("loss.toml", steps=[]),
    "empty-step-table": _with("loss.toml", steps=[{}]),
    "steps-not-tables": _with("loss.toml", steps=[1, "two"]),
    "nan-and-inf-inputs": _with("backprop.toml", inputs={"w1": math.nan, "w2": -math.inf}),
    "float-1e308-input": _with("backprop.toml", inputs={"w1": 1e308}),
    "infinite-order": _with("loss.toml", order=math.inf),
    "rtl-emoji-nul-id": _with("loss.toml", id="\u202eloss👍\x00"),
    "very-long-title": _with("loss.toml", title="é" * 50_000),
    "deep-table-input": _with("backprop.toml", inputs={"w1": _nest(60, 1.0, "table")}),
    "huge-int-input": _hostile_inputs("1" + "0" * 400),
    "huge-int-in-a-list": GOOD_BYTES["adam.toml"]
    .decode()
    .replace("gradients = [0.5,", "gradients = [" + "9" * 400 + ",", 1),
    "nested-arrays": "x = " + "[" * 2000 + "]" * 2000 + "\n",
    "nested-inline-tables": "x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n",
    "cut-off-at-end": GOOD_BYTES["loss.toml"].decode() + "\nz = ",
    "not-utf8": None,  # bytes, below
    "empty-file": "",
    "missing-id": GOOD_BYTES["loss.toml"].decode().replace('id = "loss"\n', "", 1),
    "line-separator-in-text": GOOD_BYTES["backprop.toml"]
    .decode()
    .replace('title = "', 'title = "\u2028\u2029\x85', 1)
    .replace("w1 = 0.5\n", 'w1 = "half"\n', 1),
}


@pytest.mark.parametrize("case", sorted(KNOWN_HOSTILE))
def test_known_hostile_files_give_located_errors(workdir: Path, case: str) -> None:
    text = KNOWN_HOSTILE[case]
    path = workdir / f"{case}.toml"
    if text is None:
        path.write_bytes(GOOD_BYTES["loss.toml"][:200] + b"\xff\xfe\xc3" + GOOD_BYTES["loss.toml"])
    else:
        path.write_bytes(text.encode("utf-8"))
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    assert_located(caught.value.problems, path)


@settings(HOSTILE, max_examples=300)
@given(lesson=mutated_lessons())
def test_mutated_lessons_give_only_located_errors(
    workdir: Path, lesson: tuple[str, dict[str, Any]]
) -> None:
    _, document = lesson
    load_hostile(write(workdir, dumps(document)))


@settings(HOSTILE, max_examples=200)
@given(data=corrupted_bytes())
def test_corrupted_bytes_give_only_located_errors(workdir: Path, data: bytes) -> None:
    path = workdir / "corrupt.toml"
    path.write_bytes(data)
    load_hostile(path)


@settings(HOSTILE, max_examples=60)
@given(
    text=st.one_of(
        st.text(),
        st.binary().map(lambda b: b.decode("latin-1")),
        st.lists(st.sampled_from(["[", "]", "{", "}", "=", '"', "\n", "a", ".", "[[", "]]"])).map(
            "".join
        ),
        st.builds(lambda d: "x = " + "[" * d + "]" * d, st.integers(1, 3000)),
    )
)
def test_junk_text_gives_only_located_errors(workdir: Path, text: str) -> None:
    load_hostile(write(workdir, text))


@settings(HOSTILE, max_examples=20)
@given(
    lessons=st.lists(mutated_lessons(), min_size=1, max_size=4),
    junk_bytes=st.lists(corrupted_bytes(), max_size=2),
    copies=st.lists(st.sampled_from(sorted(GOOD_BYTES)), max_size=2),
)
def test_a_folder_of_broken_lessons_still_loads(
    workdir: Path,
    lessons: list[tuple[str, dict[str, Any]]],
    junk_bytes: list[bytes],
    copies: list[str],
) -> None:
    """load_catalog never raises: bad files are reported (located) and the rest load."""
    folder = workdir / "catalog"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for index, (_, document) in enumerate(lessons):
        write(folder, dumps(document), f"mutated-{index}.toml")
    for index, data in enumerate(junk_bytes):
        (folder / f"junk-{index}.toml").write_bytes(data)
    for index, name in enumerate(copies):  # good files, some of them twice: duplicate ids
        (folder / f"copy-{index}-{name}").write_bytes(GOOD_BYTES[name])
    catalog = load_catalog(folder)
    for path in {problem.path for problem in catalog.problems}:
        assert_located([p for p in catalog.problems if p.path == path], path)
    assert len(catalog.ids) == len(set(catalog.ids))


def test_a_folder_with_unreadable_entries_still_loads(workdir: Path) -> None:
    """A folder named like a lesson and a dangling link: reported by name, the rest load."""
    folder = workdir / "unreadable"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "a-folder.toml").mkdir()
    (folder / "dangling.toml").symlink_to(folder / "nowhere.toml")
    (folder / "loss.toml").write_bytes(GOOD_BYTES["loss.toml"])
    catalog = load_catalog(folder)
    assert catalog.ids == ["loss"]
    named = {problem.path.name for problem in catalog.problems}
    assert named == {"a-folder.toml", "dangling.toml"}
    for problem in catalog.problems:
        assert str(problem).startswith(str(problem.path))


# --- the command line --------------------------------------------------------------------------

SET_LESSONS = {
    "loss": ["p", "avg_loss"],
    "adam": ["gradients", "beta1", "beta2", "lr", "eps"],
    "schedule": ["peak", "floor_fraction", "warmup", "total"],
    "backprop": ["x", "w1", "w2", "w3", "target"],
}

numberish = st.one_of(
    st.floats().map(repr),
    st.floats(-1e13, 1e13).map(str),
    st.integers(-(10**14), 10**14).map(str),
    st.sampled_from(
        ["1" + "0" * 400, "1e400", "-inf", "nan", "0x10", "1_000", " 7 ", "", "1,2", "[1, 2]"]
    ),
    st.lists(st.floats(-1e3, 1e3), min_size=0, max_size=60).map(
        lambda xs: "[" + ", ".join(map(repr, xs)) + "]"
    ),
    st.lists(st.floats(-1e3, 1e3).map(repr) | st.sampled_from(["", "x", "nan"]), max_size=5).map(
        " ".join
    ),
)


@st.composite
def set_items(draw: st.DrawFn, lesson: str) -> str:
    shape = draw(st.sampled_from(["input", "input", "junk-key", "no-equals"]))
    if shape == "no-equals":
        return draw(st.text(max_size=20).filter(lambda t: "=" not in t))
    key = draw(st.sampled_from(SET_LESSONS[lesson])) if shape == "input" else draw(text_junk)
    value = draw(numberish | st.text(max_size=20) | st.sampled_from(ODD_TEXT))
    return f"{key}={value}"


def run_main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exit_:
            code = exit_.code
    assert isinstance(code, int | None), f"exit with {code!r}"
    return code or 0, out.getvalue(), err.getvalue()


@settings(HOSTILE, max_examples=120)
@given(data=st.data(), lesson=st.sampled_from(sorted(SET_LESSONS)))
def test_set_with_junk_exits_0_or_2_with_one_line(data: st.DataObject, lesson: str) -> None:
    items = data.draw(st.lists(set_items(lesson), min_size=1, max_size=3), label="sets")
    argv = ["lesson", lesson, "--plain", *(f"--set={item}" for item in items)]
    code, out, err = run_main(argv)
    event(f"exit {code}")
    assert "Traceback" not in err and "Traceback" not in out
    assert code in (0, 2), (code, err)
    if code == 2:
        assert err.startswith("llmtutor: error: "), err
        assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    else:
        assert err == "" and out.strip(), err


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("head") is None, reason="sh")
@pytest.mark.parametrize(
    "reader",
    [
        "head -1",
        "true",  # closes the pipe before the first write: BrokenPipeError for sure
    ],
)
def test_plain_into_a_closed_pipe_is_quiet(reader: str) -> None:
    script = Path(sys.executable).with_name("llmtutor")
    command = f"{script}" if script.exists() else f"{sys.executable} -m llmtutor"
    gradients = ",".join(["0.5"] * 50)  # a longer lesson, more than a pipe buffer holds
    for extra in ("", f" --set gradients={gradients}"):
        result = subprocess.run(
            f"set -o pipefail; {command} lesson adam --plain{extra} | {reader}",
            shell=True,
            executable="/bin/bash",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stderr == ""
        assert result.returncode == 0
        if reader == "head -1":
            assert result.stdout.count("\n") == 1 and "Adam" in result.stdout


# --- the engine ----------------------------------------------------------------------------


def cross_entropy(p: float) -> float:
    computation = COMPUTATIONS["cross_entropy"]
    assert computation.validate({"p": p}) is None
    return computation.run({"p": p})["loss"].value


open_unit = st.floats(0, 1, exclude_min=True, exclude_max=True)


@settings(HOSTILE, max_examples=200)
@given(p=open_unit, q=open_unit)
@example(p=5e-324, q=1 - 2**-53)
@example(p=0.5, q=0.5000000001)
def test_cross_entropy_is_positive_and_falls_as_p_rises(p: float, q: float) -> None:
    low, high = sorted((p, q))
    assert cross_entropy(low) > 0 and cross_entropy(high) > 0
    assert cross_entropy(low) >= cross_entropy(high)
    if high > low * (1 + 1e-9):  # far enough apart for −ln to tell them apart in floats
        assert cross_entropy(low) > cross_entropy(high)


def _close(ours: float, theirs: float, scale: float) -> bool:
    """Equal within 1e-6, relative to the value or to the size of what it was made from
    (w = w0 − Σu can cancel to nearly 0, where a purely relative test means nothing)."""
    return math.isclose(ours, theirs, rel_tol=1e-6, abs_tol=1e-6 * scale)


@settings(HOSTILE, max_examples=60)
@given(
    gradients=st.lists(
        st.floats(-1e3, 1e3) | st.sampled_from([0.0, 1e-12, -1e-12]), min_size=1, max_size=50
    ),
    beta1=st.floats(0, 0.999) | st.sampled_from([0.0, 0.9, 0.999999]),
    beta2=st.floats(0, 0.99999) | st.sampled_from([0.0, 0.999, 0.999999]),
    lr=st.floats(1e-6, 1.0),
    eps=st.floats(1e-12, 1e-2),
    w0=st.floats(-100, 100),
)
@example(gradients=[0.5, 0.3, 0.4, -0.2], beta1=0.9, beta2=0.999, lr=0.01, eps=1e-8, w0=1.0)
def test_adam_trace_matches_torch(
    gradients: list[float], beta1: float, beta2: float, lr: float, eps: float, w0: float
) -> None:
    torch = pytest.importorskip("torch")
    values = {"gradients": gradients, "beta1": beta1, "beta2": beta2, "lr": lr, "eps": eps}
    values["w0"] = w0
    computation = COMPUTATIONS["adam"]
    assert computation.validate(values) is None
    trace = computation.run(values)

    weight = torch.tensor([w0], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([weight], lr=lr, betas=(beta1, beta2), eps=eps, foreach=False)
    moved = abs(w0)
    for t, g in enumerate(gradients, start=1):
        weight.grad = torch.tensor([g], dtype=torch.float64)
        optimizer.step()
        state = optimizer.state[weight]
        m, v, w = state["exp_avg"].item(), state["exp_avg_sq"].item(), weight.item()
        moved += abs(trace[f"update_{t}"].value)
        biggest = max(abs(x) for x in gradients[:t])
        assert _close(trace[f"m_{t}"].value, m, biggest), (t, trace[f"m_{t}"].value, m)
        assert _close(trace[f"v_{t}"].value, v, biggest**2), (t, trace[f"v_{t}"].value, v)
        assert _close(trace[f"w_{t}"].value, w, moved), (t, trace[f"w_{t}"].value, w)


schedules = st.tuples(
    st.floats(1e-9, 1e12),  # peak
    st.floats(0, 1),  # floor_fraction
    st.integers(0, 10**6) | st.integers(0, 10**12 - 1),  # warmup
    st.integers(1, 10**6) | st.integers(1, 10**12),  # steps after warmup
)


@settings(HOSTILE, max_examples=200)
@given(schedule=schedules, where=st.floats(0, 1))
@example(schedule=(0.3, 0.1, 2000, 498_000), where=0.0)
@example(schedule=(3e-4, 0.1, 0, 10), where=0.0)
def test_schedule_stays_in_its_band(schedule: tuple[float, float, int, int], where: float) -> None:
    peak, floor, warmup, decay = schedule
    total = warmup + decay
    if total > 10**12:
        total = 10**12
        warmup = min(warmup, total - 1)
    # Floats round: allow a few units in the last place at the edges of the band.
    slack = 4 * math.ulp(peak)
    # During warmup: 0 ≤ lr ≤ peak.
    if warmup:
        step = where * warmup
        assert -slack <= lr_at(step, peak, floor, warmup, total) <= peak + slack
    # After warmup: floor·peak ≤ lr ≤ peak.
    step = warmup + where * (total - warmup)
    value = lr_at(step, peak, floor, warmup, total)
    assert floor * peak - slack <= value <= peak + slack, (step, value)
    # Continuous at the end of warmup: both sides meet at the peak.
    at_end = lr_at(warmup, peak, floor, warmup, total)
    assert math.isclose(at_end, peak, rel_tol=1e-12)
    if warmup:
        # A step a millionth of the shorter phase away, on either side, is within 1e-5.
        nudge = 1e-6 * min(warmup, total - warmup)
        before = lr_at(warmup - nudge, peak, floor, warmup, total)
        after = lr_at(warmup + nudge, peak, floor, warmup, total)
        assert math.isclose(before, at_end, rel_tol=1e-5), (before, at_end)
        assert math.isclose(after, at_end, rel_tol=1e-5), (after, at_end)


@settings(HOSTILE, max_examples=40)
@given(schedule=schedules)
def test_the_schedule_computation_draws_the_same_band(
    schedule: tuple[float, float, int, int],
) -> None:
    peak, floor, warmup, decay = schedule
    total = min(warmup + decay, 10**12)
    warmup = min(warmup, total - 1)
    values = {"peak": peak, "floor_fraction": floor, "warmup": warmup, "total": total}
    computation = COMPUTATIONS["schedule"]
    assert computation.validate(values) is None
    trace = computation.run(values)
    slack = 4 * math.ulp(peak)
    assert math.isclose(trace["lr_at_warmup"].value, peak, rel_tol=1e-12)
    assert math.isclose(trace["lr_at_end"].value, floor * peak, rel_tol=1e-9, abs_tol=slack)
    if warmup:
        assert trace["lr_at_0"].value == 0
    for name in ("schedule", "schedule_start"):
        series = trace.series[name]
        for x, y in zip(series.x, series.y, strict=True):
            low = floor * peak if x >= warmup else 0.0
            assert low - slack <= y <= peak + slack, (name, x, y)
