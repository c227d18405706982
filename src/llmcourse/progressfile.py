"""The format of the learner's own files: the progress file, and the lines of its history.

The one home of what they hold and how they are written: entries, notes and the keys this
version does not know (all kept); reading that reports every problem with where it is; encoding;
and `MIGRATIONS`, one small step per schema version. `store` (the files on disk), `doctor`,
`exchange` (export and import) and the benchmark's fixtures all go through here, so a change to
the format is a change to this module.

The progress file is checked by hand rather than by pydantic models: importing pydantic's model
machinery would cost more than the rest of a command together.
"""

import copy
import re
from collections.abc import Callable, Mapping, Sized
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

from llmcourse.regular import MB
from llmcourse.text import location, pattern

# 1: entries only. 2: adds `revision` and `history_size`, which tie the file to its history.
# 3: adds the statuses `in-progress` and `skipped`, and the learner's `notes`, which a reader of
# 2 would take for damage or drop: it sees a newer file instead, which it reads as far as it
# can and never writes. 4: adds `reviews`, the review schedule of each topic done, which a reader
# of 3 would drop.
SCHEMA_VERSION = 4

Status = Literal["not-started", "in-progress", "done", "skipped"]
STATUSES: tuple[Status, ...] = ("not-started", "in-progress", "done", "skipped")

PROGRESS_KEYS = (
    "schema_version",
    "course",
    "revision",
    "history_size",
    "entries",
    "notes",
    "reviews",
)
ENTRY_KEYS = ("status", "changed")
NOTE_KEYS = ("text", "time")
SCHEDULE_KEYS = ("due", "last_review", "stability", "difficulty", "state", "step")
_SCHEDULE_KEY_SET = frozenset(SCHEDULE_KEYS)
# The states of a review schedule, as the scheduler (`fsrs`) names them.
SCHEDULE_STATES = ("learning", "review", "relearning")
RATINGS = ("again", "hard", "good", "easy")

# Limits no learner meets, so that a damaged or hostile file (or an import of one) is refused
# rather than read for minutes or written back in a form that cannot be read again.
MAX_PROGRESS_BYTES = 32 * MB  # about 350,000 entries as llmcourse writes them, or long notes
MAX_HISTORY_BYTES = 128 * MB  # about 900,000 events
MAX_ENTRIES = 50_000  # the bundled course has under 400 items; reading 50,000 takes a second
MAX_NOTES = 50_000  # in all, on every item together
MAX_NOTE_CHARS = 100_000
# Keys this version does not know are kept as they are, up to this depth of nested tables and
# lists: tomli-w, which writes them back, fails on a few hundred levels.
MAX_DEPTH = 32

Raw = dict[str, Any]  # a progress file as TOML reads it


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

    def with_status(self, status: Status, changed: datetime) -> "Entry":
        return Entry(status, changed, copy.deepcopy(self.extra))

    def kept(self) -> dict[str, Any]:
        """The keys this version does not know, less any that would clash with its own."""
        return {k: v for k, v in self.extra.items() if k not in ENTRY_KEYS}


class Note(NamedTuple):
    """One of the learner's notes on an item, with when it was written; keys this version does
    not know are kept in `extra`."""

    text: str
    time: datetime
    extra: dict[str, Any] | None = None


class Schedule(NamedTuple):
    """When a topic done is next reviewed, and what the scheduler knows of its memory of it:
    `stability` (days for recall to fall to 90%), `difficulty` (1 to 10), its `state` and
    `step`. Keys this version does not know are kept in `extra`."""

    due: datetime
    last_review: datetime
    stability: float
    difficulty: float
    state: str = "review"
    step: int | None = None
    extra: dict[str, Any] | None = None

    def fields(self) -> dict[str, Any]:
        """Its keys as the progress file holds them (times as times; no kept keys)."""
        doc: dict[str, Any] = {
            "due": self.due,
            "last_review": self.last_review,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "state": self.state,
        }
        if self.step is not None:
            doc["step"] = self.step
        return doc

    def to_json(self) -> dict[str, Any]:
        """Its keys for JSON: times as UTC text."""
        return self.fields() | {
            "due": utc_text(self.due),
            "last_review": utc_text(self.last_review),
        }

    def same(self, other: "Schedule | None") -> bool:
        """Whether `other` is this schedule, as far as the scheduler is concerned (what undo
        checks before it sets a schedule back)."""
        return other is not None and self.to_json() == other.to_json()


# "00" to "59": a month, day, hour, minute or second as a time's text writes it.
_TWO_DIGITS = tuple(f"{number:02d}" for number in range(60))


def utc_text(moment: datetime) -> str:
    """`moment.astimezone(UTC).isoformat(timespec="seconds")`, with `Z` for `+00:00`: written
    by hand, as it is for every event of an export or an import. `isoformat` parses its keyword
    and formats the offset: 1.2 µs a time; a format of six numbers, 0.6; this, 0.3 (17 ms of
    writing 50,000 events)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    year = moment.year
    two = _TWO_DIGITS
    return (
        f"{year if year > 999 else '%04d' % year}-{two[moment.month]}-{two[moment.day]}"  # noqa: UP031
        f"T{two[moment.hour]}:{two[moment.minute]}:{two[moment.second]}Z"
    )


class ProgressFile:
    """The progress file; keys and entries this version does not know are kept.

    A plain class rather than a dataclass: every command reads one, and defining a dataclass
    costs a command as much as defining five classes.
    """

    __slots__ = (
        "course",
        "entries",
        "extra",
        "history_size",
        "notes",
        "reviews",
        "revision",
        "schema_version",
    )

    def __init__(
        self,
        schema_version: int,  # as read: a file of an older schema is written in today's
        course: str | None = None,
        # How many changes were ever recorded, and how many bytes of the history file they
        # fill: bytes past `history_size` belong to a change that never completed.
        revision: int = 0,
        history_size: int = 0,
        entries: dict[str, Entry] | None = None,
        extra: dict[str, Any] | None = None,
        # The learner's own notes on a topic, section or reference, oldest first.
        notes: dict[str, list[Note]] | None = None,
        # The review schedule of each topic done (see `llmcourse.review`).
        reviews: dict[str, Schedule] | None = None,
    ) -> None:
        self.schema_version = schema_version
        self.course = course
        self.revision = revision
        self.history_size = history_size
        self.entries: dict[str, Entry] = {} if entries is None else entries
        self.extra: dict[str, Any] = {} if extra is None else extra
        self.notes: dict[str, list[Note]] = {} if notes is None else notes
        self.reviews: dict[str, Schedule] = {} if reviews is None else reviews

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProgressFile):
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass's

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"ProgressFile({fields})"

    def replace(self, **changes: Any) -> "ProgressFile":
        """A shallow copy with `changes` (as `dataclasses.replace` makes one)."""
        values = {name: getattr(self, name) for name in self.__slots__}
        return ProgressFile(**(values | changes))

    def copy(self) -> "ProgressFile":
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
            dict(self.reviews),
        )


def empty(course_id: str) -> ProgressFile:
    """The progress of a learner who has recorded nothing yet."""
    return ProgressFile(schema_version=SCHEMA_VERSION, course=course_id)


# --- Migrations --------------------------------------------------------------------------
# One function per schema step, in order: MIGRATIONS[n - 1] takes a file of schema n to n + 1.
# Reading applies the steps a file needs; the next write stores the result in today's schema
# (and `store` keeps the original beside it).


def _v1_to_v2(raw: Raw) -> Raw:
    """Schema 2 ties the file to its history with `revision` and `history_size`. A file of
    schema 1 has neither, and their default (0: no change recorded, no history vouched for) is
    what such a file means, so nothing moves."""
    return raw


def _v2_to_v3(raw: Raw) -> Raw:
    """Schema 3 adds statuses and notes: a file of schema 2 holds neither, so nothing moves."""
    return raw


def _v3_to_v4(raw: Raw) -> Raw:
    """Schema 4 adds review schedules. A file of schema 3 has none: each topic done there gets
    its first review from the time it was done, when it is read (`review.settle`), since which
    items are topics is the course's to say, not the file's."""
    return raw


MIGRATIONS: tuple[Callable[[Raw], Raw], ...] = (_v1_to_v2, _v2_to_v3, _v3_to_v4)
assert len(MIGRATIONS) == SCHEMA_VERSION - 1, "one migration per schema step"


def migrate(raw: Raw, version: int) -> Raw:
    """A file of schema `version` (1 up to today's) in today's shape."""
    for step in MIGRATIONS[version - 1 :]:
        raw = step(raw)
    return raw


# --- Checking ----------------------------------------------------------------------------

Where = tuple[int | str, ...]  # a key path into the file
Problem = tuple[Where, str]  # where, and what is wrong there


def in_range(moment: datetime) -> bool:
    """Whether a time can be shown in UTC and on any clock (a day's margin each way)."""
    if 1 < moment.year < 9999:  # no offset or margin reaches past year 1 or 9999 from here
        return True
    try:
        moment.astimezone(UTC) - timedelta(days=1)
        moment.astimezone(UTC) + timedelta(days=1)
    except OverflowError:
        return False
    return True


def _whole_number(value: Any, least: int) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return "Input should be a whole number"
    if value < least:
        return f"Input should be greater than or equal to {least}"
    return None


_MINUTE = timedelta(minutes=1)


def _time_problem(value: Any) -> str | None:
    # The usual time, a UTC time as llmcourse writes it, passed at once: a progress file holds
    # thousands. (TOML's "Z" and "+00:00" both read as this one UTC.)
    if type(value) is datetime and value.tzinfo is UTC and 1 < value.year < 9999:
        return None
    return _any_time_problem(value)


def _any_time_problem(value: Any) -> str | None:
    if not isinstance(value, datetime):
        return "Input should be a date and time"
    if value.tzinfo is None:
        return "must carry a time zone, e.g. 2026-01-31T18:00:00Z"
    if not in_range(value):
        return "is too near the first or last day a time can be"
    offset = value.utcoffset()
    if offset is not None and offset % _MINUTE:
        # TOML writes an offset in hours and minutes: seconds would make a file no one reads.
        return "must be offset from UTC by whole minutes"
    return None


def depth(value: Any) -> int:
    """How deeply tables and lists nest in `value` (0 for a plain value), counted without
    recursion, so that no nesting can exhaust the stack."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            level += 1
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                pending.extend((child, level) for child in item)
    return deepest


def kept_problems(value: dict[str, Any], known: tuple[str, ...], where: Where) -> list[Problem]:
    """What is wrong with the keys of a table that this version does not know: only nesting
    deeper than it can write back."""
    return [
        ((*where, key), f"nested more than {MAX_DEPTH} levels deep, more than llmcourse keeps")
        for key, item in value.items()
        if key not in known and isinstance(item, (dict, list)) and depth(item) > MAX_DEPTH
    ]


def entry_problems(value: Any, where: Where = ()) -> list[Problem]:
    """What is wrong with one entry (a status and the time it was set)."""
    # The usual entry, only a status and a time, passed at once: a progress file holds
    # thousands. (Two keys that hold both of these are the only two.)
    if (
        type(value) is dict
        and len(value) == 2
        and value.get("status") in STATUSES
        and "changed" in value
        and _time_problem(value["changed"]) is None
    ):
        return []
    return _any_entry_problems(value, where)


def _any_entry_problems(value: Any, where: Where) -> list[Problem]:
    if not isinstance(value, dict):
        return [(where, "Input should be a table")]
    problems: list[Problem] = kept_problems(value, ENTRY_KEYS, where)
    if "status" not in value:
        problems.append(((*where, "status"), "Field required"))
    elif value["status"] not in STATUSES:
        choices = ", ".join(f"'{s}'" for s in STATUSES[:-1]) + f" or '{STATUSES[-1]}'"
        problems.append(((*where, "status"), f"Input should be {choices}"))
    if "changed" not in value:
        problems.append(((*where, "changed"), "Field required"))
    elif message := _any_time_problem(value["changed"]):
        problems.append(((*where, "changed"), message))
    return problems


def note_problems(value: Any, where: Where = ()) -> list[Problem]:
    """What is wrong with one item's notes (a list of tables with a text and a time)."""
    if not isinstance(value, list):
        return [(where, "Input should be a list of notes")]
    problems: list[Problem] = []
    for number, note in enumerate(value):
        at = (*where, number)
        if not isinstance(note, dict) or not isinstance(note.get("text"), str):
            problems.append((at, "a note is a table with a text and a time"))
            continue
        if len(note["text"]) > MAX_NOTE_CHARS:
            problems.append(((*at, "text"), f"is longer than {MAX_NOTE_CHARS:,} characters"))
        if message := _time_problem(note.get("time")):
            problems.append(((*at, "time"), message))
        problems.extend(kept_problems(note, NOTE_KEYS, at))
    return problems


def _number_problem(value: Any, least: float, most: float) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "Input should be a number"
    if not least <= value <= most:  # NaN fails both
        return f"Input should be a number from {least:g} to {most:g}"
    return None


# Far beyond what the scheduler gives (its longest interval is a year), so that a number read
# from a file cannot overflow a date when the next review is worked out from it.
MAX_STABILITY = 100_000.0
STABILITY_MIN = 0.001  # the scheduler's own least, and never 0, which it divides by


def schedule_problems(value: Any, where: Where = ()) -> list[Problem]:
    """What is wrong with one topic's review schedule."""
    if not isinstance(value, dict):
        return [(where, "Input should be a table")]
    problems: list[Problem] = (
        [] if value.keys() <= _SCHEDULE_KEY_SET else kept_problems(value, SCHEDULE_KEYS, where)
    )
    for key in ("due", "last_review"):
        if key not in value:
            problems.append(((*where, key), "Field required"))
        elif message := _time_problem(value[key]):
            problems.append(((*where, key), message))
    ranges = (("stability", STABILITY_MIN, MAX_STABILITY), ("difficulty", 1.0, 10.0))
    for key, least, most in ranges:
        if key not in value:
            problems.append(((*where, key), "Field required"))
        elif message := _number_problem(value[key], least, most):
            problems.append(((*where, key), message))
    if "state" in value and value["state"] not in SCHEDULE_STATES:
        choices = ", ".join(f"'{s}'" for s in SCHEDULE_STATES)
        problems.append(((*where, "state"), f"Input should be one of {choices}"))
    if "step" in value and (message := _whole_number(value["step"], 0)):
        problems.append(((*where, "step"), message))
    return problems


def problems(raw: Raw) -> list[Problem]:
    """Everything wrong with a progress file's data, each with its key path."""
    found: list[Problem] = []
    if "schema_version" not in raw:
        found.append((("schema_version",), "Field required"))
    elif message := _whole_number(raw["schema_version"], 1):
        found.append((("schema_version",), message))
    if "course" in raw and not isinstance(raw["course"], str):
        found.append((("course",), "Input should be a string"))
    for key in ("revision", "history_size"):
        if key in raw and (message := _whole_number(raw[key], 0)):
            found.append(((key,), message))
    found.extend(kept_problems(raw, PROGRESS_KEYS, ()))
    for key, check in (
        ("entries", entry_problems),
        ("notes", note_problems),
        ("reviews", schedule_problems),
    ):
        table = raw.get(key, {})
        if not isinstance(table, dict):
            found.append(((key,), "Input should be a table"))
            continue
        for item, value in table.items():
            found.extend(check(value, (key, item)))
    entries, notes, reviews = raw.get("entries"), raw.get("notes"), raw.get("reviews")
    if message := limit_problem(
        entries if isinstance(entries, dict) else {},
        {key: n for key, n in notes.items() if isinstance(n, list)}
        if isinstance(notes, dict)
        else {},
        reviews if isinstance(reviews, dict) else {},
    ):
        found.append(((), message))
    return found


def limit_problem(entries: Sized, notes: Mapping[str, Sized], reviews: Sized = ()) -> str | None:
    """What is wrong with a progress of these entries, notes (by item) and review schedules:
    more than the limits."""
    if len(entries) > MAX_ENTRIES:
        return f"{len(entries):,} entries are more than the {MAX_ENTRIES:,} llmcourse keeps"
    if len(reviews) > MAX_ENTRIES:
        return (
            f"{len(reviews):,} review schedules are more than the {MAX_ENTRIES:,} llmcourse keeps"
        )
    count = sum(map(len, notes.values()))
    if count > MAX_NOTES:
        return f"{count:,} notes are more than the {MAX_NOTES:,} llmcourse keeps"
    return None


# --- Decoding ----------------------------------------------------------------------------


def entry_from(value: dict[str, Any]) -> Entry:
    """An entry from data that `entry_problems` found nothing wrong with."""
    if len(value) == 2:  # the usual entry: its status and time, and nothing else
        return Entry(value["status"], value["changed"], {})
    extra = {k: v for k, v in value.items() if k not in ENTRY_KEYS}
    return Entry(value["status"], value["changed"], extra)


def note_from(value: dict[str, Any]) -> Note:
    """A note from data that `note_problems` found nothing wrong with."""
    extra = {k: v for k, v in value.items() if k not in NOTE_KEYS}
    return Note(value["text"], value["time"], extra or None)


def schedule_from(value: dict[str, Any]) -> Schedule:
    """A schedule from data that `schedule_problems` found nothing wrong with."""
    extra = (
        None  # the usual schedule, checked at once: a progress file holds thousands
        if value.keys() <= _SCHEDULE_KEY_SET
        else {k: v for k, v in value.items() if k not in SCHEDULE_KEYS}
    )
    return Schedule(
        value["due"],
        value["last_review"],
        float(value["stability"]),
        float(value["difficulty"]),
        value.get("state", "review"),
        value.get("step"),
        extra or None,
    )


def _from_raw(raw: Raw, version: int) -> ProgressFile:
    """A progress file from data in today's shape that `problems` found nothing wrong with."""
    return ProgressFile(
        schema_version=version,
        course=raw.get("course"),
        revision=raw.get("revision", 0),
        history_size=raw.get("history_size", 0),
        entries={key: entry_from(value) for key, value in raw.get("entries", {}).items()},
        extra={k: v for k, v in raw.items() if k not in PROGRESS_KEYS},
        notes={
            key: [note_from(note) for note in notes] for key, notes in raw.get("notes", {}).items()
        },
        reviews={key: schedule_from(value) for key, value in raw.get("reviews", {}).items()},
    )


def _readable_part(raw: Raw, version: int) -> ProgressFile:
    """What this version can make of a newer file: the entries and review schedules whose
    shape it knows."""
    found = raw.get("entries")
    entries = {
        key: entry_from(value)
        for key, value in (found if isinstance(found, dict) else {}).items()
        if not entry_problems(value)
    }
    found = raw.get("reviews")
    reviews = {
        key: schedule_from(value)
        for key, value in (found if isinstance(found, dict) else {}).items()
        if not schedule_problems(value)
    }
    course = raw.get("course")
    return ProgressFile(
        schema_version=version,
        course=course if isinstance(course, str) else None,
        entries=entries,
        reviews=reviews,
    )


class FileProblem(NamedTuple):
    """Something that keeps a file from being read, and where in the file it is."""

    code: Literal["not-utf8", "not-toml", "bad-field"]
    message: str  # "not UTF-8 text (byte 3)", "not valid TOML: ...", "entries.x.status: ..."
    line: int | None = None
    column: int | None = None

    def describe(self, name: str) -> str:
        """The problem in a sentence about the file called `name`."""
        if self.code == "bad-field":
            return f"{name}: {self.message}"
        at = f" (at line {self.line}, column {self.column})" if self.column is not None else ""
        return f"{name} is {self.message}{at}"


class Reading(NamedTuple):
    """A progress file as read: its content, or every problem that keeps it from being read."""

    data: ProgressFile | None
    problems: list[FileProblem]
    # A schema newer than this version's: `data` is what it understands, which must not be
    # written back, since the rest would be lost.
    newer: int | None = None


_TOML_AT = pattern(r"\s*\(at line (\d+), column (\d+)\)")


def parse_toml(text: str) -> Raw:
    """The TOML document `text`: read by `_written_layout` when it is laid out as `encode`
    writes it, else by tomllib (whose errors, with their lines, are what a learner sees)."""
    found = _written_layout(text)
    if found is not None:
        return found
    # Imported only here (2.3 ms): not on the path of a command that reads no progress, reads
    # it from the cache, or finds it in the layout `encode` writes.
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise
    except ValueError as err:
        # A whole number of more digits than Python converts from text (4,300): tomllib lets
        # Python's error out, which is no TOML error, but the file cannot be read all the same.
        raise tomllib.TOMLDecodeError("a number with more digits than can be read") from err


# --- Reading the layout `encode` writes ------------------------------------------------------
#
# tomllib is what reads TOML. This reads only the layout `encode` writes, with a regular
# expression per kind of line, because at thousands of entries tomllib is most of what a command
# costs: the benchmark's progress file of 10,000 entries (1.6 MB, 14,500 lines) takes tomllib
# about 250 ms and this reader about 20 ms (least CPU time of 11 runs each). The bundled
# course's 90 entries take tomllib 2.7 ms, and this reader 1.6 ms in a new process (most of it
# compiling its expressions; 0.2 ms after). Anything it is not sure of (a backslash or a control
# character in a string, a comment, a blank line or a space where `encode` writes none, CRLF, a
# number or a time in another form than `repr`, `str` and `isoformat` write, a key twice, a
# table it does not expect) makes it give up, and tomllib reads the whole text: what is read,
# and every error with its line, is tomllib's. What it returns is what tomllib would return.

# A basic string without escapes: no backslash, no control character (C0, DEL or C1). What it
# holds is the text between the quotes. (Lone surrogates, which no UTF-8 file holds, are read
# as tomllib reads them, as they are: excluding them would cost a command 0.4 ms to compile.)
_STRING = r'"([^"\\\x00-\x1f\x7f-\x9f]*)"'
# A date and time with an offset, as `datetime.isoformat` writes it (microseconds as six digits
# or none), within what tomllib's own expression allows; `[0-9]`, since `\d` matches any digit.
_TIME = (
    r"([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{6})?"
    r"[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_INT = r"(-?(?:0|[1-9][0-9]*))"  # as `str(int)` writes it
_NUMBER = r"(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)"  # `repr(float)`, or an int


def _uncaptured(expression: str) -> str:
    return expression.replace("(", "(?:", 1)


_HEADER = pattern(
    rf"schema_version = {_INT}\n(?:course = {_STRING}\n)?revision = {_INT}\n"
    rf"history_size = {_INT}"
)
_ENTRY_LINE = pattern(rf"^{_STRING} = \{{ status = {_STRING}, changed = {_TIME} \}}\n", re.M)
_NOTE_ITEM = rf"\{{ text = {_uncaptured(_STRING)}, time = {_uncaptured(_TIME)} \}}"
_NOTES_LINE = pattern(rf"^{_STRING} = \[((?:{_NOTE_ITEM}(?:, {_NOTE_ITEM})*)?)\]\n", re.M)
_NOTE = pattern(rf"\{{ text = {_STRING}, time = {_TIME} \}}")
_REVIEW_LINE = pattern(
    rf"^{_STRING} = \{{ due = {_TIME}, last_review = {_TIME}, stability = {_NUMBER}, "
    rf"difficulty = {_NUMBER}, state = {_STRING}(?:, step = {_INT})? \}}\n",
    re.M,
)


def _lines(part: str, line: Callable[[], re.Pattern[str]]) -> list[Any] | None:
    """The groups of every line of `part`, or None unless each line is one `line` matches.

    `findall` passes over lines that do not match, so the count says whether every line did:
    a match is one whole line (no string holds a line break), and `part` ends with one.
    """
    if not part:
        return []  # without compiling `line`, which costs more than reading a short file
    if not part.endswith("\n"):
        return None
    found = line().findall(part)
    return found if len(found) == part.count("\n") else None


def _number(text: str) -> int | float:
    return float(text) if "." in text or "e" in text else int(text)


def _written_layout(text: str) -> Raw | None:
    """What tomllib reads in `text`, if it is in the layout `encode` writes, else None."""
    head, has_entries, rest = text.partition("\n\n[entries]\n")
    header = _HEADER().fullmatch(head) if has_entries else None
    if header is None:
        return None
    rest, has_reviews, reviews_part = rest.partition("\n[reviews]\n")
    entries_part, has_notes, notes_part = rest.partition("\n[notes]\n")
    entries_lines = _lines(entries_part, _ENTRY_LINE)
    notes_lines = _lines(notes_part, _NOTES_LINE)
    reviews_lines = _lines(reviews_part, _REVIEW_LINE)
    if entries_lines is None or notes_lines is None or reviews_lines is None:
        return None
    time = datetime.fromisoformat
    try:
        entries = {
            key: {"status": status, "changed": time(changed)}
            for key, status, changed in entries_lines
        }
        notes = {
            key: [{"text": text, "time": time(when)} for text, when in _NOTE().findall(items)]
            for key, items in notes_lines
        }
        reviews = {
            key: {
                "due": time(due),
                "last_review": time(last),
                "stability": _number(stability),
                "difficulty": _number(difficulty),
                "state": state,
            }
            | ({"step": int(step)} if step else {})
            for key, due, last, stability, difficulty, state, step in reviews_lines
        }
        version, course, revision, history_size = header.groups()
        raw: Raw = {"schema_version": int(version)}
        if course is not None:
            raw["course"] = course
        raw["revision"] = int(revision)
        raw["history_size"] = int(history_size)
    except ValueError:  # a day a month does not have, say, or an int of too many digits
        return None
    if (len(entries), len(notes), len(reviews)) != (
        len(entries_lines),
        len(notes_lines),
        len(reviews_lines),
    ):
        return None  # a key twice, which tomllib refuses
    raw["entries"] = entries
    if has_notes:
        raw["notes"] = notes
    if has_reviews:
        raw["reviews"] = reviews
    return raw


def _toml_error() -> type[Exception]:
    import tomllib

    return tomllib.TOMLDecodeError


def read(content: bytes, loads: Callable[[str], Raw] = parse_toml) -> Reading:
    """Read a progress file's bytes strictly: an older schema is migrated, a newer one read as
    far as it is understood, and anything wrong is reported with the line it is on.

    `loads` reads the TOML text: tomllib, or what `store` kept of an earlier reading of the
    same bytes.
    """
    if content.startswith(b"\xef\xbb\xbf"):  # a byte order mark, as some editors write: read on
        content = content[3:]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        line = content[: err.start].count(b"\n") + 1
        return Reading(None, [FileProblem("not-utf8", f"not UTF-8 text (byte {err.start})", line)])
    try:
        raw = loads(text)
    except RecursionError:
        return Reading(None, [FileProblem("not-toml", "nested too deeply to read")])
    except _toml_error() as err:  # (an except clause is evaluated only when one is raised)
        found = _TOML_AT().search(str(err))
        message = f"not valid TOML: {_TOML_AT().sub('', str(err)).strip()}"
        if found is None:
            return Reading(None, [FileProblem("not-toml", message)])
        line, column = int(found.group(1)), int(found.group(2))
        return Reading(None, [FileProblem("not-toml", message, line, column)])
    version = raw.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        return Reading(_readable_part(raw, version), [], newer=version)
    wrong = problems(raw)
    if wrong:
        return Reading(
            None,
            [
                FileProblem(
                    "bad-field", f"{location(raw, where)}: {message}", _line_of(text, where)
                )
                for where, message in wrong
            ],
        )
    assert isinstance(version, int)
    return Reading(_from_raw(migrate(raw, version), version), [])


def _line_of(text: str, where: Where) -> int | None:
    """The line of a TOML document where the value at `where` is, as near as can be told."""
    lines = text.splitlines()
    start = 0
    found: int | None = None
    for key in where:
        if not isinstance(key, str):
            continue
        patterns = (f'"{key}"', f"'{key}'", f"[{key}]", f"[{key}.", f".{key}]", f"{key} =", key)
        for number in range(start, len(lines)):
            if any(pattern in lines[number] for pattern in patterns):
                found, start = number + 1, number
                break
    return found


# --- Encoding ----------------------------------------------------------------------------


def encode(data: ProgressFile) -> bytes:
    """The progress file as TOML, in today's schema: one line per entry, under `[entries]`.

    The usual parts (the header and entries with only a status and a time) are written here,
    several times faster than tomli-w writes them, and as inline tables, which tomllib reads
    faster than a table per entry; both count at thousands of entries. Keys and entries this
    version does not know go through tomli-w, which writes any TOML: such entries follow the
    others as tables of their own.
    """
    string = _toml_strings()
    parts = [f"schema_version = {SCHEMA_VERSION}\n"]
    if data.course is not None:
        parts.append(f"course = {string(data.course)}\n")
    parts.append(f"revision = {data.revision}\nhistory_size = {data.history_size}\n")
    extra = {k: v for k, v in data.extra.items() if k not in PROGRESS_KEYS}
    if extra:
        parts.append(toml_text(extra))
    parts.append("\n[entries]\n")
    unusual: dict[str, Any] = {}
    for key, entry in data.entries.items():
        if kept := entry.kept():
            unusual[key] = {"status": entry.status, "changed": entry.changed} | kept
        else:
            parts.append(
                f"{string(key)} = {{ status = {string(entry.status)}, "
                f"changed = {entry.changed.isoformat()} }}\n"
            )
    if unusual:
        parts.append("\n" + toml_text({"entries": unusual}))
    if any(note.extra for notes in data.notes.values() for note in notes):
        # Notes with keys this version does not know: all of them through tomli-w.
        parts.append(
            "\n"
            + toml_text(
                {
                    "notes": {
                        key: [
                            {"text": note.text, "time": note.time} | (note.extra or {})
                            for note in notes
                        ]
                        for key, notes in data.notes.items()
                    }
                }
            )
        )
    elif data.notes:
        parts.append("\n[notes]\n")
        for key, notes in data.notes.items():
            written = ", ".join(
                f"{{ text = {string(note.text)}, time = {note.time.isoformat()} }}"
                for note in notes
            )
            parts.append(f"{string(key)} = [{written}]\n")
    if data.reviews:
        parts.append("\n" + _reviews_text(data.reviews))
    return "".join(parts).encode("utf-8")


def _reviews_text(reviews: dict[str, Schedule]) -> str:
    """The `[reviews]` table: a line per topic, as entries are written (schedules with keys this
    version does not know through tomli-w)."""
    if any(schedule.extra for schedule in reviews.values()):
        return toml_text({"reviews": {key: _schedule_table(s) for key, s in reviews.items()}})
    string = _toml_strings()
    lines = ["[reviews]\n"]
    for key, schedule in reviews.items():
        step = f", step = {schedule.step}" if schedule.step is not None else ""
        lines.append(
            f"{string(key)} = {{ due = {schedule.due.isoformat()}, "
            f"last_review = {schedule.last_review.isoformat()}, "
            f"stability = {schedule.stability!r}, difficulty = {schedule.difficulty!r}, "
            f"state = {string(schedule.state)}{step} }}\n"
        )
    return "".join(lines)


def _schedule_table(schedule: Schedule) -> dict[str, Any]:
    return schedule.fields() | (schedule.extra or {})


def toml_text(values: dict[str, Any]) -> str:
    """Any TOML table as text, for keys this version does not know (tomli-w, when needed)."""
    import tomli_w

    return tomli_w.dumps(values)


def _toml_strings() -> Callable[[str], str]:
    """What writes TOML basic strings: JSON's escapes are TOML's, but TOML also escapes DEL.

    The quoting of `json.dumps(value, ensure_ascii=False)`, called directly: a progress file of
    10,000 entries writes some 30,000 strings, and json.dumps's own checks took 18 ms of that
    against 1 ms. Imported here, not on the path of a command that writes nothing.
    """
    from json.encoder import encode_basestring

    def quote(value: str) -> str:
        text: str = encode_basestring(value)
        return text.replace("\x7f", "\\u007f") if "\x7f" in text else text

    return quote


# --- History events ----------------------------------------------------------------------


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
    # A topic's review schedule, where the change set it or dropped it: what it was (`before`)
    # and what it became (`after`), so that undo and redo can set either back; and the rating,
    # for a review.
    rating: str | None = None
    before: Schedule | None = None
    after: Schedule | None = None

    @property
    def reschedules(self) -> bool:
        """Whether the change set or dropped a review schedule."""
        return self.before is not None or self.after is not None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "rev": self.rev,
            "time": utc_text(self.time),
            "command": self.command,
            "id": self.id,
            "old": self.old,
            "new": self.new,
        }
        if self.undoes is not None:
            doc["undoes"] = self.undoes
        if self.imported:
            doc["imported"] = True
        if self.rating is not None:
            doc["rating"] = self.rating
        if self.before is not None:
            doc["before"] = self.before.to_json()
        if self.after is not None:
            doc["after"] = self.after.to_json()
        return doc

    def json_text(
        self,
        layout: tuple[str, str, str],
        string: Callable[[str], str],
        schedule: Callable[[Schedule], str],
    ) -> str:
        """`to_json` as JSON text, laid out by `layout`: what opens the object, what separates
        its keys and what closes it. `string` writes a JSON string (json's own
        `encode_basestring`, as json writes with `ensure_ascii=False`), `schedule` what a
        schedule's `to_json` is. Writing thousands of events so, without building a dict for
        each and handing it to json's encoder, takes a third of the time (50,000: 70 ms, not
        215).
        """
        start, separator, end = layout
        text = (
            f'{start}"rev": {int.__repr__(self.rev)}'  # as json writes an int, or a subclass
            f'{separator}"time": "{utc_text(self.time)}"'  # digits, '-', ':', 'T', 'Z': no escapes
            f'{separator}"command": {string(self.command)}'
            f'{separator}"id": {string(self.id)}'
            f'{separator}"old": {string(self.old)}'
            f'{separator}"new": {string(self.new)}'
        )
        if self.undoes is not None:
            text += f'{separator}"undoes": {int.__repr__(self.undoes)}'
        if self.imported:
            text += f'{separator}"imported": true'
        if self.rating is not None:
            text += f'{separator}"rating": {string(self.rating)}'
        if self.before is not None:
            text += f'{separator}"before": {schedule(self.before)}'
        if self.after is not None:
            text += f'{separator}"after": {schedule(self.after)}'
        return text + end

    def key(self) -> tuple[datetime, str, str, str, str, int | None, str | None]:
        """What makes two events one, wherever they were numbered: for merging histories."""
        time = self.time
        if time.tzinfo is not UTC or time.microsecond:
            # To the second in UTC, as `to_json` writes it (without formatting it: imports key
            # tens of thousands of events). A time read from a history or an export is almost
            # always that already, and is used as it is: two new times for each of 75,000
            # events took 60 ms of an import.
            time = time.astimezone(UTC).replace(microsecond=0)
        return (
            time,
            self.id,
            self.old,
            self.new,
            self.command,
            self.undoes,
            self.rating,
        )


_STATUS_WORD = pattern(r"[a-z][a-z-]{0,40}")

# What reading an event can raise, besides what `parse_event` raises itself (ValueError).
EVENT_ERRORS = (ValueError, TypeError, KeyError, RecursionError, OverflowError)


def parse_event(doc: Any) -> Event:
    """An event from one history line's JSON; a ValueError (or another of `EVENT_ERRORS`) says
    what is wrong with it."""
    if not isinstance(doc, dict):
        raise TypeError("not a JSON object")
    # Checked in this order, each once, and the event made once: a history holds thousands
    # (50,000 events took 105 ms to check with a loop over the fields and a regular expression
    # for every status; 45 ms with the usual case tested inline, the loops run only to name
    # what is wrong).
    undoes = doc.get("undoes")
    imported = doc.get("imported", False)
    if imported is not False and imported is not True:
        raise ValueError("'imported' must be true or false")
    rev = doc["rev"]
    time = datetime.fromisoformat(doc["time"])
    command, id_, old, new = doc["command"], doc["id"], doc["old"], doc["new"]
    if not isinstance(rev, int) or rev is True or rev is False or rev < 1:
        raise ValueError("'rev' must be a positive whole number")
    if time.tzinfo is None:
        raise ValueError("'time' must carry a time zone")
    if not 1 < time.year < 9999 and not in_range(time):
        raise ValueError("'time' is too near the first or last day a time can be")
    if not (
        isinstance(command, str)
        and isinstance(id_, str)
        and isinstance(old, str)
        and isinstance(new, str)
    ):
        for name, value in (("command", command), ("id", id_), ("old", old), ("new", new)):
            if not isinstance(value, str):
                raise ValueError(f"'{name}' must be a string")
    if old not in _STATUS_SET or new not in _STATUS_SET:
        for name, value in (("old", old), ("new", new)):
            if not _STATUS_WORD().fullmatch(value):
                raise ValueError(f"'{name}' is not a status")
    if undoes is not None and (not isinstance(undoes, int) or undoes is True or undoes is False):
        raise ValueError("'undoes' must be a whole number")
    rating = doc.get("rating")
    if rating is not None and rating not in RATINGS:
        raise ValueError("'rating' must be " + ", ".join(RATINGS))
    before = _event_schedule(doc, "before") if "before" in doc else None
    after = _event_schedule(doc, "after") if "after" in doc else None
    return _new_event(
        Event, (rev, time, command, id_, old, new, undoes, imported, rating, before, after)
    )


# The statuses this version knows match `_STATUS_WORD`; others (of a later version) are checked.
_STATUS_SET = frozenset(STATUSES)
# Made without the NamedTuple's own `__new__`, a Python function with a frame of its own: all
# eleven fields are given.
_new_event = tuple.__new__


def _event_schedule(doc: dict[str, Any], key: str) -> Schedule | None:
    """A schedule an event records, as JSON writes it (times as ISO text)."""
    found = doc.get(key)
    if found is None:
        return None
    if not isinstance(found, dict):
        raise ValueError(f"'{key}' must be a review schedule")
    value = dict(found)
    for name in ("due", "last_review"):
        if isinstance(value.get(name), str):
            value[name] = datetime.fromisoformat(value[name])
    for where, message in schedule_problems(value, (key,)):
        path = ".".join(map(str, where))
        raise ValueError(f"'{path}': {message}")
    return schedule_from(value)


def encode_events(events: list[Event]) -> bytes:
    """History lines: one JSON object per event."""
    import json
    from json.encoder import encode_basestring

    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode  # made once
    layout = ("{", ", ", "}\n")

    def schedule(schedule: Schedule) -> str:
        return encode(schedule.to_json())

    return "".join(
        [event.json_text(layout, encode_basestring, schedule) for event in events]
    ).encode("utf-8")
