"""Export and import at thousands of entries and events: the shortcuts they take for speed
write and decide exactly what the plain way does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmcourse import exchange
from llmcourse.catalog import load_bundled
from llmcourse.errors import ImportFileError
from llmcourse.progressfile import (
    RATINGS,
    SCHEDULE_STATES,
    STATUSES,
    Entry,
    Event,
    ProgressFile,
    Schedule,
    encode_events,
    toml_text,
)

# Any text, lone surrogates aside (no file can hold them: reading refuses them).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
OFFSETS = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=5, minutes=30)),
        timezone(timedelta(hours=-11)),
        timezone(timedelta(seconds=3601, microseconds=500_000)),  # as fromisoformat can read
        None,
    ]
)
TIMES = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(2, 1, 2), max_value=datetime(9998, 12, 30)),
    OFFSETS,
)
WHOLE = st.integers(min_value=1, max_value=2**63 - 1)
SCHEDULES = st.builds(
    Schedule,
    TIMES.map(lambda moment: moment.replace(tzinfo=moment.tzinfo or UTC)),
    TIMES.map(lambda moment: moment.replace(tzinfo=moment.tzinfo or UTC)),
    st.floats(min_value=0.001, max_value=100_000),
    st.floats(min_value=1, max_value=10),
    st.sampled_from(SCHEDULE_STATES),
    st.none() | st.integers(min_value=0, max_value=9),
    st.none(),
)
KEPT = st.dictionaries(st.sampled_from(["mood", "device", "n"]), TEXT | st.integers(), max_size=2)
# Schedules no reader makes, which the writers still write as json would.
ODD_SCHEDULES = st.builds(
    Schedule,
    TIMES.map(lambda moment: moment.replace(tzinfo=moment.tzinfo or UTC)),
    TIMES.map(lambda moment: moment.replace(tzinfo=moment.tzinfo or UTC)),
    st.floats() | st.integers(-3, 3) | st.just(-0.0),
    st.floats() | st.booleans(),
    st.sampled_from(SCHEDULE_STATES),
    st.none() | st.integers(min_value=0, max_value=9) | st.booleans(),
    st.none() | KEPT,
)
EVENTS = st.builds(
    Event,
    WHOLE,
    TIMES.map(lambda moment: moment.replace(tzinfo=moment.tzinfo or UTC)),
    TEXT,
    TEXT,
    TEXT,
    TEXT,
    st.none() | WHOLE,
    st.booleans(),
    st.none() | st.sampled_from(RATINGS),
    st.none() | SCHEDULES | ODD_SCHEDULES,
    st.none() | SCHEDULES | ODD_SCHEDULES,
)


@settings(max_examples=200, deadline=None)
@given(TIMES)
def test_a_time_is_written_as_isoformat_writes_it_in_utc(moment: datetime) -> None:
    event = Event(1, moment, "done", "x", "not-started", "done")
    expected = moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    assert event.to_json()["time"] == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(EVENTS, max_size=4))
def test_history_lines_are_what_json_writes_of_each_event(events: list[Event]) -> None:
    expected = "".join(
        json.dumps(event.to_json(), ensure_ascii=False, separators=(", ", ": ")) + "\n"
        for event in events
    )
    assert encode_events(events) == expected.encode("utf-8")


CATALOG = load_bundled()
NOW = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)


@settings(max_examples=100, deadline=None)
@given(st.lists(EVENTS, max_size=3))
def test_the_history_of_an_export_is_what_json_indents(events: list[Event]) -> None:
    progress = ProgressFile(4, CATALOG.course.id)
    text = exchange.document(CATALOG, progress, events, NOW)
    whole = {
        "format": "llmcourse-export",
        "version": 1,
        "exported": "2026-05-06T07:08:09Z",
        "course": {"id": CATALOG.course.id, "title": CATALOG.course.title},
        "progress": {"revision": 0, "entries": {}, "reviews": {}},
        "history": [event.to_json() for event in events],
        "notes": {},
    }
    assert text == json.dumps(whole, ensure_ascii=False, indent=1) + "\n"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


ENTRIES = st.dictionaries(
    TEXT,
    st.builds(
        Entry,
        st.sampled_from(STATUSES),
        TIMES.map(lambda moment: moment.replace(tzinfo=moment.tzinfo or UTC)),
        KEPT,
    ),
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(
    ENTRIES,
    st.dictionaries(
        TEXT,
        SCHEDULES | ODD_SCHEDULES | st.builds(Schedule._replace, SCHEDULES, extra=KEPT),
        max_size=3,
    ),
)
def test_the_entries_and_schedules_of_an_export_are_what_json_indents(
    entries: dict[str, Entry], reviews: dict[str, Schedule]
) -> None:
    progress = ProgressFile(4, CATALOG.course.id, 7, entries=entries, reviews=reviews)
    text = exchange.document(CATALOG, progress, [], NOW)
    written: dict[str, object] = {}
    for entry_id, entry in entries.items():
        doc: dict[str, object] = {"status": entry.status, "changed": _iso(entry.changed)}
        if entry.extra:
            doc["extra_toml"] = toml_text(entry.extra)
        written[entry_id] = doc
    whole = {
        "format": "llmcourse-export",
        "version": 1,
        "exported": "2026-05-06T07:08:09Z",
        "course": {"id": CATALOG.course.id, "title": CATALOG.course.title},
        "progress": {
            "revision": 7,
            "entries": written,
            "reviews": {
                key: schedule.to_json()
                | ({"extra_toml": toml_text(schedule.extra)} if schedule.extra else {})
                for key, schedule in reviews.items()
            },
        },
        "history": [],
        "notes": {},
    }
    assert text == json.dumps(whole, ensure_ascii=False, indent=1) + "\n"


@settings(max_examples=100, deadline=None)
@given(st.lists(EVENTS, max_size=3), WHOLE)
def test_imported_events_are_the_others_renumbered_and_marked(
    events: list[Event], revision: int
) -> None:
    expected = [event._replace(rev=revision, imported=True) for event in events]
    assert exchange._imported(events, revision) == expected


@settings(max_examples=300, deadline=None)
@given(EVENTS)
def test_an_events_key_is_its_time_to_the_second_in_utc_and_what_it_did(event: Event) -> None:
    moment = event.time.astimezone(UTC).replace(microsecond=0)
    expected = (moment, event.id, event.old, event.new, event.command, event.undoes, event.rating)
    assert event.key() == expected
    assert hash(event.key()) == hash(expected)
    assert event.key() == event._replace(time=event.time.astimezone(UTC)).key()


def _newer_by_text(theirs: Schedule, ours: Schedule) -> bool:
    return exchange._order(theirs) > exchange._order(ours)


@settings(max_examples=300, deadline=None)
@given(SCHEDULES, st.data())
def test_a_schedule_is_newer_by_its_text_when_its_times_are_the_same(
    ours: Schedule, data: st.DataObject
) -> None:
    theirs = data.draw(
        st.sampled_from(
            [
                ours,
                ours._replace(),
                ours._replace(stability=ours.stability + 0.5),
                ours._replace(difficulty=float(int(ours.difficulty))),
                ours._replace(difficulty=int(ours.difficulty)),  # the same number, not text
                ours._replace(step=None if ours.step is not None else 0),
                ours._replace(state="learning" if ours.state != "learning" else "review"),
                ours._replace(extra={"mood": "calm"}),
            ]
        )
    )
    assert exchange._newer(theirs, ours) == _newer_by_text(theirs, ours)
    assert exchange._newer(ours, theirs) == _newer_by_text(ours, theirs)


def test_a_schedule_of_minus_zero_is_told_from_one_of_zero_by_its_text() -> None:
    ours = Schedule(NOW, NOW, 0.0, 1.0)
    theirs = ours._replace(stability=-0.0)
    assert exchange._newer(ours, theirs) == _newer_by_text(ours, theirs) is True


def _export_bytes(changed: str, event_time: str) -> bytes:
    doc = {
        "format": "llmcourse-export",
        "version": 1,
        "course": {"id": CATALOG.course.id},
        "progress": {"revision": 1, "entries": {"x": {"status": "done", "changed": changed}}},
        "history": [
            {"rev": 1, "time": event_time, "command": "done", "id": "x", "old": "not-started"}
            | {"new": "done"}
        ],
    }
    return json.dumps(doc).encode()


def test_times_a_day_ahead_are_read_and_a_moment_more_is_refused() -> None:
    edge = (NOW + timedelta(days=1)).isoformat()
    past = (NOW + timedelta(days=1, microseconds=1)).isoformat()
    exchange.read(_export_bytes(edge, edge), "f", CATALOG.course.id, NOW)
    for changed, event_time, where in [(past, edge, "entries.x.changed"), (edge, past, "[1].time")]:
        with pytest.raises(ImportFileError, match="in the future") as raised:
            exchange.read(_export_bytes(changed, event_time), "f", CATALOG.course.id, NOW)
        assert where in str(raised.value)
    # A clock at the end of time, where no time is a day ahead of it, reads what it can.
    end = datetime.max.replace(tzinfo=UTC) - timedelta(hours=1)
    exchange.read(_export_bytes(edge, edge), "f", CATALOG.course.id, end)
