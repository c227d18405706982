"""Reading the history's lines: the faster ways give exactly what reading each line alone gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from llmcourse import history
from llmcourse.progressfile import EVENT_ERRORS, Event, parse_event

GOOD = [
    b'{"rev": 1, "time": "2026-01-05T08:01:00Z", "command": "done", "id": "a/b", '
    b'"old": "not-started", "new": "done"}',
    b'{"rev": 2, "time": "2026-01-05T08:02:00+02:00", "command": "undo", "id": "a/c", '
    b'"old": "done", "new": "skipped", "undoes": 1}',
    b'{"rev": 3, "time": "2026-01-05T08:03:00Z", "command": "review", "id": "x\\ny \xc3\xa9", '
    b'"old": "done", "new": "done", "rating": "good", "before": null, "after": {"due": '
    b'"2026-01-09T08:03:00Z", "last_review": "2026-01-05T08:03:00Z", "stability": 3.1, '
    b'"difficulty": 5.0, "state": "review"}}',
    b'{"rev":4,"time":"2026-01-05T08:04:00Z","command":"done","id":"{[x]}","old":"done",'
    b'"new":"later-status","imported":true}',
    b'  {"rev": 5, "time": "2026-01-05T08:05:00Z", "command": "done", "id": "a", '
    b'"old": "done", "new": "done"}\r',
]
# Lines that are not events, each to be reported alone, whatever its neighbours are.
BAD = [
    b"[1, 2]",
    b"1",
    b'"text"',
    b"{}",
    b'{"a":1}{"b":2}',
    b'{"a": 1}, {"b": 2}',
    b'{"a": [{}',
    b'{}]}, {"b": 1}',
    b'{"rev": 1, "time": "2026-01-05T08:01:00Z", "id": "a\\',
    b'nb"}',
    b'{"rev": 1, "time": "bad", "command": "done", "id": "a", "old": "done", "new": "done"}',
    b'{"rev": true, "time": "2026-01-05T08:01:00Z"}',
    b'{"id": "\xff\xfe"}',
    b'{"id": "\xed\xa0\x80"}',
    b"\xff",
    b'{\x00"\x00}\x00',
    b"\xef\xbb\xbf{}",
    b"{" * 3000,
    b'{"a": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"rev": 1' + b"0" * 5000 + b"}",
    b'{"rev": 1}   x',
    b"{",
    b"}",
    b"",
    b"  \t",
    b"\r",
]


def line_by_line(content: bytes, decode_first: bool) -> tuple[list[Event], list[Any], Any]:
    """What reading every line alone with json.loads gives: the events, the problems, and the
    event of the last line that is not blank (False when there is none)."""
    events: list[Event] = []
    problems: list[tuple[int, str]] = []
    last: Event | bool | None = False
    for number, line in enumerate(content.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            text = (
                line.decode("utf-8", "surrogatepass") if decode_first and line[:1] == b"{" else line
            )
            last = parse_event(json.loads(text))
        except EVENT_ERRORS as err:
            last = None
            problems.append((number, history._reason(err)))
            continue
        events.append(last)
    return events, problems, last


lines = st.lists(
    st.one_of(
        st.sampled_from(GOOD),
        st.sampled_from(BAD),
        st.binary(max_size=12),
        st.text(max_size=12).map(lambda text: text.encode("utf-8", "surrogatepass")),
    ),
    max_size=12,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=lines,
    ending=st.sampled_from([b"", b"\n", b"\n\n"]),
    block=st.sampled_from([1, 7, 64, 1 << 20]),
)
@example(lines=[GOOD[0], b'{"a": [{}', b'{}]}, {"b": 1}', GOOD[1]], ending=b"\n", block=1 << 20)
@example(lines=[GOOD[0], b"\xff", GOOD[1], b'{"a":1}{"b":2}'], ending=b"", block=1 << 20)
def test_the_stream_reads_each_line_as_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[bytes], ending: bytes, block: int
) -> None:
    content = b"\n".join(lines) + ending if lines else ending
    path = tmp_path / "history.jsonl"
    path.write_bytes(content)
    events, problems, last = line_by_line(content, decode_first=True)
    monkeypatch.setattr(history.Stream, "BLOCK", block)
    stream = history.Stream(path, len(content))
    assert list(stream) == events
    assert stream.problems == problems
    assert stream.last == (None if last is False else last)
    assert stream.ends_on_a_line == (not content or content.endswith(b"\n"))

    events, problems, last = line_by_line(content, decode_first=False)
    read = history.read(path, len(content), 99)
    assert read.events == events
    assert read.problems == problems
    assert read.mismatch == (
        not (not content or content.endswith(b"\n")) or (isinstance(last, Event) and last.rev != 99)
    )
