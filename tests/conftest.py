"""Shared test set-up: no test ever reads or writes the real user's progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmtutor.progress import STATE_DIR_ENV


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty state directory for every test, in $LLMTUTOR_STATE_DIR: anything that
    resolves the user's state directory (the CLI's "auto") lands here, not in the home.

    The terminal journeys run the tutor under tmux, and a tmux server that is already
    running (the developer's own, say) would start it with the server's environment, not
    ours. So each test also gets its own tmux socket directory: its own server, started
    with this environment.
    """
    directory = tmp_path / "llmtutor-state"
    monkeypatch.setenv(STATE_DIR_ENV, str(directory))
    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path))
    monkeypatch.delenv("TMUX", raising=False)  # inside tmux, this names the running server
    return directory
