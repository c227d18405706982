"""`llmcourse search`: where the course covers something, title matches first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

Invoke = Callable[..., Run]


def _ids(run: Invoke, *words: str) -> list[str]:
    result = run("search", *words, "--json")
    assert result.exit_code == 0, result.stderr
    return [hit["id"] for hit in result.json()["hits"]]


def test_title_matches_come_first_then_topics_then_references(run: Invoke) -> None:
    ids = _ids(run, "ATTENTION")
    assert ids[0] == "scientist/architecture/attention-mechanisms"
    hits = run("search", "attention", "--json").json()["hits"]
    kinds = [h["kind"] == "reference" for h in hits]
    assert kinds == sorted(kinds)  # what to learn before what to read
    assert any(kinds) and not all(kinds)
    for reference in (False, True):
        titles = [h["field"] == "title" for h in hits if (h["kind"] == "reference") == reference]
        assert titles == sorted(titles, reverse=True), titles  # title hits first
    learn = [h["field"] == "title" for h in hits if h["kind"] != "reference"]
    assert any(learn) and not all(learn)


def test_every_word_must_be_found(run: Invoke) -> None:
    assert _ids(run, "flash", "attention") == ["engineer/inference-optimization/flash-attention"]
    assert _ids(run, "flash", "zzz-nothing") == []


def test_authors_summaries_and_link_texts_are_searched(run: Invoke) -> None:
    hits = run("search", "karpathy", "--json").json()["hits"]
    assert ("scientist/architecture/nanogpt", "author") in [(h["id"], h["field"]) for h in hits]
    hits = run("search", "Multi-Query", "--json").json()["hits"]
    assert ("engineer/inference-optimization/key-value-cache", "link") in [
        (h["id"], h["field"]) for h in hits
    ]
    fields = {h["field"] for h in run("search", "tokens", "--json").json()["hits"]}
    assert "summary" in fields


def test_each_hit_says_where_it_lives(run: Invoke) -> None:
    result = run("search", "tokenization")
    assert result.exit_code == 0
    assert "The LLM Scientist > 1. The LLM Architecture" in result.stdout
    hit = run("search", "tokenization", "--json").json()["hits"][0]
    assert (hit["kind"], hit["roadmap"], hit["section"]) == (
        "topic",
        "scientist",
        "scientist/architecture",
    )


def test_no_match_is_said_plainly(run: Invoke) -> None:
    result = run("search", "[red]zzz[/red]\x1b[2J")
    assert result.exit_code == 0
    assert "No match for [red]zzz[/red]\\x1b[2J" in result.stdout
    assert "\x1b" not in result.stdout


def test_matches_are_highlighted_on_a_terminal() -> None:
    import io

    from rich.console import Console

    from llmcourse import render, search
    from llmcourse.catalog import load_bundled
    from llmcourse.results import Found

    catalog = load_bundled()
    buffer = io.StringIO()
    out = Console(file=buffer, width=120, force_terminal=True, color_system="standard")
    render.draw(Found(catalog, "rlhf", search.search(catalog, "rlhf")), out)
    assert "\x1b[1;7mRLHF" in buffer.getvalue()
    # What matched is marked as the course writes it, not as the query was typed.
    for query, marked in [("tokenizer", "Tokenization"), ("quantisation", "Quantization")]:
        buffer.seek(0)
        buffer.truncate(0)
        render.draw(Found(catalog, query, search.search(catalog, query)), out)
        assert f"\x1b[1;7m{marked}\x1b[0m" in buffer.getvalue()


def test_unicode_forms_and_title_hits_first(run: Invoke, tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "example-roadmaps.toml"
    course = tmp_path / "course.toml"
    course.write_text(
        example.read_text("utf-8")
        .replace('title = "BM25"', 'title = "Große Attention"')
        .replace('author = "Manning, Raghavan and Schütze"', 'author = "Attention Team"'),
        encoding="utf-8",
    )
    decomposed = "Schu\u0308tze"
    hits = run("--roadmaps", str(course), "search", "attention", "--json").json()["hits"]
    assert hits[0]["field"] == "title"  # the title hit before the author hit
    assert [h["field"] for h in hits][-1] == "author"
    original = example.read_text("utf-8")
    course.write_text(original, encoding="utf-8")
    found = run("--roadmaps", str(course), "search", decomposed, "--json").json()["hits"]
    assert [h["id"] for h in found] == ["retrieval/keyword-search/ir-book"]


def test_a_folded_letter_does_not_shift_the_highlight() -> None:
    from llmcourse import render

    shown = render.highlighted("Große Attention", ["attention"])
    marked = [span for span in shown.spans if "reverse" in str(span.style)]
    assert [(shown.plain[s.start : s.end]) for s in marked] == ["Attention"]


@pytest.mark.usefixtures("piped")
def test_a_query_of_thousands_of_words_is_refused_at_once(run: Invoke) -> None:
    # Every word is looked for in every field of every node: 10,000 words took 40 seconds.
    import time

    started = time.perf_counter()
    result = run("search", *["e"] * 10_000)
    assert time.perf_counter() - started < 5
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: the search has 10000 words; llmcourse searches for at most 40. "
        "Search for a few words: every word must be found, so fewer find more\n"
    )
    refused = run("search", *["e"] * 41, "--json")
    assert refused.exit_code == 2
    assert refused.json()["error"]["code"] == "bad-value"
    assert run("search", *["e"] * 40, "--json").exit_code == 0


def test_a_query_past_400_characters_is_refused(run: Invoke) -> None:
    huge = run("search", "e" * 100_000)
    assert huge.exit_code == 2
    assert huge.stderr.startswith(
        "error: the search is 100000 characters long; llmcourse searches for at most 400."
    )
    assert run("search", "e" * 401).exit_code == 2
    assert run("search", "e" * 400).exit_code == 0


def test_a_pasted_summary_is_within_the_bounds(run: Invoke) -> None:
    from llmcourse import catalog, search

    course = catalog.load_bundled()
    node = max(course.nodes.values(), key=lambda n: len(getattr(n.item, "summary", "") or ""))
    summary = node.item.summary if node.item is not None else ""
    assert len(summary) > 200  # the longest the course has: a paste of it must work
    assert node.id in _ids(run, *summary.split())
    assert len(summary.split()) <= search.MAX_WORDS


def test_a_search_with_no_words_is_a_usage_error(run: Invoke) -> None:
    for query in ("", "   "):
        result = run("search", query)
        assert result.exit_code == 2
        assert "the search has no words" in result.stderr
