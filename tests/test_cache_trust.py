"""The cache of validated courses is a folder others may write: what would be unsafe if an entry
were rewritten (with a checksum that matches, which anyone can compute) is checked again; and
nothing the catalog reads (cache entries, the files llmcourse ships) is read unless it is a file
of a sensible size."""

from __future__ import annotations

import marshal
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmcourse import catalog as catalog_module
from llmcourse import models
from llmcourse.catalog import parse
from llmcourse.errors import RoadmapFileError

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
[[roadmaps.sections.topics]]
id = "second"
title = "Second"
[[roadmaps.sections.references]]
id = "book"
title = "A book"
url = "https://example.org/book"
"""

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(folder))
    return folder


def _entry(cache: Path) -> Path:
    parse(MINIMAL.encode(), "demo")
    [entry] = cache.glob("roadmaps-*.marshal")
    return entry


def rewrite(entry: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a cache entry's course as someone who can write the cache folder can: here by
    field name, written back in the order of the fields, as the entry keeps them."""
    framed = catalog_module.unframe(entry.read_bytes())
    assert framed is not None
    source, payload = framed
    data = _named(models.build(models.RoadmapFile, marshal.loads(payload)))
    change(data)
    entry.write_bytes(catalog_module.frame(source, marshal.dumps(_in_order(data))))


def _named(value: Any) -> Any:
    if hasattr(value, "_fields"):
        return {name: _named(item) for name, item in zip(value._fields, value, strict=True)}
    if isinstance(value, tuple):
        return tuple(_named(item) for item in value)
    return value


def _in_order(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(_in_order(item) for item in value.values())
    if isinstance(value, tuple | list):
        return tuple(_in_order(item) for item in value)
    return value


def _kept(entry: Path) -> models.RoadmapFile:
    """The course a cache entry holds."""
    framed = catalog_module.unframe(entry.read_bytes())
    assert framed is not None
    return models.build(models.RoadmapFile, marshal.loads(framed[1]))


def _section(data: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = data["roadmaps"][0]["sections"][0]
    return section


def _set_course_id(value: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["course"].update(id=value)


def _set_topic_id(value: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: _section(data)["topics"][0].update(id=value)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_set_course_id("../../.."), id="course-id-up"),
        pytest.param(_set_course_id("/tmp/elsewhere"), id="course-id-absolute"),
        pytest.param(_set_course_id("a/../../b"), id="course-id-path"),
        pytest.param(_set_course_id(".."), id="course-id-dot-dot"),
        pytest.param(_set_course_id("con"), id="course-id-windows-device"),
        pytest.param(_set_course_id("Demo"), id="course-id-capital"),
        pytest.param(_set_course_id(""), id="course-id-empty"),
        pytest.param(lambda data: data["roadmaps"][0].update(id="-one"), id="roadmap-id-dash"),
        pytest.param(lambda data: data["roadmaps"][0].update(id="one/two"), id="roadmap-id-path"),
        pytest.param(lambda data: _section(data).update(id="basics/more"), id="section-id-path"),
        pytest.param(lambda data: _section(data).update(id=7), id="section-id-number"),
        pytest.param(lambda data: _section(data)["topics"][0].update(id=2), id="topic-id-number"),
        pytest.param(_set_topic_id("first/../x"), id="topic-id-path"),
        pytest.param(_set_topic_id("first`](javascript:alert(1))"), id="topic-id-markdown"),
        pytest.param(_set_topic_id('first",=cmd|x'), id="topic-id-csv"),
        pytest.param(_set_topic_id("first\x1b[2J"), id="topic-id-control"),
        pytest.param(
            lambda data: _section(data)["references"][0].update(id="Book"), id="reference-id"
        ),
        pytest.param(
            lambda data: _section(data)["topics"][0].update(former_ids=(1,)), id="former-id-type"
        ),
    ],
)
def test_an_entry_whose_ids_are_not_ids_is_rebuilt(
    cache: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    entry = _entry(cache)
    rewrite(entry, change)
    course = parse(MINIMAL.encode(), "demo")
    assert course.course.id == "demo"
    assert list(course.nodes) == [
        "one",
        "one/basics",
        "one/basics/first",
        "one/basics/second",
        "one/basics/book",
    ]
    assert _kept(entry).course.id == "demo"  # anew


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda data: data["course"].update(title=5), id="course-title-number"),
        pytest.param(lambda data: _section(data).update(title=None), id="section-title-none"),
        pytest.param(
            lambda data: _section(data)["topics"][0].update(summary=("a",)), id="summary-tuple"
        ),
        pytest.param(
            lambda data: _section(data)["references"][0].update(url=7), id="reference-url-number"
        ),
        pytest.param(
            lambda data: _section(data)["references"][0].update(url="javascript:alert(1)"),
            id="reference-url-javascript",
        ),
        pytest.param(
            lambda data: _section(data)["topics"][0].update(
                links=({"text": "x", "url": "https://a.example/\x1b]8;;"},)
            ),
            id="link-url-control",
        ),
        pytest.param(lambda data: data["course"].update(url="file:///etc"), id="course-url"),
    ],
)
def test_an_entry_whose_texts_or_addresses_are_not_is_rebuilt(
    cache: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    entry = _entry(cache)
    before = entry.read_bytes()
    rewrite(entry, change)
    course = parse(MINIMAL.encode(), "demo")
    assert course.course.title == "Demo"
    assert entry.read_bytes() == before  # written anew from the roadmap file


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda data: data["course"].update(extra="x"), id="course-too-many"),
        pytest.param(
            lambda data: _section(data)["topics"][0].update(extra=()), id="topic-too-many"
        ),
        pytest.param(lambda data: _section(data)["references"][0].pop("former_ids"), id="too-few"),
    ],
)
def test_an_entry_with_a_value_too_many_or_too_few_is_rebuilt(
    cache: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    """A model is made only of as many values as it has fields, as validating makes it."""
    entry = _entry(cache)
    before = entry.read_bytes()
    rewrite(entry, change)
    assert parse(MINIMAL.encode(), "demo").course.title == "Demo"
    assert entry.read_bytes() == before  # written anew from the roadmap file


def test_a_rewritten_entry_with_sound_ids_is_used(cache: Path) -> None:
    """The check above is what makes the difference: an entry that passes it is believed."""
    entry = _entry(cache)
    rewrite(entry, lambda data: data["course"].update(title="Rewritten"))
    assert parse(MINIMAL.encode(), "demo").course.title == "Rewritten"


def test_a_course_id_out_of_the_data_folder_makes_no_file_there(
    cache: Path, data_dir: Path, run: Callable[..., Any], tmp_path: Path
) -> None:
    roadmaps = tmp_path / "course.toml"
    roadmaps.write_text(MINIMAL)
    parse(roadmaps.read_bytes(), str(roadmaps))
    [entry] = cache.glob("roadmaps-*.marshal")
    rewrite(entry, _set_course_id("../.."))
    result = run("--roadmaps", str(roadmaps), "done", "first")
    assert result.exit_code == 0, result.stderr
    assert [p.relative_to(data_dir).as_posix() for p in data_dir.rglob("progress.toml")] == [
        "courses/demo/progress.toml"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "course.toml", "data", "home"]


def test_a_cache_entry_that_is_far_too_large_is_not_read(cache: Path) -> None:
    entry = _entry(cache)
    rewrite(entry, lambda data: data["course"].update(title="x" * (5 * len(MINIMAL) + 2**20)))
    assert parse(MINIMAL.encode(), "demo").course.title == "Demo"
    assert entry.stat().st_size < 2**20  # written anew


@pytest.mark.parametrize("piece", [1, 7, 2**20])
def test_an_entry_is_used_only_for_its_own_source_and_whole(
    cache: Path, monkeypatch: pytest.MonkeyPatch, piece: int
) -> None:
    """An entry's source is compared piece by piece: any byte of it that differs, or an entry
    cut short or grown, makes the course read from the roadmap file."""
    monkeypatch.setattr(catalog_module, "_PIECE", piece)
    entry = _entry(cache)
    rewrite(entry, lambda data: data["course"].update(title="Rewritten"))
    kept = entry.read_bytes()
    assert parse(MINIMAL.encode(), "demo").course.title == "Rewritten"  # the entry is used
    head = catalog_module._CHECK + catalog_module._LENGTH
    source = int.from_bytes(kept[catalog_module._CHECK : head], "big")
    damaged = []
    for position in (0, head - 1, head, head + source // 2, head + source - 1, len(kept) - 1):
        flipped = bytearray(kept)
        flipped[position] ^= 0x01
        damaged.append(bytes(flipped))
    for entry_bytes in [*damaged, kept + b"\0", kept[:-1], kept[: head + source]]:
        entry.write_bytes(entry_bytes)
        assert parse(MINIMAL.encode(), "demo").course.title == "Demo"


def _in_time(action: Callable[[], object], seconds: float = 10) -> None:
    """Run `action` in a thread that must end within `seconds` (a blocked open would not)."""
    failed: list[BaseException] = []

    def target() -> None:
        try:
            action()
        except BaseException as err:
            failed.append(err)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "still waiting on a named pipe"
    if failed:
        raise failed[0]


@needs_fifo
def test_a_named_pipe_as_the_cache_entry_is_replaced(cache: Path) -> None:
    entry = _entry(cache)
    entry.unlink()
    os.mkfifo(entry)
    _in_time(lambda: parse(MINIMAL.encode(), "demo"))
    assert entry.is_file()
    assert parse(MINIMAL.encode(), "demo").course.id == "demo"


@needs_fifo
def test_a_named_pipe_at_the_temporary_name_is_left_alone(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcourse import regular

    entry = _entry(cache)
    entry.unlink()
    temporary = entry.with_name(regular.temporary_name(entry))
    monkeypatch.setattr(regular, "temporary_name", lambda _: temporary.name)  # made taken
    os.mkfifo(temporary)
    _in_time(lambda: parse(MINIMAL.encode(), "demo"))
    assert not entry.exists()  # no entry this time: the name was taken
    assert temporary.exists()  # and what took it is not this program's to remove


def test_a_cache_entry_is_made_as_other_files_are(cache: Path) -> None:
    if sys.platform == "win32":
        pytest.skip("no permission bits")
    entry = _entry(cache)
    umask = os.umask(0)
    os.umask(umask)
    assert entry.stat().st_mode & 0o777 == 0o666 & ~umask


@needs_fifo
def test_a_named_pipe_as_a_shipped_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = tmp_path / "roadmaps.md"
    os.mkfifo(pipe)
    monkeypatch.setattr(catalog_module, "shipped", lambda *_: pipe)

    def guide() -> None:
        with pytest.raises(RoadmapFileError, match="it is a named pipe, not a file"):
            catalog_module.format_guide()

    _in_time(guide)


@needs_fifo
def test_a_named_pipe_among_the_code_the_cache_key_reads_is_passed_over(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = tmp_path / "models.py"
    os.mkfifo(pipe)
    monkeypatch.setattr(catalog_module, "_CACHE_CODE", (str(pipe),))
    _in_time(lambda: parse(MINIMAL.encode(), "demo"))


def test_the_characters_of_ids_are_those_of_the_rule() -> None:
    for code in range(0x300):
        char = chr(code)
        assert models.only_slug_characters(char) == bool(models.is_slug("a" + char)), repr(char)


# --- Addresses: only http and https are opened, printed or linked --------------------------


def _hostile_addresses(data: dict[str, Any]) -> None:
    data["course"]["url"] = "file:///etc/passwd"
    _section(data)["references"][0]["url"] = "javascript:alert(1)"
    _section(data)["topics"][0]["links"] = (
        {"text": "A tool", "url": "file:///etc/shadow"},
        {"text": "Its docs", "url": "https://example.org/docs"},
    )


@pytest.fixture
def hostile(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A roadmap file whose cache entry was rewritten with addresses that are not http(s), and
    believed: the check of entries is passed over, to show that each place that opens, prints
    or links an address checks it itself."""
    monkeypatch.setattr(catalog_module, "_typed", lambda _: True)
    roadmaps = tmp_path / "course.toml"
    roadmaps.write_text(MINIMAL)
    parse(roadmaps.read_bytes(), str(roadmaps))
    [entry] = cache.glob("roadmaps-*.marshal")
    rewrite(entry, _hostile_addresses)
    return roadmaps


@pytest.mark.usefixtures("piped")
@pytest.mark.parametrize("print_only", [True, False])
def test_an_address_that_is_not_http_is_neither_opened_nor_printed(
    hostile: Path, run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, print_only: bool
) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *_, **__: opened.append(url) or True)
    result = run("--roadmaps", str(hostile), "open", "book", *(["--print"] if print_only else []))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: 'one/basics/book' has the address 'javascript:alert(1)': only http and https "
        "addresses are opened or printed. "
    )
    assert result.stderr.count("\n") == 1
    assert opened == []


def test_the_markdown_export_links_only_http(hostile: Path, run: Callable[..., Any]) -> None:
    result = run("--roadmaps", str(hostile), "export", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert "javascript:" not in result.stdout and "file:" not in result.stdout
    assert "- [ ] A book\n" in result.stdout  # the title, without a link


def test_the_csv_export_carries_only_http(hostile: Path, run: Callable[..., Any]) -> None:
    result = run("--roadmaps", str(hostile), "export", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert "javascript:" not in result.stdout
    assert result.stdout.splitlines()[-1].endswith(",A book,not-started,,,")


def test_a_terminal_link_is_made_only_of_http(
    hostile: Path, run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    shown = "".join(
        run("--roadmaps", str(hostile), "show", which).stdout
        for which in ("book", "first", "basics")
    )
    targets = set(re.findall(r"\x1b\]8;[^;]*;([^\x1b]*)", shown)) - {""}  # "" ends a link
    assert targets == {"https://example.org/docs"}
    assert "javascript:alert(1)" in shown and "file:///etc/shadow" in shown  # as text


def test_version_leaves_out_an_address_that_is_not_http(
    cache: Path, run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_module, "_typed", lambda _: True)  # believed, as above
    assert run("--version").stdout.count("\n") == 3
    [entry] = cache.glob("roadmaps-*.marshal")
    rewrite(entry, lambda data: data["course"].update(url="javascript:alert(1)"))
    result = run("--version")
    assert result.exit_code == 0
    assert "javascript" not in result.stdout
    assert result.stdout.count("\n") == 2


@pytest.mark.parametrize(
    ("url", "web"),
    [
        ("https://example.org/a?b=c#d", True),
        ("HTTP://example.org", True),  # as validating takes it: a scheme has no case
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("https:///no-host", False),
        ("https://example.org/\x1b]8;;x\x1b\\", False),  # would end a terminal's link
        ("https://exa mple.org", False),
        ("http://[::1", False),  # urlsplit's own ValueError
        (None, False),
        (b"https://example.org", False),
    ],
)
def test_one_rule_for_addresses(url: object, web: bool) -> None:
    assert models.is_web_url(url) is web


# Pieces of addresses: schemes, and what the rule of addresses is about (spaces, control
# characters, characters outside ASCII that are printable or not).
_ADDRESS_PIECES = ["https://", "http://", "http:/", "ftp://", "a", "/", ":", " ", "\t", "\x00"]
_ADDRESS_PIECES += ["\x1b", "\x7f", "\x85", "\u00e9", "\u00ad", "\u2028", " https://"]


@settings(max_examples=500)
@given(st.lists(st.lists(st.sampled_from(_ADDRESS_PIECES), max_size=4).map("".join), max_size=4))
def test_addresses_are_checked_at_once_as_each_would_be(urls: list[str]) -> None:
    def web(url: str) -> bool:
        return url.startswith(("https://", "http://")) and url.isprintable() and " " not in url

    assert catalog_module._web_addresses(list(urls)) is all(web(url) for url in urls)


def test_an_entry_made_from_another_file_is_never_read_as_this_one(cache: Path) -> None:
    """An entry's name comes from a checksum, which two files may share: the entry holds the
    whole text it was made from, and is used only for that text."""
    entry = _entry(cache)
    other = MINIMAL.replace('title = "Demo"', 'title = "Another course"')
    parse(other.encode(), "other")
    [made] = [path for path in cache.glob("roadmaps-*.marshal") if path != entry]
    made.replace(entry)  # the other file's entry where this file's belongs
    assert parse(MINIMAL.encode(), "demo").course.title == "Demo"
    assert _kept(entry).course.title == "Demo"
