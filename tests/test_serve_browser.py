"""`llmtutor serve` in a real browser: Debian's Chromium, driven by Playwright's Python
package (which is told where Chromium is, and never downloads a browser of its own).

xterm.js draws the tutor on a canvas, so the page's text cannot be read from the DOM: the
test checks that the keys it pressed reached the tutor by the progress saved for the
learner, and keeps a screenshot of each screen (in $LLMTUTOR_SCREENSHOTS when set, for a
person to look at; otherwise in the test's folder).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import DEADLINE, Served, wait_until

from llmtutor.progress import FILE_NAME, read_saved

pytest.importorskip("textual_serve", reason="llmtutor serve needs textual-serve")
playwright = pytest.importorskip("playwright.sync_api", reason="needs Playwright's package")

CHROMIUM = next(
    (
        path
        for path in (shutil.which("chromium"), "/usr/bin/chromium")
        if path and Path(path).exists()
    ),
    None,
)
if CHROMIUM is None:
    reason = "no Chromium (apt-get install chromium): the browser journey is skipped"
    print(f"test_serve_browser: {reason}")
    pytestmark = pytest.mark.skip(reason=reason)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LLMTUTOR_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _first_screen(page: object) -> None:
    """Wait until the tutor has drawn: the page marks its body once the first bytes came."""
    page.wait_for_selector("body.-first-byte", timeout=DEADLINE * 1000)  # type: ignore[attr-defined]
    time.sleep(0.5)  # the rest of the first screen


def test_two_learners_in_two_tabs_of_chromium(browser: object, shots: Path, tmp_path: Path) -> None:
    server = Served(tmp_path / "class")
    try:
        context = browser.new_context(viewport={"width": 1100, "height": 700})  # type: ignore[attr-defined]
        ana = context.new_page()
        ana.goto(f"{server.url}/?learner=Ana")
        _first_screen(ana)
        ana.screenshot(path=str(shots / "1-home-ana.png"))
        ana.click("#terminal")  # keys go to the terminal once it has the focus
        ana.keyboard.press("Enter")  # the first lesson
        time.sleep(1.0)  # opened (a key pressed before that goes to the list)
        ana.keyboard.press("ArrowRight")
        ana.keyboard.press("ArrowRight")
        time.sleep(1.0)
        ana.screenshot(path=str(shots / "2-lesson-ana.png"))

        # A second tab, with no name in its address: the tutor asks for one.
        bo = context.new_page()
        bo.goto(server.url + "/")
        _first_screen(bo)
        bo.screenshot(path=str(shots / "3-name-asked.png"))
        bo.click("#terminal")
        bo.keyboard.type("Bo")
        bo.keyboard.press("Enter")
        time.sleep(0.5)
        bo.keyboard.press("ArrowDown")
        bo.keyboard.press("Enter")  # the second lesson
        time.sleep(1.0)
        bo.screenshot(path=str(shots / "4-lesson-bo.png"))

        saved = {name: tmp_path / "class" / "learners" / name / FILE_NAME for name in ("ana", "bo")}
        wait_until(lambda: all(path.exists() for path in saved.values()), "progress saved")
        wait_until(lambda: "loss" in read_saved(saved["ana"]).lessons, "ana's lesson")
        wait_until(lambda: "gradients" in read_saved(saved["bo"]).lessons, "bo's lesson")
        assert read_saved(saved["ana"]).lessons["loss"].step == 2
        assert set(read_saved(saved["ana"]).lessons) == {"loss"}
        assert set(read_saved(saved["bo"]).lessons) == {"gradients"}

        # A closed tab ends its session; the server goes on serving the other.
        ana.close()
        bo.keyboard.press("q")
        time.sleep(0.5)
        bo.screenshot(path=str(shots / "5-home-bo.png"))
        context.close()
    finally:
        assert server.stop() == 0
    for shot in shots.glob("*.png"):
        assert shot.stat().st_size > 10_000, f"{shot.name} looks empty"
