"""The history file: one JSON line per event, appended beside the progress file.

The progress file records how many bytes of the history belong to completed changes
(`history_size`). A change appends its events first and writes the progress file second, so a
crash in between leaves bytes past `history_size`: they describe a change that never happened,
readers ignore them, and the next change cuts them off before appending its own.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from llmcourse.course import Event

HISTORY_NAME = "history.jsonl"


def history_path(progress_path: Path) -> Path:
    return progress_path.with_name(HISTORY_NAME)


@dataclass
class History:
    """The events of completed changes, oldest first, and the lines that could not be read."""

    path: Path
    events: list[Event] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, what is wrong)
    missing_bytes: int = 0  # the file is this much shorter than the progress file says
    pending_bytes: int = 0  # bytes of an unfinished change past the recorded size


def read(path: Path, size: int) -> History:
    """Read the first `size` bytes of the history: the part the progress file vouches for."""
    history = History(path)
    try:
        with open(path, "rb") as handle:
            content = handle.read(size)
            actual = os.fstat(handle.fileno()).st_size
    except FileNotFoundError:
        content, actual = b"", 0
    history.missing_bytes = max(size - actual, 0)
    history.pending_bytes = max(actual - size, 0)
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            history.events.append(parse_event(json.loads(line)))
        except (ValueError, TypeError, KeyError) as err:
            history.problems.append((number, _reason(err)))
    return history


def _reason(err: Exception) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"not a JSON object ({err.msg})"
    if isinstance(err, KeyError):
        return f"the key {err} is missing"
    return str(err)


def parse_event(doc: Any) -> Event:
    if not isinstance(doc, dict):
        raise TypeError("not a JSON object")
    undoes = doc.get("undoes")
    event = Event(
        rev=doc["rev"],
        time=datetime.fromisoformat(doc["time"]),
        command=doc["command"],
        id=doc["id"],
        old=doc["old"],
        new=doc["new"],
        undoes=undoes,
    )
    if not isinstance(event.rev, int) or isinstance(event.rev, bool) or event.rev < 1:
        raise ValueError("'rev' must be a positive whole number")
    if event.time.tzinfo is None:
        raise ValueError("'time' must carry a time zone")
    for name in ("command", "id", "old", "new"):
        if not isinstance(getattr(event, name), str):
            raise ValueError(f"'{name}' must be a string")
    if undoes is not None and (not isinstance(undoes, int) or isinstance(undoes, bool)):
        raise ValueError("'undoes' must be a whole number")
    return event


def encode(events: list[Event]) -> bytes:
    return b"".join(
        json.dumps(event.to_json(), ensure_ascii=False, separators=(", ", ": ")).encode("utf-8")
        + b"\n"
        for event in events
    )


def append(path: Path, committed: int, content: bytes, fsync: Any) -> int:
    """Append `content` after the first `committed` bytes, durably; return the new size.

    Bytes past `committed` are the remains of a change that never completed and are cut off.
    A history shorter than `committed` (damaged by something else) is appended to as it is.
    Call it under the progress lock.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    try:
        start = os.fstat(fd).st_size
        if start > committed:
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
        return start + len(content)
    finally:
        os.close(fd)


def set_aside(path: Path, stamp: str) -> Path | None:
    """Move a history file out of the way under a timestamped name, keeping it whole."""
    if not path.exists():
        return None
    aside = path.with_name(f"{path.stem}.{stamp}{path.suffix}")
    os.replace(path, aside)
    return aside
