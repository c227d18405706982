"""`llmcourse list`: roadmaps, sections, and with --topics every topic."""

from __future__ import annotations

from collections.abc import Callable

from conftest import Run

Invoke = Callable[..., Run]


def test_lists_roadmaps_then_sections_in_order(run: Invoke) -> None:
    result = run("list")
    assert result.exit_code == 0
    assert result.stderr == ""
    out = result.stdout
    order = [
        "LLM Fundamentals",
        "Mathematics for Machine Learning",
        "The LLM Scientist",
        "The LLM Architecture",
        "New Trends",
        "The LLM Engineer",
        "Securing LLMs",
    ]
    positions = [out.index(title) for title in order]
    assert positions == sorted(positions)
    assert "(optional)" in out
    assert "0/32" in out
    assert "Tokenization" not in out


def test_topics_show_with_their_status(run: Invoke) -> None:
    run("done", "tokenization")
    result = run("list", "scientist", "--topics")
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if "Tokenization" in line)
    assert "✓" in line
    other = next(line for line in result.stdout.splitlines() if "Attention mechanisms" in line)
    assert "✓" not in other
    assert "LLM Fundamentals" not in result.stdout


def test_list_json_nests_as_the_course_does(run: Invoke) -> None:
    run("done", "tokenization")
    doc = run("list", "--json").json()
    assert doc["schema_version"] == 1
    course = doc["course"]
    # The optional LLM Fundamentals, not started, is listed but not counted.
    assert (course["id"], course["title"], course["done"], course["total"]) == (
        "llm-course",
        "The LLM Course",
        1,
        62,
    )
    assert course["not_counted"] == ["fundamentals"]
    assert [r["id"] for r in course["roadmaps"]] == ["fundamentals", "scientist", "engineer"]
    section = course["roadmaps"][1]["sections"][0]
    assert section["id"] == "scientist/architecture"
    assert (section["done"], section["total"], section["complete"]) == (1, 4, False)
    assert "topics" not in section
    with_topics = run("list", "scientist", "--topics", "--json").json()
    topic = with_topics["course"]["roadmaps"][0]["sections"][0]["topics"][1]
    assert topic["id"] == "scientist/architecture/tokenization"
    assert topic["number"] == "scientist/1/2"
    assert topic["status"] == "done"
    assert topic["changed"].endswith("+00:00")


def test_an_unknown_roadmap_is_a_usage_error(run: Invoke) -> None:
    result = run("list", "scientists")
    assert result.exit_code == 2
    assert "scientist" in result.stderr
    assert result.stdout == ""
