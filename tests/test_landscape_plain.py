"""`llmtutor lesson landscape --plain`: every step's map and each optimizer's path, checked
against the lesson file and against torch.optim, one-line errors for bad settings, and
output that a pipe and an 80-column terminal take as it is."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tomllib
import unicodedata
from functools import cache
from pathlib import Path

import pytest

LESSON_FILE = Path(__file__).resolve().parent.parent / "lessons" / "landscape.toml"
LEGEND = "w2 ↑  ○ start  g GD  s SGD  m momentum  a Adam"
TABLES = ("GD's path", "SGD's path", "momentum's path", "Adam's path")


def run_process(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it, its stdout a pipe (no COLUMNS to widen it)."""
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    return subprocess.run(
        [sys.executable, "-m", "llmtutor", "lesson", "landscape", "--plain", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def with_set(settings: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(item for setting in settings for item in ("--set", setting))


@cache
def plain(*args: str) -> str:
    result = run_process(*args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def tables(out: str, title: str) -> list[list[tuple[int, float, float, float]]]:
    """Every table headed `title` in `out`, in order: its rows as (step, w1, w2, L)."""
    found = []
    lines = out.splitlines()
    for index, line in enumerate(lines):
        if line.strip() != title:
            continue
        assert lines[index + 1].split() == ["step", "w1", "w2", "L"], lines[index + 1]
        rows = []
        for row in lines[index + 2 :]:
            if not row.strip():
                break
            step, w1, w2, loss = row.split()
            rows.append((int(step), number(w1), number(w2), number(loss)))
        found.append(rows)
    return found


def number(text: str) -> float:
    return {"∞": math.inf, "-∞": -math.inf}.get(text) or float(text.replace(",", ""))


def width(line: str) -> int:
    """Columns a terminal gives `line`: wide characters two, combining marks none."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in line
    )


# -- the default lesson ---------------------------------------------------------------------


def test_every_step_prints_its_title_and_its_map() -> None:
    out = plain()
    steps = tomllib.loads(LESSON_FILE.read_text(encoding="utf-8"))["steps"]
    assert len(steps) == 7
    for number_, step in enumerate(steps, start=1):
        assert f"Step {number_} of 7 · {step['title']}" in out, step["title"]
    assert sum(line.startswith(LEGEND) for line in out.splitlines()) == 7
    assert out.count(LEGEND) == 7
    # Each map has its w1 axis under it, and the start drawn on it.
    assert out.count("w1 →") == 7


def test_each_map_step_lists_every_optimizers_path_at_the_chosen_steps() -> None:
    out = plain()
    expected = [*range(11), *range(20, 201, 10)]
    for title in TABLES:
        found = tables(out, title)
        assert len(found) == 7, title  # one table per optimizer on each map step
        for rows in found:
            assert [row[0] for row in rows] == expected, title


def test_the_paths_start_where_the_lesson_file_starts_them() -> None:
    out = plain()
    inputs = tomllib.loads(LESSON_FILE.read_text(encoding="utf-8"))["inputs"]
    starts = [(inputs["w1"], inputs["w2"])] * 3 + [
        (inputs[f"{name}_w1"], inputs[f"{name}_w2"])
        for name in ("ravine", "saddle", "minima", "sharp")
    ]
    for title in TABLES:
        for rows, (w1, w2) in zip(tables(out, title), starts, strict=True):
            assert rows[0][1:3] == (w1, w2), title


# -- against torch.optim --------------------------------------------------------------------

SET = ("lr=0.1", "momentum=0.5", "steps=30", "w1=0.3", "w2=0.9")


def toy_loss(w1: float, w2: float) -> float:
    """The article's network over w1 and w2 (x = 2, w3 = 1.2, target 1), written out."""
    return (2 * w1 * w2 * 1.2 - 1) ** 2


def torch_path(kind: str, steps: int) -> list[tuple[float, float, float]]:
    torch = pytest.importorskip("torch")
    w = torch.tensor([0.3, 0.9], dtype=torch.float64, requires_grad=True)
    optimizer = {
        "gd": lambda: torch.optim.SGD([w], lr=0.1),
        "momentum": lambda: torch.optim.SGD([w], lr=0.1, momentum=0.5),
        "adam": lambda: torch.optim.Adam([w], lr=0.1, betas=(0.9, 0.999)),
    }[kind]()
    path = []
    for _ in range(steps + 1):
        w1, w2 = (float(value) for value in w.detach())
        path.append((w1, w2, toy_loss(w1, w2)))
        optimizer.zero_grad()
        loss = (2 * w[0] * w[1] * 1.2 - 1) ** 2
        loss.backward()
        optimizer.step()
    return path


@pytest.mark.parametrize(
    ("kind", "title"),
    [("gd", "GD's path"), ("momentum", "momentum's path"), ("adam", "Adam's path")],
)
def test_the_toy_maps_paths_are_torch_optims(kind: str, title: str) -> None:
    expected = torch_path(kind, 30)
    rows = tables(plain(*with_set(SET)), title)[0]  # the first step: the toy map
    assert [row[0] for row in rows] == [*range(11), 20, 30]
    for step, *shown in rows:
        for printed, value in zip(shown, expected[step], strict=True):
            # Printed to 5 significant digits. A converged loss is float rounding (1e-26
            # here, 0 there) while the weights agree: a loss that small counts as agreeing.
            assert printed == pytest.approx(value, rel=1e-4, abs=1e-12), (step, printed, value)


# -- bad settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "name"),
    [
        ("saddle_w1=9", "saddle_w1"),
        ("sharp_w2=-50", "sharp_w2"),
        ("w1=3", "w1"),
        ("lr=-1", "lr"),
        ("lr=0", "lr"),
        ("steps=0", "steps"),
        ("steps=2.5", "steps"),
        ("beta1=1", "beta1"),
        ("momentum=1", "momentum"),
        ("noise=-1", "noise"),
        ("seed=x", "seed"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(setting: str, name: str) -> None:
    result = run_process("--set", setting)
    assert result.returncode == 2, result.stdout[-500:]
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"llmtutor: error: {name} "), line
    assert "Traceback" not in result.stderr


def test_a_start_off_the_map_says_where_the_map_ends() -> None:
    result = run_process("--set", "saddle_w1=9")
    (line,) = result.stderr.strip().splitlines()
    assert "at most 1.5" in line and "9" in line


# -- what a pipe gets -----------------------------------------------------------------------


@pytest.mark.parametrize("settings", [(), SET, ("lr=2.5",), ("noise=100", "seed=7")])
def test_piped_output_is_plain_text_within_80_columns(settings: tuple[str, ...]) -> None:
    out = plain(*with_set(settings))
    control = {c for c in out if unicodedata.category(c) == "Cc" and c != "\n"}
    assert not control, sorted(map(hex, map(ord, control)))
    too_wide = [line for line in out.splitlines() if width(line) > 80]
    assert not too_wide, too_wide[:3]
