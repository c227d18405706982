"""`llmcourse open`: a reference in the browser, through the standard webbrowser module."""

from __future__ import annotations

import webbrowser
from collections.abc import Callable

import pytest

from conftest import Run

Invoke = Callable[..., Run]

VISUAL_INTRO = "https://www.youtube.com/watch?v=wjZofJX0v4M"
LLM_VISUALIZATION = "https://bbycroft.net/llm"
NANOGPT = "https://www.youtube.com/watch?v=kCc8FmEb1nY"


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []

    def fake_open(url: str, *_: object, **__: object) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", fake_open)
    return opened


def test_a_reference_opens_its_url(run: Invoke, browser: list[str]) -> None:
    result = run("open", "nanogpt")
    assert result.exit_code == 0, result.stderr
    assert browser == [NANOGPT]
    assert result.stderr.startswith("opened nanoGPT: ")


def test_a_topic_opens_its_sections_first_unread_reference(run: Invoke, browser: list[str]) -> None:
    run("open", "tokenization")
    run("done", "visual-intro-to-transformers")
    run("open", "scientist/1/2")
    run("open", "scientist/1", "--ref", "5")
    assert browser[:2] == [VISUAL_INTRO, LLM_VISUALIZATION]
    assert browser[2].startswith("https://mlabonne.github.io/")


def test_print_prints_and_opens_nothing(run: Invoke, browser: list[str]) -> None:
    result = run("open", "nanogpt", "--print")
    assert result.stdout == NANOGPT + "\n"
    assert browser == []


def test_without_a_browser_the_url_is_printed(run: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda *_, **__: False)
    result = run("open", "nanogpt")
    assert result.exit_code == 0
    assert result.stdout == NANOGPT + "\n"
    assert "no browser" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["scientist"], "is a roadmap"),
        (["scientist/1", "--ref", "9"], "lists 6 links and references, not 9"),
        (["nanogpt", "--ref", "1"], "is a reference itself"),
        (["no-such-thing"], "no roadmap, section, topic or reference"),
    ],
)
def test_what_cannot_be_opened_is_a_usage_error(
    run: Invoke, browser: list[str], args: list[str], says: str
) -> None:
    result = run("open", *args)
    assert result.exit_code == 2
    assert says in result.stderr
    assert browser == []


def test_only_http_and_https_are_ever_opened(browser: list[str]) -> None:
    from llmcourse.desktop import open_in_browser
    from llmcourse.errors import RoadmapFileError

    for url in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,x"):
        with pytest.raises(RoadmapFileError):
            open_in_browser(url)
    assert browser == []


def test_a_skipped_reference_is_not_opened_for_a_topic(run: Invoke, browser: list[str]) -> None:
    run("skip", "visual-intro-to-transformers")
    run("open", "tokenization")
    assert browser == [LLM_VISUALIZATION]


def test_a_topic_opens_its_own_link_first_and_numbers_its_section_references_after(
    run: Invoke,
) -> None:
    llama = run("open", "--print", "gguf-llama-cpp")
    assert llama.stdout == "https://github.com/ggerganov/llama.cpp\n"
    second = run("open", "--print", "gguf-llama-cpp", "--ref", "2")
    first_reference = run("show", "scientist/7", "--json").json()["section"]["references"][0]
    assert second.stdout == first_reference["url"] + "\n"
    shown = run("show", "gguf-llama-cpp").stdout
    assert "References of 7. Quantization" in shown
    assert "\n1   llama.cpp" in shown and "\n2 · Introduction to quantization" in shown


def test_a_topic_shows_its_section_references_with_their_status(run: Invoke) -> None:
    run("done", "nanogpt")
    shown = run("show", "tokenization").stdout
    assert "\n3 ✓ nanoGPT" in shown or "\n3   ✓   nanoGPT" in shown
    topic = run("show", "tokenization", "--json").json()["topic"]
    statuses = {ref["id"]: ref["status"] for ref in topic["section_references"]}
    assert statuses["scientist/architecture/nanogpt"] == "done"
    assert len(statuses) == 5
