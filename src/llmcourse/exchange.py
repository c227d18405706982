"""Progress between machines: the JSON export (all of the learner's state), reading it back, and
the merge that imports it without losing anything.

The export holds the progress entries, the review schedules, keys this version does not know
(as TOML, so that they come back exactly), the history and the notes. Entries, schedules, notes
and events are checked by the progress format's own rules (`progressfile`), so an import accepts
what a progress file may hold.
Pure: the bytes, the progress and the clock are given.
"""

import json
import tomllib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from llmcourse import notes as notes_
from llmcourse.catalog import Catalog
from llmcourse.errors import ImportFileError
from llmcourse.progressfile import (
    ENTRY_KEYS,
    EVENT_ERRORS,
    NOTE_KEYS,
    PROGRESS_KEYS,
    SCHEDULE_KEYS,
    Entry,
    Event,
    Note,
    ProgressFile,
    Schedule,
    entry_problems,
    kept_problems,
    limit_problem,
    note_from,
    note_problems,
    parse_event,
    schedule_from,
    schedule_problems,
    toml_text,
    utc_text,
)
from llmcourse.tracker import StatusChange, Update, events, status_of

EXPORT_FORMAT = "llmcourse-export"
EXPORT_VERSION = 1

Doc = dict[str, Any]


def _time(moment: datetime) -> str:
    moment = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    if moment.microsecond:
        return moment.isoformat().replace("+00:00", "Z")
    return utc_text(moment)  # what isoformat writes, in half the time (a time per entry)


def document(catalog: Catalog, progress: ProgressFile, history: list[Event], now: datetime) -> str:
    """The JSON export of everything the learner has recorded on this course."""
    return "".join(document_parts(catalog, progress, history, now))


def document_parts(
    catalog: Catalog, progress: ProgressFile, history: Iterable[Event], now: datetime
) -> Iterator[str]:
    """The JSON export, a piece at a time: the history an event at a time, as `history` gives
    them (read from the file as they are written, it is never held whole).

    The text is what `json.dumps(..., ensure_ascii=False, indent=1)` writes of the whole
    document: each piece is dumped alone and indented to the depth it has in it (JSON text
    holds no line break but those of its indentation).
    """
    head: Doc = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported": _time(now),
        "course": {"id": catalog.course.id, "title": catalog.course.title},
        "progress": {
            "revision": progress.revision,
            "entries": _Written(_entries_text(progress.entries)),
            "reviews": _Written(_reviews_text(progress.reviews)),
        },
    }
    if progress.extra:
        head["progress"]["extra_toml"] = toml_text(progress.extra)
    yield _indented(head, 0)[: -len("\n}")]  # the object goes on: history, notes
    del head
    yield ',\n "history": ['
    separator = "\n  "
    for event in history:
        yield separator + event.json_text(_EVENT_LAYOUT, encode_basestring, _event_schedule)
        separator = ",\n  "
    yield "]" if separator == "\n  " else "\n ]"
    notes = {key: [_note_doc(note) for note in notes] for key, notes in progress.notes.items()}
    yield ',\n "notes": ' + _indented(notes, 1) + "\n}\n"


# How an event is laid out in the export's history: its keys indented three spaces, as
# `json.dumps(..., indent=1)` lays out an object two levels deep.
_EVENT_LAYOUT = ("{\n   ", ",\n   ", "\n  }")


class _Written(str):
    """JSON text already indented where it stands, which `_indented` writes as it is."""

    __slots__ = ()


def _entries_text(entries: dict[str, Entry]) -> str:
    """The export's `progress.entries`, two levels deep, as `_indented` writes the object of
    each entry's status, time and kept keys: written here without building that object, at
    tens of thousands of entries (10,000: 30 ms, not 90)."""
    if not entries:
        return "{}"
    items: list[str] = []
    for entry_id, entry in entries.items():
        text = (
            "\n   "
            + encode_basestring(entry_id)
            + ': {\n    "status": '
            + encode_basestring(entry.status)
            + ',\n    "changed": "'
            + _time(entry.changed)  # digits, '-', ':', '.', 'T', 'Z': no escapes
            + '"'
        )
        if entry.extra:
            text += ',\n    "extra_toml": ' + encode_basestring(toml_text(entry.extra))
        items.append(text + "\n   }")
    return "{" + ",".join(items) + "\n  }"


def _reviews_text(reviews: dict[str, Schedule]) -> str:
    """The export's `progress.reviews`, two levels deep, as `_indented` writes each schedule's
    object (`_schedule_doc`), a schedule at a time as `_entries_text` writes entries."""
    if not reviews:
        return "{}"
    return (
        "{"
        + ",".join(
            "\n   " + encode_basestring(key) + ": " + _schedule_text(schedule, kept=True)
            for key, schedule in reviews.items()
        )
        + "\n  }"
    )


def _event_schedule(schedule: Schedule) -> str:
    """A schedule an event records, where it stands in an export (an event's key)."""
    return _schedule_text(schedule, kept=False)


def _schedule_text(schedule: Schedule, *, kept: bool) -> str:
    """A schedule's object three levels deep, as `_indented` writes its `to_json` (with its kept
    keys as TOML, when `kept`): written here where its numbers are the finite floats and its
    state the text a schedule holds (4,500 schedules: 10 ms, not 45), else by `_indented`."""
    stability, difficulty, state, step = schedule[2:6]
    if not (
        type(stability) is float
        and type(difficulty) is float
        and stability - stability == 0 == difficulty - difficulty
        and type(state) is str
        and (step is None or type(step) is int)
    ):
        return _indented(_schedule_doc(schedule) if kept else schedule.to_json(), 3)
    text = (
        '{\n    "due": "'
        + utc_text(schedule.due)  # digits, '-', ':', 'T', 'Z': no escapes
        + '",\n    "last_review": "'
        + utc_text(schedule.last_review)
        + '",\n    "stability": '
        + float.__repr__(stability)
        + ',\n    "difficulty": '
        + float.__repr__(difficulty)
        + ',\n    "state": '
        + encode_basestring(state)
    )
    if step is not None:
        text += ',\n    "step": ' + int.__repr__(step)
    if kept and schedule.extra:
        text += ',\n    "extra_toml": ' + encode_basestring(toml_text(schedule.extra))
    return text + "\n   }"


def _indented(value: Any, depth: int) -> str:
    """`value` as `json.dumps(value, ensure_ascii=False, indent=1)` writes it where it stands
    `depth` levels deep in a document (for the objects, lists, strings, numbers, true, false and
    null of an export). json's own indenting encoder is pure Python and builds closures that
    refer to each other: made for every event, with the cyclic collector off, as the console
    script runs, each would stay in memory."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "\n" + " " * (depth + 1)
        items: list[str] = []
        for key, item in value.items():
            # Strings and numbers, most of an export, without another call (a float as json
            # writes one that is finite: a schedule's are).
            kind = type(item)
            text = (
                encode_basestring(item)
                if kind is str
                else int.__repr__(item)
                if kind is int
                else float.__repr__(item)
                if kind is float and item - item == 0
                else _indented(item, depth + 1)
            )
            items.append(inner + encode_basestring(key) + ": " + text)
        return "{" + ",".join(items) + "\n" + " " * depth + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = "\n" + " " * (depth + 1)
        return (
            "["
            + ",".join(inner + _indented(item, depth + 1) for item in value)
            + "\n"
            + " " * depth
            + "]"
        )
    if isinstance(value, str):
        return value if type(value) is _Written else encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        # json writes a finite float as float's repr, and NaN and the infinities its own way.
        return float.__repr__(value) if value - value == 0 else json.dumps(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _schedule_doc(schedule: Schedule) -> Doc:
    doc = schedule.to_json()
    if schedule.extra:
        doc["extra_toml"] = toml_text(schedule.extra)
    return doc


def _note_doc(note: Note) -> Doc:
    doc: Doc = {"text": note.text, "time": _time(note.time)}
    if note.extra:
        doc["extra_toml"] = toml_text(note.extra)
    return doc


class Export(NamedTuple):
    """A JSON export, read and checked."""

    course_id: str
    revision: int
    entries: dict[str, Entry]
    extra: dict[str, Any]
    history: list[Event]
    notes: dict[str, list[Note]]
    # Review schedules by topic (none in an export written before there were any).
    reviews: dict[str, Schedule] = {}  # noqa: RUF012 - never changed in place


Bad = Callable[[str, str], ImportFileError]  # where, what: the error to raise


def read(content: bytes, source: str, course_id: str, now: datetime) -> Export:
    """Read a JSON export of progress on the course `course_id` strictly: anything wrong is an
    error naming where it is; `source` names the file, and `now` is this machine's time."""

    def bad(where: str, what: str) -> ImportFileError:
        return ImportFileError(
            f"{source}: {where}: {what}" if where else f"{source}: {what}",
            "Use a file written by 'llmcourse export --format json'; nothing was changed",
        )

    try:
        doc = json.loads(content)
        # Escapes such as \\ud800 make strings that no file can hold: refuse them here.
        if _may_hold_lone_surrogates(content):
            json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise bad("", "holds text that is not valid Unicode (a lone surrogate escape)") from None
    except (ValueError, RecursionError) as err:
        raise bad("", f"not a JSON document ({err})") from None
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise bad("", "not an llmcourse export")
    if doc.get("version") != EXPORT_VERSION:
        raise bad("version", f"{doc.get('version')!r} is not {EXPORT_VERSION}")
    course = doc.get("course")
    if not isinstance(course, dict) or not isinstance(course.get("id"), str):
        raise bad("course.id", "missing")
    progress = doc.get("progress")
    if not isinstance(progress, dict) or not isinstance(progress.get("entries"), dict):
        raise bad("progress.entries", "missing")
    revision = progress.get("revision", 0)
    if not isinstance(revision, int) or isinstance(revision, bool) or not 0 <= revision < 2**63:
        raise bad("progress.revision", "must be a whole number from 0 to 2**63 - 1")
    export = Export(
        course["id"],
        revision,
        _entries(progress["entries"], now, bad),
        _extra(progress, "progress", bad, PROGRESS_KEYS),
        _history(doc.get("history", []), revision, now, bad),
        _notes(doc.get("notes", {}), now, bad),
        _reviews(progress.get("reviews", {}), now, bad),
    )
    if message := limit_problem(export.entries, export.notes, export.reviews):
        raise bad("", message)
    if export.course_id != course_id:
        raise ImportFileError(
            f"{source} holds progress on the course '{export.course_id}', not '{course_id}'",
            "Import it with --roadmaps naming that course's roadmap file; nothing was changed",
        )
    return export


def _may_hold_lone_surrogates(content: bytes) -> bool:
    """Whether json.loads can have made a string of `content` that holds half of a surrogate
    pair: by an escape (`\\udc00`), or from UTF-8 or UTF-16 bytes that encode one, which it
    lets through. When not, the document need not be written out again to find out (a tenth of
    an import of 50,000 events)."""
    if json.detect_encoding(content) != "utf-8":
        return True
    try:
        content.decode("utf-8")  # strictly: a surrogate's bytes are refused
    except UnicodeDecodeError:
        return True
    import re

    return re.search(rb"\\u[dD][89a-fA-F]", content) is not None


def _entries(found: dict[str, Any], now: datetime, bad: Bad) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    latest = _latest(now)
    for entry_id, value in found.items():
        where = f"progress.entries.{entry_id}"
        if not isinstance(value, dict):
            raise bad(where, "must be an object")
        try:
            changed = datetime.fromisoformat(value["changed"])
        except (KeyError, TypeError, ValueError):
            raise bad(f"{where}.changed", "must be an ISO 8601 time") from None
        raw = {"status": value.get("status"), "changed": changed}
        for problem_where, message in entry_problems(raw, (where,)):
            raise bad(".".join(str(part) for part in problem_where), message)
        if latest is None or changed > latest:
            _not_ahead(changed, now, f"{where}.changed", bad)
        entries[entry_id] = Entry(value["status"], changed, _extra(value, where, bad, ENTRY_KEYS))
    return entries


def _reviews(found: Any, now: datetime, bad: Bad) -> dict[str, Schedule]:
    if not isinstance(found, dict):
        raise bad("progress.reviews", "must be an object")
    reviews: dict[str, Schedule] = {}
    for topic_id, value in found.items():
        where = f"progress.reviews.{topic_id}"
        if not isinstance(value, dict):
            raise bad(where, "must be an object")
        raw = {key: value[key] for key in SCHEDULE_KEYS if key in value}
        for key in ("due", "last_review"):
            try:
                raw[key] = datetime.fromisoformat(value[key])
            except (KeyError, TypeError, ValueError):
                raise bad(f"{where}.{key}", "must be an ISO 8601 time") from None
        raw |= _extra(value, where, bad, SCHEDULE_KEYS)
        for problem_where, message in schedule_problems(raw, (where,)):
            raise bad(_joined(problem_where), message)
        # The next review is in the future by design; the last one cannot be.
        _not_ahead(raw["last_review"], now, f"{where}.last_review", bad)
        reviews[topic_id] = schedule_from(raw)
    return reviews


def _history(found: Any, revision: int, now: datetime, bad: Bad) -> list[Event]:
    if not isinstance(found, list):
        raise bad("history", "must be a list")
    history: list[Event] = []
    latest = _latest(now)
    rev = 0
    for number, line in enumerate(found, start=1):
        try:
            event = parse_event(line)
        except EVENT_ERRORS as err:
            raise bad(f"history[{number}]", str(err)) from None
        if latest is None or event.time > latest:
            _not_ahead(event.time, now, f"history[{number}].time", bad)
        if event.rev < rev or event.rev > revision:
            raise bad(
                f"history[{number}].rev",
                "changes must be numbered in order, up to progress.revision",
            )
        rev = event.rev
        history.append(event)
    return history


def _latest(now: datetime) -> datetime | None:
    """The latest time that `_not_ahead` lets through, to compare tens of thousands of times
    with at once (None where there is none to be had, near the end of time): only a time past
    it is checked by `_not_ahead` itself. A call and a subtraction for each of 50,000 events
    took 15 ms of an import.
    """
    try:
        return now + CLOCK_SKEW
    except OverflowError:
        return None


def _notes(found: Any, now: datetime, bad: Bad) -> dict[str, list[Note]]:
    if not isinstance(found, dict):
        raise bad("notes", "must be an object")
    notes: dict[str, list[Note]] = {}
    for key, items in found.items():
        if not isinstance(items, list):
            raise bad(f"notes.{key}", "must be a list")
        for number, item in enumerate(items, start=1):
            where = f"notes.{key}[{number}]"
            try:
                raw = {"text": item["text"], "time": datetime.fromisoformat(item["time"])}
            except (KeyError, TypeError, ValueError):
                raise bad(where, "must have a text and an ISO time") from None
            raw |= _extra(item, where, bad, NOTE_KEYS)
            for problem_where, message in note_problems([raw], (where,)):
                raise bad(_joined(problem_where[:1] + problem_where[2:]), message)
            _not_ahead(raw["time"], now, f"{where}.time", bad)
            notes.setdefault(key, []).append(note_from(raw))
    return notes


def _joined(where: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in where)


# How far ahead of this machine's clock another machine's times may be: clocks drift, and a
# machine set to the wrong time zone is hours out. A time further ahead would win every merge
# for ever, so it is refused.
CLOCK_SKEW = timedelta(days=1)


def _not_ahead(moment: datetime, now: datetime, where: str, bad: Bad) -> None:
    if moment - now > CLOCK_SKEW:
        raise bad(
            where,
            f"{_time(moment)} is in the future by this machine's clock; check the other "
            "machine's date and time",
        )


def _extra(doc: dict[str, Any], where: str, bad: Bad, reserved: tuple[str, ...]) -> dict[str, Any]:
    """The keys this version does not know, which an export keeps as TOML text."""
    text = doc.get("extra_toml")
    if text is None:
        return {}
    try:
        if not isinstance(text, str):
            raise TypeError("must be a string")
        values = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, TypeError) as err:
        raise bad(f"{where}.extra_toml", f"not TOML ({err})") from None
    if clash := [key for key in values if key in reserved]:
        raise bad(f"{where}.extra_toml", f"must not set {', '.join(clash)}")
    for problem_where, message in kept_problems(values, (), (f"{where}.extra_toml",)):
        raise bad(_joined(problem_where), message)
    return values


class MergeResult(NamedTuple):
    """What importing another machine's state changes here."""

    changed: list[StatusChange]  # statuses that change: the newer entry came from the import
    updated: list[str]  # entries that change otherwise (a later time, keys they lacked)
    foreign: list[Event]  # events of the other history that this one lacks, oldest first
    adopted: bool  # nothing was here: the import's progress and history are taken whole
    notes_added: int = 0  # the other machine's notes this progress lacked
    # Keys of the other progress file that this version does not know and this one lacked.
    keys_kept: list[str] = []  # noqa: RUF012 - never changed in place
    # Topics whose review schedule is taken from the other machine (reviewed there later).
    reviews_taken: list[str] = []  # noqa: RUF012 - never changed in place

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.changed
            or self.updated
            or self.foreign
            or self.notes_added
            or self.keys_kept
            or self.reviews_taken
        )


def import_update(
    catalog: Catalog, progress: ProgressFile, history: list[Event], theirs: Export, now: datetime
) -> Update[MergeResult]:
    """Import another machine's export into this progress (with `history`, its own), as one
    change: per item, the newer entry wins, and nothing is dropped."""
    updated, result = merge(catalog, progress, history, theirs)
    if not result.changes_anything:
        return Update(None, [], result)
    if result.adopted:  # the other machine's history, as it is, is this one's now
        updated.revision = theirs.history[-1].rev if theirs.history else theirs.revision
        return Update(updated, theirs.history, result)
    revision = progress.revision + 1
    records = _imported(result.foreign, revision)
    records += events(result.changed, revision, now, "import")
    moved = {change.node.id for change in result.changed}
    rescheduled = [key for key in result.reviews_taken if key not in moved]
    records += _rescheduled(
        catalog, progress.reviews, updated, rescheduled, revision, now, "import"
    )
    if records:
        updated.revision = revision
    return Update(updated, records, result)


def _imported(foreign: list[Event], revision: int) -> list[Event]:
    """Another machine's events, as records of the change `revision` that imports them."""
    # What `event._replace(rev=revision, imported=True)` makes, in half the time (45,000
    # events: 30 ms, not 60); every field after `imported` is carried, whatever comes.
    return [Event(revision, *event[1:7], True, *event[8:]) for event in foreign]


def merge(
    catalog: Catalog, progress: ProgressFile, history: list[Event], theirs: Export
) -> tuple[ProgressFile, MergeResult]:
    """Merge another machine's entries and history into these: per item, the newer wins.

    Nothing is dropped: an entry kept here still gains the keys only the other one has, and
    events this history lacks are kept as imported records. Merging twice changes nothing.
    A topic done after the merge keeps the schedule reviewed later of the two; one that leaves
    done loses its schedule here (its status change keeps it, for undo).
    """
    if not progress.entries and not history:
        return _adopt(catalog, progress, theirs)
    updated = progress.copy()
    changed: list[StatusChange] = []
    touched: list[str] = []
    for entry_id, merged in _merged_entries(catalog, progress, theirs.entries).items():
        updated.entries[entry_id] = merged
        ours = progress.entries.get(entry_id)
        old = ours.status if ours is not None else "not-started"
        node = catalog.nodes.get(entry_id)
        if merged.status != old and node is not None:
            dropped = updated.reviews.pop(entry_id, None) if merged.status != "done" else None
            changed.append(StatusChange(node, old, merged.status, dropped))
        else:
            touched.append(entry_id)
    kept = [key for key in theirs.extra if key not in progress.extra]
    for key in kept:
        updated.extra[key] = theirs.extra[key]
    known = {event.key() for event in history}
    foreign = [event for event in theirs.history if event.key() not in known]
    added = notes_.merge(updated.notes, _current_keys(catalog, theirs.notes))
    taken = _take_schedules(catalog, updated, _incoming_schedules(catalog, theirs))
    return updated, MergeResult(changed, touched, foreign, False, added, kept, taken)


def _current_keys(catalog: Catalog, notes: dict[str, list[Note]]) -> dict[str, list[Note]]:
    """Notes kept under a former id, under the id the item has now (as `carry_over` moves
    them), so that importing them again finds them there."""
    moved: dict[str, list[Note]] = {}
    for key, items in notes.items():
        target = key if key in catalog.nodes else catalog.former.get(key, key)
        moved.setdefault(target, []).extend(items)
    return moved


def _adopt(
    catalog: Catalog, progress: ProgressFile, theirs: Export
) -> tuple[ProgressFile, MergeResult]:
    """Nothing is recorded here: take the other machine's progress and history as they are."""
    updated = progress.copy()
    updated.entries = {
        key: entry.with_status(entry.status, entry.changed) for key, entry in theirs.entries.items()
    }
    updated.extra = {**theirs.extra, **updated.extra}
    shown = [
        StatusChange(catalog.nodes[key], "not-started", entry.status)
        for key, entry in theirs.entries.items()
        if key in catalog.nodes and entry.status != "not-started"
    ]
    added = notes_.merge(updated.notes, _current_keys(catalog, theirs.notes))
    kept = [key for key in theirs.extra if key not in progress.extra]
    # Entries are taken under the ids they have there, and so are their topics' schedules
    # (`carry_over` moves both together when the progress is next read).
    done_there = {
        key: schedule
        for key, schedule in theirs.reviews.items()
        if key in theirs.entries and theirs.entries[key].status == "done"
    }
    taken = _take_schedules(catalog, updated, done_there)
    return updated, MergeResult(
        shown, sorted(theirs.entries), list(theirs.history), True, added, kept, taken
    )


def _current_id(catalog: Catalog, key: str) -> str:
    """The id an item kept under `key` has in this course (as `carry_over` moves it)."""
    return key if key in catalog.nodes else catalog.former.get(key, key)


def _incoming_schedules(catalog: Catalog, theirs: Export) -> dict[str, Schedule]:
    """The other machine's schedules of the topics done there, under the ids they have here
    (the one reviewed later, where former ids lead several to one topic)."""
    statuses: dict[str, Entry] = {}
    for entry_id, entry in theirs.entries.items():
        target = _current_id(catalog, entry_id)
        if target not in statuses or _wins(entry, statuses[target]):
            statuses[target] = entry
    found: dict[str, Schedule] = {}
    for key, schedule in theirs.reviews.items():
        target = _current_id(catalog, key)
        there = statuses.get(target)
        if there is None or there.status != "done":
            continue  # a schedule kept there but used for nothing
        if target not in found or _newer(schedule, found[target]):
            found[target] = schedule
    return found


def _take_schedules(
    catalog: Catalog, updated: ProgressFile, schedules: dict[str, Schedule]
) -> list[str]:
    """Set each topic's schedule from `schedules` where the topic is done after the merge and
    the schedule is newer than the one here; which topics took one."""
    taken: list[str] = []
    for key, schedule in schedules.items():
        node = catalog.nodes.get(key)
        if (node is not None and node.kind != "topic") or status_of(updated, key) != "done":
            continue
        ours = updated.reviews.get(key)
        if ours is None or _newer(schedule, ours):
            updated.reviews[key] = schedule
            taken.append(key)
    return taken


def _newer(theirs: Schedule, ours: Schedule) -> bool:
    """Whether the other machine's schedule is the newer: reviewed later; for reviews at the
    same moment, due later, then by its text, so that two machines always agree."""
    if (theirs.last_review, theirs.due) != (ours.last_review, ours.due):
        return (theirs.last_review, theirs.due) > (ours.last_review, ours.due)
    if (
        theirs == ours
        and theirs.extra is None is ours.extra
        and list(map(type, theirs)) == list(map(type, ours))
        and 0 not in theirs[2:4]
    ):
        # The same schedule, as two machines that synced before both hold it: its text is the
        # same too, found without writing it (4,500 such schedules took 60 ms of an import).
        # Equal values of one type are written alike, but for a float's zero and minus zero.
        return False
    return _order(theirs) > _order(ours)  # the text only where it decides: it costs far more


def _order(schedule: Schedule) -> tuple[datetime, datetime, str]:
    text = json.dumps(schedule.to_json(), sort_keys=True)
    if schedule.extra:  # tomli-w only where there is something it alone can write
        text += toml_text(schedule.extra)
    return (schedule.last_review, schedule.due, text)


def _rescheduled(
    catalog: Catalog,
    before: dict[str, Schedule],
    after: ProgressFile,
    keys: list[str],
    revision: int,
    now: datetime,
    command: str,
) -> list[Event]:
    """The events of topics done before and after a change whose schedule it replaced (for
    undo to set back)."""
    return [
        Event(
            revision,
            now,
            command,
            key,
            "done",
            "done",
            before=before.get(key),
            after=after.reviews[key],
        )
        for key in keys
        if key in catalog.nodes and key in after.reviews
    ]


def _merged_entries(
    catalog: Catalog, progress: ProgressFile, entries: dict[str, Entry]
) -> dict[str, Entry]:
    """The entries that an import changes, as they become."""
    # Entries the other machine keeps under a former id are for the item's id here, as
    # carry_over would move them there.
    incoming: dict[str, Entry] = {}
    for entry_id, theirs in entries.items():
        target = entry_id if entry_id in catalog.nodes else catalog.former.get(entry_id, entry_id)
        if target not in incoming or _wins(theirs, incoming[target]):
            incoming[target] = theirs
    merged: dict[str, Entry] = {}
    for entry_id, theirs in incoming.items():
        ours = progress.entries.get(entry_id)
        if ours is None or _wins(theirs, ours):
            entry = Entry(
                theirs.status, theirs.changed, {**(ours.extra if ours else {}), **theirs.extra}
            )
        else:
            entry = Entry(ours.status, ours.changed, {**theirs.extra, **ours.extra})
        if ours is None or entry != ours:
            merged[entry_id] = entry
    return merged


# Which of two entries changed at the same moment wins, so that two machines that import each
# other's state always end up agreeing.
_RANK = {"not-started": 0, "skipped": 1, "in-progress": 2, "done": 3}


def _wins(theirs: Entry, ours: Entry) -> bool:
    """Whether the other machine's entry is the newer one (ties go to the further status)."""
    return (theirs.changed, _RANK.get(theirs.status, -1)) > (
        ours.changed,
        _RANK.get(ours.status, -1),
    )


class Incoming(NamedTuple):
    """What one other machine's export brought in by `sync_update`."""

    machine: str
    result: MergeResult


def sync_update(
    catalog: Catalog,
    progress: ProgressFile,
    history: list[Event],
    machines: list[tuple[str, Export]],
    now: datetime,
) -> Update[list[Incoming]]:
    """Merge the exports of several machines (by name, in the order given) into this progress,
    as one change: each as `import_update` merges one, so that per item the newer entry wins
    and nothing is dropped.

    A progress with nothing recorded takes the first machine's progress and history whole, as
    an import does; the rest are merged on top. The status changes are recorded once each, as
    where an item was before and where it ends, whichever machines it came through.
    """
    current, known = progress, list(history)
    incoming: list[Incoming] = []
    adopted: list[Event] | None = None
    base, base_reviews = progress.entries, progress.reviews
    foreign: list[Event] = []
    for machine, theirs in machines:
        updated, result = merge(catalog, current, known, theirs)
        incoming.append(Incoming(machine, result))
        if not result.changes_anything:
            continue
        current = updated
        known += result.foreign
        if result.adopted:
            adopted = list(theirs.history)
            updated.revision = adopted[-1].rev if adopted else theirs.revision
            base, base_reviews = updated.entries, updated.reviews
        else:
            foreign += result.foreign
    if current is progress:
        return Update(None, [], incoming)
    revision = current.revision + 1
    changes: list[StatusChange] = []
    for entry_id, entry in current.entries.items():
        before = base.get(entry_id)
        old = before.status if before is not None else "not-started"
        node = catalog.nodes.get(entry_id)
        if node is not None and entry.status != old:
            dropped = base_reviews.get(entry_id) if entry_id not in current.reviews else None
            changes.append(StatusChange(node, old, entry.status, dropped))
    moved = {change.node.id for change in changes}
    rescheduled = [
        key
        for key, schedule in current.reviews.items()
        if key not in moved and (key not in base_reviews or _newer(schedule, base_reviews[key]))
    ]
    records = _imported(foreign, revision)
    records += events(changes, revision, now, "sync")
    records += _rescheduled(catalog, base_reviews, current, rescheduled, revision, now, "sync")
    if records:
        current.revision = revision
    return Update(current, (adopted or []) + records, incoming)
