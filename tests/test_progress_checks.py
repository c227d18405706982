"""The checks of a progress file's entries pass the usual entry at once; what they pass must be
exactly what the whole check passes, and what they report exactly what it reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from llmcourse import progressfile
from llmcourse.progressfile import MAX_DEPTH, STATUSES

ZONES = st.sampled_from(
    [
        UTC,
        timezone(timedelta(0)),
        timezone(timedelta(hours=5, minutes=30)),
        timezone(timedelta(hours=-3)),
        timezone(timedelta(minutes=1, seconds=30)),  # not whole minutes
        None,
    ]
)
TIMES = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
    ZONES,
)


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


VALUES = st.one_of(
    TIMES,
    st.sampled_from([*STATUSES, "finished", "", "DONE"]),
    st.text(max_size=5),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=True),
    st.dates(),
    st.just(_deep(MAX_DEPTH + 1)),
    st.just({"a": _deep(MAX_DEPTH)}),
    st.lists(st.integers(), max_size=2),
)
ENTRIES = st.one_of(
    st.dictionaries(st.sampled_from(["status", "changed", "note", "x"]), VALUES, max_size=4),
    st.fixed_dictionaries({"status": st.sampled_from(STATUSES), "changed": TIMES}),
    VALUES,
)


@example(_deep(MAX_DEPTH + 1))
@example({"status": "done", "changed": datetime(1, 1, 1, tzinfo=UTC)})
@example({"status": "done", "changed": datetime(9999, 12, 31, 23, 59, tzinfo=UTC)})
@example({"status": "done", "changed": datetime(2026, 1, 1)})
@example({"status": "done", "note": _deep(MAX_DEPTH + 1)})
@example(
    {"status": "done", "changed": datetime(2026, 1, 1, tzinfo=UTC), "note": _deep(MAX_DEPTH + 1)}
)
@given(ENTRIES)
def test_an_entry_is_passed_at_once_only_where_the_whole_check_passes_it(value: Any) -> None:
    where = ("entries", "fundamentals/1/1")
    assert progressfile.entry_problems(value, where) == progressfile._any_entry_problems(
        value, where
    )


@example(datetime(1, 1, 1, 0, 30, tzinfo=UTC))
@example(datetime(9999, 12, 31, 23, 0, tzinfo=UTC))
@example(datetime(2026, 1, 1, tzinfo=timezone(timedelta(seconds=30))))
@given(st.one_of(TIMES, VALUES))
def test_a_time_is_passed_at_once_only_where_the_whole_check_passes_it(value: Any) -> None:
    assert progressfile._time_problem(value) == progressfile._any_time_problem(value)


def test_the_usual_entry_is_passed_at_once() -> None:
    usual = {"status": "done", "changed": datetime(2026, 1, 5, 8, tzinfo=UTC)}
    assert progressfile.entry_problems(usual) == []
    # What the whole check finds in the usual entry, were the shortcut to pass what it should
    # not: a time out of range, and a table in place of an entry.
    assert progressfile.entry_problems(usual | {"changed": datetime(2026, 1, 5)}) != []
    assert progressfile.entry_problems({"status": "done", "changed": [1]}) != []


# Any text, DEL and the control characters TOML must escape among it.
TEXTS = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8
) | st.sampled_from(["\x7f", "a\x7fb", '"\\', "\x00\x1f", "\u2028", "é"])


@given(st.lists(st.tuples(TEXTS, TEXTS), max_size=4))
def test_texts_are_written_as_tomllib_reads_them(items: list[tuple[str, str]]) -> None:
    import tomllib

    changed = datetime(2026, 1, 5, 8, tzinfo=UTC)
    data = progressfile.ProgressFile(
        schema_version=progressfile.SCHEMA_VERSION,
        course="llm-course",
        entries={key: progressfile.Entry("done", changed) for key, _ in items},
        notes={key: [progressfile.Note(text, changed)] for key, text in items},
    )
    content = progressfile.encode(data)
    raw = tomllib.loads(content.decode("utf-8"))
    assert list(raw["entries"]) == list(data.entries)
    assert {
        key: [note["text"] for note in notes] for key, notes in raw.get("notes", {}).items()
    } == {key: [note.text for note in notes] for key, notes in data.notes.items()}
