"""What the log, streaks and the calendar need from the history, without reading it whole.

A summary of the history's lines (how many events, the first line that cannot be read, which
changes were undone, events per quarter hour, and where in the file the events before a moment
end) is kept in the cache folder and extended on each run by the lines appended since; the
newest events are read from the end of the file, backwards. The answers are exactly those of
reading the whole history (`history.read`), which the summary's tests hold it to.

The summary is derived and never needed: one that is missing, damaged, of another format or
for another file is ignored and made anew, and failing to write it fails nothing. It is tied to
the history by the file's device and inode, the bytes it covers (up to the end of a line), the
first bytes of the file and the last bytes it covers (a history cut and written anew differs
there: each event carries its change number and time), and, while the file has not changed
size, its modification and change times. An append that cuts the history back first forgets
the summary (`forget`).

Days are the learner's: events are counted per quarter hour of UTC time, and a quarter hour
becomes a day of the learner's calendar only when read, in the time zone of that run. (Every
time zone's offset and change of offset falls on a quarter hour; where one does not, the
history is read whole.)
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from llmcourse import regular
from llmcourse.history import History, _read_exactly, _reason, _unreadable, read
from llmcourse.progressfile import EVENT_ERRORS, MAX_HISTORY_BYTES, Event, parse_event

FORMAT = 1
BUCKET = timedelta(minutes=15)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
CHECKPOINT_BYTES = 65536  # how far apart the marks of "no event after this moment before here"
HEAD_BYTES = 512  # the first bytes of the file, kept to compare
BOUNDARY_BYTES = 4096  # the last bytes covered, kept to compare: more than an event line
BLOCK = 65536  # read backwards this much at a time


class Summary:
    """What the history's first `covered` bytes (whole lines) tell."""

    def __init__(self) -> None:
        self.covered = 0
        self.lines = 0  # lines in those bytes: the next line's number is one more
        self.events = 0
        self.problem: tuple[int, str] | None = None  # the first line that cannot be read
        self.problems = 0
        self.last_rev: int | None = None  # of the last line with text, when it could be read
        self.buckets: dict[int, int] = {}  # quarter hours since 1970 (UTC) -> events in it
        self.undoes: set[int] = set()  # every change an event says it reverts
        self.undone_by: dict[int, int] = {}  # change -> the undo (not imported) that reverted it
        self.latest: int | None = None  # the latest event time so far, in microseconds
        # (offset of a line start, the latest event time before it): every event before the
        # offset is earlier than that time, so a log from a later moment need not read them.
        self.checkpoints: list[tuple[int, int | None]] = []
        self.head = b""
        self.boundary = b""
        self.file: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)  # dev, ino, size, mtime, ctime

    def add(self, line: bytes) -> tuple[Event | None, tuple[int, str] | None]:
        """Count one line (numbered after the ones before); its event or its problem."""
        import json

        self.lines += 1
        if not line.strip():
            return None, None
        try:
            event = parse_event(json.loads(line))
        except EVENT_ERRORS as err:
            self.last_rev = None
            problem = (self.lines, _reason(err))
            self.problems += 1
            if self.problem is None:
                self.problem = problem
            return None, problem
        self.count(event)
        return event, None

    def count(self, event: Event) -> None:
        self.events += 1
        self.last_rev = event.rev
        bucket = (event.time - EPOCH) // BUCKET
        self.buckets[bucket] = self.buckets.get(bucket, 0) + 1
        if event.undoes is not None:
            self.undoes.add(event.undoes)
            if not event.imported:
                self.undone_by[event.undoes] = event.rev
        moment = (event.time - EPOCH) // MICROSECOND
        if self.latest is None or moment > self.latest:
            self.latest = moment

    def extend(self, content: bytes) -> None:
        """Add whole lines (`content` ends with a line's end) that follow the covered bytes."""
        start = self.covered
        mark = self.checkpoints[-1][0] if self.checkpoints else 0
        offset = start
        for line in content[:-1].split(b"\n"):
            if offset - mark >= CHECKPOINT_BYTES:
                self.checkpoints.append((offset, self.latest))
                mark = offset
            self.add(line)
            offset += len(line) + 1
        self.covered = start + len(content)

    def to_json(self) -> dict[str, Any]:
        from llmcourse import __version__

        return {
            "format": FORMAT,
            "version": __version__,  # another version may read lines otherwise
            "file": list(self.file),
            "covered": self.covered,
            "lines": self.lines,
            "events": self.events,
            "problem": list(self.problem) if self.problem else None,
            "problems": self.problems,
            "last_rev": self.last_rev,
            "buckets": [[key, count] for key, count in self.buckets.items()],
            "undoes": sorted(self.undoes),
            "undone_by": [[rev, undo] for rev, undo in self.undone_by.items()],
            "latest": self.latest,
            "checkpoints": [list(point) for point in self.checkpoints],
            "head": self.head.hex(),
            "boundary": self.boundary.hex(),
        }

    @classmethod
    def from_json(cls, doc: Any) -> Summary:
        """A summary as written by `to_json`; a ValueError (or a TypeError, KeyError) if not."""
        from llmcourse import __version__

        if not isinstance(doc, dict) or (doc.get("format"), doc.get("version")) != (
            FORMAT,
            __version__,
        ):
            raise ValueError("another format")
        found = cls()
        found.file = _ints(doc["file"], 5)  # type: ignore[assignment]
        found.covered = _int(doc["covered"])
        found.lines = _int(doc["lines"])
        found.events = _int(doc["events"])
        problem = doc["problem"]
        if problem is not None:
            if not isinstance(problem[1], str):
                raise TypeError("problem")
            found.problem = (_int(problem[0]), problem[1])
        found.problems = _int(doc["problems"])
        found.last_rev = None if doc["last_rev"] is None else _int(doc["last_rev"])
        found.buckets = {_int(key): _int(count) for key, count in doc["buckets"]}
        found.undoes = {_int(rev) for rev in doc["undoes"]}
        found.undone_by = {_int(rev): _int(undo) for rev, undo in doc["undone_by"]}
        found.latest = None if doc["latest"] is None else _int(doc["latest"])
        found.checkpoints = [
            (_int(offset), None if latest is None else _int(latest))
            for offset, latest in doc["checkpoints"]
        ]
        found.head = bytes.fromhex(doc["head"])
        found.boundary = bytes.fromhex(doc["boundary"])
        if (found.problem is None) != (found.problems == 0) or len(found.boundary) > found.covered:
            raise ValueError("inconsistent")
        return found


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not a whole number")
    return value


def _ints(value: Any, count: int) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) != count:
        raise TypeError("not a list")
    return tuple(_int(item) for item in value)


def summary_path(path: Path) -> Path:
    """Where the summary of the history at `path` is kept: one per history file."""
    import zlib

    from llmcourse.catalog import cache_dir

    key = zlib.crc32(os.fsencode(os.path.abspath(path)))
    return cache_dir() / f"history-{key:08x}.json"


def forget(path: Path) -> None:
    """Drop the summary of a history about to be cut back; failing to is no failure (the
    summary's own checks still hold it to the file)."""
    with contextlib.suppress(OSError):
        summary_path(path).unlink()


class Index:
    """The history the progress file vouches for (its first `size` bytes), as the summary and
    the lines after it tell; open on the file until `close`."""

    def __init__(self, path: Path, size: int, revision: int) -> None:
        self.path = path
        self.size = size
        self.revision = revision
        self.fd = -1
        self.end = 0  # the bytes vouched for and present
        self.summary = Summary()
        self.piece: Event | None = None  # an event on a last line without its end
        self.piece_problem: tuple[int, str] | None = None
        self.piece_text = False  # the bytes past the last line's end hold more than spaces
        self.missing_bytes = 0
        self.pending_bytes = 0

    # --- what the full read tells -------------------------------------------------------

    @property
    def count(self) -> int:
        """How many events the history holds."""
        return self.summary.events + (self.piece is not None)

    @property
    def problems(self) -> list[tuple[int, str]]:
        """The first line that cannot be read (the others are counted by `problem_count`)."""
        first = self.summary.problem or self.piece_problem
        return [first] if first else []

    @property
    def problem_count(self) -> int:
        return self.summary.problems + (self.piece_problem is not None)

    @property
    def mismatch(self) -> bool:
        last = self.summary.last_rev
        if self.piece_text:
            last = self.piece.rev if self.piece is not None else None
        ends_on_a_line = self.end == self.summary.covered
        return bool(
            self.missing_bytes or not ends_on_a_line or (last is not None and last != self.revision)
        )

    @property
    def undone_by(self) -> dict[int, int]:
        undone_by = self.summary.undone_by
        piece = self.piece
        if piece is not None and piece.undoes is not None and not piece.imported:
            undone_by = {**undone_by, piece.undoes: piece.rev}
        return undone_by

    @property
    def undoes(self) -> set[int]:
        piece = self.piece
        if piece is not None and piece.undoes is not None:
            return self.summary.undoes | {piece.undoes}
        return self.summary.undoes

    def days(self, zone: tzinfo | None = None) -> dict[date, int] | None:
        """Events per day of the learner's calendar (in `zone`, or the system's own); None where
        a quarter hour falls across two days (a time zone off the quarter hours)."""
        buckets = self.summary.buckets
        if self.piece is not None:
            buckets = dict(buckets)
            bucket = (self.piece.time - EPOCH) // BUCKET
            buckets[bucket] = buckets.get(bucket, 0) + 1
        days: dict[date, int] = {}
        try:
            for bucket, count in buckets.items():
                first = (EPOCH + bucket * BUCKET).astimezone(zone)
                last = (EPOCH + (bucket + 1) * BUCKET - MICROSECOND).astimezone(zone)
                day = first.date()
                if last.date() != day or last.utcoffset() != first.utcoffset():
                    return None
                days[day] = days.get(day, 0) + count
        except (OverflowError, OSError, ValueError):
            return None  # at the ends of time: the whole read says what happens there
        return days

    def everything(self) -> History:
        """The whole history, read as `history.read` reads it."""
        return read(self.path, self.size, self.revision)

    # --- reading the file ---------------------------------------------------------------

    def newest(self) -> Iterator[Event]:
        """The events, newest first, read backwards from the end of the history."""
        if self.piece is not None:
            yield self.piece
        import json

        rest = b""
        position = self.summary.covered
        while position > 0:
            start = max(position - BLOCK, 0)
            os.lseek(self.fd, start, os.SEEK_SET)
            chunk = _read_exactly(self.fd, position - start) + rest
            position = start
            lines = chunk.split(b"\n")
            if start > 0:
                rest = lines.pop(0)  # the start of a line that begins in an earlier block
            for line in reversed(lines):
                if not line.strip():
                    continue
                try:
                    yield parse_event(json.loads(line))
                except EVENT_ERRORS:
                    continue  # counted among the problems already

    def oldest_from(self, since: datetime | None) -> list[Event]:
        """The events, oldest first: every event from `since` on, and perhaps some before."""
        import json

        if self.fd < 0:  # no file: nothing but what a run of this index has seen
            return [self.piece] if self.piece is not None else []
        start = 0
        if since is not None:
            bound = (since - EPOCH) // MICROSECOND
            for offset, latest in self.summary.checkpoints:
                if latest is not None and latest >= bound:
                    break
                start = offset
        os.lseek(self.fd, start, os.SEEK_SET)
        content = _read_exactly(self.fd, self.summary.covered - start)
        events: list[Event] = []
        for line in content.split(b"\n"):
            if not line.strip():
                continue
            try:
                events.append(parse_event(json.loads(line)))
            except EVENT_ERRORS:
                continue
        if self.piece is not None:
            events.append(self.piece)
        return events

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_index(path: Path, size: int, revision: int) -> Index:
    """The history's index: the summary, checked against the file and brought up to its end,
    and written back (when it can be) for the next run. Errors as `history.read`'s."""
    index = Index(path, size, revision)
    try:
        index.fd = regular.open_regular(path, sys.maxsize)
    except FileNotFoundError:
        index.missing_bytes = size
        return index
    except OSError as err:
        raise _unreadable(path, err) from None
    try:
        _bring_up(index)
    except OSError as err:
        index.close()
        raise _unreadable(path, err) from None
    except BaseException:
        index.close()
        raise
    return index


def _bring_up(index: Index) -> None:
    fd = index.fd
    st = os.fstat(fd)
    actual = st.st_size
    end = min(index.size, actual)
    if end > MAX_HISTORY_BYTES:
        raise regular.TooLargeError(MAX_HISTORY_BYTES)
    index.end = end
    index.missing_bytes = max(index.size - actual, 0)
    index.pending_bytes = max(actual - index.size, 0)
    where = summary_path(index.path)
    summary = _load(where, fd, st, end)
    fresh = summary is None
    if summary is None:
        summary = Summary()
    os.lseek(fd, summary.covered, os.SEEK_SET)
    content = _read_exactly(fd, end - summary.covered)
    whole = content.rfind(b"\n") + 1  # the bytes up to the last line's end
    if whole:
        summary.extend(content[:whole])
    index.summary = summary
    seen = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if fresh or whole or seen != summary.file:  # then the file's times are its times now
        summary.head = _read_at(fd, 0, min(HEAD_BYTES, summary.covered))
        length = min(BOUNDARY_BYTES, summary.covered)
        summary.boundary = _read_at(fd, summary.covered - length, length)
        summary.file = seen
        _save(where, summary)
    piece = content[whole:]
    if piece.strip():
        # The last line has no end: it is read every time, as it may yet be completed.
        index.piece_text = True
        probe = Summary()
        probe.lines = summary.lines
        index.piece, index.piece_problem = probe.add(piece)


def _load(where: Path, fd: int, st: os.stat_result, end: int) -> Summary | None:
    """The summary kept for this file, when it still tells the truth about it."""
    import json

    with contextlib.suppress(OSError, ValueError, TypeError, KeyError, IndexError, RecursionError):
        kept = regular.read(where, MAX_HISTORY_BYTES)
        check, _, content = kept.partition(b"\n")
        if check != _check(content):
            return None  # damaged: a number changed may still read as a number
        found = Summary.from_json(json.loads(content))
        dev, ino, size, mtime, ctime = found.file
        if (dev, ino) != (st.st_dev, st.st_ino) or found.covered > end:
            return None
        if size == st.st_size and (mtime, ctime) != (st.st_mtime_ns, st.st_ctime_ns):
            return None  # written again at the same size
        if _read_at(fd, 0, len(found.head)) != found.head:
            return None
        length = len(found.boundary)
        if length != min(BOUNDARY_BYTES, found.covered):
            return None
        if _read_at(fd, found.covered - length, length) != found.boundary:
            return None
        return found
    return None


def _save(where: Path, summary: Summary) -> None:
    """Keep the summary for the next run; a cache that cannot be written is no failure."""
    import json

    content = json.dumps(summary.to_json(), separators=(",", ":")).encode()
    content = _check(content) + b"\n" + content
    from llmcourse.catalog import _write_cache

    # Whole or not at all, and private: the summary tells when the learner worked.
    with contextlib.suppress(OSError):
        _write_cache(where, content, mode=0o600)


def _check(content: bytes) -> bytes:
    import zlib

    return b"%08x" % zlib.crc32(content)


def _read_at(fd: int, offset: int, count: int) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)
    return _read_exactly(fd, count)
