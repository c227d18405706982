"""Progress carried between machines through a shared folder (Syncthing, Dropbox, a git
repository, a network drive): the machines' files in it, read strictly, and this machine's own.

Each machine writes only its own file, `llmcourse-<machine>.json` (the JSON export of its
progress; `llmcourse-<machine>.<course>.json` for a course of a roadmap file of one's own), and
reads every other machine's. No two machines write the same file, so a sync service never has
two versions of one to reconcile. A machine's file is replaced atomically, and only when what
it says has changed: a round with nothing new rewrites nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from llmcourse import exchange, regular, store
from llmcourse.errors import BadValueError, ImportFileError, SyncFolderError
from llmcourse.models import BUNDLED_COURSE_ID
from llmcourse.progressfile import Event

MACHINE_ENV = "LLMCOURSE_MACHINE"
FILE_PREFIX = "llmcourse-"

# A machine's name becomes part of a file's name on every system a sync service reaches:
# lowercase (Windows, macOS and Dropbox do not tell case apart), no dot (a sync service's
# conflicted copy, `llmcourse-laptop.sync-conflict-....json`, is then never a machine's file),
# no space or bracket (nor `... (conflicted copy).json`), and short.
MACHINE = r"[a-z0-9][a-z0-9_-]{0,62}"
_MACHINE = re.compile(MACHINE)


def machine_name(given: str | None, remembered: object) -> str:
    """This machine's name: `--machine`, else `LLMCOURSE_MACHINE`, else the one remembered from
    an earlier `--machine`, else the host name (its first part, made safe for a file name)."""
    for source, value in (
        ("--machine", given),
        (MACHINE_ENV, os.environ.get(MACHINE_ENV) or None),
        ("the settings file's sync.machine", remembered),
    ):
        if value is None:
            continue
        name = str(value).lower()
        if not isinstance(value, str) or not _MACHINE.fullmatch(name):
            raise BadValueError(
                f"{source} {value!r} cannot name this machine's file: a machine's name is "
                "letters, digits, '-' and '_', up to 63, starting with a letter or digit",
                "Choose another, for example --machine laptop",
            )
        return name
    import socket

    host = socket.gethostname()
    name = re.sub(r"[^a-z0-9_-]+", "-", host.split(".")[0].lower()).strip("-_")[:63]
    if not name:
        raise BadValueError(
            f"this machine's host name {host!r} gives no name for its file",
            "Choose one with --machine NAME, for example --machine laptop",
        )
    return name


def file_name(machine: str, course_id: str) -> str:
    """The name of a machine's file for the progress on a course."""
    course = "" if course_id == BUNDLED_COURSE_ID else f".{course_id}"
    return f"{FILE_PREFIX}{machine}{course}.json"


def _machine_files(course_id: str) -> re.Pattern[str]:
    course = "" if course_id == BUNDLED_COURSE_ID else re.escape(f".{course_id}")
    return re.compile(rf"{re.escape(FILE_PREFIX)}(?P<machine>{MACHINE}){course}\.json")


def folder(given: str | None, remembered: object) -> Path:
    """The shared folder: the one given (made absolute, to be remembered), else the one
    remembered; it must be a folder that exists (a drive not mounted is not created)."""
    if given is not None:
        place = Path(given).expanduser().absolute()
    elif isinstance(remembered, str) and remembered:
        place = Path(remembered)
    elif remembered is None:
        raise BadValueError(
            "no folder given, and none remembered from an earlier sync",
            "Name the folder your sync service carries: llmcourse sync DIR",
        )
    else:
        raise SyncFolderError(
            f"the settings file's sync.folder {remembered!r} is not a folder's path",
            "Name the folder: llmcourse sync DIR (that one is then remembered)",
        )
    if not place.is_dir():
        what = "is not a folder" if place.exists() else "does not exist"
        raise SyncFolderError(
            f"the sync folder {place} {what}",
            "Name the folder your sync service carries (mounted, if it is a network drive); "
            "nothing was changed",
        )
    return place


class Skipped(NamedTuple):
    """A file in the shared folder left as it is, and why."""

    path: Path
    reason: str


class MachineFile(NamedTuple):
    """Another machine's file, read and checked."""

    machine: str
    path: Path
    export: exchange.Export


class Found(NamedTuple):
    """What the shared folder holds for this course."""

    machines: list[MachineFile]  # other machines' files that can be merged, by machine name
    skipped: list[Skipped]  # files named as a machine's that cannot be read
    conflicted: list[Path]  # a sync service's conflicted copies of machine files (never read)
    own: MachineFile | None  # this machine's file, as it is now (when it can be read)


def scan(place: Path, machine: str, course_id: str, now: datetime) -> Found:
    """Read every machine's file in `place`: this machine's own (to compare it, and to find
    another machine writing under the same name) and the others'."""
    pattern = _machine_files(course_id)
    own_name = file_name(machine, course_id)
    try:
        names = sorted(os.listdir(place))
    except OSError as err:
        raise SyncFolderError(
            f"cannot read the sync folder {place}: {err.strerror or err}",
            "Check its permissions; nothing was changed",
        ) from None
    machines: list[MachineFile] = []
    skipped: list[Skipped] = []
    conflicted: list[Path] = []
    own: MachineFile | None = None
    for name in names:
        match = pattern.fullmatch(name)
        path = place / name
        if match is None:
            if name.startswith(FILE_PREFIX) and "conflict" in name.lower():
                conflicted.append(path)
            continue  # anything else: the folder's other files, a sync service's temporaries
        if name == own_name and os.path.islink(path):
            skipped.append(Skipped(path, _NOT_WRITTEN + "it is a link"))
            continue
        read = _read(path, course_id, now)
        if read is None:
            continue  # gone since the folder was listed
        if isinstance(read, Skipped):
            if name == own_name:
                read = Skipped(path, _NOT_WRITTEN + read.reason)
            skipped.append(read)
            continue
        found = MachineFile(match["machine"], path, read)
        if name == own_name:
            own = found
        else:
            machines.append(found)
    return Found(machines, skipped, conflicted, own)


# This machine's own file is not replaced when it cannot be read: it may be another machine's
# that writes under the same name, or newer than this version.
_NOT_WRITTEN = "this machine's file, not replaced: "


def _read(path: Path, course_id: str, now: datetime) -> exchange.Export | Skipped | None:
    """A machine's file, read as `import` reads one; why not, when it cannot be."""
    try:
        content = regular.read(path, store.MAX_EXPORT_BYTES)
    except FileNotFoundError:
        return None
    except OSError as err:
        return Skipped(path, f"cannot be read: {err.strerror or err}")
    newer = _newer_version(content)
    if newer is not None:
        return Skipped(
            path,
            f"written by a newer llmcourse (export version {newer}, this one reads "
            f"{exchange.EXPORT_VERSION}); upgrade llmcourse on this machine",
        )
    try:
        return exchange.read(content, str(path), course_id, now)
    except ImportFileError as err:
        reason = err.message.removeprefix(f"{path}: ").removeprefix(f"{path} ")
        if reason.startswith("not a JSON document"):
            reason += "; it may still be copying"
        return Skipped(path, reason)


def _newer_version(content: bytes) -> int | None:
    try:
        doc: Any = json.loads(content)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != exchange.EXPORT_FORMAT:
        return None
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        return version if version > exchange.EXPORT_VERSION else None
    return None


def to_merge(found: Found, history: list[Event]) -> tuple[list[tuple[str, exchange.Export]], bool]:
    """The exports to merge, by machine name; and whether this machine's own file holds events
    its history lacks (then it is merged too: another machine writes under the same name, or
    this progress was restored from an older copy, and either way nothing is lost)."""
    machines = [(found_.machine, found_.export) for found_ in found.machines]
    if found.own is None:
        return machines, False
    known = {event.key() for event in history}
    if all(event.key() in known for event in found.own.export.history):
        return machines, False
    return [(found.own.machine, found.own.export), *machines], True


def current(path: Path) -> bytes | None:
    """This machine's file as it is now (read again under the progress lock, where another
    sync on this machine may have just written it); None when there is none to read."""
    try:
        return regular.read(path, store.MAX_EXPORT_BYTES)
    except OSError:
        return None


def previous_time(content: bytes | None) -> datetime | None:
    """When this machine's file was written: its export time, kept when nothing else changes,
    so that a round with nothing new leaves the file's bytes as they are."""
    if content is None:
        return None
    with contextlib.suppress(ValueError, TypeError, KeyError, RecursionError):
        stamp = json.loads(content)["exported"]
        return datetime.fromisoformat(stamp)
    return None


def write_own(path: Path, content: bytes, previous: bytes | None) -> bool:
    """Replace this machine's file with `content`, atomically, unless it holds it already;
    whether it was written."""
    if previous == content:
        return False
    # Only this file's own temporaries that a killed sync left: the folder is shared, and the
    # others are other machines' (whose writers are not processes here).
    mine = f".{path.name}.llmcourse-"
    for stale in store.stale_temporaries(path):
        if stale.name.startswith(mine):
            with contextlib.suppress(OSError):
                stale.unlink()
    new = not os.path.lexists(path)
    try:
        store.write_atomic(path, content)
        if new:  # readable as the learner's other files are, for a sync service or git
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(path, 0o666 & ~umask)
    except OSError as err:
        raise SyncFolderError(
            f"cannot write this machine's file {path}: {err.strerror or err}",
            "Check that the sync folder is writable; your progress has the other machines' "
            "changes, and the next sync writes the file",
        ) from None
    return True
