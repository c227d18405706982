"""How llmcourse words things for people, in every view: the status symbols and the other
glyphs (each with an ASCII form), status words, counts and local times."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import NamedTuple

from llmcourse.tracker import Count

# Each status's symbol, its ASCII form (for a terminal that cannot show the first), and colour.
SYMBOLS = {
    "not-started": ("·", "-", "dim"),
    "in-progress": ("▸", ">", "yellow"),
    "done": ("✓", "x", "green"),
    "skipped": ("⤼", "s", "magenta"),
}


class Glyphs(NamedTuple):
    """The symbols a view draws with, each in a form the output can carry."""

    marks: dict[str, str]  # a status's symbol
    dot: str  # between the parts of a line
    arrow: str  # from one status to another
    ellipsis: str  # where an excerpt leaves text out
    dash: str  # a value that is missing
    bar_done: str  # the done part of a bar
    bar_left: str  # the rest of a bar: another character, so a bar reads without colour
    shades: tuple[str, str, str, str]  # a calendar day: no events, a few, more, many


# Each glyph's preferred form and its ASCII form; the shades stay distinct characters in both,
# so the calendar reads without colour.
_FORMS: dict[str, tuple[object, object]] = {
    "dot": ("·", "-"),
    "arrow": ("→", "->"),
    "ellipsis": ("…", "..."),
    "dash": ("—", "-"),
    "bar_done": ("━", "#"),
    "bar_left": ("─", "-"),
    "shades": (("·", "░", "▒", "▓"), (".", "-", "+", "#")),
}


@functools.cache
def glyphs(encoding: str | None) -> Glyphs:
    """The glyphs for output in `encoding`: each in its preferred form where the encoding can
    carry it (whatever the locale is called), else in its ASCII form."""
    chosen = {
        name: fine if _carries(encoding, fine) else plain for name, (fine, plain) in _FORMS.items()
    }
    marks = {
        status: mark if _carries(encoding, mark) else ascii_mark
        for status, (mark, ascii_mark, _) in SYMBOLS.items()
    }
    return Glyphs(marks=marks, **chosen)  # type: ignore[arg-type]


def _carries(encoding: str | None, form: object) -> bool:
    text = "".join(form) if isinstance(form, tuple) else str(form)
    try:
        text.encode(encoding or "utf-8")
    except (UnicodeError, LookupError):
        return False
    return True


def filled(count: Count, width: int) -> int:
    """How many of a bar's `width` cells show as done: something done shows, and so does
    something left."""
    cells = round(width * count.done / max(count.counted, 1))
    if count.done and not cells:
        return 1
    if cells == width and not count.complete:
        return width - 1
    return cells


def typed_id(short: str, number: str | None, room: int | None) -> str:
    """The id to show in a command to be copied: its short form, or its course number where
    only that fits in `room` cells (None: any width). Both are typed back alike."""
    if room is None or len(short) <= room or not number or len(number) >= len(short):
        return short
    return number


def status_word(status: str, kind: str = "topic") -> str:
    """A status in words; references are read rather than done, notebooks run."""
    if kind == "reference":
        return {"done": "read", "not-started": "not read", "in-progress": "reading"}.get(
            status, status.replace("-", " ")
        )
    if kind == "notebook":
        return {"done": "run", "not-started": "not run"}.get(status, status.replace("-", " "))
    return status.replace("-", " ")


def local_time(moment: datetime) -> str:
    """A time as the learner's own clock shows it (in UTC where that clock cannot)."""
    try:
        return moment.astimezone().strftime("%Y-%m-%d %H:%M")
    except (OverflowError, ValueError):  # the first or last days a datetime can hold
        return moment.isoformat(sep=" ", timespec="minutes")


def counts(topics: Count, references: Count, dot: str = "·", notebooks: Count | None = None) -> str:
    """Done of those that count (skipped ones do not), topics and references, and notebooks
    where there are some; where every one is skipped, that, rather than "0 of 0"."""
    said = f"{_count(topics, 'topic', 'done')} {dot} {_count(references, 'reference', 'read')}"
    if notebooks is not None and notebooks.total:
        said += f" {dot} {_count(notebooks, 'notebook', 'run')}"
    return said


def _count(count: Count, noun: str, word: str) -> str:
    if count.total and not count.counted:
        return f"the {noun} skipped" if count.total == 1 else f"all {count.total} {noun}s skipped"
    return f"{count.done} of {count.counted} {noun}s {word}"


def when_due(due: datetime, now: datetime) -> str:
    """When a review falls due, on the learner's calendar: "due today", "due in 11 days
    (2026-12-09)", "due since 2026-11-20"."""
    try:
        day, today = due.astimezone().date(), now.astimezone().date()
    except (OverflowError, ValueError):  # the first or last days a datetime can hold
        day, today = due.date(), now.date()
    days = (day - today).days
    if days < 0:
        return f"due since {day.isoformat()}"
    if days == 0:
        return "due today"
    if days == 1:
        return f"due tomorrow ({day.isoformat()})"
    return f"due in {days} days ({day.isoformat()})"
