"""`llmcourse search`: where the course covers something, title matches first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run

Invoke = Callable[..., Run]


def _ids(run: Invoke, *words: str) -> list[str]:
    result = run("search", *words, "--json")
    assert result.exit_code == 0, result.stderr
    return [hit["id"] for hit in result.json()["hits"]]


def test_title_matches_come_first_and_case_does_not_matter(run: Invoke) -> None:
    ids = _ids(run, "ATTENTION")
    assert ids[0] == "scientist/architecture/attention-mechanisms"
    titles = [h["field"] for h in run("search", "attention", "--json").json()["hits"]]
    first_other = next(i for i, field in enumerate(titles) if field != "title")
    assert all(field != "title" for field in titles[first_other:])


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
