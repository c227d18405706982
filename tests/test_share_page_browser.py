"""The page `export --format html` writes, in a real browser: Debian's chromium, driven headless
by Playwright with its networking off. What a person sees (the text, the layout at phone and
desktop sizes, light and dark, on paper) and that the page asks for nothing.

Where `LLMCOURSE_REQUIRE_BROWSER=1` (as `.ci/run` sets it) a missing browser fails these tests;
elsewhere they skip and say how to install one. `LLMCOURSE_CHROMIUM` names another Chromium
(Chrome, `chromium-browser`) than the `chromium` on PATH. `LLMCOURSE_UPDATE_SCREENSHOT=1` writes the
README's screenshot, `docs/progress-page.png`, from the desktop run.
"""

from __future__ import annotations

import os
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import Run
from llmcourse import session

Invoke = Callable[..., Run]

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "progress-page.png"
INSTALL = (
    "a browser is needed for the page's browser tests: install Debian's chromium "
    "(apt-get install -y --no-install-recommends chromium) and the test extra "
    "(pip install -e '.[test]'), or name another Chromium in LLMCOURSE_CHROMIUM"
)
# Headless and as root (as CI runs): no sandbox, no GPU, and none of the browser's own
# requests (updates, sync, QUIC probes), so that every request seen is the page's.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _required() -> bool:
    return os.environ.get("LLMCOURSE_REQUIRE_BROWSER", "") == "1"


def _missing(why: str) -> None:
    if _required():
        pytest.fail(f"{why}; LLMCOURSE_REQUIRE_BROWSER=1 asks for the browser tests to run")
    pytest.skip(f"{why}: {INSTALL}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed")
    executable = os.environ.get("LLMCOURSE_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        _missing("no chromium on PATH")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[datetime], None]]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(session, "utc_now", lambda: moment)

    yield set_to
    monkeypatch.undo()
    time.tzset()


# A learner's six weeks: what was done (or begun, or skipped) on which day.
STUDY = [
    (0, "done", ["fundamentals/1/1", "fundamentals/1/2"]),
    (1, "done", ["fundamentals/1/3", "3blue1brown-essence-linear-algebra"]),
    (3, "done", ["fundamentals/2/1", "fundamentals/2/2", "fundamentals/2/3"]),
    (4, "skip", ["fundamentals/2/4"]),
    (8, "done", ["fundamentals/3/1", "fundamentals/3/2"]),
    (9, "done", ["fundamentals/3/3", "fundamentals/3/4"]),
    (14, "done", ["scientist/1/1", "scientist/1/2"]),
    (15, "done", ["scientist/1/3", "scientist/architecture/nanogpt"]),
    (16, "done", ["scientist/1/4", "scientist/architecture/llm-visualization"]),
    (21, "done", ["scientist/2/1"]),
    (22, "done", ["scientist/2/2", "scientist/2/3"]),
    (28, "done", ["scientist/3/1", "scientist/3/2"]),
    (29, "done", ["engineer/1/1", "engineer/1/2"]),
    (33, "done", ["scientist/2/4", "scientist/pre-training/fineweb"]),
    (34, "done", ["scientist/3/3"]),
    (35, "done", ["engineer/1/3"]),
    (36, "start", ["scientist/4/1"]),
    (36, "start", ["fundamentals/4/1"]),
]
FIRST_DAY = datetime(2026, 10, 19, 20, 30, tzinfo=UTC)
MADE = FIRST_DAY + timedelta(days=36)  # 24 November 2026, a Tuesday


@pytest.fixture
def learner(run: Invoke, clock: Callable[[datetime], None], tmp_path: Path) -> Path:
    """The page of a learner some weeks in, written to a file, as of `MADE`."""
    for day, command, ids in STUDY:
        clock(FIRST_DAY + timedelta(days=day))
        result = run(command, *ids)
        assert result.exit_code == 0, result.stderr
    page = tmp_path / "progress.html"
    assert run("export", "--format", "html", "-o", str(page)).exit_code == 0
    return page


class Visit:
    """A page opened in the browser, with every request it made and every console message."""

    def __init__(self, browser: Any, path: Path, **context: Any) -> None:
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.refused: list[str] = []
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.failed: dict[str, str] = {}
        self.context = browser.new_context(offline=True, **context)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.on("dialog", self._dialog)
        self.page.on(
            "requestfailed", lambda request: self.failed.update({request.url: request.failure})
        )
        self.page.goto(self.url)

    def _route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:  # anything else the page would fetch: refused, and recorded
            self.refused.append(route.request.url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def style(self, selector: str, prop: str) -> str:
        value = self.page.eval_on_selector(selector, f"element => getComputedStyle(element).{prop}")
        assert isinstance(value, str)
        return value

    def text(self) -> str:
        value = self.page.inner_text("body")
        assert isinstance(value, str)
        return value

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Callable[..., Visit]]:
    opened: list[Visit] = []

    def open_page(path: Path, **context: Any) -> Visit:
        opened.append(Visit(browser, path, **context))
        return opened[-1]

    yield open_page
    for each in opened:
        each.close()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_page_shows_the_course_and_asks_for_nothing(
    learner: Path, visit: Callable[..., Visit]
) -> None:
    seen = visit(learner, viewport=DESKTOP)
    text = seen.text()
    for words in (
        "The LLM Course",
        "LLM Fundamentals",
        "The LLM Scientist",
        "The LLM Engineer",
        "Mathematics for Machine Learning",
        "Tokenization",
        "Securing LLMs",
        "24 November 2026",
    ):
        assert words in text, words
    # 24 of the 76 topics that count (one skipped; the optional roadmap counts once begun).
    assert "32%" in text and "24 of 76" in text
    assert "4/4 topics\n100%" in text and "TOPICS DONE" in text  # as styled: in capitals
    assert seen.requests == [seen.url]
    assert seen.refused == [] and seen.console == [] and seen.dialogs == []
    # The style applied (a policy that refused it would say so on the console, and the page
    # would be unstyled): a topic done is green, and so is its mark.
    assert seen.style(".topic.done", "backgroundColor") == "rgb(227, 245, 232)"
    assert seen.style(".topic.done .mark", "color") == "rgb(31, 138, 68)"


def test_the_page_runs_no_script_even_one_put_into_it(
    learner: Path, visit: Callable[..., Visit]
) -> None:
    seen = visit(learner)
    ran = seen.page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.ran = true";
            document.body.append(script);
            const image = document.createElement("img");
            image.src = "https://example.org/pixel.png";
            document.body.append(image);
            return window.ran === true;
        }"""
    )
    seen.page.wait_for_timeout(200)
    assert ran is False
    assert any("Content Security Policy" in message for message in seen.console)
    # The browser asked for the image, and its policy stopped it before the network.
    assert seen.failed == {"https://example.org/pixel.png": "csp"}
    assert seen.refused == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("size", "columns"), [(PHONE, 1), (DESKTOP, 4)])
def test_the_page_fits_a_phone_and_a_wide_screen(
    learner: Path,
    visit: Callable[..., Visit],
    tmp_path: Path,
    scheme: str,
    size: dict[str, int],
    columns: int,
) -> None:
    seen = visit(learner, viewport=size, color_scheme=scheme)
    page = seen.page
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    # The sections of a roadmap: a column on a phone, side by side on a wide screen.
    lefts = page.eval_on_selector_all(
        "#scientist .section", "cards => cards.map(c => Math.round(c.getBoundingClientRect().x))"
    )
    assert len(set(lefts)) == columns
    background = seen.style("body", "backgroundColor")
    assert background == ("rgb(244, 245, 248)" if scheme == "light" else "rgb(14, 17, 23)")
    shot = tmp_path / f"{size['width']}-{scheme}.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = _png_size(shot)
    assert width == size["width"] and height > size["height"]
    if size is DESKTOP and scheme == "light" and os.environ.get("LLMCOURSE_UPDATE_SCREENSHOT"):
        page.screenshot(path=str(SCREENSHOT))  # the first screen: the README's picture
    assert seen.refused == [] and seen.console == []


def test_the_page_prints(learner: Path, visit: Callable[..., Visit]) -> None:
    seen = visit(learner, color_scheme="dark")
    seen.page.emulate_media(media="print")
    # On paper: black on white whatever the screen's scheme, marks and borders for the status.
    assert seen.style("body", "backgroundColor") == "rgb(255, 255, 255)"
    assert seen.style(".topic.done", "backgroundColor") == "rgb(255, 255, 255)"
    assert seen.style(".topic.done", "borderTopWidth") == "2px"
    pdf = seen.page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") > 1


def test_hostile_titles_and_notes_show_as_text_in_the_browser(
    run: Invoke, tmp_path: Path, visit: Callable[..., Visit]
) -> None:
    course = (ROOT / "docs" / "example-roadmaps.toml").read_text("utf-8")
    path = tmp_path / "hostile.toml"
    path.write_text(
        course.replace('title = "BM25"', 'title = "<script>alert(1)</script>"').replace(
            'title = "Keyword Search"', 'title = "\\"><svg onload=alert(2)>"'
        ),
        encoding="utf-8",
    )
    run("--roadmaps", str(path), "note", "bm25", "<img src=x onerror=alert(3)>")
    page = tmp_path / "hostile.html"
    result = run("--roadmaps", str(path), "export", "-f", "html", "--with-notes", "-o", str(page))
    assert result.exit_code == 0, result.stderr
    seen = visit(page)
    text = seen.text()
    assert "<script>alert(1)</script>" in text
    assert '"><svg onload=alert(2)>' in text
    assert "<img src=x onerror=alert(3)>" in text
    assert seen.page.evaluate("document.querySelectorAll('script, img').length") == 0
    assert seen.dialogs == [] and seen.refused == [] and seen.requests == [seen.url]


def test_a_word_wider_than_a_phone_breaks_and_the_page_fits(
    run: Invoke, tmp_path: Path, visit: Callable[..., Visit]
) -> None:
    """A roadmap file's course title, author, roadmap title and summary, section title and
    topic title, each one long word: on the narrowest phone each breaks within its box, and
    the page does not scroll sideways."""
    word = "Supercalifragilistic" * 8
    course = (ROOT / "docs" / "example-roadmaps.toml").read_text("utf-8")
    for before in (
        'title = "Introduction to Retrieval"',
        'author = "A. Teacher"',
        'title = "Retrieval for Beginners"',
        'summary = "From keyword search to dense vectors, in two evenings."',
        'title = "Keyword Search"',
        'title = "BM25"',
    ):
        key = before.split(" = ")[0]
        course = course.replace(before, f'{key} = "{key.title()} {word}"', 1)
    path = tmp_path / "long.toml"
    path.write_text(course, encoding="utf-8")
    page = tmp_path / "long.html"
    result = run("--roadmaps", str(path), "export", "-f", "html", "-o", str(page))
    assert result.exit_code == 0, result.stderr
    narrow = {"width": 320, "height": 640}
    seen = visit(page, viewport=narrow)
    assert seen.text().count(word[:40]) >= 6  # every long word is on the page
    assert seen.page.evaluate("document.documentElement.scrollWidth") <= narrow["width"]
    # Broken within the page, not cut off by it: no box is wider than the screen.
    wider = seen.page.evaluate(
        """width => [...document.querySelectorAll("body *")]
            .filter(element => element.getBoundingClientRect().right > width)
            .map(element => element.tagName)""",
        narrow["width"],
    )
    assert wider == []


def test_the_readme_screenshot_is_of_the_page() -> None:
    """The README shows docs/progress-page.png: the first screen of a desktop browser."""
    assert _png_size(SCREENSHOT) == (DESKTOP["width"], DESKTOP["height"])
    assert SCREENSHOT.stat().st_size < 400_000
