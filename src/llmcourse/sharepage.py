"""The learner's progress as one HTML page to share: the course as a map, every topic with its
status, the counts, the streak and the activity calendar.

The page is one self-contained file: inline CSS and inline SVG, no script, no font, style or
image from elsewhere, so it reads offline, as a mail attachment or from a static host. Pure:
the course, the progress, its history and the clock are given; it returns the text.

Every title, note and id is text to the template, which escapes it (Jinja2 with autoescape);
characters that hide or reorder text are written as escapes, as on the terminal, and only http
and https addresses become links. A Content-Security-Policy allows the page's own style and
nothing else, so even markup that slipped through could load and run nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date, datetime, timedelta
from importlib import resources
from typing import NamedTuple

from llmcourse.catalog import Catalog, Node
from llmcourse.export import _visible
from llmcourse.models import Reference, Topic, is_web_url
from llmcourse.progressfile import Event, ProgressFile
from llmcourse.text import escape_controls
from llmcourse.timeline import momentum
from llmcourse.tracker import Count, counts, status_of, summarize
from llmcourse.wording import status_word

# Each status's mark: a character, so that a status reads without colour (and on paper).
MARKS = {"done": "✓", "in-progress": "◐", "skipped": "⊘", "not-started": "○"}

# How many weeks the activity calendar shows, up to the day the page is made.
WEEKS = 26

# Calendar cells: their size and the gap between them, in SVG units.
CELL, GAP = 11, 3
LEFT, TOP = 30, 16  # room for the names of the days, and of the months


class NoteView(NamedTuple):
    text: str
    day: str  # the learner's calendar day it was written


class Item(NamedTuple):
    """A topic or a reference as the page shows it."""

    id: str
    title: str
    url: str | None  # an http or https address, else None (shown as text)
    status: str
    mark: str
    word: str  # the status in words
    author: str | None
    notes: list[NoteView]


class Meter(NamedTuple):
    """A count and its bar: the done part of the bar in hundredths."""

    done: int
    counted: int
    total: int
    percent: str
    filled: float
    in_progress: int
    skipped: int


class SectionView(NamedTuple):
    id: str
    number: int
    title: str
    topics: list[Item]
    references: list[Item]
    meter: Meter
    read: Meter
    notes: list[NoteView]


class RoadmapView(NamedTuple):
    id: str
    title: str
    summary: str
    optional: bool
    counted: bool
    meter: Meter
    read: Meter
    sections: list[SectionView]
    notes: list[NoteView]


class Cell(NamedTuple):
    x: int
    y: int
    level: int  # 0: no events; 1 to 3: a few, more, many (as the terminal's shades)
    label: str


class CalendarView(NamedTuple):
    width: int
    height: int
    cells: list[Cell]
    months: list[tuple[int, str]]  # (x, name) over the week a month starts in
    days: list[tuple[int, str]]  # (y, name) beside the rows
    total: int
    weeks: int
    legend: list[int]  # the levels, least first


def _text(value: str | None) -> str:
    """Untrusted text for the page: what hides or reorders text shown as an escape."""
    return escape_controls(value or "")


def _url(value: str | None) -> str | None:
    return _visible(value) if is_web_url(value) else None


def meter(count: Count) -> Meter:
    filled = 100.0 * count.done / count.counted if count.counted else 0.0
    if count.done and filled < 2:  # something done shows
        filled = 2.0
    if filled > 98 and not count.complete:  # and so does something left
        filled = 98.0
    return Meter(
        count.done,
        count.counted,
        count.total,
        f"{count.percent:.0f}%",
        round(filled, 2),
        count.in_progress,
        count.skipped,
    )


def _notes(progress: ProgressFile, node_id: str, with_notes: bool) -> list[NoteView]:
    if not with_notes:
        return []
    return [
        NoteView(escape_controls(note.text, multiline=True), _day(note.time))
        for note in progress.notes.get(node_id, [])
    ]


def _day(moment: datetime) -> str:
    try:
        return moment.astimezone().date().isoformat()
    except (OverflowError, ValueError):  # the first or last days a datetime can hold
        return moment.date().isoformat()


def _item(node: Node, progress: ProgressFile, with_notes: bool) -> Item:
    status = status_of(progress, node.id)
    item = node.item
    url: str | None = None
    author: str | None = None
    if isinstance(item, Reference):
        url, author = item.url, item.author
    elif isinstance(item, Topic) and item.links:
        url = item.links[0].url  # as `open TOPIC` opens it; many topics have no link
    return Item(
        id=_text(node.id),
        title=_text(node.title),
        url=_url(url),
        status=status,
        mark=MARKS[status],
        word=status_word(status, node.kind),
        author=_text(author) if author else None,
        notes=_notes(progress, node.id, with_notes),
    )


def roadmaps(catalog: Catalog, progress: ProgressFile, with_notes: bool) -> list[RoadmapView]:
    summary = summarize(catalog, progress)
    views = []
    for found in summary.roadmaps:
        roadmap = found.roadmap
        sections = []
        for section in found.sections:
            sections.append(
                SectionView(
                    id=_text(section.node.id),
                    number=section.section.number,
                    title=_text(section.section.title),
                    topics=[
                        _item(node, progress, with_notes)
                        for node in catalog.section_topics(roadmap, section.section)
                    ],
                    references=[
                        _item(node, progress, with_notes)
                        for node in catalog.section_references(roadmap, section.section)
                    ],
                    meter=meter(section.topics),
                    read=meter(section.references),
                    notes=_notes(progress, section.node.id, with_notes),
                )
            )
        views.append(
            RoadmapView(
                id=_text(roadmap.id),
                title=_text(roadmap.title),
                summary=_text(roadmap.summary),
                optional=roadmap.optional,
                counted=counts(progress, roadmap, found.topics),
                meter=meter(found.topics),
                read=meter(found.references),
                sections=sections,
                notes=_notes(progress, roadmap.id, with_notes),
            )
        )
    return views


def calendar(days: dict[date, int], today: date, weeks: int = WEEKS) -> CalendarView:
    """The last `weeks` weeks up to `today`, a cell a day, Monday first: as `progress
    --activity` draws them on the terminal, shaded by the events of each day."""
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    cells = []
    months: list[tuple[int, str]] = []
    for week in range(weeks):
        monday = start + timedelta(weeks=week)
        x = LEFT + week * (CELL + GAP)
        # A month's name over the week it starts in, where three weeks give it room.
        starts = week == 0 or monday.day <= 7
        room = week <= weeks - 3 and (not months or x - months[-1][0] >= 3 * (CELL + GAP))
        if starts and room:
            months.append((x, monday.strftime("%b")))
        for weekday in range(7):
            day = monday + timedelta(days=weekday)
            if day > today:
                break
            count = days.get(day, 0)
            events = f"{count} event{'s' if count != 1 else ''}"
            cells.append(
                Cell(x, TOP + weekday * (CELL + GAP), _level(count), f"{day.isoformat()}: {events}")
            )
    total = sum(count for day, count in days.items() if start <= day <= today)
    names = [
        (TOP + row * (CELL + GAP) + CELL - 2, name)
        for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
    ]
    return CalendarView(
        width=LEFT + weeks * (CELL + GAP) - GAP,
        height=TOP + 7 * (CELL + GAP) - GAP,
        cells=cells,
        months=months,
        days=names,
        total=total,
        weeks=weeks,
        legend=[0, 1, 2, 3],
    )


def _level(count: int) -> int:
    """A day's shade, in the steps of the terminal's calendar (`render._cell`)."""
    if count == 0:
        return 0
    if count < 3:
        return 1
    if count < 6:
        return 2
    return 3


def _revision(revision: str | None) -> str | None:
    """The course's revision as `--version` names it: a commit by its first 12 hex digits."""
    if not revision:
        return None
    return _text(revision[:12] if re.fullmatch(r"[0-9a-f]{40}", revision) else revision)


def _resource(name: str) -> str:
    return resources.files("llmcourse").joinpath("templates", name).read_text("utf-8")


def page(
    catalog: Catalog,
    progress: ProgressFile,
    history: list[Event],
    now: datetime,
    *,
    with_notes: bool = False,
) -> str:
    """The page: the course, the learner's progress and momentum (the streak and calendar of
    `progress`), as of `now` on the learner's own calendar; notes only `with_notes`, since a
    page to share is read by others."""
    import jinja2

    today = now.astimezone().date()
    going = momentum(history, today, progress=progress)
    summary = summarize(catalog, progress)
    css = _resource("sharepage.css")
    # The policy names the style by its hash: no other style, and no script, can apply.
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    environment = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    template = environment.from_string(_resource("sharepage.html"))
    course = catalog.course
    return template.render(
        css=css,
        style_hash=f"sha256-{digest}",
        course_title=_text(course.title),
        course_url=_url(course.url),
        course_author=_text(course.author) if course.author else None,
        course_license=_text(course.license) if course.license else None,
        course_revision=_revision(course.revision),
        overall=meter(summary.topics),
        references=meter(summary.references),
        left_out=[_text(r.roadmap.title) for r in summary.left_out],
        roadmaps=roadmaps(catalog, progress, with_notes),
        streak=going.streak,
        longest=going.longest,
        calendar=calendar(going.days, today),
        made=today.isoformat(),
        made_words=f"{today.day} {today:%B %Y}",
        marks=[(status, MARKS[status], status_word(status)) for status in MARKS],
        with_notes=with_notes,
    )
