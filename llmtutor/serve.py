"""`llmtutor serve`: the tutor in a web page, a learner per browser tab, for a class.

Textualize's textual-serve does the serving: each tab's web socket runs the tutor as a
process of its own under Textual's web driver (llmtutor.served), and xterm.js draws it in
the page. `TutorServer` adds what a class needs:

- the learner's name: the page's address may name them (`/?learner=ana`). textual-serve
  does not pass the page's address to the process, so the page's web socket goes to
  `/ws/learner/NAME` instead of `/ws`, and the name, checked (llmtutor.learners), reaches
  the session in its environment. A name that is refused is never joined to a path: the
  page says why and asks for another; a session without a name asks for one;
- limits: sessions at once (one more gets a page, or a screen, that says the tutor is
  full) and training runs at once across all sessions (llmtutor.learners.training_slot);
- an end: Ctrl+C (or SIGTERM, SIGHUP) asks every session to quit, as ctrl+q does, so its
  progress is saved; one that has not ended after `QUIT_WAIT_S` is terminated;
- an idle timeout (`--idle-timeout`, llmtutor.idle): each session ends itself after that
  long without input, which frees its place; the server tells the page why (the web
  socket's close reason, which a script of ours puts in the page's "ended" box);
- the page's addresses made from the request's own host, so that a class reaching the
  teacher's machine by its address gets web sockets to that address too.

Imported only by `llmtutor serve`, and it never imports Textual's app or torch.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import html
import ipaddress
import json
import logging
import math
import os
import shlex
import signal
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import click

from llmtutor.idle import (
    CLOSE_IDLE,
    DEFAULT_IDLE_MINUTES,
    ENDED,
    IDLE_STATUS,
    IDLE_TIMEOUT_ENV,
    ended,
)
from llmtutor.learners import (
    LEARNER_ENV,
    LEARNER_PROBLEM_ENV,
    MAX_NAME,
    SERVE_STATE_ENV,
    TRAINING_LIMIT_ENV,
    learners,
    name_problem,
    normalised,
)
from llmtutor.safe_text import path_excerpt, visible

if TYPE_CHECKING:
    from aiohttp import web
    from textual_serve.app_service import AppService

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_SESSIONS = 30
QUIT_WAIT_S = 5.0  # how long a session has to quit when the server stops
FULL_PAGE_HOLD_S = 600.0  # how long a "full" screen stays before its socket is closed
SESSION_COMMAND = "-m llmtutor.served"  # after the Python that runs the server


def default_training_limit() -> int:
    """Training runs at once by default: one per two cores, at least one."""
    return max(1, (os.cpu_count() or 2) // 2)


def torch_threads(training_limit: int) -> int:
    """Torch threads per run, so that the runs at once share the cores but one."""
    return max(1, ((os.cpu_count() or 2) - 1) // max(1, training_limit))


@dataclass(frozen=True)
class Limits:
    sessions: int = DEFAULT_SESSIONS
    training: int = 1
    idle_minutes: float = DEFAULT_IDLE_MINUTES  # 0: never


# Put in the page: the box textual-serve shows once the session has ended says so in our
# words, and, when the server closed the web socket for an idle end, why (its reason).
ENDED_BOX = '<div class="message">Session ended.</div>'
ENDED_SCRIPT = f"""<script>
(function () {{
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {{
    constructor(...args) {{
      super(...args);
      this.addEventListener("close", (event) => {{
        const box = document.getElementById("llmtutor-ended");
        if (box && event.code === {CLOSE_IDLE} && event.reason) box.textContent = event.reason;
      }});
    }}
  }};
}})();
</script>
"""


def make_server(
    host: str, port: int, state_dir: Path, limits: Limits, command: str | None = None
) -> Any:
    """A textual-serve Server for the tutor (its class derives from textual-serve's, and
    is made here so that importing this module does not import aiohttp)."""
    import aiohttp_jinja2
    from aiohttp import WSMsgType, web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    class Session(AppService):
        def __init__(self, command: str, websocket: web.WebSocketResponse, **options: Any):
            async def close() -> None:
                await websocket.close()

            super().__init__(
                command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                **options,
            )
            self.websocket = websocket
            self._closing: asyncio.Task[None] | None = None

        async def on_meta(self, data: bytes) -> None:
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                if json.loads(data).get("type") == "exit":
                    # The page is told once the process has ended, and why; in a task of
                    # its own, since the process's output is read meanwhile.
                    self._close_page()
                    return
            await super().on_meta(data)

        async def run(self) -> None:
            await super().run()
            # The process ended (quit, idle, or crashed): the page says the session ended
            # at once, rather than showing the last screen as if it were still there.
            with contextlib.suppress(Exception):
                await self._close_page()

        def _close_page(self) -> asyncio.Task[None]:
            if self._closing is None:
                self._closing = asyncio.create_task(self._closed_page())
            return self._closing

        async def _closed_page(self) -> None:
            """Close the page's socket once the process has ended (or after QUIT_WAIT_S):
            with the idle code and its reason when it ended idle."""
            process = self._process
            code = None
            if process is not None:
                with contextlib.suppress(TimeoutError):
                    code = await asyncio.wait_for(process.wait(), QUIT_WAIT_S)
            with contextlib.suppress(Exception):
                if code == IDLE_STATUS:
                    reason = ended(limits.idle_minutes * 60).encode("utf-8")
                    await self.websocket.close(code=CLOSE_IDLE, message=reason)
                else:
                    await self.remote_close()

    class _TutorServer(Server):
        def __init__(self) -> None:
            session = command or f"{shlex.quote(sys.executable)} {SESSION_COMMAND}"
            super().__init__(session, host=host, port=port, title="llmtutor")
            self.state_dir = state_dir
            self.limits = limits
            self.sessions: set[AppService] = set()
            self.started = 0  # sessions started since the server did
            self.full_sockets: set[web.WebSocketResponse] = set()

        # --- printing ---------------------------------------------------------------

        def initialize_logging(self) -> None:
            super().initialize_logging()
            # Not a line per request: the page, its script and styles, each socket.
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

        async def on_startup(self, app: web.Application) -> None:
            pass  # `serve` says where to go before the server starts

        # --- the page -----------------------------------------------------------------

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.router.add_get("/ws/learner/{learner}", self.handle_websocket)
            return app

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            if len(self.sessions) >= self.limits.sessions:
                return _page(FULL_TITLE, full_message(self.limits.sessions), status=503)
            websocket = "/ws"
            learner = request.query.get("learner")
            if learner is not None:
                problem = name_problem(learner)
                if problem:
                    return _page("Choose another name", problem, form=True, status=400)
                websocket = f"/ws/learner/{quote(normalised(learner), safe='')}"
            # Made from the request's own address: one bound to 0.0.0.0 has no address
            # that the class's browsers could use.
            base = f"{request.scheme}://{request.host}"
            scheme = "wss" if request.scheme == "https" else "ws"
            font_size = request.query.get("fontsize", "16")
            context = {
                "font_size": int(font_size) if font_size.isdigit() else 16,
                "app_websocket_url": f"{scheme}://{request.host}{websocket}",
                "config": {"static": {"url": f"{base}/static/"}},
                "application": {"name": self.title},
            }
            page = aiohttp_jinja2.render_string("app_index.html", request, context)
            page = page.replace(
                ENDED_BOX, f'<div class="message" id="llmtutor-ended">{html.escape(ENDED)}</div>'
            )
            page = page.replace("</head>", ENDED_SCRIPT + "</head>", 1)
            return web.Response(text=page, content_type="text/html")

        # --- a session ----------------------------------------------------------------

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            if len(self.sessions) >= self.limits.sessions:
                return await self._say_full(request)
            environment = {}
            learner = request.match_info.get("learner")
            if learner is not None:
                problem = name_problem(learner)
                if problem:
                    environment[LEARNER_PROBLEM_ENV] = problem
                else:
                    environment[LEARNER_ENV] = normalised(learner)
            command = " ".join(
                [
                    "exec",
                    "env",
                    *(shlex.quote(f"{key}={value}") for key, value in environment.items()),
                    self.command,
                ]
            )
            width = _number(request.query.get("width"), 80)
            height = _number(request.query.get("height"), 24)
            websocket = web.WebSocketResponse(heartbeat=15)
            service: AppService | None = None
            try:
                await websocket.prepare(request)
                service = Session(
                    command,
                    websocket,
                    download_manager=self.download_manager,
                    debug=self.debug,
                )
                self.sessions.add(service)  # counted from here: no await since the check
                self.started += 1
                await service.start(width, height)
                try:
                    await self._process_messages(websocket, service)
                finally:
                    await service.stop()  # the tab closed: the session quits
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:  # one session's failure never ends the server
                logging.getLogger("textual-serve").exception(error)
            finally:
                if service is not None:
                    self.sessions.discard(service)
                    await service.stop()
            return websocket

        async def _say_full(self, request: web.Request) -> web.WebSocketResponse:
            """The tutor is full: say so in the page's terminal, and keep the socket open
            (a closed one would cover the message with "Session ended")."""
            websocket = web.WebSocketResponse(heartbeat=15)
            await websocket.prepare(request)
            self.full_sockets.add(websocket)
            try:
                await websocket.send_bytes(full_screen(self.limits.sessions))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(FULL_PAGE_HOLD_S):
                        async for message in websocket:
                            if message.type == WSMsgType.CLOSE:
                                break
            finally:
                self.full_sockets.discard(websocket)
                await websocket.close()
            return websocket

        # --- the end ------------------------------------------------------------------

        async def on_shutdown(self, app: web.Application) -> None:
            for websocket in list(self.full_sockets):
                await websocket.close()
            services = list(self.sessions)
            if services:
                count = len(services)
                say(f"Ending {count} session{'s' if count != 1 else ''}…")
            await asyncio.gather(*(_end(service) for service in services))

    return _TutorServer()


async def _end(service: AppService) -> None:
    """Ask a session to quit, as ctrl+q does (its progress is saved); terminate it if it
    has not ended within QUIT_WAIT_S, and kill it if that does not end it either."""
    await service.send_meta({"type": "quit"})
    # textual-serve keeps the process to itself; it is the only way to make sure it ends.
    process = getattr(service, "_process", None)
    if process is None:
        return
    for ending in (None, process.terminate, process.kill):
        if ending is not None:
            with contextlib.suppress(ProcessLookupError):
                ending()
        try:
            await asyncio.wait_for(process.wait(), QUIT_WAIT_S)
            return
        except TimeoutError:
            continue


FULL_TITLE = "The tutor is full"


def full_message(limit: int) -> str:
    return (
        f"This tutor serves {limit} learner{'s' if limit != 1 else ''} at a time, and all "
        "those places are taken. Try again in a few minutes, when someone has closed "
        "their tab."
    )


def full_screen(limit: int) -> bytes:
    """The "full" message as a terminal shows it: the screen cleared, then the text."""
    lines = ["", f"  {FULL_TITLE}.", "", *_wrapped(full_message(limit), 70)]
    return ("\x1b[2J\x1b[H" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _wrapped(text: str, width: int) -> list[str]:
    import textwrap

    return ["  " + line for line in textwrap.wrap(text, width)]


def _page(title: str, message: str, form: bool = False, status: int = 200) -> web.Response:
    """A small page of its own: the tutor full, or a name refused (with a form to give
    another). Every piece of text is escaped."""
    from aiohttp import web

    asked = ""
    if form:
        asked = (
            '<form method="get" action="/"><label>Your name: '
            f'<input name="learner" maxlength="{MAX_NAME}" autofocus></label> '
            '<button type="submit">Start</button></form>'
        )
    body = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>llmtutor: {html.escape(title)}</title>
<style>body{{background:#0c181f;color:#eee;font-family:monospace;padding:3em;max-width:44em}}
input,button{{font:inherit}}</style></head>
<body><h1>{html.escape(title)}</h1><p id="message">{html.escape(message)}</p>{asked}</body></html>
"""
    return web.Response(text=body, content_type="text/html", status=status)


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and 0 < int(text) < 10_000 else default


def _minutes(minutes: float) -> str:
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def say(message: str) -> None:
    click.echo(f"llmtutor serve: {message}", err=True)


# --- before serving ---------------------------------------------------------------------


class AddressProblem(Exception):
    """The server cannot listen where it was asked to; the message says why."""


def check_address(host: str, port: int) -> bool:
    """Whether `host` is loopback only (reachable from this machine alone). Binds to it
    once, so that a port in use is said before anything is printed. Raises
    AddressProblem."""
    try:
        found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressProblem(f"--host: no address found for {host!r} ({error})") from None
    loopback = True
    for family, kind, protocol, _, address in found:
        try:
            loopback = loopback and ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback
        except ValueError:
            loopback = False
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                raise AddressProblem(_bind_problem(host, port, error)) from None
    return loopback


def _bind_problem(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use: choose another with --port"
    if error.errno == errno.EACCES:
        return f"port {port} needs privileges on this system: choose one above 1023 with --port"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"--host {host} is not an address of this machine"
    return f"cannot listen on {host} port {port}: {error.strerror or error}"


def addresses(host: str, port: int) -> list[str]:
    """The addresses to open: the host's own, or, bound to every address, this machine's
    loopback and its name."""

    def url(name: str) -> str:
        return f"http://[{name}]:{port}/" if ":" in name else f"http://{name}:{port}/"

    if host in ("", "0.0.0.0", "::"):
        return [url("127.0.0.1"), url(socket.gethostname())]
    return [url(host)]


def state_dir_problem(path: str) -> str | None:
    """Why the server cannot keep learners' progress in `path` (made when missing)."""
    if not path:
        return "--state-dir: an empty path names no folder"
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"--state-dir: {path_excerpt(path)} is not a folder"
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or "holds a NUL character"
        return f"--state-dir: cannot make {path_excerpt(path)}: {reason}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"--state-dir: {path_excerpt(path)} cannot be written to"
    return None


def serve(
    host: str,
    port: int,
    state_dir: Path,
    limits: Limits,
    lessons_dirs: Sequence[Path] = (),
) -> int:
    """Serve until Ctrl+C (or SIGTERM, SIGHUP); the exit status. Raises AddressProblem."""
    loopback = check_address(host, port)
    # What every session inherits (textual-serve passes on this process's environment).
    os.environ.pop(LEARNER_ENV, None)
    os.environ.pop(LEARNER_PROBLEM_ENV, None)
    os.environ[SERVE_STATE_ENV] = str(state_dir.resolve())
    os.environ[TRAINING_LIMIT_ENV] = str(limits.training)
    os.environ[IDLE_TIMEOUT_ENV] = repr(limits.idle_minutes)
    os.environ.setdefault("LLMTUTOR_TORCH_THREADS", str(torch_threads(limits.training)))
    if lessons_dirs:
        os.environ["LLMTUTOR_LESSONS_DIR"] = os.pathsep.join(
            str(folder.resolve()) for folder in lessons_dirs
        )
    server = make_server(host, port, state_dir, limits)
    urls = addresses(host, port)
    click.echo(f"llmtutor is served at {urls[0]}")
    for other in urls[1:]:
        click.echo(f"  and, from other machines, at {other}")
    click.echo(f"  each learner's page: {urls[-1]}?learner=NAME (or the page asks the name)")
    shown = visible(str(state_dir), one_line=True)
    click.echo(
        f"  progress in {shown}; at most {limits.sessions} sessions and "
        f"{_count(limits.training, 'training run')} at once. Ctrl+C stops it."
    )
    if limits.idle_minutes > 0:
        shown = _minutes(limits.idle_minutes)
        click.echo(f"  a tab with no input for {shown} is ended (--idle-timeout).")
    if not loopback:
        say(
            "warning: there is no authentication: anyone who can reach this machine on "
            f"port {port} can use the tutor, as any learner."
        )
    sys.stdout.flush()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # textual-serve takes the loop it finds
    if hasattr(signal, "SIGHUP"):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal.SIGHUP, server.request_exit)
    try:
        server.serve()
    finally:
        loop.close()
    started = server.started
    click.echo(f"llmtutor serve stopped ({started} session{'s' if started != 1 else ''} served).")
    return 0


# --- the report -------------------------------------------------------------------------


def report(state_dir: Path, lesson_ids: Sequence[str], exercise_ids: Sequence[str]) -> str:
    """Each learner under `state_dir`: lessons finished, quiz scores, exercises passed."""
    from llmtutor.progress import FILE_NAME, CorruptProgress, read_saved

    found = learners(state_dir)
    if not found:
        return f"No learners in {visible(str(state_dir), one_line=True)} yet."
    order = {lesson: number for number, lesson in enumerate(lesson_ids)}
    blocks = []
    for learner in found:
        name = visible(learner.name, one_line=True)
        try:
            saved = read_saved(learner.folder / FILE_NAME)
        except (OSError, CorruptProgress) as error:
            blocks.append(f"{name}\n  progress cannot be read: {visible(str(error), True)}")
            continue
        lessons = sorted(saved.lessons, key=lambda lesson: (order.get(lesson, len(order)), lesson))
        finished = [lesson for lesson in lessons if saved.lessons[lesson].finished]
        passed = [
            exercise for exercise in sorted(saved.exercises) if saved.exercises[exercise].passed
        ]
        quizzes = []
        for lesson in lessons:
            entry = saved.lessons[lesson]
            if entry.last is not None:
                best = f" (best {entry.best})" if entry.best and entry.best != entry.last else ""
                quizzes.append(f"{lesson} {entry.last}{best}")
        lines = [
            f"{name}: {len(finished)} of {len(lesson_ids)} lessons finished, "
            f"{len(passed)} of {len(exercise_ids)} exercises passed",
            f"  finished:  {', '.join(finished) or '—'}",
            f"  quizzes:   {', '.join(quizzes) or '—'}",
            f"  exercises: {', '.join(passed) or '—'}",
        ]
        if saved.last_opened is not None and saved.last_opened in saved.lessons:
            entry = saved.lessons[saved.last_opened]
            lines.append(
                f"  last:      {saved.last_opened}, step {entry.step + 1} of {entry.steps}"
            )
        blocks.append("\n".join(lines))
    count = len(found)
    heading = f"{count} learner{'s' if count != 1 else ''} in {visible(str(state_dir), True)}"
    return heading + "\n\n" + "\n\n".join(blocks)


# --- the command ------------------------------------------------------------------------


class IdleMinutes(click.ParamType):
    """A number of minutes ≥ 0, fractions allowed (0: never)."""

    name = "MINUTES"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        try:
            minutes = float(str(value))
        except ValueError:
            minutes = math.nan
        if not math.isfinite(minutes) or minutes < 0:
            shown = path_excerpt(str(value))
            self.fail(f"{shown} is not a number of minutes, 0 or more (0: never)", param, ctx)
        return minutes


@click.command("serve")
@click.option(
    "--host",
    metavar="ADDRESS",
    default=DEFAULT_HOST,
    show_default=True,
    help="The address to listen on.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="The port to listen on.",
)
@click.option(
    "--state-dir",
    metavar="DIR",
    type=click.Path(),
    default=None,
    help="Where learners' progress is kept, a folder per learner (made when missing). "
    "Default: 'class' in your state directory.",
)
@click.option(
    "--max-sessions",
    type=click.IntRange(1, 1000),
    default=DEFAULT_SESSIONS,
    show_default=True,
    help="Browser tabs served at once; one more is told the tutor is full.",
)
@click.option(
    "--max-training",
    type=click.IntRange(0, 64),
    default=None,
    help="Training runs at once, over all learners (0: none). Default: one per two cores.",
)
@click.option(
    "--idle-timeout",
    type=IdleMinutes(),
    default=DEFAULT_IDLE_MINUTES,
    help="Minutes without input (keys, clicks, scrolling) before a tab's session ends, "
    "freeing its place: warned a minute ahead, never during a training run or a check, "
    "progress saved; reloading the page carries on. 0: never; fractions allowed. "
    f"Default: {DEFAULT_IDLE_MINUTES:g}.",
)
@click.option(
    "--report", is_flag=True, help="Print each learner's progress in --state-dir, and exit."
)
@click.pass_context
def serve_command(
    context: click.Context,
    host: str,
    port: int,
    state_dir: str | None,
    max_sessions: int,
    max_training: int | None,
    idle_timeout: float,
    report: bool,
) -> None:
    """Serve the tutor in web pages: each browser tab is a learner, with their own progress.

    Open the address it prints; add ?learner=NAME to skip the question of the learner's
    name. Needs textual-serve (pip install 'llmtutor[serve]').
    """
    from llmtutor.cli import UsageProblem, _catalog, _lessons_dirs

    if state_dir is None:
        from llmtutor.progress import default_state_dir

        folder = default_state_dir() / "class"
    else:
        folder = Path(state_dir)
    if report:
        _print_report(folder, _catalog(run=False).ids)
        return
    problem = state_dir_problem(str(folder))
    if problem:
        raise UsageProblem(problem)
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        raise UsageProblem("serving needs textual-serve: pip install 'llmtutor[serve]'") from None
    _catalog(run=False)  # a broken lesson file is said once, here, not in every session
    training = default_training_limit() if max_training is None else max_training
    try:
        limits = Limits(max_sessions, training, idle_timeout)
        status = serve(host, port, folder, limits, _lessons_dirs())
    except AddressProblem as error:
        raise UsageProblem(str(error)) from None
    sys.exit(status)


def _print_report(folder: Path, lesson_ids: Sequence[str]) -> None:
    from llmtutor.cli import UsageProblem
    from llmtutor.curriculum.exercises import load_exercises

    if not folder.is_dir():
        shown = path_excerpt(str(folder))
        raise UsageProblem(f"--state-dir: {shown} is not a folder of learners")
    exercises = load_exercises(lesson_order=list(lesson_ids)).ids
    click.echo(report(folder, lesson_ids, exercises))
