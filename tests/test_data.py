"""The bundled course: complete, in order, with unique ids and safe URLs."""

from __future__ import annotations

import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from llmcourse.catalog import Catalog, load_bundled
from llmcourse.models import Reference, Topic

DATA = Path(__file__).resolve().parents[1] / "data" / "roadmaps.toml"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_bundled()


def _of(catalog: Catalog, kind: str) -> list[str]:
    return [node.id for node in catalog.nodes.values() if node.kind == kind]


def test_the_whole_course_is_there(catalog: Catalog) -> None:
    assert len(_of(catalog, "roadmap")) == 3
    assert len(_of(catalog, "section")) == 20
    assert len(_of(catalog, "topic")) == 77
    assert len(_of(catalog, "reference")) == 104
    links = [
        link
        for node in catalog.nodes.values()
        if isinstance(node.item, Topic)
        for link in node.item.links
    ]
    assert len(links) == 69


def test_roadmaps_and_sections_are_in_course_order(catalog: Catalog) -> None:
    assert [r.id for r in catalog.roadmaps] == ["fundamentals", "scientist", "engineer"]
    assert [r.title for r in catalog.roadmaps] == [
        "LLM Fundamentals",
        "The LLM Scientist",
        "The LLM Engineer",
    ]
    assert [r.optional for r in catalog.roadmaps] == [True, False, False]
    for roadmap in catalog.roadmaps:
        assert [s.number for s in roadmap.sections] == list(range(1, len(roadmap.sections) + 1))
    scientist = catalog.roadmaps[1]
    assert [s.title for s in scientist.sections] == [
        "The LLM Architecture",
        "Pre-Training Models",
        "Post-Training Datasets",
        "Supervised Fine-Tuning",
        "Preference Alignment",
        "Evaluation",
        "Quantization",
        "New Trends",
    ]
    assert [t.title for t in scientist.sections[0].topics] == [
        "Architectural overview",
        "Tokenization",
        "Attention mechanisms",
        "Sampling techniques",
    ]
    assert sum(len(s.topics) for s in scientist.sections) == 32
    assert catalog.roadmaps[2].sections[-1].title == "Securing LLMs"


def test_facts_are_exact(catalog: Catalog) -> None:
    nanogpt = catalog.resolve("scientist/architecture/nanogpt").item
    assert isinstance(nanogpt, Reference)
    assert nanogpt.title == "nanoGPT"
    assert nanogpt.author == "Andrej Karpathy"
    assert nanogpt.url == "https://www.youtube.com/watch?v=kCc8FmEb1nY"
    assert nanogpt.kind == "video"
    blog = catalog.resolve("engineer/deployment/philschmid-blog").item
    assert isinstance(blog, Reference)
    assert blog.title == "Philschmid\u00a0blog"  # the course writes a no-break space here
    exllamav2 = catalog.resolve("notebooks/exllamav2").item
    assert exllamav2.title == "ExLlamaV2: The Fastest Library to Run\u00a0LLMs"  # and here


def test_every_section_has_topics_and_references(catalog: Catalog) -> None:
    for roadmap in catalog.roadmaps:
        for section in roadmap.sections:
            assert section.topics, section.id
            assert section.references, section.id


def test_everything_has_a_summary_of_its_own(catalog: Catalog) -> None:
    for node in catalog.nodes.values():
        if node.kind == "reference":
            continue
        item = node.item or node.section or node.roadmap
        summary = getattr(item, "summary", "")
        assert 20 <= len(summary) <= 260, node.id


def test_every_url_is_http_or_https(catalog: Catalog) -> None:
    urls = []
    for node in catalog.nodes.values():
        if isinstance(node.item, Reference):
            urls.append(node.item.url)
        if isinstance(node.item, Topic):
            urls.extend(link.url for link in node.item.links)
    assert len(urls) == 104 + 69
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.netloc, url


def test_ids_are_unique_where_they_live() -> None:
    data = tomllib.loads(DATA.read_text("utf-8"))
    roadmap_ids = [r["id"] for r in data["roadmaps"]]
    assert len(roadmap_ids) == len(set(roadmap_ids))
    for roadmap in data["roadmaps"]:
        section_ids = [s["id"] for s in roadmap["sections"]]
        assert len(section_ids) == len(set(section_ids))
        for section in roadmap["sections"]:
            ids = [t["id"] for t in section["topics"]] + [r["id"] for r in section["references"]]
            assert len(ids) == len(set(ids)), section["id"]


def test_full_ids_are_unique_and_shaped(catalog: Catalog) -> None:
    assert len(catalog.nodes) == 3 + 20 + 77 + 104 + 23  # and the notebooks
    assert "scientist/architecture/tokenization" in catalog.nodes
    for node_id, node in catalog.nodes.items():
        depth = {"roadmap": 1, "section": 2, "topic": 3, "reference": 3, "notebook": 2}[node.kind]
        assert node_id.count("/") == depth - 1
