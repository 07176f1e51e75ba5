"""Training in a process of its own, for the app: the interface and the loop never share an
interpreter, so neither waits for the other's turn at it.

In one process, the loop's hundreds of small torch calls a step each hand the interpreter
back and forth with the interface's thread, which draws the chart while the run goes: the run
inside the app was measured at 0.72× the loop's speed alone. Here the loop has its own
interpreter, on its own core, and the interface only reads the events it sends.

This module imports no torch, and neither does the parent: the events are plain data
(llmtutor.run_types), and torch is imported by the child alone.

    parent (the app)                          child (main(), in a fresh interpreter)
    TrainingProcess.run(n, settings)  ──▶     trains run n, sends each event as it comes
    .stop(n) .pause(n) .resume(n)     ──▶     read at once by a listening thread
    .read(prompt, t, seed)            ──▶     answered only while the loop waits (paused, or
                                              between runs), so no reading meets a step
    .close()                          ──▶     the child ends; it ends too when its parent goes

A child left idle between runs for `rest_after_s` rests: the parent keeps its model's weights
(bytes it never opens) and ends it, giving its memory back (about 250 MB; a served class has a
child per tab that trained). The next reading starts a child that takes the weights back first;
the next run just starts one.

The two talk over a socket pair, in pickled messages (multiprocessing's Connection). The child
runs in a session of its own, so a signal meant for the terminal's processes never reaches it,
and it writes nothing to the terminal: what it prints goes to a file read only if it dies.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from llmtutor.learners import TrainingSlot, training_slot
from llmtutor.run_settings import RunSettings
from llmtutor.run_types import Finished, Reading

READ_TIMEOUT_S = 60.0  # longest a reading of the model is waited for
REST_AFTER_S = 180.0  # how long a child waits, idle between runs, before it rests
CLOSE_WAIT_S = 2.0  # how long a closing child has to end before it is killed

Deliver = Callable[[int, object], None]  # (run number, event or Exception)

# The child's start: the same interpreter, without the working folder on its path (-P: a
# learner's torch.py there must not shadow torch), and with this llmtutor's folder last on it,
# so it finds the llmtutor the app runs even when that one is not installed, while the
# standard library and the installed packages still come first.
CHILD = (
    "import sys; sys.path.append(sys.argv[2]); "
    "from llmtutor.training_process import main; main(sys.argv[1:2])"
)


class TrainingProcess:
    """The parent's side: starts the child at the first run and keeps it for later ones
    (torch is imported once), hands each event to `deliver` (from a thread of its own: post
    it on, do not draw from it), and gives an Exception to `deliver` when a run fails or the
    child dies."""

    def __init__(self, deliver: Deliver, rest_after_s: float | None = REST_AFTER_S) -> None:
        self._deliver = deliver
        self._rest_after_s = rest_after_s  # None: the child never rests
        self._conn: Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._errors: IO[bytes] | None = None
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._asked = itertools.count(1)
        self._replies: dict[int, queue.Queue[tuple[str, Any]]] = {}
        self._running: int | None = None  # the run in flight, until its Finished or failure
        self._slot = TrainingSlot()
        self._closing = False
        # Resting: the last run's settings, the weights of a rested child's model (bytes
        # torch.save wrote, opened only by a child), the timer, and a count of what was asked
        # since it was set, so a rest that comes too late gives way.
        self._settings: RunSettings | None = None
        self._kept: bytes | None = None
        self._rest_lock = threading.Lock()  # a rest, or a child taking weights back
        self._timer: threading.Timer | None = None
        self._activity = 0

    @property
    def alive(self) -> bool:
        """Whether the child is running."""
        process = self._process
        return process is not None and process.poll() is None

    @property
    def pid(self) -> int | None:
        """The child's process id, once started (None again while it rests)."""
        return self._process.pid if self._process is not None else None

    @property
    def resting(self) -> bool:
        """Whether the model's weights are kept here, its child ended until it is read."""
        return self._kept is not None

    # --- commands ----------------------------------------------------------------------------

    def run(self, run: int, settings: RunSettings) -> None:
        """Train `settings` as run number `run` (stopping any run still in flight). Never
        raises: a failure to start reaches `deliver` as an Exception for `run`."""
        try:
            with self._rest_lock:
                self._busy()
                with self._state_lock:
                    if self._running is not None:  # (lost if the child just died: no matter)
                        self._send_quietly(("stop", self._running))
                    self._slot.release()
                    self._slot = training_slot()  # llmtutor serve: a limit on runs, all tabs
                    self._running = run
                    self._settings, self._kept = settings, None  # a new model, from scratch
                self._ensure_started()
                self._send(("run", run, settings))
        except Exception as error:  # the server is full, the child could not start
            self._end_run(run)
            self._deliver(run, error)

    def stop(self, run: int) -> None:
        self._send_quietly(("stop", run))

    def pause(self, run: int) -> None:
        self._send_quietly(("pause", run))

    def resume(self, run: int) -> None:
        self._send_quietly(("resume", run))

    def read(self, prompt: str, temperature: float, seed: int, write: int) -> Reading:
        """The model's guesses after `prompt` and what it writes (see training.read), as the
        last run left it or as it stands while paused. Blocks: call it from a worker thread.
        RuntimeError when there is no model, the reading failed or the child is gone."""
        return self._ask_model("read", prompt, temperature, seed, write)

    def weights(self) -> dict[str, Any]:
        """The model's state_dict as it stands, each tensor as nested lists of floats (for
        checks; lists, since torch pickles tensors between processes as shared memory that
        only a multiprocessing child can open): blocks like `read`."""
        return self._ask_model("weights")

    def rest(self, armed: int | None = None) -> bool:
        """Keep the model's weights here and end the child, if it is idle between runs.
        Whether it rested. The timer passes the count of what was asked when it was set
        (`armed`): if anything was asked since, the child stays."""
        with self._rest_lock:  # (a run or a reading waits for a rest under way)
            with self._state_lock:
                if armed is not None and armed != self._activity:
                    return False
                if self._closing or self._running is not None or self._process is None:
                    return False
            try:
                state = self._ask("state")
            except RuntimeError:  # no model (its run failed early), or the child is gone
                state = None
            with self._state_lock:
                self._kept = state
                process, conn, self._process, self._conn = self._process, self._conn, None, None
        if process is not None:
            self._end_child(process, conn)
        return True

    def close(self) -> None:
        """End the child (and the run in it): asked first, killed if it does not end soon."""
        with self._state_lock:
            self._closing = True
            process, conn = self._process, self._conn
            self._slot.release()
            self._cancel_timer()
        if process is None:
            return
        self._end_child(process, conn)
        if self._errors is not None:
            self._errors.close()

    # --- the parent's plumbing ---------------------------------------------------------------

    def _ask_model(self, kind: str, *question: Any) -> Any:
        """A question about the model: a resting model is given to a new child first."""
        with self._rest_lock:
            self._busy()
            if self._kept is not None and not self.alive:
                with self._state_lock:
                    settings, state = self._settings, self._kept
                self._ensure_started()
                self._ask("restore", settings, state)
                self._kept = None  # in the child again
        try:
            return self._ask(kind, *question)
        finally:
            self._idle()

    def _busy(self) -> None:
        """Something was asked: no rest until it is done (see `_idle`)."""
        with self._state_lock:
            self._activity += 1
            self._cancel_timer()

    def _idle(self) -> None:
        """Nothing in flight: rest after a while, unless something is asked meanwhile."""
        with self._state_lock:
            if self._rest_after_s is None or self._closing or self._running is not None:
                return
            self._activity += 1
            self._cancel_timer()
            self._timer = threading.Timer(self._rest_after_s, self.rest, (self._activity,))
            self._timer.daemon = True
            self._timer.start()

    def _cancel_timer(self) -> None:
        """(With the state lock held.)"""
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _end_child(self, process: subprocess.Popen[bytes], conn: Connection | None) -> None:
        """Ask a child to quit, kill it if it does not end soon, and close its socket."""
        if conn is not None:
            with contextlib.suppress(OSError, ValueError), self._send_lock:
                conn.send(("quit",))
        try:
            process.wait(CLOSE_WAIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if conn is not None:
            conn.close()

    def _ensure_started(self) -> None:
        with self._state_lock:
            if self._process is not None and self._process.poll() is None:
                return
            if self._closing:
                raise RuntimeError("the training process was closed")
            ours, theirs = socket.socketpair()
            package_root = str(Path(__file__).resolve().parents[2])
            if self._errors is not None:
                self._errors.close()  # an earlier child's, which has ended
            self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (read if the child dies)
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-P", "-c", CHILD, str(theirs.fileno()), package_root],
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=self._errors,
                    start_new_session=True,  # terminal signals are the interface's to handle
                )
            finally:
                theirs.close()
            self._conn = Connection(ours.detach())
            threading.Thread(
                target=self._listen, args=(self._conn, self._process), daemon=True
            ).start()

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._send_lock:
            if self._conn is None:
                raise RuntimeError("the training process has not started")
            self._conn.send(message)

    def _send_quietly(self, message: tuple[Any, ...]) -> None:
        """A command whose loss does not matter: the child is gone, or never started."""
        with contextlib.suppress(OSError, RuntimeError, ValueError):
            self._send(message)

    def _ask(self, kind: str, *question: Any) -> Any:
        number = next(self._asked)
        answers: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
        self._replies[number] = answers
        try:
            try:
                self._send((kind, number, *question))
            except (OSError, ValueError) as error:
                raise RuntimeError("the training process has ended") from error
            try:
                outcome, value = answers.get(timeout=READ_TIMEOUT_S)
            except queue.Empty:
                raise RuntimeError("the training process did not answer") from None
        finally:
            self._replies.pop(number, None)
        if outcome != "ok":
            raise RuntimeError(value)
        return value

    def _end_run(self, run: int) -> None:
        with self._state_lock:
            if self._running != run:
                return
            self._running = None
            self._slot.release()
        self._idle()

    def _listen(self, conn: Connection, process: subprocess.Popen[bytes]) -> None:
        """The reading thread: events to `deliver`, answers to whoever asked."""
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "event":
                _, run, event = message
                if isinstance(event, Finished):
                    self._end_run(run)
                self._deliver(run, event)
            elif kind == "failed":
                _, run, text = message
                self._end_run(run)
                self._deliver(run, RuntimeError(text))
            elif kind == "reply":
                _, number, outcome, value = message
                answers = self._replies.get(number)
                if answers is not None:
                    answers.put((outcome, value))
        # The child has ended: say so to a run in flight and to anyone waiting on an answer,
        # unless it had been replaced (it rested, or a new one started after it died): what
        # is in flight and waited on then is the new child's.
        code = process.wait()
        with self._state_lock:
            if conn is not self._conn:
                return
            run, closing = self._running, self._closing
        for answers in list(self._replies.values()):
            answers.put(("failed", "the training process has ended"))
        if run is not None and not closing:
            self._end_run(run)
            self._deliver(run, RuntimeError(self._death(code)))

    def _death(self, code: int) -> str:
        """Why the child ended, in a line: its signal or exit status, and its last words."""
        if code < 0:
            try:
                how = f"was stopped by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was stopped by signal {-code}"
        else:
            how = f"ended with status {code}"
        last = ""
        if self._errors is not None:
            try:
                self._errors.seek(0)
                lines = self._errors.read()[-4000:].decode("utf-8", "replace").splitlines()
                last = next((line.strip() for line in reversed(lines) if line.strip()), "")
            except (OSError, ValueError):
                pass
        return f"the training process {how}" + (f" ({last})" if last else "")


# --- the child ---------------------------------------------------------------------------------


class _Child:
    """Trains the runs it is sent, one at a time, and reads its model when asked between
    steps: a listening thread takes stop, pause and resume at once and queues the rest for the
    main thread, the only one that touches torch."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()
        self.requests: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.later: deque[tuple[Any, ...]] = deque()  # runs and quit, taken while paused
        self.run_number = 0
        self.stopped_up_to = 0  # runs numbered up to this one are to stop (or never begin)
        self.stop = threading.Event()
        self.pause = threading.Event()
        self.setup: Any = None  # the last run's model and the rest

    def listen(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):  # the parent has gone: end the run, then the child
                message = ("quit",)
            kind = message[0]
            with self.lock:
                if kind == "stop":
                    self.stopped_up_to = max(self.stopped_up_to, message[1])
                    if self.run_number <= self.stopped_up_to:
                        self.stop.set()
                elif kind == "pause":
                    if message[1] >= self.run_number:
                        self.pause.set()
                elif kind == "resume":
                    self.pause.clear()
                else:
                    if kind in ("run", "quit"):
                        self.pause.clear()  # a new run starts running; quitting ends this one
                    if kind == "quit":
                        self.stop.set()
                    self.requests.put(message)
            if kind == "quit":
                return

    def serve(self) -> None:
        while True:
            message = self.later.popleft() if self.later else self.requests.get()
            if message[0] == "quit":
                return
            if message[0] == "run":
                self.train(message[1], message[2])
            else:
                self.answer(message)

    def train(self, run: int, settings: RunSettings) -> None:
        from llmtutor.training import Paused, build, config_for, train

        with self.lock:
            self.run_number = run
            self.stop = threading.Event()
            if run <= self.stopped_up_to:
                self.stop.set()
            stop = self.stop
        try:
            config = config_for(settings)
            self.setup = build(config)
            for event in train(config, setup=self.setup, stop=stop, pause=self.pause):
                self.conn.send(("event", run, event))
                if isinstance(event, Paused):
                    self.wait_paused(stop)
        except Exception as error:  # a device that vanished, a bad setting: say so and go on
            self.conn.send(("failed", run, str(error) or type(error).__name__))

    def wait_paused(self, stop: threading.Event) -> None:
        """While the loop waits, answer what is asked of the model."""
        while self.pause.is_set() and not stop.is_set():
            try:
                message = self.requests.get(timeout=0.05)
            except queue.Empty:
                continue
            if message[0] in ("run", "quit"):
                self.later.append(message)
            else:
                self.answer(message)
        # Questions asked just before the learner resumed are answered before the run goes on.
        while not self.requests.empty():
            message = self.requests.get()
            if message[0] in ("run", "quit"):
                self.later.append(message)
            else:
                self.answer(message)

    def answer(self, message: tuple[Any, ...]) -> None:
        kind, number, *question = message
        try:
            if kind == "restore":  # a rested model's weights, back in a new child
                self.restore(*question)
                value: Any = None
            elif self.setup is None:
                raise RuntimeError("no model yet: train first")
            elif kind == "state":  # the weights a resting child leaves with its parent
                import io

                import torch

                buffer = io.BytesIO()
                weights = {k: v.cpu() for k, v in self.setup.model.state_dict().items()}
                torch.save(weights, buffer)
                value = buffer.getvalue()
            elif kind == "read":
                from llmtutor.training import read

                prompt, temperature, seed, write = question
                value = read(self.setup.model, prompt, temperature, seed, write=write)
            elif kind == "weights":
                value = {k: v.tolist() for k, v in self.setup.model.state_dict().items()}
            else:
                raise RuntimeError(f"unknown question {kind!r}")
            self.conn.send(("reply", number, "ok", value))
        except Exception as error:
            self.conn.send(("reply", number, "failed", str(error) or type(error).__name__))

    def restore(self, settings: RunSettings, state: bytes) -> None:
        """The model of a run of `settings`, with the weights a resting child left."""
        import io

        import torch

        from llmtutor.training import build, config_for

        setup = build(config_for(settings))
        # weights_only: the bytes come back through the parent, so nothing in them may run.
        weights = torch.load(io.BytesIO(state), map_location=setup.device, weights_only=True)
        setup.model.load_state_dict(weights)
        self.setup = setup


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the interface decides when training ends
    conn = Connection(int(argv[0]))
    import torch

    from llmtutor.training import default_threads

    torch.set_num_threads(default_threads())  # every core but the interface's
    child = _Child(conn)
    threading.Thread(target=child.listen, daemon=True).start()
    child.serve()


if __name__ == "__main__":
    main(sys.argv[1:])
