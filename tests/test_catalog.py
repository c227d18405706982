"""Loading roadmap files and resolving the ids a learner types."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmcourse import catalog as catalog_module
from llmcourse.catalog import Catalog, load_bundled, parse
from llmcourse.errors import AmbiguousIdError, RoadmapFileError, UnknownIdError

CATALOG = load_bundled()

MINIMAL = """
schema_version = 1
[course]
id = "demo"
title = "Demo"
[[roadmaps]]
id = "one"
title = "One"
[[roadmaps.sections]]
id = "basics"
number = 1
title = "Basics"
[[roadmaps.sections.topics]]
id = "first"
title = "First"
[[roadmaps.sections.references]]
id = "a-book"
title = "A book"
url = "https://example.org/book"
"""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("scientist/architecture/tokenization", "scientist/architecture/tokenization"),
        ("tokenization", "scientist/architecture/tokenization"),
        ("architecture/tokenization", "scientist/architecture/tokenization"),
        ("scientist/1/2", "scientist/architecture/tokenization"),
        ("scientist/1", "scientist/architecture"),
        ("engineer/8", "engineer/security"),
        ("fundamentals/4/4", "fundamentals/nlp/rnns"),
        ("scientist", "scientist"),
        ("architecture", "scientist/architecture"),
        ("nanogpt", "scientist/architecture/nanogpt"),
        ("  Scientist/Architecture/  ", "scientist/architecture"),
        ("scientist/01/002", "scientist/architecture/tokenization"),
    ],
)
def test_ids_resolve_in_every_form(typed: str, expected: str) -> None:
    assert CATALOG.resolve(typed).id == expected


def test_an_ambiguous_tail_lists_the_candidates() -> None:
    with pytest.raises(AmbiguousIdError) as caught:
        CATALOG.resolve("monitoring")
    assert "scientist/pre-training/monitoring" in str(caught.value)
    assert "scientist/fine-tuning/monitoring" in str(caught.value)
    assert caught.value.exit_code == 2


def test_an_unknown_id_suggests_the_closest() -> None:
    with pytest.raises(UnknownIdError) as caught:
        CATALOG.resolve("tokenisation")
    assert caught.value.exit_code == 2
    assert "scientist/architecture/tokenization" in str(caught.value)


def test_numbers_out_of_range_are_unknown() -> None:
    for typed in ("scientist/9", "scientist/1/5", "scientist/0", "4/1"):
        with pytest.raises(UnknownIdError):
            CATALOG.resolve(typed)


def test_every_short_id_resolves_back_to_its_node() -> None:
    for node in CATALOG.nodes.values():
        short = CATALOG.short_id(node)
        assert CATALOG.resolve(short) is node
        assert len(short) <= len(node.id)
    assert CATALOG.short_id(CATALOG.nodes["scientist/pre-training/monitoring"]) == (
        "pre-training/monitoring"
    )


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_any_typed_text_resolves_or_fails_cleanly(typed: str) -> None:
    try:
        node = CATALOG.resolve(typed)
    except (UnknownIdError, AmbiguousIdError) as err:
        assert err.exit_code == 2
    else:
        assert node.id in CATALOG.nodes


def test_a_minimal_file_loads() -> None:
    catalog = parse(MINIMAL.encode(), "demo.toml")
    assert isinstance(catalog, Catalog)
    assert catalog.course.id == "demo"
    assert catalog.resolve("first").id == "one/basics/first"
    assert catalog.resolve("one/1/1").id == "one/basics/first"


def _problem(content: str) -> str:
    with pytest.raises(RoadmapFileError) as caught:
        parse(content.encode(), "my-course.toml")
    assert caught.value.exit_code == 1
    assert "my-course.toml" in str(caught.value)
    return str(caught.value)


def test_a_duplicate_id_is_rejected() -> None:
    content = MINIMAL.replace('id = "a-book"', 'id = "first"')
    message = _problem(content)
    assert "roadmaps[one].sections[basics]" in message
    assert "first" in message


def test_an_empty_title_is_rejected_with_its_field() -> None:
    message = _problem(MINIMAL.replace('title = "First"', 'title = "  "'))
    assert "roadmaps[one].sections[basics].topics[first].title" in message


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.org/x", "https://", "example.org"],
)
def test_a_url_that_is_not_http_is_rejected(url: str) -> None:
    message = _problem(MINIMAL.replace("https://example.org/book", url))
    assert "references[a-book].url" in message
    assert "http" in message


def test_invalid_toml_names_the_line() -> None:
    message = _problem(MINIMAL + "\nthis is = = not toml\n")
    assert "line 21" in message


def test_unknown_keys_are_rejected_so_typos_show() -> None:
    message = _problem(MINIMAL.replace('title = "First"', 'title = "First"\ntitel = "x"'))
    assert "topics[first].titel" in message


def test_an_all_digit_id_is_rejected() -> None:
    message = _problem(MINIMAL.replace('id = "first"', 'id = "12"'))
    assert "digits" in message


def test_every_problem_is_counted() -> None:
    content = MINIMAL.replace('title = "First"', 'title = ""').replace(
        "https://example.org/book", "mailto:x@example.org"
    )
    assert "(and 1 more problem)" in _problem(content)


def _cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("roadmaps-*.marshal"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(folder))
    return folder


def test_a_validated_course_is_cached_and_reused(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = parse(MINIMAL.encode(), "demo")
    [entry] = _cache_files(cache)

    def no_validation(*_: object) -> None:
        raise AssertionError("validated again")

    monkeypatch.setattr(catalog_module, "validate", no_validation)
    again = parse(MINIMAL.encode(), "demo")
    assert again.course == first.course and again.roadmaps == first.roadmaps
    assert _cache_files(cache) == [entry]
    with pytest.raises(AssertionError, match="validated again"):
        parse(MINIMAL.replace("First", "Second").encode(), "demo")  # new content, new key


@pytest.mark.parametrize(
    "damage", [b"", b"\x00garbage", marshal.dumps({"course": 1}), marshal.dumps([1, 2])]
)
def test_a_damaged_cache_entry_is_ignored_and_rewritten(cache: Path, damage: bytes) -> None:
    expected = parse(MINIMAL.encode(), "demo")
    [entry] = _cache_files(cache)
    entry.write_bytes(damage)
    again = parse(MINIMAL.encode(), "demo")
    assert again.roadmaps == expected.roadmaps
    assert entry.read_bytes() != damage


def test_an_unwritable_cache_is_no_obstacle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(blocker / "cache"))
    assert parse(MINIMAL.encode(), "demo").course.id == "demo"
    assert blocker.read_text() == "x"


def test_another_llmcourse_version_does_not_use_the_entry(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parse(MINIMAL.encode(), "demo")
    monkeypatch.setattr(catalog_module, "_CACHE_LAYOUT", "another version")
    parse(MINIMAL.encode(), "demo")
    assert len(_cache_files(cache)) == 2


def test_a_bad_file_is_never_cached(cache: Path) -> None:
    with pytest.raises(RoadmapFileError):
        parse(MINIMAL.replace('id = "first"', 'id = "First!"').encode(), "demo")
    assert _cache_files(cache) == []


def test_a_flipped_byte_in_a_cache_entry_is_caught(cache: Path) -> None:
    expected = parse(MINIMAL.encode(), "demo")
    [entry] = _cache_files(cache)
    content = bytearray(entry.read_bytes())
    for position in range(40, len(content), 7):
        damaged = bytearray(content)
        damaged[position] ^= 0x20
        entry.write_bytes(bytes(damaged))
        again = parse(MINIMAL.encode(), "demo")
        assert again.course == expected.course and again.roadmaps == expected.roadmaps


def test_numbers_as_list_shows_them_resolve() -> None:
    """`list --topics` shows `1.2` under each roadmap: typed back, with the roadmap or alone."""
    assert CATALOG.resolve("scientist/1.2").id == "scientist/architecture/tokenization"
    assert CATALOG.resolve("Scientist/01.02").id == "scientist/architecture/tokenization"
    assert CATALOG.resolve("engineer/3.1").id == CATALOG.resolve("engineer/3/1").id
    with pytest.raises(AmbiguousIdError) as caught:
        CATALOG.resolve("1.2")
    assert "fundamentals/mathematics/calculus" in str(caught.value)
    assert "scientist/architecture/tokenization" in str(caught.value)
    for typed in ("scientist/9.9", "scientist/1.9", "a/b/1.2", "1.2.3"):
        with pytest.raises(UnknownIdError):
            CATALOG.resolve(typed)


def test_a_number_alone_names_what_only_one_roadmap_has() -> None:
    dotted: dict[str, list[str]] = {}
    for node in CATALOG.nodes.values():
        if node.kind == "topic":
            _, section, topic = node.number.split("/")
            dotted.setdefault(f"{section}.{topic}", []).append(node.id)
    alone = {number: ids[0] for number, ids in dotted.items() if len(ids) == 1}
    assert alone  # the course's roadmaps differ in size
    for number, full in alone.items():
        assert CATALOG.resolve(number).id == full
