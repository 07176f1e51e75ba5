"""`llmtutor serve`: the tutor in web pages, a learner per tab.

The server runs as `llmtutor serve` does, in its own process on a free loopback port, and
the tests speak to it as the page's script does: a web socket to /ws (or
/ws/learner/NAME, where the page's address named the learner), keys as ["stdin", ...],
and the screen back as terminal output (tests/serving.py). The real-browser journey is
in test_serve_browser.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import DEADLINE, SERVE, Served, Tab, session_of, wait_until

from llmtutor.curriculum import load_catalog
from llmtutor.curriculum.exercises import load_exercises
from llmtutor.idle import CLOSE_IDLE, ENDED, IdleClock, ended, warning
from llmtutor.learners import (
    SERVE_STATE_ENV,
    TRAINING_LIMIT_ENV,
    BadName,
    TrainingBusy,
    enrol,
    learner_folder,
    learners,
    name_problem,
    training_slot,
)
from llmtutor.progress import FILE_NAME, Progress, read_saved

pytest.importorskip("textual_serve", reason="llmtutor serve needs textual-serve")

LESSONS = load_catalog(run=False).ids  # in the order of the home screen's list

HOSTILE = [
    "../x",
    "..",
    ".",
    "/",
    "/etc",
    "a/b",
    "a\\b",
    "",
    "   ",
    "x" * 41,
    "x" * 100_000,
    "ana\x1b[31m",
    "ana\x00",
    "ana\nbob",
    "\u202eana",  # a right-to-left override
    "-rf",
    "nul",
    "COM1",
    "a:b",
    "<script>",
]


# --- names and folders ------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_is_refused_with_a_reason(name: str, tmp_path: Path) -> None:
    problem = name_problem(name)
    assert problem and problem.endswith(".")
    assert "\x1b" not in problem and "\x00" not in problem and "\n" not in problem
    with pytest.raises(BadName):
        learner_folder(tmp_path, name)


@pytest.mark.parametrize("name", ["ana", "Ana María", "José", "李雷", "o'neil", "x" * 40, "r2-d2"])
def test_a_name_is_a_folder_under_the_state_directory(name: str, tmp_path: Path) -> None:
    assert name_problem(name) is None
    folder = enrol(tmp_path, name)
    assert folder.parent == tmp_path / "learners"
    assert folder.is_dir()
    assert [learner.name for learner in learners(tmp_path)] == [name]


def test_the_same_name_in_other_case_is_the_same_learner(tmp_path: Path) -> None:
    assert enrol(tmp_path, "Ana") == enrol(tmp_path, " ana ")
    assert [learner.name for learner in learners(tmp_path)] == ["Ana"]  # as first given


def test_training_runs_at_once_are_limited_across_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SERVE_STATE_ENV, str(tmp_path))
    monkeypatch.setenv(TRAINING_LIMIT_ENV, "2")
    first, second = training_slot(), training_slot()
    with pytest.raises(TrainingBusy, match="2 runs at a time"):
        training_slot()
    # Another process (another learner's session) is refused as well.
    script = "from llmtutor.learners import training_slot; training_slot()"
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "TrainingBusy" in other.stderr
    events = list(first.hold(iter([1, 2, 3])))  # a run's events pass through; then it ends
    assert events == [1, 2, 3]
    third = training_slot()  # the finished run's place is free again
    second.release()
    third.release()
    monkeypatch.setenv(TRAINING_LIMIT_ENV, "0")
    with pytest.raises(TrainingBusy, match="does not train"):
        training_slot()


def test_outside_a_served_tutor_training_is_not_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TRAINING_LIMIT_ENV, raising=False)
    slots = [training_slot() for _ in range(5)]
    assert all(list(slot.hold(iter([1]))) == [1] for slot in slots)


def test_serving_imports_neither_torch_nor_the_app() -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from llmtutor.cli import cli\n"
        "from llmtutor.serve import Limits, make_server\n"
        "make_server('127.0.0.1', 1, Path('.'), Limits())\n"
        "print(' '.join(sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "textual_serve.server" in loaded
    assert "torch" not in loaded
    assert "textual.app" not in loaded


# --- the command ------------------------------------------------------------------------


def _serve(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SERVE, *arguments], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def test_a_state_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = _serve("--state-dir", str(tmp_path / "file"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "is not a folder" in result.stderr


def test_a_port_in_use_is_a_usage_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _serve("--port", str(port), "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr


def test_under_a_web_driver_the_tutor_starts_without_a_terminal() -> None:
    """As `textual serve "llmtutor lesson loss"` runs it: pipes, and the web driver."""
    from llmtutor.cli import WEB_DRIVER

    process = subprocess.Popen(
        [*SERVE[:-1], "lesson", "loss"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, TEXTUAL_DRIVER=WEB_DRIVER, COLUMNS="80", ROWS="24"),
    )
    assert process.stdin is not None and process.stdout is not None
    assert process.stdout.readline() == b"__GANGLION__\n"  # the web driver's first words
    quit_meta = json.dumps({"type": "quit"}).encode()
    process.stdin.write(b"M" + len(quit_meta).to_bytes(4, "big") + quit_meta)
    process.stdin.flush()
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors.decode()


# --- a class, through the web socket ----------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("class"), "--max-sessions", "4")
    yield server
    server.stop()


def test_the_page_names_the_learner_in_its_web_socket(served: Served) -> None:
    status, page = served.get("/?learner=Ana%20Mar%C3%ADa")
    assert status == 200
    assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws/learner/' in page
    assert "/ws/learner/Ana%20Mar%C3%ADa" in page
    assert f"http://127.0.0.1:{served.port}/static/js/textual.js" in page


@pytest.mark.parametrize("name", ["../x", "/", "", "x" * 300, "a%1Bb", "%00"])
def test_the_page_refuses_a_hostile_name(served: Served, name: str) -> None:
    status, page = served.get(f"/?learner={name.replace('/', '%2F')}")
    assert status == 400
    assert "Choose another name" in page
    assert '<input name="learner"' in page
    assert "websocket" not in page


def test_two_learners_keep_their_own_progress(served: Served, tmp_path: Path) -> None:
    async def journey() -> None:
        ana = await Tab.open(served, "/ws/learner/ana")
        bo = await Tab.open(served, "/ws/learner/Bo")
        await ana.wait_for("lessons finished", "Welcome, ana.")
        await bo.wait_for("lessons finished", "Welcome, Bo.")
        # Ana opens Backpropagation and goes to its last step, where the first weight's
        # gradient is computed.
        ana.mark()
        await ana.press(*["down"] * LESSONS.index("backprop"), "enter")
        await ana.wait_for("Backpropagation", "step 1 of 9")
        await ana.press("end")
        await ana.wait_for("1.9584", "step 9 of 9")
        # Meanwhile Bo opens the first lesson and takes one step.
        await bo.press("enter")
        await bo.wait_for("step 1 of 5")
        await bo.press("right")
        await bo.wait_for("step 2 of 5")
        await asyncio.sleep(0.6)  # a step is saved once the learner stays on it
        await ana.close()
        await bo.close()

    asyncio.run(journey())
    ana, bo = (served.state_dir / "learners" / name / FILE_NAME for name in ("ana", "bo"))
    wait_until(lambda: ana.exists() and bo.exists(), "both learners' progress saved")
    wait_until(lambda: read_saved(ana).lessons.get("backprop") is not None, "ana's step saved")
    wait_until(lambda: read_saved(bo).lessons.get("loss") is not None, "bo's step saved")
    ana_saved, bo_saved = read_saved(ana), read_saved(bo)
    assert ana_saved.lessons["backprop"].finished
    assert set(ana_saved.lessons) == {"backprop"}
    assert bo_saved.lessons["loss"].step == 1
    assert set(bo_saved.lessons) == {"loss"}

    report = _serve("--report", "--state-dir", str(served.state_dir))
    assert report.returncode == 0, report.stderr
    assert f"ana: 1 of {len(LESSONS)} lessons finished" in report.stdout
    assert "finished:  backprop" in report.stdout
    assert f"Bo: 0 of {len(LESSONS)} lessons finished" in report.stdout
    assert "last:      loss, step 2 of 5" in report.stdout


def test_a_session_without_a_name_asks_for_one(served: Served) -> None:
    async def journey() -> None:
        tab = await Tab.open(served)
        await tab.wait_for("what is your name?")
        tab.mark()
        await tab.press("../x", "enter")
        await tab.wait_for("A name cannot hold '/'")
        for _ in range(4):
            await tab.press("\x7f", pause=0.05)  # backspace
        await tab.press("Cy", "enter")
        await tab.wait_for("lessons finished", "Welcome, Cy.")
        await tab.close()

    asyncio.run(journey())
    assert (served.state_dir / "learners" / "cy").is_dir()
    assert not (served.state_dir / "x").exists()
    assert not (served.state_dir.parent / "x").exists()


def test_a_hostile_name_in_the_socket_address_is_asked_again(served: Served) -> None:
    async def journey() -> None:
        tab = await Tab.open(served, "/ws/learner/..%2F..%2Fetc")
        await tab.wait_for("what is your name?", "A name cannot hold '/'")
        await tab.close()

    asyncio.run(journey())
    folders = {path.name for path in (served.state_dir / "learners").iterdir()}
    assert not any("etc" in folder or "." in folder for folder in folders)


def test_an_exercise_is_written_and_checked_in_the_page(served: Served) -> None:
    solution = load_exercises().get("loss")
    assert solution is not None

    async def journey() -> None:
        tab = await Tab.open(served, "/ws/learner/dee")
        await tab.wait_for("lessons finished")
        tab.mark()
        await tab.press("x")  # the first lesson's exercise: loss and perplexity
        await tab.wait_for("Press e to write", "loss_and_perplexity()")
        await tab.press("e")
        await tab.wait_for("ctrl+s saves and checks")
        tab.mark()
        # Select everything (f7), paste the worked solution over it, save.
        await tab.press("\x1b[18~", "\x1b[200~" + solution.solution + "\x1b[201~", "\x13")
        await tab.wait_for("Saved")
        await tab.press("escape")
        # Not just "passed": the home screen's "not passed yet" holds it too.
        await tab.wait_for("✓ passed")
        await tab.close()

    asyncio.run(journey())
    folder = served.state_dir / "learners" / "dee"
    assert (folder / "exercises" / "loss.py").read_text() == solution.solution
    progress = folder / FILE_NAME

    # The screen's first check, of the untouched starter, is recorded too (a failing
    # attempt, finished late on a busy machine): wait for the check that passed.
    def passed() -> bool:
        entry = read_saved(progress).exercises.get("loss")
        return entry is not None and entry.passed

    wait_until(passed, "the passing check saved")


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds sessions in /proc")
def test_a_crashed_session_ends_only_its_own_page(served: Served) -> None:
    async def journey() -> None:
        gus, hal = [await Tab.open(served, f"/ws/learner/{name}") for name in ("gus", "hal")]
        await gus.wait_for("lessons finished")
        await hal.wait_for("lessons finished")
        os.kill(session_of(served, "hal"), signal.SIGKILL)
        await hal.wait_closed()  # the page says "Session ended"
        gus.mark()
        await gus.press("enter")  # the other learner goes on
        await gus.wait_for("step 1 of 5")
        await gus.close()

    asyncio.run(journey())
    assert served.process.poll() is None


# --- limits and the end -----------------------------------------------------------------


def test_one_session_more_than_the_limit_is_told_the_tutor_is_full(tmp_path: Path) -> None:
    server = Served(tmp_path, "--max-sessions", "2")

    async def journey() -> None:
        tabs = [await Tab.open(server, f"/ws/learner/l{number}") for number in range(2)]
        for tab in tabs:
            await tab.wait_for("lessons finished")
        status, page = server.get("/")
        assert status == 503
        assert "The tutor is full" in page
        third = await Tab.open(server, "/ws/learner/l3")
        await third.wait_for("The tutor is full", "2 learners at a time")
        await third.close()
        await tabs[0].close()  # a place comes free once a tab's session has ended
        end = time.monotonic() + DEADLINE
        while (status := server.get("/")[0]) != 200 and time.monotonic() < end:
            await asyncio.sleep(0.1)
        assert status == 200
        fourth = await Tab.open(server, "/ws/learner/l4")
        await fourth.wait_for("lessons finished")
        await fourth.press("enter")  # open the first lesson, then stop the server
        await fourth.wait_for("step 1 of 5")
        await asyncio.sleep(0.1)
        assert server.stop() == 0  # Ctrl+C: every session ends, and so does the server
        await fourth.wait_closed()  # its session ended, and so did its socket

    try:
        asyncio.run(journey())
    finally:
        if server.process.poll() is None:  # the journey failed before it stopped the server
            server.stop()
    assert "Ending 2 sessions" in server.output
    assert "stopped (3 sessions served)" in server.output
    saved = read_saved(tmp_path / "learners" / "l4" / FILE_NAME)
    assert saved.lessons["loss"].step == 0  # the session quit as ctrl+q does: saved


def test_binding_every_address_warns_that_there_is_no_authentication(tmp_path: Path) -> None:
    server = Served(tmp_path, "--host", "0.0.0.0")  # the test itself speaks to 127.0.0.1
    assert server.stop() == 0
    assert "there is no authentication" in server.output
    assert f"http://127.0.0.1:{server.port}/" in server.output


def test_report_of_an_empty_class(tmp_path: Path) -> None:
    result = _serve("--report", "--state-dir", str(tmp_path))
    assert result.returncode == 0
    assert "No learners" in result.stdout


def test_report_reads_progress_without_changing_it(tmp_path: Path) -> None:
    folder = enrol(tmp_path, "Eve")
    progress, _ = Progress.load(folder / FILE_NAME)
    progress.record_step("loss", 4, 5)
    progress.record_quiz("loss", 3, 4)
    progress.record_exercise("loss", attempt=True, passed=True)
    progress.save()
    broken = enrol(tmp_path, "Fay") / FILE_NAME
    broken.write_text("not json")
    result = _serve("--report", "--state-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    exercises = len(load_exercises(lesson_order=LESSONS).ids)
    assert f"Eve: 1 of {len(LESSONS)} lessons finished, 1 of {exercises} exercises passed" in (
        result.stdout
    )
    assert "quizzes:   loss 3/4" in result.stdout
    assert "exercises: loss" in result.stdout
    assert "Fay\n  progress cannot be read" in result.stdout
    assert broken.read_text() == "not json"  # a report sets nothing aside


@pytest.mark.parametrize("in_a_browser", [False, True])
def test_the_home_screen_offers_the_command_line_only_in_a_terminal(
    in_a_browser: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A learner in a page has no shell to type `llmtutor lesson loss` into."""
    from llmtutor.app import create_app
    from llmtutor.learners import SERVE_STATE_ENV

    if in_a_browser:
        monkeypatch.setenv(SERVE_STATE_ENV, str(tmp_path))
    else:
        monkeypatch.delenv(SERVE_STATE_ENV, raising=False)

    async def scenario() -> str:
        app = create_app(load_catalog())
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return str(app.screen.query_one("#lesson-summary").render())

    summary = asyncio.run(scenario())
    assert summary.startswith("Cross-entropy")
    assert ("llmtutor lesson loss" in summary) is not in_a_browser


# --- the idle timeout -------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("timeout_s", "warned_at"), [(1800.0, 1740.0), (120.0, 60.0), (90.0, 45.0), (6.0, 3.0)]
)
def test_the_idle_clock_warns_a_minute_ahead_or_at_half(timeout_s: float, warned_at: float) -> None:
    clock_time = FakeTime()
    clock = IdleClock(timeout_s, now=clock_time)
    clock_time.now += warned_at - 0.01
    assert clock.tick(busy=False) == "active"
    clock_time.now += 0.02
    assert clock.tick(busy=False) == "warn"
    clock.touch()  # any input: the count starts again
    assert clock.tick(busy=False) == "active"
    clock_time.now += timeout_s
    assert clock.tick(busy=False) == "end"


def test_idle_time_counts_from_the_end_of_a_run_or_check() -> None:
    clock_time = FakeTime()
    clock = IdleClock(60.0, now=clock_time)
    clock_time.now += 3600  # an hour of training without a key
    assert clock.tick(busy=True) == "active"
    clock_time.now += 10
    assert clock.tick(busy=False) == "active"  # the run just ended: counted from here
    clock_time.now += 29
    assert clock.tick(busy=False) == "active"
    clock_time.now += 2
    assert clock.tick(busy=False) == "warn"
    clock_time.now += 30
    assert clock.tick(busy=False) == "end"


def test_a_session_held_up_does_not_count_the_hold_up_as_idle() -> None:
    clock_time = FakeTime()
    clock = IdleClock(6.0, tick_s=0.3, now=clock_time)
    clock_time.now += 0.3
    assert clock.tick(busy=False) == "active"
    clock_time.now += 10.0  # the session could not run its ticks (nor read the keys)
    assert clock.tick(busy=False) == "active"
    for _ in range(10):  # 3 s more, ticking as it should: warned, as after 3 s idle
        clock_time.now += 0.3
        clock.tick(busy=False)
    assert clock.tick(busy=False) == "warn"
    for _ in range(10):
        clock_time.now += 0.3
        state = clock.tick(busy=False)
    assert state == "end"


def test_the_idle_words() -> None:
    assert warning(1800) == (
        "Still there? This tab ends in 1 minute unless you press a key. Your progress is saved."
    )
    assert "ends in 15 seconds" in warning(30)
    assert ended(1800).startswith("This tab ended after 30 minutes without input.")
    assert "reload the page to carry on where you left off" in ended(1800)
    for timeout_s in (0.001, 1, 59.9, 61, 5400, 1e12, 1e300):
        assert len(ended(timeout_s).encode()) <= 123  # a web socket's close reason


@pytest.mark.parametrize("value", ["-1", "abc", "nan", "inf", "-0.5", ""])
def test_a_bad_idle_timeout_is_a_usage_error(value: str, tmp_path: Path) -> None:
    result = _serve("--idle-timeout", value, "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--idle-timeout" in result.stderr and "not a number of minutes" in result.stderr


def test_the_help_documents_the_idle_timeout() -> None:
    result = _serve("--help")
    assert result.returncode == 0
    words = " ".join(result.stdout.split())
    assert "--idle-timeout MINUTES" in words
    assert "0: never" in words and "Default: 30." in words


def test_the_page_says_when_its_session_has_ended(served: Served) -> None:
    status, page = served.get("/?learner=ana")
    assert status == 200
    assert ENDED in page and "Session ended." not in page
    assert 'id="llmtutor-ended"' in page and str(CLOSE_IDLE) in page


def _idle(tmp_path: Path, minutes: str, *options: str) -> Served:
    return Served(tmp_path, "--idle-timeout", minutes, *options)


def test_an_idle_tab_is_warned_then_ended_and_its_place_is_free(tmp_path: Path) -> None:
    server = _idle(tmp_path, "0.1", "--max-sessions", "1")  # 6 s: warned after 3

    async def journey() -> None:
        tab = await Tab.open(server, "/ws/learner/ida")
        await tab.wait_for("lessons finished")
        tab.mark()
        await tab.press("enter")
        await tab.wait_for("step 1 of 5")
        await tab.press("right")
        await tab.wait_for("step 2 of 5")
        await tab.wait_for("No input for a while", "Still there?")
        await tab.wait_closed()
        assert tab.close_code == CLOSE_IDLE
        assert tab.close_reason == ended(6.0)
        await tab.close()
        # Its place is free again, and the learner carries on where they were.
        wait_until(lambda: server.get("/")[0] == 200, "the place freed")
        again = await Tab.open(server, "/ws/learner/ida")
        await again.wait_for("lessons finished")
        again.mark()
        await again.press("enter")
        await again.wait_for("step 2 of 5")
        await again.close()

    try:
        asyncio.run(journey())
    finally:
        server.stop()
    saved = read_saved(tmp_path / "learners" / "ida" / FILE_NAME)
    assert saved.lessons["loss"].step == 1
    assert "Traceback" not in server.output


def test_input_keeps_an_idle_tab_going(tmp_path: Path) -> None:
    server = _idle(tmp_path, "0.2")  # 12 s: warned after 6
    summary = load_catalog(run=False).entry("gradients").summary.split(",")[0]

    async def journey() -> None:
        tab = await Tab.open(server, "/ws/learner/ivo")
        await tab.wait_for("lessons finished")
        await tab.wait_for("Still there?")
        await tab.press("down")  # a key: the warning goes, and the count starts again
        await tab.wait_for(summary)  # the key was taken
        tab.mark()
        # Warned a second time: only a session whose count started again at the key is
        # warned again (one that was not would end, unwarned), and it is still there.
        await tab.wait_for("Still there?")
        await tab.wait_closed()
        assert tab.close_code == CLOSE_IDLE
        await tab.close()

    try:
        asyncio.run(journey())
    finally:
        server.stop()


def test_a_training_run_holds_off_the_idle_end(tmp_path: Path) -> None:
    server = _idle(tmp_path, "0.05", "--max-training", "1")  # 3 s: warned after 1.5

    async def journey() -> None:
        tab = await Tab.open(server, "/ws/learner/tia")
        await tab.wait_for("lessons finished")
        tab.mark()
        await tab.press(*["down"] * LESSONS.index("train"), "enter")
        await tab.wait_for("Press Enter to start")
        await tab.press("r")  # settings: a run far longer than this test
        await tab.wait_for("Restart the run with these settings")
        tab.mark()
        # Keys are taken in order: Enter applies the typed steps. (Not waited for: only the
        # cells that changed are drawn, so "100000" may come as "100" and then "000".)
        await tab.press("end", "\x7f", "\x7f", "\x7f", "100000", "enter")
        await tab.wait_for("starting")  # until torch is loaded in the run's own process
        tab.mark()
        # Four times the timeout with no input: the run goes on, and so does the session.
        await tab.wait_open(12.0)
        assert "Still there?" not in tab.text
        await tab.press("s")
        # Stopped once the run's process has loaded torch, which on a loaded machine can
        # take minutes: a longer bound, not a longer wait.
        await tab.wait_for("stopped", deadline=DEADLINE * 5)
        await tab.wait_for("Still there?")  # idle once the run is over
        await tab.wait_closed()
        assert tab.close_code == CLOSE_IDLE
        await tab.close()

    try:
        asyncio.run(journey())
    finally:
        server.stop()


def test_unsaved_editor_text_survives_the_idle_end_as_a_draft(tmp_path: Path) -> None:
    server = _idle(tmp_path, "0.1")  # 6 s: warned after 3
    folder = tmp_path / "learners" / "eda" / "exercises"
    mine, draft = folder / "loss.py", folder / ".loss.py.draft"

    async def open_editor(tab: Tab) -> None:
        await tab.wait_for("lessons finished")
        tab.mark()
        await tab.press("x")  # the first lesson's exercise
        await tab.wait_for("Press e to write")
        await tab.press("e")
        await tab.wait_for("ctrl+s saves and checks")

    async def journey() -> None:
        tab = await Tab.open(server, "/ws/learner/eda")
        await open_editor(tab)
        starter = mine.read_text()
        await tab.press("\x1b[200~# my first idea\n\x1b[201~")  # typed, not saved
        await tab.wait_for("my first idea")
        await tab.wait_for("Still there?")
        await tab.wait_closed()
        assert tab.close_code == CLOSE_IDLE
        await tab.close()
        assert mine.read_text() == starter  # the file as the learner last saved it
        assert draft.read_text() == "# my first idea\n" + starter
        # Next time, the editor offers the text back; a save makes it the file.
        again = await Tab.open(server, "/ws/learner/eda")
        await open_editor(again)
        await again.wait_for("unsaved text from last time", "my first idea")
        await again.press("\x13")  # ctrl+s
        await again.wait_for("Saved")
        assert mine.read_text() == "# my first idea\n" + starter
        assert not draft.exists()
        # A tab closed with text unsaved keeps it too.
        again.mark()
        await again.press("\x1b[200~# closed\n\x1b[201~")
        await again.wait_for("# closed")
        await again.close()
        wait_until(lambda: draft.exists() and draft.read_text().startswith("# closed"), "draft")

    try:
        asyncio.run(journey())
    finally:
        server.stop()
