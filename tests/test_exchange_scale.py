"""Export and import at thousands of entries and events: the shortcuts they take for speed
write and decide exactly what the plain way does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from llmcourse import exchange
from llmcourse.catalog import load_bundled
from llmcourse.progressfile import (
    RATINGS,
    SCHEDULE_STATES,
    Event,
    ProgressFile,
    Schedule,
    encode_events,
)

# Any text, lone surrogates aside (no file can hold them: reading refuses them).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-11)), None]
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
    st.none() | SCHEDULES,
    st.none() | SCHEDULES,
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
