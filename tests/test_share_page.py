"""`llmcourse export --format html`: one self-contained page to share, read here as a document
(the page in a real browser: test_share_page_browser.py)."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from conftest import Run, installed
from llmcourse import session
from llmcourse.sharepage import calendar

Invoke = Callable[..., Run]

ROOT = Path(__file__).resolve().parents[1]
TOKENIZATION = "scientist/architecture/tokenization"
HOSTILE = ('<script>alert("t")</script>', '"><svg onload=alert(1)>', "<img src=x onerror=alert(2)>")


def parse(text: str) -> ET.Element:
    """The page as a tree. It is written well-formed (every element closed, `<meta ... />`), so
    a strict parser reads it: an unclosed or stray tag fails here."""
    assert text.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(text.split("\n", 1)[1])


def text_of(element: ET.Element) -> str:
    """An element's text, a space between the texts of its elements, spaces collapsed."""
    return " ".join(" ".join(element.itertext()).split())


def items(root: ET.Element, kind: str) -> dict[str, ET.Element]:
    """The page's topics or references, by the id each carries."""
    return {
        li.attrib["title"]: li
        for li in root.iter("li")
        if li.attrib.get("class", "").split()[:1] == [kind] and "title" in li.attrib
    }


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[datetime], None]]:
    """Set the time llmcourse sees, in UTC as the learner's time zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(session, "utc_now", lambda: moment)

    yield set_to
    monkeypatch.undo()
    time.tzset()


def test_the_page_is_the_course_as_a_map_with_each_status(run: Invoke) -> None:
    run("done", "tokenization", "scientist/1/1", "nanogpt")
    run("start", "scientist/1/3")
    run("skip", "scientist/1/4")
    result = run("export", "--format", "html")
    assert result.exit_code == 0, result.stderr
    root = parse(result.stdout)
    roadmaps = [s for s in root.iter("section") if s.attrib["class"].startswith("roadmap")]
    assert [text_of(s.find("header/h2")) for s in roadmaps] == [  # type: ignore[arg-type]
        "LLM Fundamentals optional",
        "The LLM Scientist",
        "The LLM Engineer",
    ]
    topics, references = items(root, "topic"), items(root, "reference")
    assert len(topics) == 77 and len(references) == 104
    # In the course's order, each with its status as a class (the colour), a mark and words.
    assert list(topics)[15:19] == [
        "scientist/architecture/architectural-overview",
        TOKENIZATION,
        "scientist/architecture/attention-mechanisms",
        "scientist/architecture/sampling-techniques",
    ]
    for topic_id, status, mark, words in (
        (TOKENIZATION, "done", "✓", "(done)"),
        ("scientist/architecture/attention-mechanisms", "in-progress", "◐", "(in progress)"),
        ("scientist/architecture/sampling-techniques", "skipped", "⊘", "(skipped)"),
        ("scientist/pre-training/data-preparation", "not-started", "○", "(not started)"),
    ):
        li = topics[topic_id]
        assert li.attrib["class"] == f"topic {status}"
        assert text_of(li).startswith(mark) and text_of(li).endswith(words)
    nanogpt = references["scientist/architecture/nanogpt"]
    assert text_of(nanogpt) == "✓ nanoGPT Andrej Karpathy (read)"
    assert nanogpt.find(".//a").attrib["href"] == "https://www.youtube.com/watch?v=kCc8FmEb1nY"  # type: ignore[union-attr]
    # Overall, per roadmap and per section (a skipped topic is not counted).
    page = text_of(root.find("body"))  # type: ignore[arg-type]
    assert "Topics done 2 of 61" in page and "References read 1 of 82" in page
    assert "6% 2 of 31 topics done 1 of 45 references read" in page
    assert "2/3 topics 67%" in page
    assert "LLM Fundamentals is optional and not started: shown, not counted." in page
    assert re.search(
        r"<title>The LLM Course: 3% done, as of \d{4}-\d\d-\d\d</title>", result.stdout
    )


def test_every_topic_and_reference_with_an_address_links_to_it(run: Invoke) -> None:
    root = parse(run("export", "-f", "html").stdout)
    from llmcourse.catalog import load_bundled

    catalog = load_bundled()
    for node_id, li in items(root, "reference").items():
        link = li.find(".//a")
        assert link is not None and link.attrib["href"] == catalog.nodes[node_id].item.url  # type: ignore[union-attr]
    linked = 0
    for node_id, li in items(root, "topic").items():
        own = catalog.nodes[node_id].item.links  # type: ignore[union-attr]
        link = li.find(".//a")
        if own:
            assert link is not None and link.attrib["href"] == own[0].url
            linked += 1
        else:
            assert link is None  # nothing to link to: its title, as text
    assert linked == 27


def test_the_page_names_no_resource_of_elsewhere_and_runs_nothing(run: Invoke) -> None:
    text = run("export", "-f", "html").stdout
    root = parse(text)
    tags = {element.tag for element in root.iter()}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "image", "use"}
    (style,) = root.iter("style")
    assert style.text is not None
    assert "url(" not in style.text and "@import" not in style.text
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on"), (element.tag, name)
            assert name not in ("src", "srcset", "xlink:href", "style"), (element.tag, name)
            if name == "href":
                assert element.tag == "a" and value.startswith(("https://", "http://"))
    # A policy that allows the page's own style, by its hash, and nothing else.
    policy = next(
        m.attrib["content"]
        for m in root.iter("meta")
        if m.attrib.get("http-equiv") == "Content-Security-Policy"
    )
    digest = base64.b64encode(hashlib.sha256(style.text.encode()).digest()).decode()
    assert policy == (
        f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def _hostile_course(tmp_path: Path) -> Path:
    course = (ROOT / "docs" / "example-roadmaps.toml").read_text("utf-8")
    one, two, three = (value.replace("\\", "\\\\").replace('"', '\\"') for value in HOSTILE)
    path = tmp_path / "hostile.toml"
    path.write_text(
        course.replace('title = "BM25"', f'title = "{one}"')
        .replace('title = "Retrieval for Beginners"', f'title = "{two}"')
        .replace('title = "Keyword Search"', f'title = "{three} \u202eexe.pdf"')
        .replace(
            'title = "Introduction to Retrieval"', 'title = "</title><script>alert(3)</script>"'
        ),
        encoding="utf-8",
    )
    return path


def test_hostile_titles_and_notes_come_out_as_text(run: Invoke, tmp_path: Path) -> None:
    course = str(_hostile_course(tmp_path))
    run("--roadmaps", course, "done", "retrieval/keyword-search/bm25")
    for value in HOSTILE:
        assert run("--roadmaps", course, "note", "bm25", value).exit_code == 0
    result = run("--roadmaps", course, "export", "-f", "html", "--with-notes")
    assert result.exit_code == 0, result.stderr
    root = parse(result.stdout)
    assert not {element.tag for element in root.iter()} & {"script", "img"}
    assert all(not name.startswith("on") for e in root.iter() for name in e.attrib)
    title = root.find("head/title")
    assert (
        title is not None
        and title.text is not None
        and title.text.startswith("</title><script>alert(3)</script>")
    )
    page = text_of(root.find("body"))  # type: ignore[arg-type]
    bm25 = items(root, "topic")["retrieval/keyword-search/bm25"]
    assert text_of(bm25).startswith(f"✓ {HOSTILE[0]} (done)")
    notes = [text_of(p) for p in bm25.iter("p")]
    assert notes == list(HOSTILE)
    assert HOSTILE[1] in page and f"{HOSTILE[2]} \\u202eexe.pdf" in page
    assert "\u202e" not in result.stdout  # shown as the terminal shows it, not obeyed


def test_notes_are_left_out_unless_asked_for(run: Invoke) -> None:
    run("note", "tokenization", "my private thought")
    run("note", "scientist/architecture", "a section note")
    run("note", "scientist", "a roadmap note")
    shared = run("export", "-f", "html")
    assert "private" not in shared.stdout and "section note" not in shared.stdout
    assert "roadmap note" not in shared.stdout
    with_notes = run("export", "-f", "html", "--with-notes").stdout
    root = parse(with_notes)
    notes = [text_of(q) for q in root.iter("blockquote")]
    assert [n.rsplit(" ", 1)[0] for n in notes] == [  # each with its date
        "a roadmap note",
        "a section note",
        "my private thought",
    ]
    assert "my private thought" in text_of(items(root, "topic")[TOKENIZATION])
    assert "with their notes" in text_of(root)


@pytest.mark.parametrize("form", ["json", "markdown", "csv"])
def test_with_notes_is_for_the_html_page_alone(run: Invoke, form: str) -> None:
    result = run("export", "-f", form, "--with-notes")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: --with-notes is for --format html: the {form} export")
    assert result.stderr.count("error:") == 1


def test_the_streak_and_the_calendar_are_the_progress_commands(
    run: Invoke, clock: Callable[[datetime], None]
) -> None:
    for day, topic in ((24, "scientist/1/1"), (25, "scientist/1/2"), (27, "scientist/1/3")):
        clock(datetime(2026, 11, day, 21, 0, tzinfo=UTC))
        run("done", topic)
    run("done", "scientist/1/4")
    text = run("progress").stdout
    assert "Streak: 1 day in a row (longest 2)" in text
    root = parse(run("export", "-f", "html").stdout)
    page = text_of(root.find("body"))  # type: ignore[arg-type]
    assert "Streak 1 day, longest 2" in page
    assert "Learning progress · 27 November 2026" in page
    assert "4 events in 26 weeks" in page
    days = {
        text_of(rect): rect.attrib["class"]
        for rect in root.iter("rect")
        if rect.find("title") is not None
    }
    assert days["2026-11-27: 2 events"] == "day l1"
    assert days["2026-11-24: 1 event"] == "day l1"
    assert days["2026-11-26: 0 events"] == "day l0"
    assert len(days) == 25 * 7 + 5  # 26 weeks up to this Friday, Monday first


def test_the_calendar_shades_days_as_the_terminal_does() -> None:
    today = date(2026, 11, 28)  # a Saturday
    drawn = calendar({date(2026, 11, 27): 6, date(2026, 11, 2): 3, date(2025, 1, 1): 9}, today)
    levels = {cell.label.split(":")[0]: cell.level for cell in drawn.cells}
    assert levels["2026-11-27"] == 3 and levels["2026-11-02"] == 2
    assert levels["2026-11-28"] == 0 and "2026-11-29" not in levels
    assert min(levels) == "2026-06-01"  # the Monday 25 weeks before this week's
    assert drawn.total == 9  # 2025 is long before
    assert [name for _, name in drawn.months] == ["Jun", "Jul", "Aug", "Sep", "Oct", "Nov"]


def test_a_roadmap_file_of_ones_own_makes_its_page(run: Invoke, tmp_path: Path) -> None:
    course = str(ROOT / "docs" / "example-roadmaps.toml")
    run("--roadmaps", course, "done", "bm25")
    root = parse(run("--roadmaps", course, "export", "-f", "html").stdout)
    page = text_of(root.find("body"))  # type: ignore[arg-type]
    assert "Introduction to Retrieval" in page and "A course by A. Teacher" in page
    assert "Retrieval for Beginners" in page and "1 Keyword Search" in page
    assert "Topics done 1 of 4" in page and "25%" in page
    assert "(CC-BY-4.0), revision 2026 spring term." in page  # a name, whole (a commit is cut)
    assert items(root, "topic")["retrieval/keyword-search/bm25"].attrib["class"] == "topic done"


def test_no_roadmap_file_can_name_two_elements_alike(run: Invoke, tmp_path: Path) -> None:
    """Roadmaps called `activity`, `retrieval` and `retrieval-title` (ids a roadmap file may
    give) take no name another element has: each roadmap is labelled by its own title."""
    course = (ROOT / "docs" / "example-roadmaps.toml").read_text("utf-8")
    head, rest = course.split("[[roadmaps]]", 1)
    roadmap, notebooks = rest.split("[[notebooks]]", 1)
    others = "".join(
        "[[roadmaps]]"
        + re.sub(r"(?m)^former_ids = .*$", "", roadmap).replace(
            'id = "retrieval"', f'id = "{name}"', 1
        )
        for name in ("activity", "retrieval-title")
    )
    path = tmp_path / "names.toml"
    path.write_text(f"{head}[[roadmaps]]{roadmap}{others}[[notebooks]]{notebooks}", "utf-8")
    result = run("--roadmaps", str(path), "export", "-f", "html")
    assert result.exit_code == 0, result.stderr
    root = parse(result.stdout)
    names = [element.attrib["id"] for element in root.iter() if "id" in element.attrib]
    assert len(names) == len(set(names)), sorted(names)
    by_name = {element.attrib["id"]: element for element in root.iter() if "id" in element.attrib}
    for roadmap in ("retrieval", "activity", "retrieval-title"):
        label = by_name[by_name[roadmap].attrib["aria-labelledby"]]
        assert text_of(label) == "Retrieval for Beginners", roadmap
    activity = next(s for s in root.iter("section") if s.attrib.get("class") == "activity")
    assert text_of(by_name[activity.attrib["aria-labelledby"]]).startswith("Activity")


def test_the_page_is_written_to_a_file(run: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "progress.html"
    result = run("export", "-f", "html", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert f"written to {target}" in result.stderr
    parse(target.read_text("utf-8"))


def test_the_installed_command_writes_the_page(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    done = subprocess.run(
        [installed(), "export", "--format", "html", "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "The LLM Scientist" in text_of(parse(target.read_text("utf-8")))


def test_only_the_html_export_imports_jinja() -> None:
    script = (
        "import sys; from llmcourse.start import main; sys.argv = ['llmcourse', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('jinja2' in sys.modules, 'llmcourse.sharepage' in sys.modules, file=sys.stderr)"
    )
    import sys

    for args, imported in ((["progress"], False), (["export", "-f", "html"], True)):
        done = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60
        )
        assert done.stderr.strip().splitlines()[-1] == f"{imported} {imported}", done.stderr
