"""`llmcourse log`: the history, newest first, filtered by id and date."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import Run

Invoke = Callable[..., Run]


def test_an_empty_history(run: Invoke) -> None:
    result = run("log")
    assert result.exit_code == 0
    assert "No changes recorded yet." in result.stdout
    assert run("log", "--json").json()["events"] == []


def test_newest_first_with_titles_and_changes(run: Invoke) -> None:
    run("done", "tokenization")
    run("done", "--undo", "tokenization")
    run("done", "engineer/rag")
    result = run("log")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "→" in line]
    assert len(lines) == 4 + 2
    assert "not started → done" in lines[0] and lines[0].split()[2] == "3"
    assert "done → not started" in lines[-2] and "tokenization" in lines[-2]
    assert "not started → done" in lines[-1]


def test_filter_by_id_covers_what_is_below_it(run: Invoke) -> None:
    run("done", "tokenization")
    run("done", "engineer/rag")
    ids = [e["id"] for e in run("log", "scientist", "--json").json()["events"]]
    assert ids == ["scientist/architecture/tokenization"]
    ids = [e["id"] for e in run("log", "engineer/3", "--json").json()["events"]]
    assert len(ids) == 4
    assert all(i.startswith("engineer/rag/") for i in ids)
    unknown = run("log", "no-such-thing")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: no roadmap, section, topic or reference")


@pytest.mark.usefixtures("piped")
def test_filter_by_date_and_limit(run: Invoke, data_dir: Path, progress_file: Path) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    # Move the first change back ten days, in both the history and its recorded size.
    history = data_dir / "history.jsonl"
    lines = history.read_text("utf-8").splitlines(keepends=True)
    first = json.loads(lines[0])
    first["time"] = (datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines[0] = json.dumps(first) + "\n"
    content = "".join(lines)
    history.write_text(content, encoding="utf-8")
    size = len(content.encode("utf-8"))
    text = progress_file.read_text("utf-8")
    progress_file.write_text(
        "\n".join(
            f"history_size = {size}" if line.startswith("history_size") else line
            for line in text.splitlines()
        ),
        encoding="utf-8",
    )

    def revs(*args: str) -> list[int]:
        result = run("log", *args, "--json")
        assert result.exit_code == 0, result.stderr
        return [e["rev"] for e in result.json()["events"]]

    assert revs() == [2, 1]
    assert revs("--since", "7d") == [2]
    assert revs("--since", "today") == [2]
    assert revs("--until", "yesterday") == [1]
    ten_days_ago = (datetime.now() - timedelta(days=10)).strftime("%Y-%m-%d")
    assert revs("--since", ten_days_ago, "--until", ten_days_ago) == [1]
    assert revs("--limit", "1") == [2]
    limited = run("log", "-n", "1")
    assert "Showing 1 of 2; --limit 0 shows all." in limited.stdout
    bad = run("log", "--since", "last tuesday")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: --since 'last tuesday' is not a date or time")
    assert bad.stderr.count("\n") == 1
    as_json = run("log", "--since", "soon", "--json")
    assert as_json.exit_code == 2
    assert as_json.json()["error"]["code"] == "bad-value"


def test_undone_changes_are_marked(run: Invoke) -> None:
    run("done", "tokenization")
    run("undo")
    events = run("log", "--json").json()["events"]
    assert [(e["rev"], e.get("undoes"), e["undone_by"]) for e in events] == [
        (2, 1, None),
        (1, None, 2),
    ]
    assert "(undone #2)" in run("log").stdout


def test_unreadable_lines_are_left_out_with_a_note(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    history = data_dir / "history.jsonl"
    history.write_bytes(history.read_bytes().replace(b'{"rev": 1', b'{"rev"; 1', 1))
    result = run("log", "--json")
    assert result.exit_code == 0
    assert [e["rev"] for e in result.json()["events"]] == [2]
    assert "line 1" in result.stderr and "llmcourse doctor" in result.stderr


def test_hostile_ids_in_the_history_are_shown_literally(run: Invoke, data_dir: Path) -> None:
    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    line = json.loads(history.read_text("utf-8"))
    line["id"] = "[red]old[/red]/\x1b[31mx\x1b]8;;http://evil\x07"
    content = history.read_text("utf-8") + json.dumps(line | {"rev": 1}) + "\n"
    history.write_text(content, encoding="utf-8")
    progress = data_dir / "progress.toml"
    text = progress.read_text("utf-8")
    size = len(content.encode("utf-8"))
    progress.write_text(
        "\n".join(
            f"history_size = {size}" if row.startswith("history_size") else row
            for row in text.splitlines()
        ),
        encoding="utf-8",
    )
    result = run("log")
    assert result.exit_code == 0, result.stderr
    assert "[red]old[/red]" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "(not in this course)" in result.stdout


# --- Reading only what is shown: the history's index against a whole read ------------------

HISTORY_IDS = (
    "scientist/architecture/tokenization",
    "scientist/architecture/attention-mechanisms",
    "engineer/rag/orchestrators",
    "gone/old-topic",
)
# POSIX zones (no time zone database needed): UTC, a zone with summer time, zones off the
# hour, and one off the quarter hour, where the index reads the history whole.
ZONES = ("UTC0", "EST5EDT,M3.2.0,M11.1.0", "IST-5:30", "NPT-5:45", "LMT-0:17:30")
FIRST = datetime(2026, 3, 1, tzinfo=UTC)


def _event_line(
    rev: int, seconds: int, item: int, new: str, undoes: int | None, imp: bool
) -> bytes:
    from llmcourse.progressfile import Event, encode_events

    old = "done" if new == "not-started" else "not-started"
    when = FIRST + timedelta(seconds=seconds)
    return encode_events([Event(rev, when, "done", HISTORY_IDS[item], old, new, undoes, imp)])


def _lines(count: int, first: int = 1, item: int = 0) -> bytes:
    return b"".join(
        _event_line(rev, rev * 3600, item, "done", None, False)
        for rev in range(first, first + count)
    )


# Times near midnight in one zone or another (UTC, New York, India, Nepal, the odd one), where
# a quarter hour may fall across two days.
SECONDS = st.builds(
    lambda day, hour, second: day * 86400 + hour * 3600 + second,
    st.integers(0, 29),
    st.sampled_from([0, 4, 5, 18, 23]),
    # Within the hour, or where a quarter hour of the odd zone ends its day (23:42:30 UTC).
    st.integers(0, 3599) | st.integers(2530, 2700),
)
EVENT_LINES = st.builds(
    _event_line,
    st.integers(1, 40),
    SECONDS,
    st.integers(0, len(HISTORY_IDS) - 1),
    st.sampled_from(["done", "not-started", "in-progress"]),
    st.none() | st.integers(1, 40),
    st.booleans(),
)
LINES = st.lists(
    st.one_of(
        EVENT_LINES,
        EVENT_LINES,
        EVENT_LINES,
        st.sampled_from([b"\n", b"  \n", b"not json\n", b'{"rev": 0}\n', b"[1, 2]\n"]),
    ),
    max_size=30,
).map(b"".join)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), LINES),
        # A line without its end: cut short, or whole but for its end.
        st.tuples(st.just("torn"), EVENT_LINES, st.integers(1, 250) | st.just(10_000)),
        st.tuples(st.just("cut"), st.floats(0, 1)),
        st.tuples(st.just("same size"), st.floats(0, 1)),  # a byte changed where it is
        st.tuples(st.just("replace"), LINES),  # a new file under the name
    ),
    min_size=1,
    max_size=8,
)


def _agrees_with_a_whole_read(path: Path, size: int, revision: int) -> None:
    import time as clock

    from llmcourse import history, historyindex, progressfile, timeline
    from llmcourse.catalog import load_bundled

    catalog = load_bundled()
    full = history.read(path, size, revision)
    progress = progressfile.empty("llm-course")
    progress.entries[HISTORY_IDS[0]] = progressfile.Entry("done", FIRST)
    today = date(2026, 3, 20)
    with historyindex.open_index(path, size, revision) as index:
        assert index.count == len(full.events)
        assert index.problems == full.problems[:1]
        assert index.problem_count == len(full.problems)
        assert index.mismatch == full.mismatch
        assert (index.missing_bytes, index.pending_bytes) == (
            full.missing_bytes,
            full.pending_bytes,
        )
        assert timeline.warnings(index) == timeline.warnings(full)
        # From a day, and from an event's own time (which it is in, and a moment later not).
        moments = [FIRST + timedelta(days=12)]
        moments += [full.events[len(full.events) // 2].time] if full.events else []
        moments += [moments[-1] + timedelta(microseconds=1)]
        for prefix, start, stop, limit in (
            (None, None, None, 3),
            (None, None, None, 0),
            *((None, since, None, 2) for since in moments),
            (None, None, moments[0], 0),
            ("scientist", moments[-1], None, 0),
            ("engineer", None, None, 1),
        ):
            got = timeline.indexed_page(catalog, index, prefix, start, stop, limit)
            assert got == timeline.history_page(catalog, full.events, prefix, start, stop, limit)
        assert list(index.newest()) == full.events[::-1]
        for zone in ZONES:
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("TZ", zone)
                clock.tzset()
                for recent, given in ((3, progress), (2, None), (0, None)):
                    expected = timeline.momentum(full.events, today, None, recent, given)
                    assert timeline.indexed_momentum(index, today, recent, given) == expected
            clock.tzset()


def _apply(path: Path, operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    content = path.read_bytes() if path.exists() else b""
    if kind == "append":
        with open(path, "ab") as handle:
            handle.write(operation[1])
    elif kind == "torn":
        with open(path, "ab") as handle:
            handle.write(operation[1][: operation[2]].rstrip(b"\n"))
    elif kind == "cut":
        os.truncate(path, int(len(content) * operation[1]))
    elif kind == "same size" and content:
        at = min(int(len(content) * operation[1]), len(content) - 1)
        was = content[at : at + 1]
        now = bytes([48 + (was[0] - 47) % 10]) if was.isdigit() else (b"y" if was == b"x" else b"x")
        with open(path, "r+b") as handle:  # the same file, written where it is
            handle.seek(at)
            handle.write(now)
    elif kind == "replace":
        fresh = path.with_name("fresh")
        fresh.write_bytes(operation[1])
        os.replace(fresh, path)


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="TZ strings are read on POSIX only")
@settings(max_examples=60, deadline=None)
@example(  # a last line whole but for its end, whose undo the log marks
    _lines(3), [("torn", _event_line(4, 7200, 0, "not-started", 3, False), 10_000)], 0, 4
)
@example(  # in the odd zone, an event just after its midnight, in a quarter hour across two days
    _lines(2) + _event_line(3, 86400 + 23 * 3600 + 2600, 0, "done", None, False),
    [("append", b"")],
    0,
    3,
)
@given(LINES, OPERATIONS, st.integers(-40, 40), st.integers(0, 40))
def test_the_index_tells_what_a_whole_read_tells(
    start: bytes, operations: list[tuple[Any, ...]], off: int, revision: int
) -> None:
    # The summary is kept between the steps, as between runs: appended to, cut, written again
    # at the same size, replaced, ended with a torn line; each step's answers must be a whole
    # read's, for the size the progress file vouches for (all of the file, less, or more).
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        patch.setenv("LLMCOURSE_CACHE_DIR", str(Path(folder) / "cache"))
        _small_steps(patch)
        path = Path(folder) / "history.jsonl"
        path.write_bytes(start)
        _agrees_with_a_whole_read(path, len(start), revision)
        for operation in operations:
            _apply(path, operation)
            size = path.stat().st_size
            for vouched in (size, max(size + off, 0)):
                last = history_revs(path)
                _agrees_with_a_whole_read(path, vouched, last[-1] if last else revision)
                _agrees_with_a_whole_read(path, vouched, revision)


def _small_steps(patch: pytest.MonkeyPatch) -> None:
    """Blocks, marks and the bytes compared as small as a few lines, so that small histories
    cross them."""
    from llmcourse import historyindex

    patch.setattr(historyindex, "HEAD_BYTES", 8)
    patch.setattr(historyindex, "BOUNDARY_BYTES", 24)
    patch.setattr(historyindex, "CHECKPOINT_BYTES", 200)
    patch.setattr(historyindex, "BLOCK", 50)


def history_revs(path: Path) -> list[int]:
    revs = []
    for line in path.read_bytes().split(b"\n"):
        with contextlib.suppress(ValueError, TypeError, KeyError):
            revs.append(int(json.loads(line)["rev"]))
    return revs


def _summarised(path: Path) -> int:
    """Open the index (which keeps the summary) and say how many events it counts."""
    from llmcourse import historyindex

    with historyindex.open_index(path, path.stat().st_size, 0) as index:
        return index.count


def _changed(content: bytes, at: int) -> bytes:
    return content[:at] + (b"8" if content[at : at + 1] == b"9" else b"9") + content[at + 1 :]


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(tmp_path / "cache"))
    _small_steps(monkeypatch)
    return tmp_path / "history.jsonl"


def _middle_rev(content: bytes) -> int:
    """Where, in the middle of the history, a line's change number is written."""
    return content.index(b'"rev": 5') + len(b'"rev": ')


def _nine_summarised(path: Path) -> tuple[bytes, int]:
    """A history of nine events, summarised; its content, and where a line's `rev` is."""
    path.write_bytes(_lines(9))
    assert _summarised(path) == 9
    content = path.read_bytes()
    return content, _middle_rev(content)


@pytest.mark.parametrize("how", ["in place", "a new file"])
def test_a_summary_is_dropped_when_the_history_is_written_again_at_its_size(
    small_steps: Path, how: str
) -> None:
    # The first and last bytes are as they were: only the file's times (or its identity) say.
    path = small_steps
    content, at = _nine_summarised(path)
    bad = content[:at] + b"x" + content[at + 1 :]
    if how == "in place":
        with open(path, "r+b") as handle:
            handle.seek(at)
            handle.write(b"x")
    else:
        (path.parent / "new").write_bytes(bad)
        os.replace(path.parent / "new", path)
    assert _summarised(path) == 8  # the line changed cannot be read


def test_a_summary_is_dropped_for_a_new_file_that_begins_and_ends_as_the_old(
    small_steps: Path,
) -> None:
    path = small_steps
    content, at = _nine_summarised(path)
    (path.parent / "new").write_bytes(content[:at] + b"x" + content[at + 1 :] + _lines(1, 10))
    os.replace(path.parent / "new", path)
    assert _summarised(path) == 9  # 10 lines, one of them unreadable


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_summary_is_dropped_when_the_bytes_it_keeps_differ(small_steps: Path, where: str) -> None:
    # The file grows (so its times say nothing) after its first or its last summarised bytes
    # changed in place.
    path = small_steps
    path.write_bytes(_lines(9))
    assert _summarised(path) == 9
    content = path.read_bytes()
    at = 1 if where == "first" else len(content) - 2  # a quote, or the last line's brace
    with open(path, "r+b") as handle:
        handle.seek(at)
        handle.write(b"x")
        handle.seek(0, os.SEEK_END)
        handle.write(_lines(1, 10))
    assert _summarised(path) == 9


def test_an_append_that_cuts_the_history_back_forgets_its_summary(
    small_steps: Path,
) -> None:
    from llmcourse import history, historyindex

    path = small_steps
    path.write_bytes(_lines(9))
    assert _summarised(path) == 9
    assert historyindex.summary_path(path).exists()
    cut = len(_lines(8))

    def keep(what: Path, like: Path, label: str) -> Path:
        return what

    history.append(path, cut, 8, _lines(1, 9, item=1), lambda fd: None, keep)
    assert not historyindex.summary_path(path).exists()


def test_log_parses_only_the_events_it_shows(
    run: Invoke, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmcourse import historyindex, progressfile

    run("done", "tokenization")
    history = data_dir / "history.jsonl"
    content = _lines(500, 2) + _lines(1, 502, item=0)
    history.write_bytes(history.read_bytes() + content)
    _vouch(data_dir, history.stat().st_size, 502)
    first = run("log", "--json")  # makes the summary: every line is read once
    assert first.exit_code == 0, first.stderr
    assert first.json()["matching"] == 502 and len(first.json()["events"]) == 20
    parsed = []

    def counting(doc: Any) -> progressfile.Event:
        parsed.append(doc)
        return progressfile.parse_event(doc)

    monkeypatch.setattr(historyindex, "parse_event", counting)
    for args in (("log",), ("log", "--json"), ("progress",), ()):
        parsed.clear()
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        assert len(parsed) <= 20, args
    assert "Showing 20 of 502" in run("log").stdout
    parsed.clear()
    assert run("log", "--limit", "0", "--json").json()["matching"] == 502
    assert len(parsed) == 502


def test_a_summary_that_cannot_be_written_or_read_fails_nothing(
    run: Invoke, data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from llmcourse import historyindex

    cache = tmp_path / "cache"
    monkeypatch.setenv("LLMCOURSE_CACHE_DIR", str(cache))
    run("done", "tokenization")
    run("done", "attention-mechanisms")
    expected = run("log", "--json").json()
    where = historyindex.summary_path(data_dir / "history.jsonl")
    kept = where.read_bytes()
    check, content = kept.split(b"\n", 1)
    wrong = content.replace(b'"events":2', b'"events":3')
    assert wrong != content
    for damaged in (
        b"{",
        kept[:-9],
        check + b"\n" + wrong,  # a number changed: the check says so
        historyindex._check(b"[]") + b"\n[]",
        historyindex._check(content[:-1]) + b"\n" + content[:-1],
        historyindex._check(wrong.replace(b'"format":1', b'"format":0'))
        + b"\n"
        + wrong.replace(b'"format":1', b'"format":0'),
    ):
        where.write_bytes(damaged)
        assert run("log", "--json").json() == expected
        assert where.read_bytes() != damaged  # made anew
    where.unlink()
    where.mkdir()  # a folder where the summary goes: neither read nor replaced
    assert run("log", "--json").json() == expected
    assert run("progress").exit_code == 0


def _vouch(data_dir: Path, size: int, revision: int) -> None:
    progress = data_dir / "progress.toml"
    text = progress.read_text("utf-8")
    rows = []
    for row in text.splitlines():
        if row.startswith("history_size"):
            row = f"history_size = {size}"
        elif row.startswith("revision"):
            row = f"revision = {revision}"
        rows.append(row)
    progress.write_text("\n".join(rows) + "\n", encoding="utf-8")
