"""The history file: one JSON line per event, appended beside the progress file.

The progress file records how many changes were made (`revision`) and how many bytes of the
history belong to them (`history_size`). A change appends its events first and replaces the
progress file second, so a crash in between leaves bytes past `history_size`: readers ignore
them, and the next change moves them out of the way before appending its own.

A history belongs to a progress file when the bytes it vouches for end on a line and the last
of their events is numbered `revision`. One that does not (a progress file restored from a
backup or copied from another machine) is never cut or appended to: it is kept whole under
another name, and a new history starts.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from llmcourse import regular
from llmcourse.errors import ProgressFileError
from llmcourse.progressfile import EVENT_ERRORS, MAX_HISTORY_BYTES, Event, parse_event

HISTORY_NAME = "history.jsonl"


def history_path(progress_path: Path) -> Path:
    return progress_path.with_name(HISTORY_NAME)


class History:
    """The events of completed changes, oldest first, and the lines that could not be read.

    (A plain class: it is defined by every command that reads progress, and a dataclass costs
    more to define than the history of a usual learner costs to read.)
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.events: list[Event] = []
        self.problems: list[tuple[int, str]] = []  # (line number, what is wrong)
        self.missing_bytes = 0  # the file is this much shorter than the progress file says
        self.pending_bytes = 0  # bytes past the recorded size: events the progress does not hold
        # The history does not end where the progress file says it does: one of the two was
        # restored or copied without the other.
        self.mismatch = False

    @property
    def problem_count(self) -> int:
        return len(self.problems)


def read(path: Path, size: int, revision: int) -> History:
    """Read the first `size` bytes of the history: the part the progress file vouches for."""
    import json  # not on the path of a command that never reads the history

    history = History(path)
    try:
        with open(regular.open_regular(path, sys.maxsize), "rb") as handle:
            actual = os.fstat(handle.fileno()).st_size
            if min(size, actual) > MAX_HISTORY_BYTES:
                raise regular.TooLargeError(MAX_HISTORY_BYTES)
            content = handle.read(min(size, actual))
    except FileNotFoundError:
        content, actual = b"", 0
    except OSError as err:
        raise ProgressFileError(
            f"cannot read history file {path}: {err.strerror or err}",
            f"{regular.MOVE_IT if regular.refused(err) else 'Check its permissions'}; "
            "nothing was changed",
        ) from None
    history.missing_bytes = max(size - actual, 0)
    history.pending_bytes = max(actual - size, 0)
    _, last = parse_lines(content, 1, history.events, history.problems, json.loads)
    ends_on_a_line = not content or content.endswith(b"\n")
    history.mismatch = bool(
        history.missing_bytes or not ends_on_a_line or (last is not None and last.rev != revision)
    )
    return history


# Whether any line read was not blank, and the event on the last that was not (None when it
# could not be read).
Lines = tuple[bool, Event | None]


def parse_lines(
    content: bytes,
    first: int,
    events: list[Event],
    problems: list[tuple[int, str]],
    slow: Callable[[bytes], Any],
) -> Lines:
    """Read whole history lines (`content`, without the line break after the last), numbered
    from `first`: their events go to `events`, and what is wrong with the others, with their
    numbers, to `problems`.

    Each line is read as `json.loads` reads it alone: a line that is not one JSON value never
    takes a neighbour with it. What is usual takes a faster way that gives the same: the
    content is decoded once (UTF-8, as `json.loads` decodes a line that starts with `{`), and
    a line that starts with `{` is scanned by the scanner `json.loads` itself ends in, without
    the checks around it (for 50,000 lines, about 90 ms against 160 for `json.loads` a line at
    a time). Reading them all as one JSON array is faster still (about 65), but then lines such
    as `{"a": [{}` and `{}]}, {"b": 2}` would read as two events together, and telling that
    apart costs what the array saved. A line the scanner does not take whole, and every other
    line, is read by `slow` (its bytes), the way it always was, so its problem reads as before.
    """
    lines: list[str] | list[str | bytes]
    try:
        lines = content.decode("utf-8", "surrogatepass").split("\n")
    except UnicodeDecodeError:  # somewhere not UTF-8: that line (only) is read the slow way
        lines = [_decoded(line) for line in content.split(b"\n")]
    scan = _scanner()
    seen = False
    last: Event | None = None
    for number, line in enumerate(lines, first):
        try:
            if isinstance(line, str) and line[:1] == "{":
                seen = True
                found = _whole(scan, line)
                if found is None:
                    found = slow(line.encode("utf-8", "surrogatepass"))
            else:
                raw = line if isinstance(line, bytes) else line.encode("utf-8", "surrogatepass")
                if not raw.strip():
                    continue
                seen = True
                found = slow(raw)
            last = parse_event(found)
        except EVENT_ERRORS as err:
            last = None
            problems.append((number, _reason(err)))
            continue
        events.append(last)
    return seen, last


def _loads_decoded(line: bytes) -> Any:
    """`json.loads` of one line, as `Stream` has always read it: a line that starts as an event
    does is UTF-8 to json.loads, which would find that out byte by byte, so it is decoded first
    (a line such as `{\0...` is then not read as UTF-16, as `read` reads it)."""
    import json

    return json.loads(line.decode("utf-8", "surrogatepass") if line[:1] == b"{" else line)


def _decoded(line: bytes) -> str | bytes:
    try:
        return line.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return line


def _whole(scan: Callable[[str, int], tuple[Any, int]], line: str) -> Any:
    """The JSON value that is the whole of `line`, or None when it is not one (or not only one)."""
    try:
        found, end = scan(line, 0)
    except (ValueError, StopIteration, RecursionError):
        return None
    return found if end == len(line) else None


def _scanner() -> Callable[[str, int], tuple[Any, int]]:
    """What `json.loads` scans a value with, once its text is decoded and leading space skipped
    (a scanner forgets the keys it met at the end of each call)."""
    import json

    scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
    return scan


def _reason(err: Exception) -> str:
    import json

    if isinstance(err, json.JSONDecodeError):
        return f"not a JSON object ({err.msg})"
    if isinstance(err, KeyError):
        return f"the key {err} is missing"
    if isinstance(err, RecursionError):
        return "nested too deeply to read"
    if isinstance(err, OverflowError):
        return "its time is out of range"
    return str(err)


def _last_event_rev(fd: int, end: int) -> int | None:
    """The `rev` of the line that ends at byte `end`, or None when no event ends there."""
    start = max(end - 65536, 0)
    os.lseek(fd, start, os.SEEK_SET)
    window = _read_exactly(fd, end - start)
    if not window.endswith(b"\n"):
        return None
    line = window[:-1].rsplit(b"\n", 1)[-1]
    if start > 0 and b"\n" not in window[:-1]:
        return None  # a line longer than any event
    import json

    try:
        return parse_event(json.loads(line)).rev
    except EVENT_ERRORS:
        return None


def _read_exactly(fd: int, count: int) -> bytes:
    chunks: list[bytes] = []
    while count > 0:
        chunk = os.read(fd, count)
        if not chunk:
            break
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


# Moves a file (the first path) out of the way under a name made from the second path's and a
# label, never replacing a file already there; returns the new name.
SetAside = Callable[[Path, Path, str], Path]


def append(
    path: Path,
    committed: int,
    revision: int,
    content: bytes,
    fsync: Callable[[int], None],
    set_aside: SetAside,
) -> tuple[int, list[Path]]:
    """Append `content` to the history the progress file vouches for, durably.

    Returns the history's new size and the files that were moved out of the way: a history
    that does not belong to the progress file, or the bytes past `committed` that the
    progress file does not hold. Nothing but a part of an event this program began to write
    is ever cut. Call it under the progress lock.
    """
    kept: list[Path] = []
    if os.path.islink(path) and not os.path.exists(path):
        # A link to nothing (or to itself): writing would create its target wherever it points.
        kept.append(set_aside(path, path, "set-aside"))
    fd = _open(path)
    try:
        size = os.fstat(fd).st_size
        if size < committed or (size and not _belongs(fd, size, committed, revision)):
            if size:
                os.close(fd)
                fd = -1
                kept.append(set_aside(path, path, "set-aside"))
                fd = _open(path)
            size = committed = 0  # a new history starts: none of the old one is vouched for
        if size > committed:
            os.lseek(fd, committed, os.SEEK_SET)
            tail = _read_exactly(fd, min(size - committed, _DEBRIS_BYTES + 1))
            if not _our_debris(tail):
                unrecorded = path.with_name(regular.temporary_name(path))
                _copy_tail(fd, committed, size, unrecorded, fsync)
                kept.append(set_aside(unrecorded, path, "unrecorded"))
            from llmcourse.historyindex import forget

            forget(path)  # a summary may cover the bytes cut, and the file's identity stays
            os.ftruncate(fd, committed)
        start = committed
        try:
            os.lseek(fd, start, os.SEEK_SET)
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            fsync(fd)
        except BaseException:
            # Leave no half-written event behind: cut back to where this append started.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
            raise
        return start + len(content), kept
    finally:
        if fd >= 0:
            os.close(fd)


def _open(path: Path) -> int:
    """The history file, open to read and write: created if missing, refused unless it is a
    regular file (a named pipe would hang the command, and the lock with it)."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    return regular.checked(os.open(path, flags, 0o600))


# What this program writes to the history begins so; a crash part-way through an append leaves
# a prefix of such a line, never longer than an event.
_EVENT_START = b'{"rev": '
_DEBRIS_BYTES = 65536


def _our_debris(tail: bytes) -> bool:
    """Whether bytes past the recorded end are only the start of an event this program began
    to append (cut at once), rather than anything else (kept)."""
    if len(tail) > _DEBRIS_BYTES or b"\n" in tail:
        return False
    return tail.startswith(_EVENT_START) or _EVENT_START.startswith(tail)


def _copy_tail(fd: int, start: int, end: int, to: Path, fsync: Callable[[int], None]) -> None:
    """Copy the history's bytes from `start` to `end` into a new file, durably, a piece at a
    time (a history that is far too large was set aside whole before this)."""
    with open(to, "xb") as handle:
        os.lseek(fd, start, os.SEEK_SET)
        left = end - start
        while left > 0:
            chunk = os.read(fd, min(left, regular.MB))
            if not chunk:
                break
            handle.write(chunk)
            left -= len(chunk)
        handle.flush()
        fsync(handle.fileno())


def _belongs(fd: int, size: int, committed: int, revision: int) -> bool:
    if committed > size or size - committed > MAX_HISTORY_BYTES:
        return False  # far more past the recorded end than any change: kept whole, unread
    if committed == 0:
        # Nothing vouched for: whole events here belong to a progress file that is gone (or
        # to a first change that never completed), and anything else is not ours; only the
        # start of an event this program began to write is debris.
        os.lseek(fd, 0, os.SEEK_SET)
        return _our_debris(_read_exactly(fd, min(size, _DEBRIS_BYTES + 1)))
    return _last_event_rev(fd, committed) == revision


class Stream:
    """The events of the part of the history a progress file vouches for, read a block at a
    time as they are iterated, for a command that passes each on as it comes (`export`), so
    that the history is never held whole. It reads what `read` reads, line by line alike;
    `problems` fills as the lines are met.

    The file is opened (and refused, as `read` refuses it) when the stream is made, before
    anything is written; it is closed once the events have been iterated, or by `close`.
    """

    BLOCK = regular.MB

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self.problems: list[tuple[int, str]] = []  # (line number, what is wrong)
        self.actual = 0  # the file's size
        self.last: Event | None = None  # the event on the last line read, if it could be read
        self.ends_on_a_line = True  # so far, what was read ends with a line break (or is empty)
        self._fd = -1
        try:
            fd = regular.open_regular(path, sys.maxsize)
        except FileNotFoundError:
            self._left = 0
            return
        except OSError as err:
            raise _unreadable(path, err) from None
        try:
            actual = os.fstat(fd).st_size
            if min(size, actual) > MAX_HISTORY_BYTES:
                raise regular.TooLargeError(MAX_HISTORY_BYTES)
        except OSError as err:
            os.close(fd)
            raise _unreadable(path, err) from None
        self._fd = fd
        self.actual = actual
        self._left = min(size, actual)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __iter__(self) -> Iterator[Event]:
        number = 0
        rest = b""
        try:
            while block := self._block():
                whole, newline, rest = (rest + block).rpartition(b"\n")
                if newline:
                    yield from self._lines(whole, number + 1)
                    number += whole.count(b"\n") + 1
            if rest:
                yield from self._lines(rest, number + 1)
        finally:
            self.close()

    def _lines(self, content: bytes, first: int) -> list[Event]:
        events: list[Event] = []
        seen, last = parse_lines(content, first, events, self.problems, _loads_decoded)
        if seen:
            self.last = last
        return events

    def _block(self) -> bytes:
        if self._left <= 0 or self._fd < 0:
            return b""
        try:
            block = os.read(self._fd, min(self._left, self.BLOCK))
        except OSError as err:
            raise _unreadable(self.path, err) from None
        self._left -= len(block)
        if not block:
            self._left = 0
        else:
            self.ends_on_a_line = block.endswith(b"\n")
        return block


def check(path: Path, size: int, revision: int, *, kept: bool = False) -> History:
    """What `read` finds wrong with the history, from one pass over it that keeps none of its
    events (`doctor` tells what is wrong, and shows no event).

    With `kept`, what an earlier check found in the history's first bytes (whole lines) is
    taken from the cache folder while those bytes are the same, and only the lines after them
    are read (see `_kept_check`); what is found is kept for the next check.
    """
    stream = Stream(path, size)
    try:
        last_rev, ends_on_a_line = _check_lines(stream, kept)
    finally:
        stream.close()
    found = History(path)
    found.problems = stream.problems
    found.missing_bytes = max(size - stream.actual, 0)
    found.pending_bytes = max(stream.actual - size, 0)
    found.mismatch = bool(
        found.missing_bytes or not ends_on_a_line or (last_rev is not None and last_rev != revision)
    )
    return found


# What checking the history's first bytes found, kept for the next check: how many bytes (up
# to the end of a line), their CRC-32, how many lines they hold, the problems of those lines,
# and the `rev` of the last line that is not blank (None when it could not be read, or when
# there is none).
KeptCheck = tuple[int, int, int, list[tuple[int, str]], int | None]


def _check_lines(stream: Stream, kept: bool) -> tuple[int | None, bool]:
    """Read the lines of `stream` for their problems, after what a kept check vouches for;
    returns the `rev` of the last line that is not blank (None when it could not be read) and
    whether the bytes end on a line."""
    import zlib

    end = stream._left
    before = _kept_check(stream.path, end) if kept and end else None
    covered = crc = number = 0
    last_rev: int | None = None
    if before is not None:
        if _crc(stream, before[0]) == before[1]:
            covered, crc, number, problems, last_rev = before
            stream.problems = list(problems)
            stream._left = end - covered
        else:
            os.lseek(stream._fd, 0, os.SEEK_SET)
            stream._left = end
    rest = b""
    while block := stream._block():
        whole, newline, rest = (rest + block).rpartition(b"\n")
        if newline:
            crc = zlib.crc32(b"\n", zlib.crc32(whole, crc))
            covered += len(whole) + 1
            seen, last = parse_lines(whole, number + 1, [], stream.problems, _loads_decoded)
            number += whole.count(b"\n") + 1
            if seen:
                last_rev = last.rev if last is not None else None
    if kept and covered and (before is None or covered != before[0] or crc != before[1]):
        found: KeptCheck = (covered, crc, number, list(stream.problems), last_rev)
        _keep_check(stream.path, found)
    if rest:
        seen, last = parse_lines(rest, number + 1, [], stream.problems, _loads_decoded)
        if seen:
            last_rev = last.rev if last is not None else None
    return last_rev, not rest


def _crc(stream: Stream, count: int) -> int | None:
    """The CRC-32 of the stream's first `count` bytes; None when it holds fewer, or when they
    do not end a line."""
    import zlib

    crc = 0
    chunk = b""
    while count > 0:
        chunk = os.read(stream._fd, min(count, stream.BLOCK))
        if not chunk:
            return None
        crc = zlib.crc32(chunk, crc)
        count -= len(chunk)
    return crc if chunk.endswith(b"\n") else None


# A kept check is the learner's history in brief, kept in the cache folder as the summary of
# `historyindex` is, and as little needed: one that is missing, torn (`catalog.frame`), of
# another version of this code or another file, or for bytes that are not the history's first
# bytes now, byte for byte (their CRC-32: unlike the summary, a check must notice any change,
# such as a damaged disk block in the middle), is ignored and made anew; failing to write one
# fails nothing. Doctor on 50,000 events (7 MB) reads them in about 130 ms; their CRC-32 takes
# about 5 ms.


def _kept_check_path(path: Path) -> Path:
    import zlib

    from llmcourse.catalog import cache_dir

    return cache_dir() / f"history-check-{zlib.crc32(os.fsencode(os.path.abspath(path))):08x}"


def _kept_check_source(path: Path) -> bytes:
    """What a kept check is for: this file, read by this code."""
    import zlib

    from llmcourse.catalog import _CACHE_LAYOUT

    code = [_CACHE_LAYOUT.encode(), os.fsencode(os.path.abspath(path))]
    here = Path(__file__).parent
    for name in ("history.py", "progressfile.py"):  # what decides what a line's problem is
        with contextlib.suppress(OSError):  # a zipped install: the version stands for it
            code.append(b"%08x" % zlib.crc32(regular.read(here / name, regular.MB)))
    return b"history-check\0" + b"\0".join(code)


def _kept_check(path: Path, end: int) -> KeptCheck | None:
    """The kept check of the history at `path`, when there is a sound one for at most its
    first `end` bytes."""
    import marshal

    from llmcourse.catalog import unframe

    unusable = (OSError, ValueError, EOFError, TypeError, KeyError, RecursionError)
    with contextlib.suppress(*unusable):
        # Problems are told in a few words, with at most their line's text: an entry far
        # larger than the history (a named pipe in its place, say) is not read.
        framed = unframe(regular.read(_kept_check_path(path), 8 * end + regular.MB))
        if framed is None or framed[0] != _kept_check_source(path):
            return None
        covered, crc, lines, problems, last_rev = marshal.loads(framed[1])
        if not (
            _whole_number(covered, 1)
            and covered <= end
            and _whole_number(crc, 0)
            and crc < 1 << 32
            and _whole_number(lines, 1)
            and (last_rev is None or _whole_number(last_rev, 1))
            and isinstance(problems, list)
        ):
            return None
        previous = 0
        for problem in problems:
            line, reason = problem
            if not (type(problem) is tuple and _whole_number(line, previous + 1)):
                return None
            if line > lines or type(reason) is not str:
                return None
            previous = line
        return covered, crc, lines, problems, last_rev
    return None


def _whole_number(value: object, least: int) -> bool:
    return type(value) is int and value >= least


def _keep_check(path: Path, found: KeptCheck) -> None:
    import marshal

    from llmcourse.catalog import _write_cache, frame

    with contextlib.suppress(OSError, ValueError):
        content = frame(_kept_check_source(path), marshal.dumps(found))
        _write_cache(_kept_check_path(path), content, mode=0o600)  # the learner's history


def _unreadable(path: Path, err: OSError) -> ProgressFileError:
    return ProgressFileError(
        f"cannot read history file {path}: {err.strerror or err}",
        f"{regular.MOVE_IT if regular.refused(err) else 'Check its permissions'}; "
        "nothing was changed",
    )
