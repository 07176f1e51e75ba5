"""A served tutor for the tests: `llmtutor serve` started on a free loopback port, and a
web-socket client that speaks textual-serve's protocol as the page's script does."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

SERVE = [sys.executable, "-m", "llmtutor", "serve"]
DEADLINE = 60.0  # a bound for a wait that has already failed; each returns when it can
# Escape sequences: CSI (with private parameters), OSC, DCS and other strings, and the
# two-character ones. What is left of Textual's output is the screen's text, in the order
# it was drawn.
ANSI = re.compile(
    r"\x1b\[[0-9;?<>=:]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]|\x1b[()][0-9A-Za-z]"
)
KEYS = {"enter": "\r", "down": "\x1b[B", "right": "\x1b[C", "end": "\x1b[F", "escape": "\x1b"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """`llmtutor serve` running in its own process, its output collected."""

    def __init__(self, state_dir: Path, *options: str) -> None:
        self.port = free_port()
        self.state_dir = state_dir
        self.url = f"http://127.0.0.1:{self.port}"
        environment = dict(os.environ, PYTHONUNBUFFERED="1", COLUMNS="100")
        self.process = subprocess.Popen(
            [*SERVE, "--port", str(self.port), "--state-dir", str(state_dir), *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
            text=True,
        )
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5):
                    return
            except urllib.error.HTTPError:
                return  # it answers: up
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"llmtutor serve did not start:\n{self.output}") from None
                time.sleep(0.1)

    output = ""

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def stop(self, sig: int = signal.SIGINT) -> int:
        """Stop it as Ctrl+C does; its exit status. Its output is then in `output`."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.output, _ = self.process.communicate(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output, _ = self.process.communicate()
            raise AssertionError(f"llmtutor serve did not stop:\n{self.output}") from None
        return self.process.returncode


class Tab:
    """One browser tab's web socket: what the session drew, as text, and keys to send."""

    def __init__(self, websocket: Any) -> None:
        self.websocket = websocket
        self.text = ""  # everything drawn so far, escape sequences taken out
        self.closed = False
        self.close_code: int | None = None  # the server's, once it closed the socket
        self.close_reason = ""

    @classmethod
    async def open(cls, served: Served, path: str = "/ws", size: tuple[int, int] = (100, 30)):
        import aiohttp

        session = aiohttp.ClientSession()
        width, height = size
        url = f"{served.url}{path}?width={width}&height={height}"
        websocket = await session.ws_connect(url)
        tab = cls(websocket)
        tab._session = session
        return tab

    async def wait_for(self, *texts: str, deadline: float = DEADLINE) -> str:
        """Read until every one of `texts` has been drawn since the last `mark`."""
        end = time.monotonic() + deadline
        while not all(text in self.text for text in texts):
            left = end - time.monotonic()
            if left <= 0 or self.closed:
                missing = [text for text in texts if text not in self.text]
                raise AssertionError(f"never drawn: {missing}; drawn:\n{self.text[-3000:]}")
            await self._read(left)
        return self.text

    async def wait_closed(self, deadline: float = DEADLINE) -> None:
        """Read until the server closes the socket (the session ended)."""
        end = time.monotonic() + deadline
        while not self.closed:
            if time.monotonic() > end:
                raise AssertionError(f"the socket stayed open; drawn:\n{self.text[-3000:]}")
            await self._read(0.2)

    async def wait_open(self, seconds: float) -> None:
        """Read for `seconds`, failing if the socket closes meanwhile: for a session that
        must go on at least that long (never to ask that something be quick)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.closed:
                raise AssertionError(f"the session ended; drawn:\n{self.text[-3000:]}")
            await self._read(min(left, 0.2))
        if self.closed:
            raise AssertionError(f"the session ended; drawn:\n{self.text[-3000:]}")

    async def _read(self, timeout: float) -> None:
        import aiohttp

        try:
            message = await self.websocket.receive(timeout=timeout)
        except TimeoutError:
            return
        if message.type == aiohttp.WSMsgType.BINARY:
            self.text += ANSI.sub("", message.data.decode("utf-8", "replace"))
        elif message.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.ERROR,
        ):
            if message.type == aiohttp.WSMsgType.CLOSE:
                self.close_code, self.close_reason = message.data, message.extra or ""
            self.closed = True

    def mark(self) -> None:
        """Forget what was drawn so far: the next wait looks at what is drawn from now."""
        self.text = ""

    async def press(self, *keys: str, pause: float = 0.15) -> None:
        for key in keys:
            await self.websocket.send_str(json.dumps(["stdin", KEYS.get(key, key)]))
            await asyncio.sleep(pause)

    async def close(self) -> None:
        await self.websocket.close()
        await self._session.close()


def session_of(served: Served, learner: str) -> int:
    """The process id of the session the server runs for `learner` (Linux: from /proc)."""
    wanted = f"LLMTUTOR_LEARNER={learner}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        parent = next(line for line in status.splitlines() if line.startswith("PPid:"))
        if int(parent.split()[1]) == served.process.pid and wanted in environment:
            return int(entry.name)
    raise AssertionError(f"no session of {learner}")


def wait_until(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)
