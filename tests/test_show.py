"""`llmcourse show`: a roadmap, a section, a topic or a reference."""

from __future__ import annotations

from collections.abc import Callable

from conftest import Run

Invoke = Callable[..., Run]


def test_a_section_shows_summary_topics_and_references(run: Invoke) -> None:
    run("done", "tokenization")
    result = run("show", "scientist/1")
    assert result.exit_code == 0
    out = result.stdout
    assert "The LLM Architecture" in out
    assert "scientist/architecture" in out
    assert "1 of 4 topics done" in out
    assert "Topics" in out and "References" in out
    for title in ("Architectural overview", "Sampling techniques", "nanoGPT", "Andrej Karpathy"):
        assert title in out
    assert "https://www.youtube.com/watch?v=kCc8FmEb1nY" in out
    line = next(line for line in out.splitlines() if "Tokenization" in line)
    assert "✓" in line


def test_the_ids_shown_for_a_section_can_be_typed_back(run: Invoke) -> None:
    out = run("show", "scientist/pre-training").stdout
    assert "pre-training/monitoring" in out  # "monitoring" alone would be ambiguous
    assert run("show", "pre-training/monitoring").exit_code == 0


def test_a_topic_shows_summary_links_and_when_done(run: Invoke) -> None:
    before = run("show", "scientist/quantization/gptq-awq")
    assert "not started" in before.stdout
    assert "EXL2" in before.stdout
    assert "https://github.com/turboderp/exllamav2" in before.stdout
    run("done", "gptq-awq")
    after = run("show", "gptq-awq")
    assert "done (since " in after.stdout
    assert "The LLM Scientist > 7. Quantization" in after.stdout


def test_a_roadmap_shows_its_sections(run: Invoke) -> None:
    out = run("show", "engineer").stdout
    assert "The LLM Engineer" in out
    assert "0 of 30 topics done" in out
    assert "Securing LLMs" in out


def test_a_reference_shows_its_details(run: Invoke) -> None:
    out = run("show", "owasp-llm-top-10").stdout
    assert "OWASP LLM Top 10" in out
    assert "HEGO Wiki" in out
    assert "website" in out
    assert "not read" in out


def test_show_json_for_each_kind(run: Invoke) -> None:
    run("done", "tokenization", "nanogpt")
    section = run("show", "architecture", "--json").json()["section"]
    assert section["id"] == "scientist/architecture"
    assert section["roadmap"] == "scientist"
    assert (section["done"], section["total"]) == (1, 4)
    assert [t["status"] for t in section["topics"]] == ["not-started", "done"] + ["not-started"] * 2
    reference = section["references"][2]
    assert reference == {
        "id": "scientist/architecture/nanogpt",
        "title": "nanoGPT",
        "author": "Andrej Karpathy",
        "kind": "video",
        "url": "https://www.youtube.com/watch?v=kCc8FmEb1nY",
        "status": "done",
        "changed": reference["changed"],
    }
    topic = run("show", "scientist/5/2", "--json").json()["topic"]
    assert topic["id"] == "scientist/preference-alignment/direct-preference-optimization"
    assert topic["links"] == [
        {"text": "Direct Preference Optimization", "url": "https://arxiv.org/abs/2305.18290"}
    ]
    assert topic["section"] == "scientist/preference-alignment"
    roadmap = run("show", "fundamentals", "--json").json()["roadmap"]
    assert roadmap["optional"] is True
    assert len(roadmap["sections"]) == 4
    assert roadmap["sections"][0]["topics"][0]["id"] == "fundamentals/mathematics/linear-algebra"


def test_an_ambiguous_id_lists_candidates_with_exit_2(run: Invoke) -> None:
    result = run("show", "evaluation")
    assert result.exit_code == 2
    assert "scientist/evaluation" in result.stderr
    assert "engineer/rag/evaluation" in result.stderr
    assert result.stdout == ""
    as_json = run("show", "evaluation", "--json")
    assert as_json.exit_code == 2
    assert as_json.json()["error"]["code"] == "ambiguous-id"
