"""The plain objects every command works with: the course, the progress file, history events.

A roadmap file is validated by the pydantic models in `models`; what they accept is kept (in
a cache) as plain data and turned into these dataclasses. Importing pydantic's model machinery
costs more than the rest of a command together, so no command pays for it unless it has to
validate a roadmap file. The progress file is checked here, by hand, for the same reason.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

# 1: entries only. 2: adds `revision` and `history_size`, which tie the file to its history.
# 3: adds the statuses `in-progress` and `skipped`, and the learner's `notes`, which a reader of
# 2 would take for damage or drop: it sees a newer file instead, which it reads as far as it
# can and never writes.
PROGRESS_SCHEMA_VERSION = 3

Status = Literal["not-started", "in-progress", "done", "skipped"]
STATUSES: tuple[Status, ...] = ("not-started", "in-progress", "done", "skipped")


class Link(NamedTuple):
    """A tool, paper or framework that a topic's description points to."""

    text: str
    url: str


class Reference(NamedTuple):
    """Something to read, watch or try for a section."""

    id: str
    title: str
    url: str
    author: str | None = None
    kind: str | None = None
    former_ids: tuple[str, ...] = ()


class Topic(NamedTuple):
    id: str
    title: str
    summary: str = ""
    links: tuple[Link, ...] = ()
    # Full ids this topic had in earlier versions of the course; progress under them carries over.
    former_ids: tuple[str, ...] = ()


class Section(NamedTuple):
    id: str
    number: int
    title: str
    summary: str = ""
    topics: tuple[Topic, ...] = ()
    references: tuple[Reference, ...] = ()
    former_ids: tuple[str, ...] = ()


class Roadmap(NamedTuple):
    id: str
    title: str
    summary: str = ""
    optional: bool = False
    sections: tuple[Section, ...] = ()


class CourseInfo(NamedTuple):
    id: str
    title: str
    author: str | None = None
    url: str | None = None
    license: str | None = None


def course_from_data(data: dict[str, Any]) -> tuple[CourseInfo, list[Roadmap]]:
    """Build the course from a roadmap file's data as the models validated and completed it."""
    # Positional arguments: at 20,000 items, keywords cost a third of loading the course.
    return CourseInfo(**data["course"]), [
        Roadmap(
            r["id"],
            r["title"],
            r["summary"],
            r["optional"],
            tuple(
                Section(
                    s["id"],
                    s["number"],
                    s["title"],
                    s["summary"],
                    tuple(
                        Topic(
                            t["id"],
                            t["title"],
                            t["summary"],
                            tuple(Link(link["text"], link["url"]) for link in t["links"])
                            if t["links"]
                            else (),
                            tuple(t["former_ids"]),
                        )
                        for t in s["topics"]
                    ),
                    tuple(
                        Reference(
                            f["id"],
                            f["title"],
                            f["url"],
                            f["author"],
                            f["kind"],
                            tuple(f["former_ids"]),
                        )
                        for f in s["references"]
                    ),
                    tuple(s["former_ids"]),
                )
                for s in r["sections"]
            ),
        )
        for r in data["roadmaps"]
    ]


class Entry:
    """A learner's record for one topic or reference; keys this version does not know are kept."""

    __slots__ = ("changed", "extra", "status")

    def __init__(
        self, status: Status, changed: datetime, extra: dict[str, Any] | None = None
    ) -> None:
        self.status: Status = status
        self.changed = changed
        self.extra: dict[str, Any] = extra if extra is not None else {}

    def __repr__(self) -> str:
        return f"Entry({self.status!r}, {self.changed!r}, {self.extra!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entry):
            return NotImplemented
        return (self.status, self.changed, self.extra) == (other.status, other.changed, other.extra)

    __hash__ = None  # type: ignore[assignment]

    def with_status(self, status: Status, changed: datetime) -> Entry:
        return Entry(status, changed, copy.deepcopy(self.extra))

    def kept(self) -> dict[str, Any]:
        """The keys this version does not know, less any that would clash with its own."""
        return {k: v for k, v in self.extra.items() if k not in ENTRY_KEYS}


class Note(NamedTuple):
    """One of the learner's notes on an item, with when it was written."""

    text: str
    time: datetime


@dataclass
class ProgressFile:
    """The progress file; keys and entries this version does not know are kept."""

    schema_version: int
    course: str | None = None
    # How many changes were ever recorded, and how many bytes of the history file they fill:
    # bytes past `history_size` belong to a change that never completed, and are not history.
    revision: int = 0
    history_size: int = 0
    entries: dict[str, Entry] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # The learner's own notes on a topic, section or reference, oldest first.
    notes: dict[str, list[Note]] = field(default_factory=dict)

    def copy(self) -> ProgressFile:
        """A copy whose entries can be set and removed without touching this one's.

        Entries themselves are never changed in place (`Entry.with_status` makes a new one), so
        they are shared: a deep copy of 20,000 of them took longer than reading the file.
        """
        return ProgressFile(
            self.schema_version,
            self.course,
            self.revision,
            self.history_size,
            dict(self.entries),
            copy.deepcopy(self.extra),
            {key: list(notes) for key, notes in self.notes.items()},
        )


Problem = tuple[tuple[int | str, ...], str]  # where (a key path) and what is wrong

PROGRESS_KEYS = ("schema_version", "course", "revision", "history_size", "entries", "notes")
ENTRY_KEYS = ("status", "changed")


def _whole_number(value: Any, least: int) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return "Input should be a whole number"
    if value < least:
        return f"Input should be greater than or equal to {least}"
    return None


def in_range(moment: datetime) -> bool:
    """Whether a time can be shown in UTC and on any clock (a day's margin each way)."""
    try:
        moment.astimezone(UTC) - timedelta(days=1)
        moment.astimezone(UTC) + timedelta(days=1)
    except OverflowError:
        return False
    return True


def entry_problems(value: Any, where: tuple[int | str, ...] = ()) -> list[Problem]:
    if not isinstance(value, dict):
        return [(where, "Input should be a table")]
    problems: list[Problem] = []
    status = value.get("status")
    if "status" not in value:
        problems.append(((*where, "status"), "Field required"))
    elif status not in STATUSES:
        choices = ", ".join(f"'{s}'" for s in STATUSES[:-1]) + f" or '{STATUSES[-1]}'"
        problems.append(((*where, "status"), f"Input should be {choices}"))
    changed = value.get("changed")
    if "changed" not in value:
        problems.append(((*where, "changed"), "Field required"))
    elif not isinstance(changed, datetime):
        problems.append(((*where, "changed"), "Input should be a date and time"))
    elif changed.tzinfo is None:
        problems.append(((*where, "changed"), "must carry a time zone, e.g. 2026-01-31T18:00:00Z"))
    elif not in_range(changed):
        problems.append(((*where, "changed"), "is too near the first or last day a time can be"))
    return problems


def progress_problems(raw: dict[str, Any]) -> list[Problem]:
    """Everything wrong with a progress file's data, each with its key path."""
    problems: list[Problem] = []
    if "schema_version" not in raw:
        problems.append((("schema_version",), "Field required"))
    elif message := _whole_number(raw["schema_version"], 1):
        problems.append((("schema_version",), message))
    if "course" in raw and not isinstance(raw["course"], str):
        problems.append((("course",), "Input should be a string"))
    for key in ("revision", "history_size"):
        if key in raw and (message := _whole_number(raw[key], 0)):
            problems.append(((key,), message))
    entries = raw.get("entries", {})
    if not isinstance(entries, dict):
        problems.append((("entries",), "Input should be a table"))
    else:
        for key, value in entries.items():
            problems.extend(entry_problems(value, ("entries", key)))
    notes = raw.get("notes", {})
    if not isinstance(notes, dict):
        problems.append((("notes",), "Input should be a table"))
    else:
        for key, value in notes.items():
            problems.extend(_note_problems(value, ("notes", key)))
    return problems


def _note_problems(value: Any, where: tuple[int | str, ...]) -> list[Problem]:
    if not isinstance(value, list):
        return [(where, "Input should be a list of notes")]
    problems: list[Problem] = []
    for number, note in enumerate(value):
        at = (*where, number)
        if not isinstance(note, dict) or not isinstance(note.get("text"), str):
            problems.append((at, "a note is a table with a text and a time"))
        elif not isinstance(note.get("time"), datetime) or note["time"].tzinfo is None:
            problems.append(((*at, "time"), "must be a date and time with a time zone"))
        elif not in_range(note["time"]):
            problems.append(((*at, "time"), "is too near the first or last day a time can be"))
    return problems


def entry_from(value: dict[str, Any]) -> Entry:
    """An entry from data that `entry_problems` found nothing wrong with."""
    extra = {k: v for k, v in value.items() if k not in ("status", "changed")}
    return Entry(value["status"], value["changed"], extra)


def progress_from(raw: dict[str, Any]) -> ProgressFile:
    """A progress file from data that `progress_problems` found nothing wrong with."""
    return ProgressFile(
        schema_version=raw["schema_version"],
        course=raw.get("course"),
        revision=raw.get("revision", 0),
        history_size=raw.get("history_size", 0),
        entries={key: entry_from(value) for key, value in raw.get("entries", {}).items()},
        extra={k: v for k, v in raw.items() if k not in PROGRESS_KEYS},
        notes={
            key: [Note(note["text"], note["time"]) for note in notes]
            for key, notes in raw.get("notes", {}).items()
        },
    )


class Event(NamedTuple):
    """One line of the history: a status that changed, and the change (`rev`) it was part of."""

    rev: int
    time: datetime
    command: str
    id: str
    old: str
    new: str
    undoes: int | None = None  # set on the events of an `undo`: the change they revert
    # An event of another machine's history, brought in by `import`: a record of what happened
    # there, not a change made here, so `undo` passes over it.
    imported: bool = False

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "rev": self.rev,
            "time": self.time.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "command": self.command,
            "id": self.id,
            "old": self.old,
            "new": self.new,
        }
        if self.undoes is not None:
            doc["undoes"] = self.undoes
        if self.imported:
            doc["imported"] = True
        return doc

    def key(self) -> tuple[str, str, str, str, str, int | None]:
        """What makes two events one, wherever they were numbered: for merging histories."""
        return (self.to_json()["time"], self.id, self.old, self.new, self.command, self.undoes)
