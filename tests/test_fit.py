"""Every screen fits the terminal: no line wider than it, titles wrapped at words and never cut,
ids and URLs never split; in a pipe, one row per line; ASCII forms of every symbol; prose at a
readable measure; colours that read on light and dark themes; one vocabulary.

Written from the requirements, not from one layout: a title may wrap across lines at word
boundaries, an id may sit in a column of its own or under its title, a bar may be dropped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

import llmcourse
from conftest import Run, installed
from llmcourse import catalog, session
from llmcourse.catalog import Catalog

Invoke = Callable[..., Run]

WIDTHS = (40, 80, 120)
MEASURE = 100  # the longest line of prose that still reads well
READ_REFERENCE = "visual-intro-to-transformers"
RUN_NOTEBOOK = "exllamav2"
LONG_URL_REFERENCE = "decoding-strategies-in-llms"  # its URL is longer than 40 columns
SKIPPED_SECTION = "fundamentals/mathematics"
DONE_SECTION = "scientist/2"
EMPTY_SECTION = "scientist/3"  # nothing done in it: a 0% row
HALF_SECTION = "scientist/1"  # two of its four topics done
NOTE = (
    "Byte pair encoding merges the most frequent pair of symbols again and again until the "
    "vocabulary reaches its target size, so rare words end up split into several pieces while "
    "common ones stay whole"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\")
ID_CHARS = r"[A-Za-z0-9_./-]"


# ---------------------------------------------------------------------------------------------
# The course, and progress for the views to show


@pytest.fixture(scope="module")
def course() -> Catalog:
    return catalog.load_bundled()


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data folder with a short path, as a learner's is: pytest's own temporary paths are
    longer than 40 columns, and a path no layout could fit would say nothing about the views."""
    base = "/tmp" if os.path.isdir("/tmp") else None
    made = Path(tempfile.mkdtemp(prefix="lc-", dir=base))
    monkeypatch.setenv("LLMCOURSE_DATA_DIR", str(made))
    yield made
    shutil.rmtree(made, ignore_errors=True)


@pytest.fixture
def recorded(run: Invoke, folder: Path) -> Path:
    """Some of everything: topics done, a section done, one topic in progress, a section whose
    topics are all skipped, a reference read, a notebook run and a note with a long line."""
    for args in (
        ("done", "scientist/1/1", "scientist/1/2"),
        ("done", DONE_SECTION),
        ("start", "scientist/1/3"),
        ("skip", SKIPPED_SECTION),
        ("note", "tokenization", NOTE),
        ("done", READ_REFERENCE),
        ("done", RUN_NOTEBOOK),
    ):
        result = run(*args)
        assert result.exit_code == 0, (args, result.stderr)
    return folder


def node(course: Catalog, raw: str) -> catalog.Node:
    return course.resolve(raw)


def titles_of_sections(course: Catalog, roadmap_id: str) -> list[str]:
    roadmap = node(course, roadmap_id).roadmap
    return [roadmap.title] + [section.title for section in roadmap.sections]


def children(course: Catalog, section_raw: str) -> list[catalog.Node]:
    section = node(course, section_raw)
    return course.items_of_section(section)


# ---------------------------------------------------------------------------------------------
# What each view is expected to show


@dataclass
class Shows:
    """What a view shows, to be found whole in it."""

    titles: list[str] = field(default_factory=list)  # titles and other text wrapped at words
    ids: list[str] = field(default_factory=list)  # full ids: shown as short or full ids
    urls: list[str] = field(default_factory=list)


@dataclass
class View:
    name: str
    args: tuple[str, ...]
    # What it is expected to show, from the course (or from its own JSON, for a view that
    # changes nothing); None for a view that lists no titles, ids or URLs.
    shows: Callable[[Catalog, Invoke], Shows] | None = None
    # Made before the view runs; gives extra arguments (a file to import, say).
    prepare: Callable[[Invoke, Path], tuple[str, ...]] | None = None
    stream: str = "stdout"
    exit_code: int = 0


def _list(course: Catalog, run: Invoke) -> Shows:
    titles = [t for r in course.roadmaps for t in titles_of_sections(course, r.id)]
    ids = [n.id for n in course.nodes.values() if n.kind in ("roadmap", "section")]
    return Shows(titles, ids)


def _list_topics(course: Catalog, run: Invoke) -> Shows:
    shows = _list(course, run)
    topics = [n for n in course.nodes.values() if n.kind == "topic"]
    return Shows(shows.titles + [n.title for n in topics], shows.ids + [n.id for n in topics])


def _show_roadmap(course: Catalog, run: Invoke) -> Shows:
    sections = [
        n for n in course.nodes.values() if n.kind == "section" and n.roadmap.id == "scientist"
    ]
    return Shows(titles_of_sections(course, "scientist"), [n.id for n in sections])


def _show_section(raw: str) -> Callable[[Catalog, Invoke], Shows]:
    def shows(course: Catalog, run: Invoke) -> Shows:
        items = children(course, raw)
        urls = [n.item.url for n in items if n.kind == "reference"]  # type: ignore[union-attr]
        return Shows(
            [node(course, raw).title] + [n.title for n in items], [n.id for n in items], urls
        )

    return shows


def _show_topic(raw: str, note: bool = False) -> Callable[[Catalog, Invoke], Shows]:
    def shows(course: Catalog, run: Invoke) -> Shows:
        topic = node(course, raw)
        links = list(topic.item.links)  # type: ignore[union-attr]
        titles = [topic.title] + [link.text for link in links] + ([NOTE] if note else [])
        return Shows(titles, [topic.id], [link.url for link in links])

    return shows


def _show_reference(raw: str) -> Callable[[Catalog, Invoke], Shows]:
    def shows(course: Catalog, run: Invoke) -> Shows:
        reference = node(course, raw)
        return Shows([reference.title], [reference.id], [reference.item.url])  # type: ignore[union-attr]

    return shows


def _notebooks(course: Catalog, run: Invoke) -> Shows:
    nodes = course.notebook_nodes()
    return Shows([n.title for n in nodes], [n.id for n in nodes])


def _show_notebook(raw: str) -> Callable[[Catalog, Invoke], Shows]:
    def shows(course: Catalog, run: Invoke) -> Shows:
        notebook = node(course, raw)
        item = notebook.item
        urls = [item.colab_url, item.article_url]  # type: ignore[union-attr]
        topics = [course.nodes[t] for t in item.topics]  # type: ignore[union-attr]
        return Shows(
            [notebook.title] + [t.title for t in topics],
            [notebook.id] + [t.id for t in topics],
            [url for url in urls if url],
        )

    return shows


def _progress(roadmap: str | None) -> Callable[[Catalog, Invoke], Shows]:
    def shows(course: Catalog, run: Invoke) -> Shows:
        roadmaps = [roadmap] if roadmap else [r.id for r in course.roadmaps]
        return Shows([t for r in roadmaps for t in titles_of_sections(course, r)])

    return shows


def _marked(*raws: str) -> Callable[[Catalog, Invoke], Shows]:
    def shows(course: Catalog, run: Invoke) -> Shows:
        items = [i for raw in raws for i in course.items(node(course, raw))]
        return Shows([n.title for n in items], [n.id for n in items])

    return shows


def _from_json(*args: str, titles: bool = True) -> Callable[[Catalog, Invoke], Shows]:
    """What a read-only view shows, as its JSON document lists it (titles, ids and URLs)."""

    def shows(course: Catalog, run: Invoke) -> Shows:
        found = Shows()

        def walk(value: object) -> None:
            if isinstance(value, dict):
                if isinstance(value.get("id"), str) and value["id"] in course.nodes:
                    found.ids.append(value["id"])
                    if titles and isinstance(value.get("title"), str):
                        found.titles.append(value["title"])
                if isinstance(value.get("url"), str):
                    found.urls.append(value["url"])
                for inner in value.values():
                    walk(inner)
            elif isinstance(value, list):
                for inner in value:
                    walk(inner)

        walk(run("--json", *args).json())
        return found

    return shows


def _exported_elsewhere(run: Invoke, folder: Path) -> tuple[str, ...]:
    """A file exported on 'another machine' that holds changes this progress lacks."""
    here = os.environ["LLMCOURSE_DATA_DIR"]
    other = folder / "laptop"
    os.environ["LLMCOURSE_DATA_DIR"] = str(other)
    try:
        assert run("done", "scientist/4", LONG_URL_REFERENCE).exit_code == 0
        assert run("export", "-o", str(folder / "laptop.json")).exit_code == 0
    finally:
        os.environ["LLMCOURSE_DATA_DIR"] = here
    return (str(folder / "laptop.json"),)


def _bad_roadmap_file(run: Invoke, folder: Path) -> tuple[str, ...]:
    example = Path(__file__).parents[1] / "docs" / "example-roadmaps.toml"
    text = example.read_text(encoding="utf-8").replace('title = "Inverted index"', "title = 7")
    path = folder / "my-course.toml"
    path.write_text(text + '\n[surprise]\nkey = "value"\n', encoding="utf-8")
    return (str(path),)


def _export_path(run: Invoke, folder: Path) -> tuple[str, ...]:
    return (str(folder / "progress.json"),)


VIEWS = [
    View("list", ("list",), _list),
    View("list-topics", ("list", "--topics"), _list_topics),
    View("show-roadmap", ("show", "scientist"), _show_roadmap),
    View("show-section", ("show", "scientist/1"), _show_section("scientist/1")),
    View("show-skipped-section", ("show", SKIPPED_SECTION), _show_section(SKIPPED_SECTION)),
    View("show-topic", ("show", "tokenization"), _show_topic("tokenization", note=True)),
    View("show-topic-links", ("show", "gptq-awq"), _show_topic("gptq-awq")),
    View("show-reference", ("show", LONG_URL_REFERENCE), _show_reference(LONG_URL_REFERENCE)),
    View("show-read-reference", ("show", READ_REFERENCE), _show_reference(READ_REFERENCE)),
    View("note", ("note", "tokenization"), lambda course, run: Shows([NOTE])),
    View("notebooks", ("notebooks",), _notebooks),
    # Its URLs are longer than 40 columns, and it is run.
    View("show-notebook", ("show", RUN_NOTEBOOK), _show_notebook(RUN_NOTEBOOK)),
    View("show-notebook-topics", ("show", "llama-3-orpo"), _show_notebook("llama-3-orpo")),
    View("show-section-notebooks", ("show", "scientist/8"), _show_section("scientist/8")),
    View("done-notebook", ("done", "llm-autoeval"), _marked("llm-autoeval")),
    View("progress", ("progress",), _progress(None)),
    View("progress-roadmap", ("progress", "scientist"), _progress("scientist")),
    View("progress-activity", ("progress", "--activity"), _progress(None)),
    # The log names each event by its id; a title is not asked of it.
    View("log", ("log",), _from_json("log", titles=False)),
    View("log-3", ("log", "-n", "3"), _from_json("log", "-n", "3", titles=False)),
    View("log-chart", ("log", "--chart")),
    View("search", ("search", "attention"), _from_json("search", "attention")),
    View("next", ("next",), _from_json("next")),
    View("doctor", ("doctor",)),
    View("done-topic", ("done", "sampling-techniques"), _marked("sampling-techniques")),
    View("done-reference", ("done", LONG_URL_REFERENCE), _marked(LONG_URL_REFERENCE)),
    View("done-section", ("done", "scientist/5"), _marked("scientist/5")),
    View("start", ("start", "data-preparation"), _marked("data-preparation")),
    View("skip", ("skip", "engineer/security"), _marked("engineer/security")),
    View("reset", ("reset", "tokenization"), _marked("tokenization")),
    View("undo", ("undo",)),
    View("import", ("import",), prepare=_exported_elsewhere),
    View("import-dry-run", ("import", "--dry-run"), prepare=_exported_elsewhere),
    View("validate", ("validate",), prepare=_bad_roadmap_file, exit_code=1),
    View("export", ("export", "-o"), prepare=_export_path),
    View("version", ("--version",)),
    View("help", ("help",)),
    View("help-command", ("help", "list")),
    View(
        "error",
        ("show", "scientist/1/" + READ_REFERENCE),
        lambda course, run: Shows(ids=[node(course, READ_REFERENCE).id]),
        stream="stderr",
        exit_code=2,
    ),
]
VIEW_IDS = [view.name for view in VIEWS]


@dataclass
class Seen:
    text: str  # the view's stream, escape codes removed
    other: str  # the other stream
    shows: Shows
    view: View


@pytest.fixture
def see(run: Invoke, recorded: Path, course: Catalog) -> Callable[[View], Seen]:
    """Run a view on the recorded progress; what it printed, and what it is expected to show."""

    def seeing(view: View) -> Seen:
        shows = view.shows(course, run) if view.shows else Shows()
        extra = view.prepare(run, recorded) if view.prepare else ()
        result = run(*view.args, *extra)
        assert result.exit_code == view.exit_code, (view.args, result.stdout, result.stderr)
        out, err = plain(result.stdout), plain(result.stderr)
        if view.stream == "stderr":
            out, err = err, out
        return Seen(out, err, shows, view)

    return seeing


# ---------------------------------------------------------------------------------------------
# Reading a view's text


def plain(text: str) -> str:
    return ANSI.sub("", text)


def segments(line: str) -> list[tuple[int, str]]:
    """A line's cells: runs of text apart by two spaces or more, each with its column (a
    no-break space, as one title has, is within a cell)."""
    return [(m.start(), m.group()) for m in re.finditer(r"[^ ]+(?: [^ ]+)*", line)]


def _same_word(token: str, word: str) -> bool:
    return token == word or token.strip("()[]\"',;:") == word.strip("()[]\"',;:")


def _at(words: list[str], wanted: list[str], start: int) -> bool:
    return len(words) - start >= len(wanted) and all(
        _same_word(words[start + i], w) for i, w in enumerate(wanted)
    )


def title_shown(text: str, title: str, look_ahead: int = 3) -> bool:
    """Whether every word of a title is shown, in order: on one line, or wrapped at words with
    each following part starting a cell on one of the next lines (a wrapped table cell, a
    wrapped paragraph)."""
    words = title.split()
    lines = text.splitlines()

    def rest_from(line_no: int, done: int) -> bool:
        if done == len(words):
            return True
        for later in range(line_no + 1, min(line_no + 1 + look_ahead, len(lines))):
            for _, cell in segments(lines[later]):
                cell_words = cell.split()
                for take in range(len(cell_words), 0, -1):
                    ends = done + take == len(words)
                    fits = (ends or take == len(cell_words)) and _at(
                        cell_words[:take], words[done : done + take], 0
                    )
                    if fits and rest_from(later, done + take):
                        return True
        return False

    for line_no, line in enumerate(lines):
        for _, cell in segments(line):
            cell_words = cell.split()
            for start in range(len(cell_words)):
                if _at(cell_words, words, start):
                    return True
                # A first part that ends its cell, the rest on the lines below.
                for take in range(1, len(words)):
                    ends_cell = start + take == len(cell_words)
                    if (
                        ends_cell
                        and _at(cell_words, words[:take], start)
                        and rest_from(line_no, take)
                    ):
                        return True
    return False


def whole_in_a_line(text: str, value: str) -> bool:
    """Whether a value (an id, a URL) stands whole within one line, not part of a longer one."""
    pattern = rf"(?<!{ID_CHARS}){re.escape(value)}(?![A-Za-z0-9_/-])"
    return any(re.search(pattern, line) for line in text.splitlines())


def id_shown(text: str, course: Catalog, full_id: str) -> bool:
    """Shown in a form that is typed back: the short id, the full id, or the course number."""
    node = course.nodes[full_id]
    forms = [course.short_id(node), full_id, *([node.number] if node.number else [])]
    return any(whole_in_a_line(text, form) for form in forms)


def id_forms(course: Catalog) -> set[str]:
    forms = set()
    for n in course.nodes.values():
        forms.update({n.id, course.short_id(n)})
    return {form for form in forms if len(form) > 3}


def split_ids(text: str, forms: set[str]) -> list[str]:
    """Ids broken across lines (a part ends a cell, the rest starts one below) or cut short."""
    broken = []
    lines = text.splitlines()
    for line_no, line in enumerate(lines):
        for _, cell in segments(line):
            last = re.findall(rf"{ID_CHARS}+(?:…|\.\.\.)?$", cell)
            if not last:
                continue
            token = last[0]
            if token.endswith(("…", "...")):
                body = token.rstrip(".…")
                broken += [f for f in forms if len(body) > 2 and f.startswith(body) and f != body]
                continue
            for form in forms:
                if len(token) < 3 or not form.startswith(token) or form == token:
                    continue
                rest = form[len(token) :]
                for later in lines[line_no + 1 : line_no + 3]:
                    if any(
                        rest.startswith(piece) or piece.startswith(rest)
                        for _, cell_below in segments(later)
                        for piece in [re.match(rf"{ID_CHARS}*", cell_below).group()]  # type: ignore[union-attr]
                        if piece
                    ):
                        broken.append(form)
    return sorted(set(broken))


def course_urls(course: Catalog) -> set[str]:
    urls = {course.course.url} if course.course.url else set()
    for n in course.nodes.values():
        for name in ("url", "colab_url", "article_url", "project_url"):
            url = getattr(n.item, name, None)
            if url:
                urls.add(url)
        for link in getattr(n.item, "links", None) or ():
            urls.add(link.url)
    return urls


def folded_at_the_margin(text: str, url: str, width: int) -> bool:
    """A URL broken only where the line ends, as a terminal wraps it: each part but the last
    fills its line to the last column, and the next part starts the next line."""
    lines = text.splitlines()
    for line_no, line in enumerate(lines):
        for cut in range(8, len(url)):
            if not line.endswith(url[:cut]) or cell_len(line) != width:
                continue
            rest, at = url[cut:], line_no + 1
            while at < len(lines) and rest:
                below = lines[at]
                if rest.startswith(below) and cell_len(below) == width:
                    rest, at = rest[len(below) :], at + 1
                elif below.startswith(rest) and not re.match(ID_CHARS, below[len(rest) :] or " "):
                    rest = ""
                else:
                    break
            if not rest:
                return True
    return False


def alone_on_its_line(text: str, url: str) -> bool:
    return any(line.strip() == url for line in text.splitlines())


# ---------------------------------------------------------------------------------------------
# Every view fits 40, 80 and 120 columns


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}-columns")
def width(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("COLUMNS", str(request.param))
    return int(request.param)


@pytest.mark.parametrize("view", VIEWS, ids=VIEW_IDS)
def test_no_line_is_wider_than_the_terminal(
    view: View, width: int, see: Callable[[View], Seen], course: Catalog
) -> None:
    seen = see(view)
    urls = course_urls(course)
    for stream in (seen.text, seen.other):
        too_wide = [
            line
            for line in stream.splitlines()
            # A URL longer than the line cannot fit: alone on its line, the terminal's own
            # wrap keeps it one string to copy or click (see the URL test below). So with any
            # word longer than a line (a key path in a file being validated, an id as the
            # learner typed it): it stands alone, where the terminal is the one to break it.
            if cell_len(line) > width
            and not (line.strip() in urls and len(line.strip()) > width)
            and not (len(line.split()) == 1 and cell_len(line.strip()) > width - 4)
        ]
        assert not too_wide, f"{view.args} at {width} columns:\n" + "\n".join(too_wide)


LISTING_VIEWS = [view for view in VIEWS if view.shows is not None]


@pytest.mark.parametrize("view", LISTING_VIEWS, ids=[view.name for view in LISTING_VIEWS])
def test_titles_are_wrapped_at_words_and_never_cut(
    view: View, width: int, see: Callable[[View], Seen]
) -> None:
    seen = see(view)
    cut = [title for title in seen.shows.titles if not title_shown(seen.text, title)]
    assert not cut, f"{view.args} at {width} columns does not show whole: {cut}\n{seen.text}"


@pytest.mark.parametrize("view", VIEWS, ids=VIEW_IDS)
def test_ids_stand_whole_on_a_line(
    view: View, width: int, see: Callable[[View], Seen], course: Catalog
) -> None:
    seen = see(view)
    missing = [i for i in seen.shows.ids if not id_shown(seen.text, course, i)]
    assert not missing, f"{view.args} at {width} columns lacks whole ids {missing}\n{seen.text}"
    if view.name != "search":  # its excerpts of summaries end in … by design
        broken = split_ids(seen.text, id_forms(course))
        assert not broken, f"{view.args} at {width} columns splits {broken}\n{seen.text}"


URL_VIEWS = [
    v
    for v in VIEWS
    if v.name
    in ("show-section", "show-topic-links", "show-reference", "show-read-reference", "next")
]


@pytest.mark.parametrize("view", URL_VIEWS, ids=[v.name for v in URL_VIEWS])
def test_urls_are_never_split(
    view: View, width: int, see: Callable[[View], Seen], course: Catalog
) -> None:
    """Every URL that fits the line stands whole on one. One longer than the line (many at 40
    columns, a few at 80 and 120) cannot: it may stand alone on its line (the terminal wraps it,
    still one string to copy or click) or be broken only at the right margin, as a terminal
    would; never in a narrow column, whose pieces no one can copy or click."""
    seen = see(view)
    assert seen.shows.urls, "the view was expected to show URLs"
    for url in seen.shows.urls:
        if whole_in_a_line(seen.text, url):
            continue
        assert len(url) > width and folded_at_the_margin(seen.text, url, width), (
            f"{url} is split in {view.args} at {width} columns:\n{seen.text}"
        )
    # Nothing that looks like a URL is a piece of one.
    known = course_urls(course)
    for token in re.findall(r"https?://\S+", seen.text):
        token = token.rstrip(".,;)")
        assert token in known or any(  # the first piece of one longer than the line
            u.startswith(token) and len(u) > width and folded_at_the_margin(seen.text, u, width)
            for u in known
        ), f"a piece of a URL: {token}"


@pytest.mark.parametrize("roadmap", ["scientist", "engineer", "fundamentals"])
def test_at_40_columns_progress_names_every_section(
    run: Invoke, recorded: Path, course: Catalog, monkeypatch: pytest.MonkeyPatch, roadmap: str
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    text = plain(run("progress", roadmap).stdout)
    for title in titles_of_sections(course, roadmap):
        assert title_shown(text, title), f"no row says '{title}':\n{text}"


def test_at_40_columns_log_names_every_event(
    run: Invoke, recorded: Path, course: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = run("--json", "log", "-n", "3").json()["events"]
    monkeypatch.setenv("COLUMNS", "40")
    text = plain(run("log", "-n", "3").stdout)
    for event in events:
        assert id_shown(text, course, event["id"]), f"no row says {event['id']}:\n{text}"


# ---------------------------------------------------------------------------------------------
# In a pipe: one row per line, unwrapped and unpadded


def one_line(text: str, *values: str) -> bool:
    return any(all(value in line for value in values) for line in text.splitlines())


def test_in_a_pipe_list_topics_puts_each_title_beside_its_id(
    run: Invoke, recorded: Path, course: Catalog, piped: None
) -> None:
    text = run("list", "--topics").stdout
    for topic in (n for n in course.nodes.values() if n.kind == "topic"):
        short = course.short_id(topic)
        row = [line for line in text.splitlines() if topic.title in line]
        assert row and any(whole_in_a_line(line, short) for line in row), (
            f"grep '{topic.title}' does not find its row with {short}:\n{row}"
        )


def test_in_a_pipe_log_puts_each_event_id_whole_on_a_line(
    run: Invoke, recorded: Path, course: Catalog, piped: None
) -> None:
    events = run("--json", "log", "-n", "0").json()["events"]
    assert len(events) > 8
    text = run("log", "-n", "0").stdout
    for event in events:
        assert id_shown(text, course, event["id"]), event["id"]


def test_in_a_pipe_show_section_puts_each_reference_title_on_one_line(
    run: Invoke, recorded: Path, course: Catalog, piped: None
) -> None:
    text = run("show", "scientist/1").stdout
    for reference in course.section_references(
        node(course, "scientist/1").roadmap,
        node(course, "scientist/1").section,  # type: ignore[arg-type]
    ):
        assert one_line(text, reference.title), reference.title
        assert whole_in_a_line(text, reference.item.url), reference.item.url  # type: ignore[union-attr]


@pytest.mark.parametrize("view", VIEWS, ids=VIEW_IDS)
def test_in_a_pipe_nothing_wraps_and_no_line_is_padded(
    view: View, piped: None, see: Callable[[View], Seen], course: Catalog
) -> None:
    seen = see(view)
    padded = [line for line in (seen.text + seen.other).splitlines() if line != line.rstrip()]
    assert not padded, f"trailing spaces in {view.args}: {padded}"
    wrapped = [title for title in seen.shows.titles if not one_line(seen.text, title)]
    wrapped += [url for url in seen.shows.urls if not whole_in_a_line(seen.text, url)]
    wrapped += [i for i in seen.shows.ids if not id_shown(seen.text, course, i)]
    assert not wrapped, f"{view.args} in a pipe wraps {wrapped}:\n{seen.text}"


# ---------------------------------------------------------------------------------------------
# ASCII: a terminal that cannot show the symbols gets their ASCII forms


def course_words_with_question_marks(course: Catalog) -> set[str]:
    texts = [course.course.title]
    for n in course.nodes.values():
        texts.append(n.title)
        for name in ("summary", "url", "author", "kind", "colab_url", "article_url", "project_url"):
            value = getattr(n.item if n.item is not None else n.section or n.roadmap, name, None)
            if isinstance(value, str):
                texts.append(value)
        texts += [f"{link.text} {link.url}" for link in getattr(n.item, "links", None) or ()]
    return {word for text in texts for word in text.split() if "?" in word}


def test_the_bundled_course_is_plain_ascii(course: Catalog) -> None:
    """What the ASCII test below assumes: any non-ASCII character is one of llmcourse's own."""
    # The course's own titles are ASCII but for spaces (one title has a no-break space, as the
    # course has it), which the views tested below do not show.
    assert all(
        char.isascii() or unicodedata.category(char) == "Zs"
        for n in course.nodes.values()
        for char in n.title
    )
    assert NOTE.isascii()
    # A lone '?' in the output cannot be the course's own.
    assert "?" not in course_words_with_question_marks(course)


def run_installed(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed command, on the sources these tests import."""
    sources = str(Path(llmcourse.__file__).parents[1])
    settings = os.environ | {"PYTHONPATH": sources, "TZ": "UTC"} | env
    return subprocess.run(
        [installed(), *args],
        capture_output=True,
        text=True,
        encoding="ascii",
        errors="replace",
        env=settings,
        timeout=60,
        check=False,
    )


def stand_ins(text: str, legitimate: set[str], whole_words: set[str]) -> list[str]:
    """Words where a '?' stands in for a symbol the encoding could not carry."""
    found = []
    for word in text.split():
        if "?" not in word:
            continue
        if len(word) > 1 and any(word in course_word for course_word in legitimate):
            continue  # the course's own '?' (a title, a URL's query, a piece of one)
        if word.endswith("?") and word[:-1].strip("'\"") in whole_words:
            continue  # a question: "Did you mean: scientist/architecture/nanogpt?"
        found.append(word)
    return found


# Every view but those that need a file made first (their symbols are the ones checked here).
ASCII_VIEWS = [view for view in VIEWS if view.prepare is None]


@pytest.mark.parametrize("view", ASCII_VIEWS, ids=[v.name for v in ASCII_VIEWS])
def test_an_ascii_terminal_gets_no_question_marks(
    view: View, recorded: Path, course: Catalog
) -> None:
    result = run_installed(*view.args, PYTHONIOENCODING="ascii")
    assert result.returncode == view.exit_code, result.stderr
    legitimate = course_words_with_question_marks(course)
    whole_words = id_forms(course) | {
        word.lower() for n in course.nodes.values() for word in n.title.split()
    }
    for stream in (result.stdout, result.stderr):
        assert stream.isascii()
        assert not stand_ins(plain(stream), legitimate, whole_words), (view.args, stream)


@pytest.fixture
def busy_days(run: Invoke, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Changes on days in the last weeks: one on one day, four on another, twelve on a third."""
    monkeypatch.setenv("TZ", "UTC")
    real = session.utc_now
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    for days_ago, marked in (
        (2, ["tokenization"]),
        (4, ["scientist/2"]),
        (6, ["scientist/3", "scientist/4", "scientist/5"]),
    ):
        monkeypatch.setattr(
            session, "utc_now", lambda moment=noon - timedelta(days=days_ago): moment
        )
        assert run("done", *marked).exit_code == 0
    monkeypatch.setattr(session, "utc_now", real)


def chart_cells(text: str) -> list[str]:
    """The characters of the calendar's rows: a label, then cells and no words."""
    cells = []
    for line in text.splitlines():
        label, _, rest = line.strip().partition(" ")
        if label.isalpha() and rest.strip() and not re.search(r"[A-Za-z0-9]", rest):
            cells += [char for char in rest if not char.isspace()]
    return cells


def legend_shades(text: str) -> list[str]:
    for line in text.splitlines():
        match = re.search(r"\bless\b(.*?)\bmore\b", line)
        if match:
            return match.group(1).split()
    return []


def assert_shades_distinct(text: str) -> None:
    cells = chart_cells(text)
    assert len(cells) > 70, f"no calendar found:\n{text}"
    # An empty day, a day of one change and a day of twelve: three looks, three characters.
    assert len(set(cells)) >= 3, f"the shades are not told apart: {sorted(set(cells))}\n{text}"
    shades = legend_shades(text)
    if shades:
        assert len(set(shades)) == len(shades), f"the legend repeats a shade: {shades}"


@pytest.mark.parametrize("args", [("log", "--chart"), ("progress", "--activity")])
def test_the_activity_chart_shades_stay_distinct_in_ascii(
    busy_days: None, args: tuple[str, ...]
) -> None:
    result = run_installed(*args, PYTHONIOENCODING="ascii")
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii()
    assert_shades_distinct(result.stdout)


@pytest.mark.parametrize("args", [("log", "--chart"), ("progress", "--activity")])
def test_the_activity_chart_shades_are_distinct_characters_without_colour(
    run: Invoke, busy_days: None, args: tuple[str, ...]
) -> None:
    """With colour off (NO_COLOR, here), shades that differ only in colour would all look alike."""
    assert_shades_distinct(run(*args).stdout)


# ---------------------------------------------------------------------------------------------
# Prose at a readable measure


@pytest.mark.parametrize(
    ("args", "summary"),
    [
        (("show", "scientist"), lambda c: node(c, "scientist").roadmap.summary),
        (("show", "scientist/1"), lambda c: node(c, "scientist/1").section.summary),
        (("show", "tokenization"), lambda c: node(c, "tokenization").item.summary),
        (("next",), lambda c: node(c, "attention-mechanisms").item.summary),
    ],
    ids=["roadmap", "section", "topic", "next"],
)
def test_summaries_keep_a_readable_measure_on_a_wide_terminal(
    run: Invoke,
    recorded: Path,
    course: Catalog,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    summary: Callable[[Catalog], str],
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    text = plain(run(*args).stdout)
    words = summary(course).split()
    assert title_shown(text, " ".join(words)), text
    # The lines that carry the summary: those whose words run in its order.
    prose = " ".join(words)
    lines = [
        line
        for line in text.splitlines()
        if len(line.split()) > 3 and " ".join(line.split()) in prose
    ]
    assert lines, text
    assert all(cell_len(line.rstrip()) <= MEASURE for line in lines), "\n".join(lines)


@pytest.mark.parametrize(
    "args", [("help",), ("help", "list"), ("list", "--help"), ("--help",)], ids=" ".join
)
def test_help_keeps_a_readable_measure_on_a_wide_terminal(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = run(*args)
    text = plain(result.stdout + result.stderr)
    assert "llmcourse" in text
    wide = [line for line in text.splitlines() if cell_len(line.rstrip()) > MEASURE]
    assert not wide, "\n".join(wide)


# ---------------------------------------------------------------------------------------------
# Colours that read on light and dark themes, and bars that read without colour


def colour_codes(text: str) -> list[list[int]]:
    return [
        [int(p) for p in m.group(1).split(";") if p] for m in re.finditer(r"\x1b\[([0-9;]*)m", text)
    ]


def greys(params: list[int]) -> list[str]:
    """The 256-colour greys (232-255) and true-colour greys among one escape's parameters."""
    found, i = [], 0
    while i < len(params):
        if params[i] in (38, 48) and i + 2 < len(params) and params[i + 1] == 5:
            if 232 <= params[i + 2] <= 255:
                found.append(f"{params[i]};5;{params[i + 2]}")
            i += 3
        elif params[i] in (38, 48) and i + 4 < len(params) and params[i + 1] == 2:
            r, g, b = params[i + 2 : i + 5]
            if r == g == b and 0 < r < 255:
                found.append(f"{params[i]};2;{r};{g};{b}")
            i += 5
        else:
            i += 1
    return found


@pytest.fixture
def forced_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("list", "--topics"),
        ("progress",),
        ("progress", "scientist"),
        ("show", "scientist"),
    ],
    ids=" ".join,
)
def test_colours_use_no_fixed_greys(
    run: Invoke, recorded: Path, forced_colour: None, args: tuple[str, ...]
) -> None:
    """A fixed grey is near-invisible on one theme or the other; dim and the theme's own
    colours read on both."""
    out = run(*args).stdout
    assert "\x1b[" in out, "colour was forced"
    found = sorted({grey for params in colour_codes(out) for grey in greys(params)})
    assert not found, f"fixed greys in {args}: {found}"


def row_of(text: str, title: str) -> str:
    rows = [line for line in text.splitlines() if title in plain(line)]
    assert rows, f"no row for {title}:\n{text}"
    return rows[0]


WORDS = re.compile(rf"{ID_CHARS}*[A-Za-z0-9]{ID_CHARS}*")  # words, numbers, ids, counts


def is_glyph(char: str) -> bool:
    return not char.isalnum() and not char.isspace() and char not in "%/.()·:"


def bar_glyphs(row: str, title: str) -> list[str]:
    """Characters in a row that are neither words, ids, numbers nor punctuation of a count."""
    return [c for c in WORDS.sub("", plain(row).replace(title, "")) if is_glyph(c)]


@pytest.mark.parametrize("args", [("progress",), ("list",)], ids=" ".join)
@pytest.mark.parametrize("colour_off", ["pipe", "no-color"])
def test_without_colour_a_bar_shows_how_much_is_done(
    run: Invoke,
    recorded: Path,
    course: Catalog,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    colour_off: str,
) -> None:
    """Without colour a 0% bar must not look full: the done part and the rest are different
    characters (or there is no bar)."""
    if colour_off == "pipe":
        monkeypatch.delenv("COLUMNS", raising=False)
        monkeypatch.delenv("NO_COLOR", raising=False)
    text = run(*args).stdout
    assert "\x1b[" not in text
    full_title, half_title, empty_title = (
        node(course, raw).title for raw in (DONE_SECTION, HALF_SECTION, EMPTY_SECTION)
    )
    full = bar_glyphs(row_of(text, full_title), full_title)
    if len(full) < 2:
        return  # no bar drawn
    done_char = max(set(full), key=full.count)
    empty = bar_glyphs(row_of(text, empty_title), empty_title)
    half = bar_glyphs(row_of(text, half_title), half_title)
    assert empty.count(done_char) < 2, f"a 0% bar looks done: {row_of(text, empty_title)}"
    assert half.count(done_char) < full.count(done_char), (
        f"a 50% bar looks full: {row_of(text, half_title)}"
    )


# ---------------------------------------------------------------------------------------------
# One vocabulary


def nearest_status_word(text: str, anchor: str) -> str:
    """'done' or 'read', whichever stands nearest the first mention of `anchor` (counts such as
    '2 of 4 topics done' and '1 of 5 references read' are not about one item)."""
    flat = " ".join(plain(text).split())
    flat = re.sub(r"topics? done|references? read", "counts", flat)
    at = flat.find(anchor)
    assert at >= 0, f"{anchor} is not shown:\n{text}"
    end = at + len(anchor)
    distances = {}
    for word in ("done", "read"):
        spots = [m.start() for m in re.finditer(rf"\b{word}\b", flat)]
        gaps = [at - s for s in spots if s < at] + [s - end for s in spots if s >= end]
        if gaps:
            distances[word] = min(gaps)
    assert distances, f"neither done nor read near {anchor}:\n{text}"
    return min(distances, key=distances.__getitem__)


def test_show_calls_a_reference_read(run: Invoke, recorded: Path, course: Catalog) -> None:
    text = plain(run("show", READ_REFERENCE).stdout)
    assert re.search(r"\bread\b", text) and not re.search(r"\bdone\b", text), text
    section = plain(run("show", "scientist/1").stdout)
    title = node(course, READ_REFERENCE).title
    assert not re.search(r"\bdone\b", row_of(section, title)), row_of(section, title)
    assert not re.search(r"references? done", section)


@pytest.mark.parametrize("command", ["done", "start", "reset"])
def test_marking_a_reference_speaks_of_reading(
    run: Invoke, recorded: Path, course: Catalog, command: str
) -> None:
    text = run(command, LONG_URL_REFERENCE).stdout
    reference = node(course, LONG_URL_REFERENCE)
    if command == "done":
        assert nearest_status_word(text, course.short_id(reference)) == "read", text
        assert nearest_status_word(text, reference.title) == "read", text
    for line in plain(text).splitlines():
        if reference.title in line or course.short_id(reference) in line:
            assert not re.search(r"\bdone\b", line), line


def test_progress_lists_a_reference_read_lately_as_read(
    run: Invoke, recorded: Path, course: Catalog
) -> None:
    text = run("progress").stdout
    assert nearest_status_word(text, node(course, READ_REFERENCE).title) == "read", text


SKIPPED_VIEWS = [
    ("progress",),
    ("progress", "fundamentals"),
    ("list",),
    ("list", "--topics"),
    ("show", "fundamentals"),
    ("show", SKIPPED_SECTION),
]


@pytest.mark.parametrize("args", SKIPPED_VIEWS, ids=" ".join)
def test_a_section_all_skipped_is_not_zero_of_zero_nor_complete(
    run: Invoke, recorded: Path, course: Catalog, args: tuple[str, ...]
) -> None:
    text = plain(run(*args).stdout)
    title = node(course, SKIPPED_SECTION).title
    assert "0 of 0" not in text and "section complete" not in text.lower(), text
    for line in text.splitlines():
        if title in line:
            assert not re.search(r"(?<!\d)0/0(?!\d)", line), line


def test_skipping_a_whole_section_says_neither_zero_of_zero_nor_complete(
    run: Invoke, recorded: Path
) -> None:
    result = run("skip", "engineer/security")
    text = plain(result.stdout + result.stderr)
    assert "0 of 0" not in text and "section complete" not in text.lower(), text


def styled_glyphs(row: str, title: str) -> set[tuple[str, tuple[int, ...]]]:
    """The bar characters of a coloured row, each with the escape parameters in force."""
    out, state = set(), ()
    row = row.replace(title, "")
    for piece in re.split(r"(\x1b\[[0-9;]*m)", row):
        if piece.startswith("\x1b["):
            params = tuple(int(p) for p in piece[2:-1].split(";") if p)
            state = () if params in ((), (0,)) else state + params
            continue
        out.update((char, state) for char in WORDS.sub("", piece) if is_glyph(char))
    return out


@pytest.mark.parametrize("args", [("progress",), ("list",)], ids=" ".join)
def test_a_section_all_skipped_has_no_empty_bar_beside_100_percent(
    run: Invoke, recorded: Path, course: Catalog, forced_colour: None, args: tuple[str, ...]
) -> None:
    text = run(*args).stdout
    skipped, empty = (node(course, raw).title for raw in (SKIPPED_SECTION, EMPTY_SECTION))
    row = row_of(text, skipped)
    if "100%" not in plain(row):
        return
    looks_empty = styled_glyphs(row_of(text, empty), empty)
    assert not styled_glyphs(row, skipped) & looks_empty, f"an empty bar beside 100%: {row!r}"


def test_ascii_tables_keep_their_look(recorded: Path) -> None:
    """In ASCII, a table's header rule is dashes, with no lines between its columns (rich's
    own ASCII box would draw them)."""
    result = run_installed("list", PYTHONIOENCODING="ascii", COLUMNS="80")
    lines = result.stdout.splitlines()
    assert set(lines[1].strip()) == {"-"}
    assert not any("|" in line for line in lines), result.stdout


def test_an_empty_bar_is_not_green(run: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    """The part of a bar left to do is dim, never the green of the part done."""
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    run("done", "scientist/1/1")
    table = run("progress", "scientist").stdout.splitlines()
    started = next(line for line in table if "The LLM Architecture" in line)
    untouched = next(line for line in table if "Pre-Training Models" in line)
    assert "\x1b[32m" in started  # colour is on, and the part done is green
    assert not re.search(r"\x1b\[(?:[0-9]+;)*32[;m]", untouched), repr(untouched)


@pytest.mark.parametrize("width", [30, 40, 80])
def test_next_gives_commands_whole_that_type_back(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    """The commands `next` gives to copy are never cut at the edge: an id too long for the
    line is given as its course number, which is typed back as well."""
    run("start", "pre-training/distributed-training")
    monkeypatch.setenv("COLUMNS", str(width))
    for shown in (run("next").stdout, run().stdout):
        commands = [
            line.split()
            for line in shown.splitlines()
            if line.startswith(("  llmcourse start ", "  llmcourse done "))
        ]
        assert commands, shown
        for command in commands:
            assert cell_len(" ".join(command)) <= width - 2
            assert run("show", command[-1], "--json").exit_code == 0, command


def test_a_reference_block_in_colour_has_no_padding_and_one_link(
    run: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In colour, the lines under a reference's title are not part of its link (nor bold), and
    no line ends in spaces, styled or linked ones included."""
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")
    shown = run("show", "fundamentals/1").stdout
    bare = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", shown)
    assert not [line for line in bare.splitlines() if line.endswith(" ")]
    id_line = next(line for line in shown.splitlines() if "3blue1brown-essence" in line)
    assert "\x1b]8;id=" not in id_line and "\x1b[1;36m" not in id_line, repr(id_line)


def test_a_note_with_a_long_address_puts_it_under_its_date(
    run: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = "https://example.org/docs/tokenizers/byte-pair-encoding/chapter-3.html"
    run("note", "tokenization", f"See {address} for more")
    monkeypatch.setenv("COLUMNS", "80")
    lines = run("note", "tokenization").stdout.splitlines()
    assert f"See {address} for" in lines or f"See {address}" in lines  # whole, from the edge


@pytest.mark.parametrize("width", [10, 25])
def test_the_calendar_keeps_today_and_whole_month_names_when_narrow(
    run: Invoke, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    run("done", "tokenization")
    monkeypatch.setenv("COLUMNS", str(width))
    lines = run("log", "--chart").stdout.splitlines()
    days = [line for line in lines if line[:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]
    assert any("░" in line for line in days)  # today's event is drawn
    assert len(lines[0].rstrip()) <= max(len(line) for line in days)  # no month name cut


def test_a_log_with_events_but_none_matching_says_so(run: Invoke) -> None:
    run("done", "tokenization")
    assert run("log", "--since", "2099-01-01").stdout == "No event matches.\n"
